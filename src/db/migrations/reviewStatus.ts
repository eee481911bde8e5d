// Reports from before review have no reviewStatus: they are "submitted" (nobody has checked them). Set once, at
// start, so that the review queues can find them by index; a marker in `migrations` makes later starts one read.
import type { Models } from "../models/index.js";
import { runOnce } from "./once.js";

const DONE_MARKER = "report-review-status";

export function backfillReviewStatusOnce(models: Models, now: () => Date): Promise<number> {
  return runOnce(models.Report.db, DONE_MARKER, now, async () => {
    const res = await models.Report.collection.updateMany({ reviewStatus: { $exists: false } }, { $set: { reviewStatus: "submitted" } });
    return res.modifiedCount;
  });
}

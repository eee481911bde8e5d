// Reports from before review have no reviewStatus: they are "submitted" (nobody has checked them). Set once, at
// start, so that the review queues can find them by index; a marker in `migrations` makes later starts one read.
import type { Models } from "../models/index.js";

const DONE_MARKER = "report-review-status";

export async function backfillReviewStatusOnce(models: Models, now: () => Date): Promise<number> {
  const migrations = models.Report.db.collection<{ _id: string; at: Date }>("migrations");
  if (await migrations.findOne({ _id: DONE_MARKER })) return 0;
  const res = await models.Report.collection.updateMany({ reviewStatus: { $exists: false } }, { $set: { reviewStatus: "submitted" } });
  await migrations.insertOne({ _id: DONE_MARKER, at: now() }).catch((err: unknown) => {
    if ((err as { code?: number }).code !== 11000) throw err;
  });
  return res.modifiedCount;
}

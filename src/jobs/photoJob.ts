// Keeps and checks report photos in the background (services/photoService.ts): every minute, the due photos are
// downloaded, hashed and compared. A minute's run is claimed once across instances like every job; each photo is
// claimed again inside processDue, so a run cut short loses nothing.
import type { PhotoService } from "../services/photoService.js";
import { minutePeriod } from "./periods.js";
import type { JobDefinition } from "./runner.js";

export const PHOTO_JOB = "photos.check";
/** Photos per run: about a second each (download, decode, compare), well inside the lease. */
export const PHOTOS_PER_RUN = 30;

export function createPhotoJob(deps: { photos: Pick<PhotoService, "processDue">; limit?: number }): JobDefinition {
  return {
    name: PHOTO_JOB,
    leaseMs: 5 * 60_000,
    duePeriods: (now) => [minutePeriod(now)],
    run: async () => ({ ...(await deps.photos.processDue(deps.limit ?? PHOTOS_PER_RUN)) }),
  };
}

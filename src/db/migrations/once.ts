// A start-up migration that runs to the end once per database: a marker in `migrations` makes every later start one
// read by _id. Work interrupted before the marker runs again at the next start, so it must be safe to repeat.
import type { Connection } from "mongoose";
import { isDuplicateKey } from "../duplicateKey.js";

/** Runs `work` unless `marker` says it ran; returns what it returns, or 0 when it had run before. */
export async function runOnce(db: Connection, marker: string, now: () => Date, work: () => Promise<number>): Promise<number> {
  const migrations = db.collection<{ _id: string; at: Date }>("migrations");
  if (await migrations.findOne({ _id: marker })) return 0;
  const done = await work();
  // Two copies starting at once both run the work (it is safe to repeat) and one marker goes in.
  await migrations.insertOne({ _id: marker, at: now() }).catch((err: unknown) => {
    if (!isDuplicateKey(err)) throw err;
  });
  return done;
}

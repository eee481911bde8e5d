// Group commit for inserts. SQLite (under FerretDB) writes one transaction at a time, so thirty single-document
// inserts issued by thirty concurrent sends queue behind each other. Inserts requested in the same tick go out as one
// unordered insertMany; each caller learns whether its document went in or hit a unique index (duplicate), exactly
// as a single insert would have told it. No timer: nothing waits longer than the current tick.
import { bulkWriteErrors, isDuplicateKey } from "../db/duplicateKey.js";

export type InsertOutcome = "inserted" | "duplicate";

interface Pending<T> {
  doc: T;
  resolve: (o: InsertOutcome) => void;
  reject: (err: unknown) => void;
}

export type Insert<T> = (doc: T) => Promise<InsertOutcome>;

export function createInsertBatcher<T>(insertMany: (docs: T[]) => Promise<unknown>, maxBatch = 200): Insert<T> {
  let queue: Pending<T>[] = [];
  let scheduled = false;

  async function flush(): Promise<void> {
    scheduled = false;
    const batch = queue.slice(0, maxBatch);
    queue = queue.slice(batch.length);
    if (queue.length) schedule();
    try {
      await insertMany(batch.map((p) => p.doc));
      for (const p of batch) p.resolve("inserted");
    } catch (err) {
      const writeErrors = bulkWriteErrors(err);
      if (!writeErrors) {
        for (const p of batch) p.reject(err);
        return;
      }
      const byIndex = new Map(writeErrors.map((w) => [w.index, w]));
      batch.forEach((p, i) => {
        const w = byIndex.get(i);
        if (!w) p.resolve("inserted");
        else if (isDuplicateKey(w)) p.resolve("duplicate");
        else p.reject(Object.assign(new Error(`insert failed with code ${w.code}`), { code: w.code }));
      });
    }
  }

  function schedule(): void {
    scheduled = true;
    setImmediate(() => void flush());
  }

  return (doc) =>
    new Promise<InsertOutcome>((resolve, reject) => {
      queue.push({ doc, resolve, reject });
      if (!scheduled) schedule();
    });
}

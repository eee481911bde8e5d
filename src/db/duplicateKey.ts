// MongoDB's duplicate-key error (code 11000, "E11000 duplicate key error …"), which FerretDB reports the same way.
// Idempotency in this project comes from unique indexes, not transactions: an insert refused by one means "someone
// already did this", so many callers catch exactly this error. It is recognised here and nowhere else.

export const DUPLICATE_KEY_CODE = 11000;

/**
 * A duplicate-key refusal: a failed insert or update, or one write error of a bulk write (the driver's WriteError
 * has `code`; a raw write error keeps it in `err.code`).
 */
export function isDuplicateKey(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { code?: unknown; err?: { code?: unknown } | null };
  return (e.code ?? e.err?.code) === DUPLICATE_KEY_CODE;
}

export interface WriteErrorLike {
  /** The position of the refused document in the batch (-1 when the driver did not say). */
  index: number;
  code?: number;
}

/** The per-document errors of an unordered insertMany, or undefined when the error is something else. */
export function bulkWriteErrors(err: unknown): WriteErrorLike[] | undefined {
  const e = err as { writeErrors?: unknown };
  if (!e || typeof e !== "object") return undefined;
  const raw = e.writeErrors;
  const one = (w: { index?: number; code?: number; err?: { index?: number; code?: number } }): WriteErrorLike => ({
    index: w.index ?? w.err?.index ?? -1,
    code: w.code ?? w.err?.code,
  });
  if (Array.isArray(raw)) return raw.map(one);
  if (raw && typeof raw === "object") return [one(raw as { index?: number; code?: number })];
  return undefined;
}

/**
 * Whether a failed (unordered) bulk insert was refused only for duplicates: every document that did not go in was
 * already there. An error without per-document errors is judged by itself.
 */
export function onlyDuplicateKeys(err: unknown): boolean {
  const writeErrors = bulkWriteErrors(err);
  if (!writeErrors || writeErrors.length === 0) return isDuplicateKey(err);
  return writeErrors.every(isDuplicateKey);
}

/**
 * An update by _id that makes the document when it is missing. Two first writers at once: one upsert inserts, the
 * other is refused by the unique _id and applies its update to the document the first made.
 */
export async function upsertById(
  model: { updateOne(filter: { _id: string }, update: object, options?: { upsert?: boolean }): PromiseLike<unknown> },
  _id: string,
  update: object,
): Promise<void> {
  try {
    await model.updateOne({ _id }, update, { upsert: true });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    await model.updateOne({ _id }, update);
  }
}

/** Runs an insert under a unique key: true when it went in, false when the key was taken already. */
export async function insertedNew(insert: () => PromiseLike<unknown>): Promise<boolean> {
  try {
    await insert();
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

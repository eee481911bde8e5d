// People, conversation states, reports and report versions used to be stored under generated ObjectIds and found by
// another field (`telegramId`, `key`, `eventId`), which FerretDB's SQLite backend answers by scanning the collection on
// every update. They are now keyed by it (_id === telegramId, "chat:<id>", the event's id, "<event>:<version>").
// This moves older documents over, once, at start.
//
// Crash-safe without transactions: each legacy document is first copied to a side collection, then removed and
// re-inserted under its new key, then the copy is dropped. A run interrupted anywhere is finished by the next one,
// which also restores from the side collection any document whose re-insert never happened.
import type { Collection, Document } from "mongodb";
import { isDuplicateKey } from "../duplicateKey.js";
import type { Models } from "../models/index.js";
import { runOnce } from "./once.js";

/** Marks in the `migrations` collection that the re-keying ran to its end on this database. */
const DONE_MARKER = "rekey-by-read-key";

/**
 * Re-keys legacy documents unless an earlier start did so to the end: one read by _id at every start, instead of
 * reading four growing collections (reports, versions) each time. Returns how many documents moved.
 */
export function rekeyLegacyDocumentsOnce(models: Models, now: () => Date): Promise<number> {
  return runOnce(models.Person.db, DONE_MARKER, now, () => rekeyLegacyDocuments(models));
}

/** Re-keys legacy people, conversation states, reports and versions; returns how many documents moved. */
export async function rekeyLegacyDocuments(models: Models): Promise<number> {
  const people = await rekey(models.Person.collection, sideOf(models, "people"), (d) =>
    typeof d.telegramId === "number" ? { ...d, _id: d.telegramId } : undefined,
  );
  // The old unique index on `key` would refuse a second document without one.
  await models.ConversationState.collection.dropIndex("key_1").catch(() => {});
  // A legacy state held its replay log inline: it becomes a log entry (written first, so a head never points to
  // nothing) and a small head pointing at it.
  const legacyLogId = (key: string) => `${key}#legacy`;
  for (const d of await models.ConversationState.collection.find({}).toArray()) {
    if (typeof d.key !== "string" || typeof d.value !== "string") continue;
    await models.ConversationLog.collection
      .insertOne({ _id: legacyLogId(d.key) as never, value: d.value, at: d.updatedAt ?? new Date() })
      .catch(ignoreDuplicate);
  }
  const states = await rekey(models.ConversationState.collection, sideOf(models, "conversation_states"), (d) => {
    if (typeof d.key !== "string") return undefined;
    return {
      _id: d.key,
      logId: typeof d.value === "string" ? legacyLogId(d.key) : null,
      handledUpdateIds: [],
      updatedAt: d.updatedAt ?? new Date(),
    };
  });
  // An event's report is keyed by the event's id, and each of its versions by "<event>:<version>".
  const reports = await rekey(models.Report.collection, sideOf(models, "reports"), (d) =>
    d.eventId !== undefined && String(d._id) !== String(d.eventId) ? { ...d, _id: d.eventId } : undefined,
  );
  const versions = await rekey(models.ReportVersion.collection, sideOf(models, "report_versions"), (d) =>
    typeof d._id !== "string" && d.eventId !== undefined ? { ...d, _id: `${String(d.eventId)}:${String(d.version)}` } : undefined,
  );
  return people + states + reports + versions;
}

function sideOf(models: Models, name: string): Collection<Document> {
  return models.Person.db.collection(`${name}_rekey`);
}

async function rekey(
  target: Collection<Document>,
  side: Collection<Document>,
  /** The document as it is stored now, or undefined when `doc` is not a legacy document. */
  convert: (doc: Document) => Document | undefined,
): Promise<number> {
  // Start-up only, over the whole collection: the "is it legacy" filter is done here rather than with $type so that
  // it reads the same on MongoDB and FerretDB.
  const legacy = (await target.find({}).toArray()).filter((d) => {
    const converted = convert(d);
    return converted !== undefined && String(converted._id) !== String(d._id);
  });
  const pending = [...(await side.find({}).toArray()), ...legacy];
  for (const doc of pending) {
    const converted = convert(doc);
    await side.insertOne(doc).catch(ignoreDuplicate);
    await target.deleteOne({ _id: doc._id });
    if (converted) await target.insertOne(converted).catch(ignoreDuplicate);
    await side.deleteOne({ _id: doc._id });
  }
  return pending.length;
}

/** A re-run finding its earlier insert already done. */
function ignoreDuplicate(err: unknown): void {
  if (!isDuplicateKey(err)) throw err;
}

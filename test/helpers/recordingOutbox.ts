// An outbox for scheduler tests that records every enqueue attempt and keeps one message per key in the test
// database (insert with _id = key: the same unique-key contract as the delivery outbox). `attempts` shows how often
// a job tried to queue something; `stored()` shows what would be sent.
import type { Connection } from "mongoose";
import type { Outbox, OutboxMessage } from "../../src/jobs/outbox.js";

export interface StoredMessage {
  _id: string;
  chatId: number;
  text: string | null;
  caption: string | null;
  hasPhoto: boolean;
  photoBytes: number;
  buttons: string | null;
  seq: number;
}

export class RecordingOutbox implements Outbox {
  attempts: OutboxMessage[] = [];
  photos = new Map<string, Buffer>();
  private static seq = 0;

  constructor(private readonly connection: Connection) {}

  private get collection() {
    return this.connection.db!.collection<StoredMessage>("test_outbox");
  }

  async enqueue(messages: readonly OutboxMessage[]): Promise<number> {
    this.attempts.push(...messages);
    if (messages.length === 0) return 0;
    const docs = messages.map((m) => ({
      _id: m.key,
      chatId: m.chatId,
      text: m.text ?? null,
      caption: m.photo?.caption ?? null,
      hasPhoto: Boolean(m.photo),
      photoBytes: m.photo?.png.length ?? 0,
      buttons: m.buttons ? JSON.stringify(m.buttons) : null,
      seq: RecordingOutbox.seq++,
    }));
    // One command for the lot; a key already there is refused alone (unordered) and not counted.
    let inserted: Set<string>;
    try {
      await this.collection.insertMany(docs, { ordered: false });
      inserted = new Set(docs.map((d) => d._id));
    } catch (err) {
      const e = err as { code?: number; writeErrors?: { code?: number; index: number }[] | { code?: number; index: number } };
      const errors = Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : [];
      if (errors.length === 0 || errors.some((w) => w.code !== 11000)) throw err;
      const refused = new Set(errors.map((w) => w.index));
      inserted = new Set(docs.filter((_, i) => !refused.has(i)).map((d) => d._id));
    }
    for (const m of messages) if (m.photo && inserted.has(m.key)) this.photos.set(m.key, m.photo.png);
    return inserted.size;
  }

  async stored(): Promise<StoredMessage[]> {
    return (await this.collection.find({}).toArray()).sort((a, b) => a.seq - b.seq);
  }

  async keys(prefix = ""): Promise<string[]> {
    return (await this.stored()).map((m) => m._id).filter((k) => k.startsWith(prefix));
  }
}

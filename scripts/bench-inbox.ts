// What the leased inbox costs per update (issue 13): the same updates (many chats, a few each) stored and handled
//   (a) the old way's database work: store, then remove (no lease, no chat read), one copy;
//   (b) through the leased dispatcher (a chat's lease, its stored updates read, removed, released), one copy;
//   (c) the same, three copies on one database, each update stored by the next copy in turn.
// The handler does nothing, so the figures are the intake's own. FerretDB (SQLite), as in the tests.
//   npx tsx scripts/bench-inbox.ts [chats=100] [perChat=5]
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Update } from "grammy/types";
import { connectDatabase, ensureIndexes, type Database } from "../src/db/connection.js";
import { startLocalServer } from "../src/db/localServer.js";
import { createInbox } from "../src/db/inbox.js";
import { createLeases } from "../src/db/leases.js";
import { createLogger } from "../src/logger.js";
import { createDispatcher } from "../src/telegram/dispatcher.js";

const CHATS = Number(process.argv[2] ?? 100);
const PER_CHAT = Number(process.argv[3] ?? 5);
const log = (m: string) => process.stdout.write(`[bench-inbox] ${m}\n`);
const logger = createLogger({ level: "silent" });
const now = () => new Date();
const dataDir = mkdtempSync(path.join(os.tmpdir(), "bench-inbox-"));
const server = await startLocalServer({ dataDir, log: () => {} });
let nextId = 1;

function batch(): Update[][] {
  // Round by round: every chat's k-th update, so that a chat's updates are spread over time as in life.
  return Array.from({ length: PER_CHAT }, () =>
    Array.from({ length: CHATS }, (_, c) => ({
      update_id: nextId++,
      message: { message_id: nextId, date: 1, chat: { id: 5_000_000 + c, type: "private" }, text: "x" },
    }) as unknown as Update),
  );
}

async function run(label: string, copies: number, leased: boolean): Promise<void> {
  const dbName = `bench_${label.replace(/\W/g, "")}`;
  const dbs: Database[] = [];
  for (let i = 0; i < copies; i++) dbs.push(await connectDatabase({ uri: server.uri, dbName }));
  await ensureIndexes(dbs[0]!.models);
  let handled = 0;
  const total = CHATS * PER_CHAT;
  const parts = dbs.map((d, i) => {
    const inbox = createInbox(d.models, now);
    const dispatcher = createDispatcher({
      inbox,
      chatLeases: createLeases(d.models.InboxChat, { owner: `copy-${i}`, now, ttlMs: 30_000 }),
      logger,
      perChatBacklog: 1_000,
      handle: async () => void handled++,
    });
    return { inbox, dispatcher };
  });
  const started = performance.now();
  let turn = 0;
  for (const round of batch()) {
    await Promise.all(
      round.map(async (u) => {
        const part = parts[turn++ % parts.length]!;
        const fresh = await part.inbox.save([u]);
        if (!leased) {
          handled++;
          await part.inbox.done(u.update_id);
        } else for (const f of fresh) part.dispatcher.accept(f);
      }),
    );
  }
  while (handled < total) await new Promise((r) => setTimeout(r, 5));
  const ms = performance.now() - started;
  log(`${label}: ${total} updates from ${CHATS} chats in ${(ms / 1000).toFixed(1)} s: ${Math.round(total / (ms / 1000))} updates/s, ${(ms / total).toFixed(1)} ms of wall time per update`);
  for (const p of parts) await p.dispatcher.drain(5_000);
  await dbs[0]!.connection.dropDatabase();
  for (const d of dbs) await d.close();
}

try {
  await run("store and remove (the old database work)", 1, false);
  await run("leased, one copy", 1, true);
  await run("leased, three copies", 3, true);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

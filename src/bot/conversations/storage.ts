// Conversation state in MongoDB: per chat a small head in conversation_states ("chat:<id>") pointing at the current
// replay log in conversation_logs (insert-only; see db/models/conversationState.ts for why). The plugin's replay log
// holds raw updates, whose inline keyboards are nested arrays (which FerretDB cannot store), so it is JSON text.
//
// Head and log are read once per update, each by _id (loadConversationRecord, before any other middleware needs
// them), and the plugin's storage adapter works from that read: never a scan. Every write also records the update's
// id, so a redelivered update (at-least-once polling, a crash between handling and confirming) is recognised and
// skipped instead of being taken as the answer to the next question. A finished conversation leaves the head with
// no log for the same reason; the idle-conversations job removes those heads, and logs no head points to, later.
import type { Context, MiddlewareFn } from "grammy";
import type { ConversationData, VersionedState, ConversationStorage } from "@grammyjs/conversations";
import type { ConversationRecord, ConversationStore } from "../../services/conversationStore.js";
import { retryTransient, type DbRetryOptions } from "./retry.js";
import { UNVERSIONED_STATE_VERSION, conversationVersion } from "./versions.js";

/**
 * The version of the stored layout, the same for every conversation (the plugin drops a state stored under another).
 * Not for changes to a conversation's steps: those bump that conversation's own version (versions.ts), which every
 * write records next to the plugin's state, so that a change to one conversation ends only its stored states.
 */
export const CONVERSATION_STORAGE_VERSION = 1;

/** How many recent update ids a chat's document remembers (a redelivery after a crash is at most one batch). */
export const REMEMBERED_UPDATE_IDS = 50;

export function conversationKeyOf(ctx: Context): string | undefined {
  return ctx.chatId === undefined ? undefined : `chat:${ctx.chatId}`;
}

type Stored = VersionedState<ConversationData>;

/** What a chat's log holds: the plugin's versioned state, and the version of each conversation in it when written. */
interface StoredRecord extends Stored {
  /** Absent in states written before versions were kept per conversation (see UNVERSIONED_STATE_VERSION). */
  conversationVersions?: Record<string, number>;
}

/** A chat's head with the replay log it points to (value null: no conversation in progress). */
export type ConversationRecordDoc = ConversationRecord;

/** What loadConversationRecord read for this update: the chat's head and log (null when none), under its key. */
export interface ConversationRecordFlavor {
  conversationRecord?: {
    key: string;
    doc: ConversationRecordDoc | null;
    /** A conversation was in progress when the update arrived (the error boundary says whether it was kept). */
    loadedWithConversation: boolean;
    /**
     * The log parsed by the version check, handed to the plugin's first read so the JSON (which grows with the
     * steps taken) is parsed once per update, not twice. Taken, not shared: the plugin may change what it reads.
     */
    parsed?: { value: string; state: StoredRecord };
  };
}

type WithRecord = Context & ConversationRecordFlavor;

/** Reads the chat's conversation document once, for everything this update does with it. */
export function loadConversationRecord(store: ConversationStore, retry: DbRetryOptions = {}): MiddlewareFn<WithRecord> {
  return async (ctx, next) => {
    const key = conversationKeyOf(ctx);
    if (key !== undefined) {
      const doc = await retryTransient(() => store.read(key), retry);
      ctx.conversationRecord = { key, doc, loadedWithConversation: Boolean(doc?.value) };
    }
    await next();
  };
}

/** True when this chat's stored conversation has already taken this very update. */
export function alreadyHandled(ctx: WithRecord): boolean {
  return ctx.conversationRecord?.doc?.handledUpdateIds.includes(ctx.update.update_id) ?? false;
}

/** Why this chat's stored conversation no longer fits the code, if it does not: which one, stored and current version. */
export interface StaleConversation {
  id: string;
  stored: unknown;
  current: number | undefined;
}

/**
 * The first conversation in this chat's stored state whose version is not the current one (or that the bot no longer
 * has, or a state of another storage layout); undefined when there is no stored state or all of it fits.
 */
export function staleConversationOf(ctx: WithRecord): StaleConversation | undefined {
  const record = ctx.conversationRecord;
  const value = record?.doc?.value;
  if (!record || value === null || value === undefined) return undefined;
  let stored: StoredRecord;
  try {
    stored = JSON.parse(value) as StoredRecord;
  } catch {
    return { id: "?", stored: "unreadable", current: undefined };
  }
  record.parsed = { value, state: stored };
  if (stored.version?.[1] !== CONVERSATION_STORAGE_VERSION) {
    return { id: "*", stored: stored.version?.[1], current: CONVERSATION_STORAGE_VERSION };
  }
  for (const [id, states] of Object.entries(stored.state ?? {})) {
    if (!Array.isArray(states) || states.length === 0) continue;
    const storedVersion = stored.conversationVersions?.[id] ?? UNVERSIONED_STATE_VERSION;
    const current = conversationVersion(id);
    if (storedVersion !== current) return { id, stored: storedVersion, current };
  }
  return undefined;
}

/** The current version of every conversation in `state`, recorded with it. */
function versionsOf(state: ConversationData): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of Object.keys(state)) {
    const version = conversationVersion(id);
    if (version !== undefined) out[id] = version;
  }
  return out;
}

export function createConversationStorage<C extends WithRecord>(
  store: ConversationStore,
  retry: DbRetryOptions = {},
): ConversationStorage<C, ConversationData> {
  // A write that fails for a passing reason is tried again: the stored state must follow what the person was shown.
  const save = (ctx: C, value: string | null) => retryTransient(() => saveRecord(store, ctx, value), retry);
  return {
    type: "context",
    version: CONVERSATION_STORAGE_VERSION,
    adapter: {
      read(ctx: C): Stored | undefined {
        const record = ctx.conversationRecord;
        const value = record?.doc?.value;
        if (!value) return undefined;
        const parsed = record.parsed;
        record.parsed = undefined;
        return parsed?.value === value ? parsed.state : (JSON.parse(value) as Stored);
      },
      // Written only after staleConversationGuard has ended any state of an older version: every conversation in
      // `state` runs the current code, so the current versions are the right ones to record.
      write: (ctx: C, state: Stored) => {
        const record: StoredRecord = { ...state, conversationVersions: versionsOf(state.state) };
        return save(ctx, JSON.stringify(record));
      },
      delete: (ctx: C) => save(ctx, null),
    },
  };
}

/** Writes this chat's state (value null: finished), adding this update to those it remembers. */
async function saveRecord(store: ConversationStore, ctx: WithRecord, value: string | null): Promise<void> {
  const record = ctx.conversationRecord;
  if (!record) return;
  const handledUpdateIds = [...(record.doc?.handledUpdateIds ?? []), ctx.update.update_id].slice(-REMEMBERED_UPDATE_IDS);
  record.doc = await store.write(record.key, value, handledUpdateIds);
}

/** Ends this chat's conversation for good (an error inside it, an outdated version), remembering the update. */
export async function dropConversation(ctx: WithRecord, store: ConversationStore): Promise<void> {
  if (!ctx.conversationRecord?.doc?.value) return;
  await saveRecord(store, ctx, null);
}

export { CONVERSATION_IDLE_MS } from "../../domain/conversations.js";

// One version per conversation. A stored half-finished conversation is a replay log: the sequence of operations
// (waits, externals, Bot API calls) its code performed so far. When a conversation's code changes that sequence,
// logs stored by the old code no longer fit it, so bump that conversation's version here: the people caught mid-way
// in it (and only in it) are told to start again (middleware/staleConversation.ts). test/bot/conversationReplay
// .test.ts fails when a conversation's sequence changes and its version was not bumped.
import { CLUSTER_CREATE, CLUSTER_RENAME } from "./clusterName.js";
import { DIRECTIVE_CONVERSATION } from "./directive.js";
import { INVITE_CONVERSATION } from "./invite.js";
import { MOVE_EVENT_CONVERSATION } from "./moveEvent.js";
import { NEW_EVENT_CONVERSATION } from "./newEvent.js";
import { PROGRAMME_ITEM_CONVERSATION } from "./programmeItem.js";
import { REPORT_CONVERSATION } from "./report.js";
import { REVIEW_MESSAGE_CONVERSATION } from "./reviewMessage.js";
import { REVIEW_REASON_CONVERSATION } from "./reviewReason.js";
import { NEW_PHASE_CONVERSATION } from "./newPhase.js";
import { RAISE_TARGET_CONVERSATION } from "./raiseTarget.js";

export const CONVERSATION_VERSIONS = {
  [NEW_EVENT_CONVERSATION]: 1,
  [REPORT_CONVERSATION]: 2,
  [MOVE_EVENT_CONVERSATION]: 1,
  [INVITE_CONVERSATION]: 1,
  [DIRECTIVE_CONVERSATION]: 2,
  [PROGRAMME_ITEM_CONVERSATION]: 1,
  [CLUSTER_CREATE]: 1,
  [CLUSTER_RENAME]: 1,
  [REVIEW_REASON_CONVERSATION]: 1,
  [REVIEW_MESSAGE_CONVERSATION]: 1,
  [NEW_PHASE_CONVERSATION]: 1,
  [RAISE_TARGET_CONVERSATION]: 1,
} as const satisfies Record<string, number>;

/** The id of a conversation the bot installs. */
export type ConversationId = keyof typeof CONVERSATION_VERSIONS;

/**
 * The version of conversations stored before versions were kept per conversation: all of them ran under one shared
 * version, 1, so such a state is taken as version 1 of whichever conversation it holds.
 */
export const UNVERSIONED_STATE_VERSION = 1;

/** The current version of conversation `id`; undefined for an id the bot no longer has. */
export function conversationVersion(id: string): number | undefined {
  return Object.hasOwn(CONVERSATION_VERSIONS, id) ? CONVERSATION_VERSIONS[id as ConversationId] : undefined;
}

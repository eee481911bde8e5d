// How long a guided conversation may wait for its next answer. Shared by the bot (the plugin ends a conversation
// left this long when the person writes again) and the idle job (which ends it visibly and clears its state).

/** A conversation left untouched this long ends; the next message starts afresh. */
export const CONVERSATION_IDLE_MS = 24 * 60 * 60 * 1000;

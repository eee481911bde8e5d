// callback_data of buttons that jobs send and the bot answers: one codec, so a reminder's button and /report's list
// open the same thing.

/** callback_data of a "report this event" button: `rp:<24 hex event id>` (27 bytes). */
export const REPORT_CALLBACK_PREFIX = "rp:";
export const reportButtonData = (eventId: string): string => `${REPORT_CALLBACK_PREFIX}${eventId}`;
/** Matches a "report this event" button; the event id is group 1. */
export const REPORT_CALLBACK_RE = /^rp:([0-9a-f]{24})$/;

/** callback_data that opens a report's card in /review: `rv:c:<24 hex event id>`. */
export const reviewCardData = (eventId: string): string => `rv:c:${eventId}`;

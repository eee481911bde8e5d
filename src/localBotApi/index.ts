// A local, in-process Telegram Bot API: backs the sandbox mode and every bot test (Telegram is not reachable).
export { LocalBotApi, DEFAULT_BOT_INFO, type LocalBotApiOptions } from "./localBotApi.js";
export type { ClickOptions, MediaSpec, UserContent, UserMessageOptions, UserSpec } from "./control.js";
export { tooManyRequests, internalServerError, networkFailure, sendTimeout } from "./faults.js";
export type { FaultMatcher, FaultOptions, FaultResponse, RateLimit, RateLimits } from "./faults.js";
export type { StoredFile } from "./files.js";
export type { RunningServer } from "./server.js";
export type { CallRecord, CallbackAnswer, LocalBotApiEvents, TranscriptEntry, WebhookSettings } from "./state.js";
export { BotApiError } from "./errors.js";
export { parseHtml } from "./html.js";

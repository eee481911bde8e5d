// LocalBotApi: an in-process Telegram Bot API server. grammY talks to it through createFetch() or over HTTP
// (listen()); tests and the sandbox UI play the users through the control methods and read the transcript back.
import type { ApiResponse, BotCommand, CallbackQuery, Chat, Message, Update, UserFromGetMe } from "grammy/types";
import {
  addUser,
  clickButton,
  sendUserMessage,
  setBlockedByUser,
  type ClickOptions,
  type MediaSpec,
  type UserContent,
  type UserMessageOptions,
  type UserSpec,
} from "./control.js";
import { BotApiError, NetworkFault, notFound, tooManyRequestsError, unauthorized } from "./errors.js";
import { FaultInjector, RateLimiter, faultError, tooManyRequests, type FaultMatcher, type FaultOptions, type FaultResponse, type RateLimits } from "./faults.js";
import { createBotApiFetch, type BotApiEndpoint } from "./fetch.js";
import type { StoredFile } from "./files.js";
import { findMethod } from "./methods/index.js";
import type { Params } from "./params.js";
import { listenBotApi, type RunningServer } from "./server.js";
import { World, commandsKey, type CallRecord, type CallbackAnswer, type TranscriptEntry, type WebhookSettings } from "./state.js";
import type { AbortSignalLike } from "./updates.js";

export interface LocalBotApiOptions {
  /** Who the bot is; getMe answers this, with the remaining UserFromGetMe flags defaulted. */
  botInfo?: Pick<UserFromGetMe, "id" | "first_name" | "username"> & Partial<UserFromGetMe>;
  /** The clock for message dates and rate limits (ms since the epoch). Long-poll timeouts use real time. */
  now?: () => number;
  /** Accept exactly this token. Default: any well-formed token "<bot id>:<secret>" for botInfo.id. */
  token?: string;
  /** Simulate Telegram's flood control from the start (see setRateLimits). */
  rateLimits?: RateLimits;
}

export const DEFAULT_BOT_INFO: UserFromGetMe = {
  id: 7_000_000_001,
  is_bot: true,
  first_name: "Sanyojak (local)",
  username: "sanyojak_local_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

const TOKEN = /^(\d+):[A-Za-z0-9_-]+$/;

export class LocalBotApi implements BotApiEndpoint {
  readonly botInfo: UserFromGetMe;
  private readonly world: World;
  private readonly callLog: CallRecord[] = [];
  private readonly faults = new FaultInjector();
  private rateLimiter: RateLimiter | undefined;
  private readonly token: string | undefined;

  constructor(options: LocalBotApiOptions = {}) {
    this.botInfo = { ...DEFAULT_BOT_INFO, ...options.botInfo, is_bot: true };
    this.world = new World(this.botInfo, options.now ?? Date.now);
    this.token = options.token;
    this.setRateLimits(options.rateLimits);
  }

  /** 'update', 'botMessage', 'userMessage', 'edit', 'delete', 'chatAction', 'callbackAnswer', 'call'. */
  get events(): World["events"] {
    return this.world.events;
  }

  // --- The Bot API ---------------------------------------------------------------------------------------------

  /** Answers one Bot API call like Telegram. Throws only for an injected network failure (there is no answer). */
  async handle(token: string, method: string, params: Params, options: { signal?: AbortSignalLike } = {}): Promise<ApiResponse<unknown>> {
    const call: CallRecord = { method, params: { ...params }, time: this.world.now() };
    this.callLog.push(call);
    let response: ApiResponse<unknown>;
    try {
      response = { ok: true, result: await this.dispatch(token, method, params, options.signal) };
    } catch (error) {
      if (error instanceof NetworkFault) {
        call.ok = false;
        call.error = { error_code: 0, description: `network failure (${error.kind})` };
        this.world.events.emit("call", call);
        throw error;
      }
      response =
        error instanceof BotApiError
          ? error.toResponse()
          : { ok: false, error_code: 500, description: `Internal Server Error: ${error instanceof Error ? error.message : String(error)}` };
    }
    call.ok = response.ok;
    if (response.ok) call.result = response.result;
    else call.error = { error_code: response.error_code, description: response.description, ...(response.parameters ? { parameters: response.parameters } : {}) };
    this.world.events.emit("call", call);
    return response;
  }

  private async dispatch(token: string, method: string, params: Params, signal: AbortSignalLike | undefined): Promise<unknown> {
    if (!this.isValidToken(token)) throw unauthorized();
    const implementation = findMethod(method);
    if (!implementation) throw notFound();
    const fault = this.faults.take(method, params);
    if (fault && !fault.afterEffect) throw faultError(fault.response);
    if (this.rateLimiter && RateLimiter.appliesTo(method)) {
      const wait = this.rateLimiter.check(String(params.chat_id ?? ""));
      if (wait !== undefined) throw tooManyRequestsError(wait);
    }
    const result = await implementation({ world: this.world, ...(signal ? { signal } : {}) }, params);
    if (fault) throw faultError(fault.response, true); // the effect happened; the caller still sees a failure
    return result;
  }

  private isValidToken(token: string): boolean {
    if (this.token !== undefined) return token === this.token;
    const match = TOKEN.exec(token);
    return match !== null && Number(match[1]) === this.botInfo.id;
  }

  /** The bytes behind a getFile file_path (`<root>/file/bot<token>/<path>`). */
  download(token: string, path: string): Uint8Array | undefined {
    if (!this.isValidToken(token)) return undefined;
    return this.world.files.byPath(path)?.data;
  }

  /** A fetch for grammY: `new Bot(token, { client: { apiRoot: "http://local.test", fetch: api.createFetch() } })`. */
  createFetch(): typeof fetch {
    return createBotApiFetch(this);
  }

  /** Serves the Bot API over HTTP; give the returned url to grammY as apiRoot (or BOT_API_ROOT). */
  listen(port = 0, host = "127.0.0.1"): Promise<RunningServer> {
    return listenBotApi(this, port, host);
  }

  // --- What users do -------------------------------------------------------------------------------------------

  /** Opens a private chat with a user without a message, so the bot can write first (or answer hand-built updates). */
  addUser(user: UserSpec): Chat {
    return addUser(this.world, user);
  }

  /** A user writes to the bot (text, or media/location/contact): stored, and a `message` update queued. */
  sendUserMessage(user: UserSpec, content: UserContent, options?: UserMessageOptions): Message {
    return sendUserMessage(this.world, user, content, options);
  }

  /**
   * Stores a file as though a user had sent it to the bot earlier, without a message or an update: its file_id
   * works in send methods and getFile (the sandbox's demo reports carry photos made this way).
   */
  uploadFile(kind: "photo" | "document", file: MediaSpec): StoredFile {
    return this.world.files.add(kind, file);
  }

  /** A user presses an inline button on a bot message: a `callback_query` update is queued and returned. */
  clickButton(user: UserSpec, messageId: number, callbackData: string, options?: ClickOptions): CallbackQuery {
    return clickButton(this.world, user, messageId, callbackData, options);
  }

  /** From now on sends to this user answer 403 "Forbidden: bot was blocked by the user". */
  blockBot(userId: number, options: { notify?: boolean } = {}): void {
    setBlockedByUser(this.world, userId, true, options.notify ?? true);
  }

  unblockBot(userId: number, options: { notify?: boolean } = {}): void {
    setBlockedByUser(this.world, userId, false, options.notify ?? true);
  }

  isBlocked(userId: number): boolean {
    return this.world.chats.get(userId)?.blocked ?? false;
  }

  // --- Faults --------------------------------------------------------------------------------------------------

  /**
   * Makes matching calls fail with `response` (default: 429 retry after 1 second). `when`: a number N for the
   * next N calls of any method but getUpdates, a method name, or a predicate over { method, params }.
   */
  failNext(when: FaultMatcher, response: FaultResponse = tooManyRequests(1), options?: FaultOptions): void {
    this.faults.add(when, response, options);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Flood control for send* methods, e.g. { perChat: { limit: 1, windowMs: 1000 }, global: { limit: 30, windowMs: 1000 } }. */
  setRateLimits(limits: RateLimits | undefined): void {
    this.rateLimiter = limits ? new RateLimiter(limits, this.world.now) : undefined;
  }

  // --- Inspection ----------------------------------------------------------------------------------------------

  /** Every call so far, in arrival order (getUpdates included). */
  get calls(): readonly CallRecord[] {
    return this.callLog;
  }

  callsTo(method: string): CallRecord[] {
    return this.callLog.filter((c) => c.method.toLowerCase() === method.toLowerCase());
  }

  clearCalls(): void {
    this.callLog.length = 0;
  }

  /** The chat's transcript, both directions, oldest first; each entry has the latest edit and the earlier versions. */
  messages(chatId: number, options: { includeDeleted?: boolean } = {}): TranscriptEntry[] {
    const entries = [...(this.world.chats.get(chatId)?.entries.values() ?? [])];
    return options.includeDeleted ? entries : entries.filter((e) => !e.deleted);
  }

  message(chatId: number, messageId: number): TranscriptEntry | undefined {
    return this.world.chats.get(chatId)?.entries.get(messageId);
  }

  lastBotMessage(chatId: number): Message | undefined {
    return this.messages(chatId).filter((e) => e.from === "bot").at(-1)?.message;
  }

  chat(chatId: number): Chat | undefined {
    return this.world.chats.get(chatId)?.chat;
  }

  chatIds(): number[] {
    return [...this.world.chats.keys()];
  }

  /** How the bot answered a callback query; undefined if it has not (yet). */
  callbackAnswer(queryId: string): CallbackAnswer | undefined {
    return this.world.callbacks.get(queryId)?.answer;
  }

  file(fileId: string): StoredFile | undefined {
    return this.world.files.get(fileId);
  }

  /** The commands set for exactly this scope and language (like getMyCommands). */
  commands(options: { scope?: { type: string; chat_id?: number | string; user_id?: number }; languageCode?: string } = {}): BotCommand[] {
    return this.world.commands.get(commandsKey(options.scope, options.languageCode)) ?? [];
  }

  get webhook(): WebhookSettings | undefined {
    return this.world.webhook;
  }

  get pendingUpdateCount(): number {
    return this.world.updates.size;
  }

  /** Removes and returns the oldest queued update, for tests that call bot.handleUpdate themselves. */
  nextUpdate(): Update | undefined {
    return this.world.updates.shift();
  }

  /** Removes and returns all queued updates. */
  takeUpdates(): Update[] {
    return this.world.updates.takeAll();
  }
}

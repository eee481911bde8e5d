import type { Params } from "../params.js";
import type { World } from "../state.js";
import type { AbortSignalLike } from "../updates.js";

export interface MethodContext {
  world: World;
  /** Aborts a long-polling getUpdates when the client goes away. */
  signal?: AbortSignalLike;
}

/** A Bot API method: returns the `result`, or throws a BotApiError for Telegram's `ok: false` answers. */
export type Method = (ctx: MethodContext, params: Params) => unknown;

// getUpdates (long polling) and the webhook settings that exclude it.
import type { Update } from "grammy/types";
import { badRequest, conflict } from "../errors.js";
import { optionalBool, optionalInt, optionalJson, optionalString } from "../params.js";
import type { Method } from "./context.js";

function readAllowedUpdates(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) throw badRequest("can't parse allowed updates");
  return value as string[];
}

export const getUpdates: Method = async ({ world, signal }, params) => {
  if (world.webhook) {
    throw conflict("can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
  }
  const queue = world.updates;
  // Like Telegram, a newer getUpdates call ends an older one that is still waiting.
  queue.interruptWaiting();
  const limit = Math.min(100, Math.max(1, optionalInt(params, "limit") ?? 100));
  const timeoutSeconds = Math.max(0, optionalInt(params, "timeout") ?? 0);
  queue.setAllowed(readAllowedUpdates(optionalJson(params, "allowed_updates", "can't parse allowed updates")));
  queue.confirm(optionalInt(params, "offset"));
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const batch: Update[] = queue.peek(limit);
    const remaining = deadline - Date.now();
    if (batch.length > 0 || remaining <= 0) return batch;
    const outcome = await queue.wait(remaining, signal);
    if (outcome === "superseded") {
      throw conflict("terminated by other getUpdates request; make sure that only one bot instance is running");
    }
    if (outcome === "aborted") return [];
  }
};

export const setWebhook: Method = ({ world }, params) => {
  const url = optionalString(params, "url") ?? "";
  if (optionalBool(params, "drop_pending_updates")) world.updates.clear();
  if (url === "") {
    world.webhook = undefined;
    return true;
  }
  if (!/^https?:\/\/\S+$/i.test(url)) throw badRequest("bad webhook: An HTTPS URL must be provided for webhook");
  const secret = optionalString(params, "secret_token");
  if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
    throw badRequest("secret token contains unallowed characters");
  }
  const allowed = readAllowedUpdates(optionalJson(params, "allowed_updates", "can't parse allowed updates"));
  const maxConnections = optionalInt(params, "max_connections");
  world.webhook = {
    url,
    ...(secret !== undefined ? { secret_token: secret } : {}),
    ...(allowed ? { allowed_updates: allowed } : {}),
    ...(maxConnections !== undefined ? { max_connections: maxConnections } : {}),
  };
  return true;
};

export const deleteWebhook: Method = ({ world }, params) => {
  if (optionalBool(params, "drop_pending_updates")) world.updates.clear();
  world.webhook = undefined;
  return true;
};

export const getWebhookInfo: Method = ({ world }) => ({
  url: world.webhook?.url ?? "",
  has_custom_certificate: false,
  pending_update_count: world.updates.size,
  ...(world.webhook?.max_connections !== undefined ? { max_connections: world.webhook.max_connections } : {}),
  ...(world.webhook?.allowed_updates ? { allowed_updates: world.webhook.allowed_updates } : {}),
});

// A failing database call inside a conversation would end the conversation (the plugin drops a conversation whose
// code throws) and with it everything the person entered. The final save goes through here instead: a passing
// failure is tried again with backoff (retry.ts), and a failure that remains becomes an answer the conversation can
// handle ("try again"), so the person keeps their draft. (Saves are idempotent per draft: a retry after a save whose
// answer was lost finds it already made.)
import type { AppContext } from "../context.js";
import { retryTransient } from "./retry.js";

export async function safely<R>(ctx: AppContext, task: () => Promise<R>): Promise<R | { ok: false; reason: "temporary" }> {
  try {
    return await retryTransient(task, ctx.deps.dbRetry, (err, attempt, waitMs) =>
      ctx.log.warn({ err, attempt, waitMs }, "save failed inside a conversation; trying again"),
    );
  } catch (err) {
    ctx.log.error({ err }, "save failed inside a conversation; the draft is kept");
    return { ok: false, reason: "temporary" };
  }
}

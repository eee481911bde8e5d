// A failing database call inside a conversation would end the conversation (the plugin drops a conversation whose
// code throws) and with it everything the person entered. The final save goes through here instead: a failure
// becomes an answer the conversation can handle ("try again"), and the person keeps their draft.
import type { AppContext } from "../context.js";

export async function safely<R>(ctx: AppContext, task: () => Promise<R>): Promise<R | { ok: false; reason: "temporary" }> {
  try {
    return await task();
  } catch (err) {
    ctx.log.error({ err }, "save failed inside a conversation; the draft is kept");
    return { ok: false, reason: "temporary" };
  }
}

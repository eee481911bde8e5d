// The sender's status message at the end of a broadcast: whatever throttling or a refresh in flight held back is
// shown once the worker runs out of work. The hooks are driven directly, their counts from a service of our making,
// so that the race (a refresh reading the counts just before the last outcome) is played exactly, not by chance.
import { describe, expect, it } from "vitest";
import type { Api } from "grammy";
import { createDirectiveProgress } from "../../src/bot/directiveProgress.js";
import type { DeliveryHookContext, DeliveryRecord } from "../../src/delivery/index.js";
import type { DirectiveProgress, DirectiveService } from "../../src/services/directiveService.js";
import { createI18n } from "../../src/i18n.js";
import { createLogger } from "../../src/logger.js";

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe("a directive's status message", () => {
  it("shows the final counts when the last outcome arrived while a refresh was reading older ones", async () => {
    const i18n = await createI18n();
    const total = 3;
    let pending = total;
    const heldRead = gate();
    let reads = 0;
    const progress = async (): Promise<DirectiveProgress> => {
      const counts = { total, pending, sent: total - pending, failed: 0, blocked: 0, acknowledged: 0 };
      // The second read (a refresh after two outcomes) is slow: the third outcome arrives meanwhile.
      if (++reads === 2) await heldRead.promise;
      return { directive: { id: "d1", recipientCount: total, senderLang: "en", progress: { chatId: 10, messageId: 5 } }, counts };
    };
    const edits: string[] = [];
    let nowMs = 0;
    const ctx: DeliveryHookContext = {
      api: { editMessageText: (_chat: number, _id: number, text: string) => (edits.push(text), Promise.resolve(true)) } as unknown as Api,
      withPermit: (_chatId, call) => call(),
      clock: { now: () => new Date(nowMs), sleep: () => Promise.resolve() },
      logger: createLogger({ level: "silent" }),
    };
    const hooks = createDirectiveProgress({
      services: { directives: { progress } as unknown as DirectiveService },
      i18n,
      logger: ctx.logger,
      throttleMs: 1_000,
      stepFraction: 0,
    });
    const outcome = { refId: "d1" } as DeliveryRecord;

    pending = 2;
    hooks.onSent!(outcome, ctx); // the first refresh: "1 of 3"
    await hooks.onIdle!(ctx);
    nowMs += 5_000;
    pending = 1;
    hooks.onSent!(outcome, ctx); // a refresh starts and its read is held
    pending = 0;
    hooks.onSent!(outcome, ctx); // the last outcome: only marks it dirty (a refresh is running)
    const idle = hooks.onIdle!(ctx);
    heldRead.open(); // the held read answers with the counts from before the last outcome
    await idle;

    expect(edits.at(-1)).toContain("delivered to everyone it could reach (3 recipients)");
    expect(edits.slice(0, -1).every((t) => !t.includes("delivered to everyone"))).toBe(true);
  });
});

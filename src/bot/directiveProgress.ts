// Keeps each sender's status message up to date while a directive goes out: delivery hooks for the worker.
// Throttled: at most one edit per directive every throttleMs, and no more often than every stepFraction of its
// recipients (each refresh counts in the database). Whatever throttling held back is shown when the worker runs out
// of work (onIdle), so the final counts always appear. Hooks never sleep: they run inside the worker.
import type { DeliveryHookContext, DeliveryHooks, DeliveryRecord } from "../delivery/index.js";
import type { I18n } from "../i18n.js";
import type { Logger } from "../logger.js";
import { DIRECTIVE_PURPOSE, type DirectiveService } from "../services/directiveService.js";
import { progressText } from "./directiveMessages.js";

interface Tracked {
  lastEditAt: number;
  /** Outcomes seen since the last refresh, and the recipients in all (from the last refresh; 0 before the first). */
  since: number;
  total: number;
  lastText: string;
  dirty: boolean;
  running: Promise<void> | null;
}

export interface DirectiveProgressDeps {
  services: { directives: DirectiveService };
  i18n: I18n;
  logger: Logger;
  /** Minimum time between two edits of one status message (default 2,000 ms). */
  throttleMs?: number;
  /** Minimum share of the recipients between two edits (default 0.05: at most ~20 edits per directive). */
  stepFraction?: number;
}

export function createDirectiveProgress(deps: DirectiveProgressDeps): DeliveryHooks {
  const throttleMs = deps.throttleMs ?? 2000;
  const stepFraction = deps.stepFraction ?? 0.05;
  const tracked = new Map<string, Tracked>();

  async function refresh(directiveId: string, s: Tracked, ctx: DeliveryHookContext): Promise<void> {
    s.dirty = false;
    s.since = 0;
    const p = await deps.services.directives.progress(directiveId);
    const target = p?.directive.progress;
    if (!p || !target) {
      tracked.delete(directiveId);
      return;
    }
    s.total = p.counts.total;
    const text = progressText(deps.i18n.t(p.directive.senderLang), p.counts);
    if (text !== s.lastText) {
      // One edit every throttleMs at most; like every call, it takes a rate-limiter permit (the overall budget is
      // shared with the broadcast itself).
      await ctx
        .withPermit(target.chatId, () => ctx.api.editMessageText(target.chatId, target.messageId, text, { parse_mode: "HTML" }))
        .catch((err: unknown) => {
          deps.logger.debug({ err, directiveId }, "progress edit failed (will show at the next one)");
        });
      s.lastText = text;
      s.lastEditAt = ctx.clock.now().getTime();
    }
    if (p.counts.pending === 0 && !s.dirty) tracked.delete(directiveId);
  }

  function start(directiveId: string, s: Tracked, ctx: DeliveryHookContext): void {
    s.running = refresh(directiveId, s, ctx)
      .catch((err: unknown) => deps.logger.warn({ err, directiveId }, "progress refresh failed"))
      .finally(() => {
        s.running = null;
      });
  }

  function onOutcome(record: DeliveryRecord, ctx: DeliveryHookContext): void {
    if (!record.refId) return;
    let s = tracked.get(record.refId);
    if (!s) tracked.set(record.refId, (s = { lastEditAt: 0, since: 0, total: 0, lastText: "", dirty: false, running: null }));
    s.dirty = true;
    s.since++;
    if (s.running || ctx.clock.now().getTime() - s.lastEditAt < throttleMs) return;
    if (s.total > 0 && s.since < s.total * stepFraction) return;
    start(record.refId, s, ctx);
  }

  return {
    purposes: [DIRECTIVE_PURPOSE],
    onSent: onOutcome,
    onFinalFailure: onOutcome,
    async onIdle(ctx) {
      // A refresh already under way may have read the counts before the last outcomes arrived (they only marked it
      // dirty): once it ends, refresh again, until nothing is left unshown. A few rounds at most: no work is coming.
      for (let round = 0; round < 5; round++) {
        for (const [id, s] of tracked) if (s.dirty && !s.running) start(id, s, ctx);
        const running = [...tracked.values()].map((s) => s.running).filter((r): r is Promise<void> => r !== null);
        if (running.length === 0) return;
        await Promise.all(running);
      }
    },
    async stop() {
      await Promise.all([...tracked.values()].map((s) => s.running));
    },
  };
}

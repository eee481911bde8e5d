// The automatic re-ping of directives: every scan, each directive sent DIRECTIVE_REPING_HOURS ago (or up to 48 hours
// longer, after downtime) goes once more to those who have not acknowledged it. Exactly once per person per
// directive: the outbox key is directive-reping:<directiveId>:<telegramId>, so a rerun, a restart or a second
// instance finds the message already queued and queues nothing.
import type { DirectiveRenderer, DirectiveService } from "../services/directiveService.js";
import { minutePeriod } from "./periods.js";
import type { JobDefinition } from "./runner.js";

export const DIRECTIVE_REPING_JOB = "directives.reping";

export function createDirectiveRepingJob(deps: {
  directives: Pick<DirectiveService, "repingSilent">;
  /** Built by the caller from the bot's message builders (the job has no wording of its own). */
  render: DirectiveRenderer;
  afterHours: number;
}): JobDefinition {
  return {
    name: DIRECTIVE_REPING_JOB,
    leaseMs: 5 * 60_000,
    duePeriods: (now) => (deps.afterHours > 0 ? [minutePeriod(now)] : []),
    run: async () => ({ ...(await deps.directives.repingSilent(deps.afterHours, deps.render)) }),
  };
}

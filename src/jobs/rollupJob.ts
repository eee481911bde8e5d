// The daily rollup: at the configured local time, each state team member gets their state's summary and chart, each
// cluster head their cluster's, and national office admins the national one, each in their own language. One read
// of the day's data serves every scope. Each rollup carries its level's step of the escalation ladder: the
// unreported events that reached that level today, named with a tap to their seat's holder (escalationService.ts). The run is claimed per day (jobs/jobRuns.ts); each message is queued under
// "rollup:<day>:<scope>:<telegramId>" (and "rollup.escalated:..." for the list of events escalated that day,
// "rollup.chart:..." for the chart, "rollup.map:..." for the coverage map that the national and cluster rollups carry),
// so a re-run after a crash or on a second instance queues nothing twice. The first message fits a phone screen; its
// buttons open the lists when tapped (bot/features/rollup.ts), so nothing of them is queued here.
import { atLocalTime } from "../domain/rollup/day.js";
import type { Rollup, RollupScope } from "../domain/rollup/types.js";
import { COUNTRY_CODE } from "../domain/territory.js";
import type { EscalationDays } from "../domain/escalation.js";
import type { EscalationService } from "../services/escalationService.js";
import type { I18n, Language } from "../i18n.js";
import type { Logger } from "../logger.js";
import type { MapService } from "../services/mapService.js";
import type { Recipient, RecipientService } from "../services/recipientService.js";
import type { RollupService } from "../services/rollupService.js";
import type { CoverageService } from "../services/coverageService.js";
import type { ProgressService } from "../services/progressService.js";
import { rollupButtons, rollupCaption, rollupChart, rollupEscalatedText, rollupText, type Reader } from "../messages/rollup.js";
import { coverageMap } from "../messages/coverageMap.js";
import type { Outbox, OutboxMessage } from "./outbox.js";
import { CATCH_UP_MS, dueDays, sinceInstalled, type ClockTime } from "./periods.js";
import type { JobDefinition } from "./runner.js";

export const ROLLUP_JOB = "rollup.daily";

export interface RollupJobDeps {
  map: Pick<MapService, "listClusters" | "listStates">;
  recipients: RecipientService;
  rollups: RollupService;
  /** The coverage map's seats and statuses (one load per run, for the national and cluster rollups). */
  coverage: Pick<CoverageService, "load">;
  escalations: EscalationService;
  /** Pace of the running phases, which leads each rollup (none running: no pace section). */
  progress: Pick<ProgressService, "forScope">;
  /** ESCALATION_DAYS: when an unreported event reaches the state team's, cluster's and national rollup. */
  escalationDays: EscalationDays;
  i18n: I18n;
  outbox: Outbox;
  zone: string;
  time: ClockTime;
  logger: Logger;
}

export function rollupKey(day: string, scope: RollupScope, telegramId: number, part: "text" | "escalated" | "chart" | "map"): string {
  return `${part === "text" ? "rollup" : `rollup.${part}`}:${day}:${scope.code}:${telegramId}`;
}

/** The rollups that carry the coverage map: a state team's is its state's few seats, which its chart already shows. */
export const hasCoverageMap = (scope: RollupScope) => scope.level !== "state";

export function createRollupJob(deps: RollupJobDeps): JobDefinition & { send(day: string): Promise<Record<string, number>> } {
  const { map, recipients, rollups, i18n, outbox, zone, time } = deps;

  async function send(day: string): Promise<Record<string, number>> {
    // As of the rollup time of that day (a catch-up run the next morning still reports that evening's picture of
    // events held, with every report received since).
    const asOf = atLocalTime(day, time, zone);
    const [clusters, states] = await Promise.all([map.listClusters(), map.listStates()]); // by key, by code
    const [teams, heads, admins] = await Promise.all([
      recipients.holdersOf("state_team", states.map((s) => s.code)),
      recipients.holdersOf("cluster_head", clusters.map((c) => c.key)),
      recipients.holdersOf("national_admin", [COUNTRY_CODE]),
    ]);
    const audiences: { scope: RollupScope; to: Recipient[] }[] = [
      ...states.map((s) => ({ scope: { level: "state", code: s.code } as RollupScope, to: teams.get(s.code) ?? [] })),
      ...clusters.map((c) => ({ scope: { level: "cluster", code: c.key } as RollupScope, to: heads.get(c.key) ?? [] })),
    ].filter((a) => a.to.length > 0);
    const national = admins.get(COUNTRY_CODE) ?? [];
    if (national.length > 0) audiences.push({ scope: { level: "country", code: COUNTRY_CODE }, to: national });
    if (audiences.length === 0) return { scopes: 0, queued: 0 };

    const computed = await rollups.compute({ day, zone, asOf, scopes: audiences.map((a) => a.scope) });
    // The ladder's step of each level, taken before anything is queued (and read back: a re-run names the same).
    for (const rollup of computed) {
      const section = await deps.escalations.section({ rollup, days: deps.escalationDays, windowMs: CATCH_UP_MS, record: true });
      if (section) rollup.escalated = section;
      rollup.pace = await deps.progress.forScope({ scope: rollup.scope, asOf });
    }
    const readers = new Map<Language, Reader>();
    const readerFor = async (lang: Language): Promise<Reader> => {
      let r = readers.get(lang);
      if (!r) {
        r = { t: i18n.t(lang), names: await rollups.names(computed, lang), zone };
        readers.set(lang, r);
      }
      return r;
    };

    const coverage = audiences.some((a) => hasCoverageMap(a.scope)) ? await deps.coverage.load(asOf) : undefined;
    const messages: OutboxMessage[] = [];
    let recipientCount = 0;
    for (const [i, audience] of audiences.entries()) {
      const rollup: Rollup = computed[i]!;
      // Text, chart and map once per scope and language, whatever the number of recipients.
      const rendered = new Map<
        Language,
        { text: string; buttons: OutboxMessage["buttons"]; escalated: string | null; chart: Buffer; caption: string; map?: { png: Buffer; caption: string } }
      >();
      for (const to of audience.to) {
        recipientCount++;
        let r = rendered.get(to.lang);
        if (!r) {
          const reader = await readerFor(to.lang);
          r = {
            text: rollupText(rollup, reader),
            buttons: rollupButtons(rollup, reader),
            escalated: rollupEscalatedText(rollup, reader),
            chart: rollupChart(rollup, reader),
            caption: rollupCaption(rollup, reader),
          };
          if (coverage && hasCoverageMap(audience.scope)) r.map = coverageMap(coverage, audience.scope, asOf, reader);
          rendered.set(to.lang, r);
        }
        const base = { chatId: to.telegramId, purpose: "rollup" as const, refId: day, group: audience.scope.code };
        messages.push({ ...base, key: rollupKey(day, audience.scope, to.telegramId, "text"), text: r.text, buttons: r.buttons });
        if (r.escalated) messages.push({ ...base, key: rollupKey(day, audience.scope, to.telegramId, "escalated"), text: r.escalated });
        messages.push({
          ...base,
          key: rollupKey(day, audience.scope, to.telegramId, "chart"),
          photo: { png: r.chart, filename: `rollup-${day}-${audience.scope.code}.png`, caption: r.caption },
        });
        if (r.map) {
          messages.push({
            ...base,
            key: rollupKey(day, audience.scope, to.telegramId, "map"),
            photo: { png: r.map.png, filename: `map-${day}-${audience.scope.code}.png`, caption: r.map.caption },
          });
        }
      }
    }
    const queued = await outbox.enqueue(messages);
    return { scopes: audiences.length, recipients: recipientCount, queued };
  }

  return {
    name: ROLLUP_JOB,
    // Long enough for a national rollup on a slow database (FerretDB: tens of seconds at 100,000 events).
    leaseMs: 15 * 60_000,
    duePeriods: (now, installedAt) => dueDays(now, time, zone, sinceInstalled(installedAt)),
    run: (day) => send(day),
    send,
  };
}

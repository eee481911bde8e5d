// The coverage map as a photo and its caption, in the reader's language: the country's, or a cluster's or state's
// with its seats in full colour and the rest faded. Used by /map (features/map.ts) and the national and cluster
// daily rollups (jobs/rollupJob.ts), so both show the same picture.
import { dateTimeText } from "./time.js";
import { renderCoverageMap, type MapTile } from "../charts/coverageMap.js";
import { SEAT_STATUSES, countStatuses, type SeatStatus } from "../domain/coverage.js";
import { scopeStates } from "../domain/rollup/compute.js";
import type { RollupScope } from "../domain/rollup/types.js";
import { CAPTION_LIMIT, splitHtml } from "./split.js";
import { escapeHtml } from "./html.js";
import type { Reader } from "./rollup.js";

/** What the map needs of the coverage service's answer (services/coverageService.ts Coverage). */
export interface CoverageView {
  tiles: readonly { pcCode: string; stateCode: string; q: number; r: number }[];
  statuses: ReadonlyMap<string, SeatStatus>;
  pcs: readonly { code: string; stateCode: string }[];
  clusters: readonly { key: string; stateCodes: readonly string[] }[];
}

export interface CoverageMapMessage {
  png: Buffer;
  caption: string;
  /** The scope's seats by status (what the legend and the caption say). */
  counts: Record<SeatStatus, number>;
}

/** `at`: the moment the statuses are as of (the rollup's time, or now), shown as a date and time. */
export function coverageMap(coverage: CoverageView, scope: RollupScope, at: Date, r: Reader): CoverageMapMessage {
  const { t } = r;
  const states = new Set(scopeStates(scope, { pcs: coverage.pcs, acs: [], clusters: coverage.clusters }));
  const counts = countStatuses(coverage.statuses, coverage.pcs.filter((p) => states.has(p.stateCode)).map((p) => p.code));
  const scopeName = scope.level === "country" ? t("rollup:country") : r.names.scope(scope);
  const locale = r.names.lang === "hi" ? "hi-IN" : "en-IN";
  const num = (n: number) => new Intl.NumberFormat(locale).format(n);
  const tiles: MapTile[] = coverage.tiles.map((tile) => ({
    ...tile,
    status: coverage.statuses.get(tile.pcCode) ?? "nothing",
    highlighted: states.has(tile.stateCode),
  }));
  const stateLabels = Object.fromEntries([...new Set(coverage.pcs.map((p) => p.stateCode))].map((code) => [code, t(`map:state.${code}`, { defaultValue: code.slice(3) })]));
  const png = renderCoverageMap({
    title: t("map:title", { scope: scopeName }),
    subtitle: t("map:subtitle", { date: dateTimeText(r.names.lang, r.zone, at, "d LLLL yyyy") }),
    tiles,
    stateLabels,
    legend: Object.fromEntries(SEAT_STATUSES.map((s) => [s, t(`map:legend.${s}`, { count: num(counts[s]) })])) as Record<SeatStatus, string>,
    footer: scope.level === "country" ? t("map:footer.country") : t("map:footer.area", { scope: scopeName }),
  });
  const total = SEAT_STATUSES.reduce((n, s) => n + counts[s], 0);
  const caption = t("map:caption", {
    scope: escapeHtml(scopeName),
    reported: num(counts.reported),
    total: num(total),
    planned: num(counts.planned),
    vacant: num(counts.vacant),
  });
  return { png, caption: splitHtml(caption, CAPTION_LIMIT)[0] ?? "", counts };
}

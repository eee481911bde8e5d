// Builds every service over one database. Services are the bot's use cases; handlers only call them.
import type { Models } from "../db/models/index.js";
import type { TerritoryRef } from "../domain/territory.js";
import { createAuditService, type AuditService } from "./auditService.js";
import { createClaims, type Claims } from "./claims.js";
import { createAttemptLimiter, type AttemptLimiter } from "./attemptLimiter.js";
import { START_LIMITS } from "../domain/rateLimit.js";
import { createInviteService, type InviteService } from "./inviteService.js";
import { createMapService, type MapService } from "./mapService.js";
import { createPersonService, type PersonService } from "./personService.js";
import { createTeamService, type TeamService } from "./teamService.js";
import { createProgrammeService, type ProgrammeService } from "./programmeService.js";
import { createEventService, type EventService } from "./eventService.js";
import { createReportService, type ReportService } from "./reportService.js";
import { createRollupService, type RollupService } from "./rollupService.js";
import { createRollupTotals, type RollupTotals } from "./rollupTotals.js";
import { createOutboxService, type OutboxService } from "../delivery/index.js";
import { createDirectiveService, type DirectiveService } from "./directiveService.js";
import { createJobRuns, type JobRuns } from "./jobRunService.js";
import { createRecipientService, type RecipientService } from "./recipientService.js";
import { createReviewService, type ReviewService } from "./reviewService.js";
import { createReviewState } from "./reviewState.js";
import { createGapService, type GapService } from "./gapService.js";
import { createCoverageService, type CoverageService } from "./coverageService.js";
import { createBulkInviteService, type BulkInviteService } from "./bulkInvites.js";
import { createExportService, type ExportService } from "./exportService.js";
import { createConversationStore, type ConversationStore } from "./conversationStore.js";
import { createEscalationService, type EscalationService } from "./escalationService.js";
import { createSeatHandover } from "./seatHandover.js";
import { createI18n, type I18n } from "../i18n.js";
import { createPhotoService, type PhotoDownload, type PhotoService } from "./photoService.js";
import { createPlanService, type PlanService } from "./planService.js";
import { createProgressService, type ProgressService } from "./progressService.js";
import type { Logger } from "../logger.js";
import { DEFAULT_PACE_GRACE_DAYS } from "../domain/plans/pace.js";

export interface Services {
  audit: AuditService;
  claims: Claims;
  people: PersonService;
  map: MapService;
  invites: InviteService;
  /** Limits /start token attempts; its closeWindows() runs from the scheduler (background.ts). */
  startLimiter: AttemptLimiter;
  team: TeamService;
  programmes: ProgrammeService;
  events: EventService;
  reports: ReportService;
  rollups: RollupService;
  /** The rollups' running totals: folded every minute, checked by `npm run rollup-check`. */
  rollupTotals: RollupTotals;
  outbox: OutboxService;
  directives: DirectiveService;
  /** Who scheduled messages go to, in which language. */
  recipients: RecipientService;
  /** Report photos kept and checked for reuse (processDue runs from the photo job, background.ts). */
  photos: PhotoService;
  /** Exactly-once job runs, recorded under the given owner (a scheduler instance). */
  jobRunsFor(owner: string): JobRuns;
  /** Supervisors' review of reports: queues, cards, approve / send back / void. */
  review: ReviewService;
  /** The bot's stored conversations (heads and replay logs), by chat. */
  conversations: ConversationStore;
  /** Vacant seats, blocked holders, seats with nothing planned, unreported events: per state of an area. */
  gaps: GapService;
  /** Invite links for every vacant seat of a state at once (as a spreadsheet: bulkInvites.ts). */
  bulkInvites: BulkInviteService;
  /** Events, reports and the audit log of an area as a table for a spreadsheet. */
  exports: ExportService;
  /** The escalation ladder's steps, named in each level's daily rollup. */
  escalations: EscalationService;
  /** Every Lok Sabha seat's status and its tile, for the coverage map (/map, the daily rollups). */
  coverage: CoverageService;
  /** Campaign phases and raised targets (planService.ts). */
  plans: PlanService;
  /** Held and planned against target, and pace, of the running phases (progressService.ts). */
  progress: ProgressService;
}

export interface ServiceDeps {
  models: Models;
  now: () => Date;
  /** The texts of messages services queue themselves (review notices); loaded from locales/ on first use if absent. */
  i18n?: I18n;
  /** Downloads a report photo by file id (app.ts builds it from the token and BOT_API_ROOT). */
  downloadPhoto?: PhotoDownload;
  logger?: Logger;
  /** The programme's time zone, for local times in exports (TIME_ZONE; default Asia/Kolkata). */
  timeZone?: string;
  /** PACE_GRACE_DAYS: days of grace before a seat counts as behind the line (domain/plans/pace.ts); default 3. */
  paceGraceDays?: number;
  /** Days back a rollup lists pending events one by one (domain/escalation.ts pendingListDays); default 14. */
  pendingListDays?: number;
}

export function createServices({ models, now, i18n, downloadPhoto, logger, timeZone, paceGraceDays, pendingListDays }: ServiceDeps): Services {
  const audit = createAuditService(models, now);
  const claims = createClaims(models, now);
  const people = createPersonService(models, now, audit);
  const map = createMapService(models);
  const startLimiter = createAttemptLimiter({
    models,
    audit,
    now,
    action: "start",
    auditAction: "invite.redeem",
    ...START_LIMITS,
  });
  const invites = createInviteService({
    models,
    people,
    audit,
    claims,
    limiter: startLimiter,
    handover: createSeatHandover(models, now),
    now,
    map: { loadMapView: () => map.loadMapView(), exists: (ref) => territoryExists(map, ref) },
  });
  const team = createTeamService({ people, audit, invites, loadMapView: () => map.loadMapView() });
  const programmes = createProgrammeService(models, now);
  const events = createEventService({ models, now, claims, audit, map, programmes });
  const photos = createPhotoService({ models, now, download: downloadPhoto, logger });
  const zone = timeZone ?? "Asia/Kolkata";
  const rollupTotals = createRollupTotals(models, { zone, now, ...(pendingListDays ? { pendingListDays } : {}) });
  const rollups = createRollupService(models, rollupTotals);
  const outbox = createOutboxService(models, now);
  const recipients = createRecipientService(models);
  const reviewState = createReviewState(models);
  let texts: Promise<I18n> | undefined;
  const review = createReviewService({
    models,
    now,
    audit,
    review: reviewState,
    recipients,
    outbox,
    rollups,
    loadMapView: () => map.loadMapView(),
    // Called at run time only, once reports (made below: it tells review about corrections) exists.
    listVersions: (eventId) => reports.listVersions(eventId),
    i18n: () => (texts ??= i18n ? Promise.resolve(i18n) : createI18n()),
  });
  const reports = createReportService({
    models,
    now,
    audit,
    events,
    programmes,
    review: reviewState,
    onCorrectedAfterSendBack: (report) => review.notifyCorrected(report),
    photos,
    logger,
  });
  const directives = createDirectiveService({ models, now, audit, outbox, map });
  const jobRunsFor = (owner: string) => createJobRuns(models, now, owner);
  const plans = createPlanService({ models, now, zone, audit, map, programmes });
  const progress = createProgressService({ models, plans, data: rollups.data, zone, graceDays: paceGraceDays ?? DEFAULT_PACE_GRACE_DAYS });
  return {
    plans,
    progress,
    audit,
    claims,
    people,
    map,
    invites,
    startLimiter,
    team,
    programmes,
    events,
    reports,
    rollups,
    rollupTotals,
    outbox,
    directives,
    recipients,
    photos,
    jobRunsFor,
    review,
    conversations: createConversationStore(models, now),
    gaps: createGapService({ models, now, people, statesInScope: (scopes) => review.statesInScope(scopes) }),
    bulkInvites: createBulkInviteService({ models, now, invites, map }),
    exports: createExportService({ models, now, zone, claims, directives, statesInScope: (scopes) => review.statesInScope(scopes) }),
    escalations: createEscalationService(models, now),
    coverage: createCoverageService({ models, loadMap: () => rollups.data.loadMap() }),
  };
}

export async function territoryExists(map: MapService, ref: TerritoryRef): Promise<boolean> {
  switch (ref.level) {
    case "country":
      return ref.code === "IN";
    case "cluster":
      return (await map.getCluster(ref.code)) !== null;
    case "state":
      return (await map.getState(ref.code)) !== null;
    case "pc":
      return (await map.getPc(ref.code)) !== null;
    case "ac":
      return (await map.getAc(ref.code)) !== null;
  }
}

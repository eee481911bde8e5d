// Builds every model on one connection. Models are created per connection (not on mongoose's global one) so that
// tests, scripts and the bot can each hold their own.
import type { Connection, Model } from "mongoose";
import { createSerialWrites, type SerialWrites } from "../serialWrites.js";
import {
  rollupDaySchema,
  rollupDigestSchema,
  rollupHoldersSchema,
  rollupLedgerSchema,
  rollupMarkSchema,
  rollupPcSchema,
  type RollupDayDoc,
  type RollupDigestDoc,
  type RollupHoldersDoc,
  type RollupLedgerDoc,
  type RollupMarkDoc,
  type RollupPcDoc,
} from "./rollupTotals.js";
import { stateSchema, pcSchema, acSchema, type StateDoc, type PcDoc, type AcDoc } from "./territory.js";
import { clusterSchema, type ClusterDoc } from "./cluster.js";
import { personSchema, type PersonDoc } from "./person.js";
import { inviteSchema, type InviteDoc } from "./invite.js";
import { auditSchema, type AuditDoc } from "./audit.js";
import { claimSchema, type ClaimDoc } from "./claim.js";
import { attemptLimitSchema, type AttemptLimitDoc } from "./attemptLimit.js";
import { jobRunSchema, type JobRunDoc } from "./jobRun.js";
import {
  conversationStateSchema,
  conversationLogSchema,
  type ConversationStateDoc,
  type ConversationLogDoc,
} from "./conversationState.js";
import { leaseSchema, type LeaseDoc } from "./lease.js";
import { inboxUpdateSchema, inboxSeenSchema, type InboxUpdateDoc, type InboxSeenDoc } from "./inboxUpdate.js";
import { programmeSchema, categorySchema, type ProgrammeDoc, type CategoryDoc } from "./programme.js";
import { eventSchema, type EventDoc } from "./event.js";
import { eventSlotSchema, type EventSlotDoc } from "./eventSlot.js";
import { calendarSchema, type CalendarDoc } from "./calendar.js";
import { reportSchema, reportVersionSchema, type ReportDoc, type ReportVersionDoc } from "./report.js";
import { reviewDecisionSchema, type ReviewDecisionDoc } from "./reviewDecision.js";
import {
  outboxItemSchema,
  outboxAttemptSchema,
  outboxRetrySchema,
  outboxDoneSchema,
  outboxSenderTermSchema,
  type OutboxItemDoc,
  type OutboxAttemptDoc,
  type OutboxRetryDoc,
  type OutboxDoneDoc,
  type OutboxSenderTermDoc,
} from "./outbox.js";
import {
  directiveSchema,
  directiveDeliverySchema,
  directiveAckSchema,
  type DirectiveDoc,
  type DirectiveDeliveryDoc,
  type DirectiveAckDoc,
} from "./directive.js";
import {
  photoTaskSchema,
  photoAttemptSchema,
  photoCheckSchema,
  photoSchema,
  photoFlagSchema,
  type PhotoTaskDoc,
  type PhotoAttemptDoc,
  type PhotoCheckDoc,
  type PhotoDoc,
  type PhotoFlagDoc,
} from "./photo.js";
import { escalationStepSchema, type EscalationStepDoc } from "./escalationStep.js";
import { planPhaseSchema, planRaiseSchema, type PlanPhaseDoc, type PlanRaiseDoc } from "./plan.js";

export interface Models {
  State: Model<StateDoc>;
  Pc: Model<PcDoc>;
  Ac: Model<AcDoc>;
  Cluster: Model<ClusterDoc>;
  Person: Model<PersonDoc>;
  Invite: Model<InviteDoc>;
  Audit: Model<AuditDoc>;
  ConversationState: Model<ConversationStateDoc>;
  ConversationLog: Model<ConversationLogDoc>;
  InboxUpdate: Model<InboxUpdateDoc>;
  InboxSeen: Model<InboxSeenDoc>;
  /** Chats whose stored updates a copy is handling now (db/leases.ts). */
  InboxChat: Model<LeaseDoc>;
  /** Other leases: the poller's. */
  Lease: Model<LeaseDoc>;
  Claim: Model<ClaimDoc>;
  AttemptLimit: Model<AttemptLimitDoc>;
  JobRun: Model<JobRunDoc>;
  Programme: Model<ProgrammeDoc>;
  AttendeeCategory: Model<CategoryDoc>;
  Event: Model<EventDoc>;
  /** Events by seat and start time (eventSlot.ts). */
  EventSlot: Model<EventSlotDoc>;
  /** Events by seat and organiser, reports by author, read by _id (calendar.ts). */
  Calendar: Model<CalendarDoc>;
  Report: Model<ReportDoc>;
  ReportVersion: Model<ReportVersionDoc>;
  ReviewDecision: Model<ReviewDecisionDoc>;
  OutboxItem: Model<OutboxItemDoc>;
  OutboxAttempt: Model<OutboxAttemptDoc>;
  OutboxRetry: Model<OutboxRetryDoc>;
  OutboxDone: Model<OutboxDoneDoc>;
  /** Terms of the sender lease: which copy sends when (delivery/senderLease.ts). */
  OutboxSenderTerm: Model<OutboxSenderTermDoc>;
  Directive: Model<DirectiveDoc>;
  DirectiveDelivery: Model<DirectiveDeliveryDoc>;
  DirectiveAck: Model<DirectiveAckDoc>;
  // Report photos kept and checked for reuse (photo.ts).
  PhotoTask: Model<PhotoTaskDoc>;
  PhotoAttempt: Model<PhotoAttemptDoc>;
  PhotoCheck: Model<PhotoCheckDoc>;
  Photo: Model<PhotoDoc>;
  PhotoFlag: Model<PhotoFlagDoc>;
  /** Steps of the escalation ladder taken (escalationStep.ts). */
  EscalationStep: Model<EscalationStepDoc>;
  /** Campaign phases and raised targets (plan.ts). */
  PlanPhase: Model<PlanPhaseDoc>;
  PlanRaise: Model<PlanRaiseDoc>;
  /** Running totals for the rollups (rollupTotals.ts). */
  RollupMark: Model<RollupMarkDoc>;
  RollupPc: Model<RollupPcDoc>;
  RollupDay: Model<RollupDayDoc>;
  RollupDigest: Model<RollupDigestDoc>;
  RollupHolders: Model<RollupHoldersDoc>;
  RollupLedger: Model<RollupLedgerDoc>;
  /**
   * Writes to shared documents, one at a time in this process (db/serialWrites.ts). Not a model: not enumerable, so
   * code that walks the models never sees it.
   */
  readonly serial: SerialWrites;
}

export function createModels(connection: Connection): Models {
  const models = {
    State: connection.model<StateDoc>("State", stateSchema, "states"),
    Pc: connection.model<PcDoc>("Pc", pcSchema, "pcs"),
    Ac: connection.model<AcDoc>("Ac", acSchema, "acs"),
    Cluster: connection.model<ClusterDoc>("Cluster", clusterSchema, "clusters"),
    Person: connection.model<PersonDoc>("Person", personSchema, "people"),
    Invite: connection.model<InviteDoc>("Invite", inviteSchema, "invites"),
    Audit: connection.model<AuditDoc>("Audit", auditSchema, "audit_log"),
    ConversationState: connection.model<ConversationStateDoc>(
      "ConversationState",
      conversationStateSchema,
      "conversation_states",
    ),
    ConversationLog: connection.model<ConversationLogDoc>("ConversationLog", conversationLogSchema, "conversation_logs"),
    InboxUpdate: connection.model<InboxUpdateDoc>("InboxUpdate", inboxUpdateSchema, "inbox_updates"),
    InboxSeen: connection.model<InboxSeenDoc>("InboxSeen", inboxSeenSchema, "inbox_seen"),
    InboxChat: connection.model<LeaseDoc>("InboxChat", leaseSchema, "inbox_chats"),
    Lease: connection.model<LeaseDoc>("Lease", leaseSchema, "leases"),
    Claim: connection.model<ClaimDoc>("Claim", claimSchema, "claims"),
    AttemptLimit: connection.model<AttemptLimitDoc>("AttemptLimit", attemptLimitSchema, "attempt_limits"),
    JobRun: connection.model<JobRunDoc>("JobRun", jobRunSchema, "job_runs"),
    Programme: connection.model<ProgrammeDoc>("Programme", programmeSchema, "programmes"),
    AttendeeCategory: connection.model<CategoryDoc>("AttendeeCategory", categorySchema, "attendee_categories"),
    Event: connection.model<EventDoc>("Event", eventSchema, "events"),
    EventSlot: connection.model<EventSlotDoc>("EventSlot", eventSlotSchema, "event_slots"),
    Calendar: connection.model<CalendarDoc>("Calendar", calendarSchema, "calendars"),
    Report: connection.model<ReportDoc>("Report", reportSchema, "reports"),
    ReportVersion: connection.model<ReportVersionDoc>("ReportVersion", reportVersionSchema, "report_versions"),
    ReviewDecision: connection.model<ReviewDecisionDoc>("ReviewDecision", reviewDecisionSchema, "review_decisions"),
    OutboxItem: connection.model<OutboxItemDoc>("OutboxItem", outboxItemSchema, "outbox"),
    OutboxAttempt: connection.model<OutboxAttemptDoc>("OutboxAttempt", outboxAttemptSchema, "outbox_attempts"),
    OutboxRetry: connection.model<OutboxRetryDoc>("OutboxRetry", outboxRetrySchema, "outbox_retries"),
    OutboxDone: connection.model<OutboxDoneDoc>("OutboxDone", outboxDoneSchema, "outbox_done"),
    OutboxSenderTerm: connection.model<OutboxSenderTermDoc>("OutboxSenderTerm", outboxSenderTermSchema, "outbox_sender_terms"),
    Directive: connection.model<DirectiveDoc>("Directive", directiveSchema, "directives"),
    DirectiveDelivery: connection.model<DirectiveDeliveryDoc>("DirectiveDelivery", directiveDeliverySchema, "directive_deliveries"),
    DirectiveAck: connection.model<DirectiveAckDoc>("DirectiveAck", directiveAckSchema, "directive_acks"),
    PhotoTask: connection.model<PhotoTaskDoc>("PhotoTask", photoTaskSchema, "photo_tasks"),
    PhotoAttempt: connection.model<PhotoAttemptDoc>("PhotoAttempt", photoAttemptSchema, "photo_attempts"),
    PhotoCheck: connection.model<PhotoCheckDoc>("PhotoCheck", photoCheckSchema, "photo_checks"),
    Photo: connection.model<PhotoDoc>("Photo", photoSchema, "photos"),
    PhotoFlag: connection.model<PhotoFlagDoc>("PhotoFlag", photoFlagSchema, "photo_flags"),
    EscalationStep: connection.model<EscalationStepDoc>("EscalationStep", escalationStepSchema, "escalation_steps"),
    PlanPhase: connection.model<PlanPhaseDoc>("PlanPhase", planPhaseSchema, "plan_phases"),
    PlanRaise: connection.model<PlanRaiseDoc>("PlanRaise", planRaiseSchema, "plan_raises"),
    RollupMark: connection.model<RollupMarkDoc>("RollupMark", rollupMarkSchema, "rollup_marks"),
    RollupPc: connection.model<RollupPcDoc>("RollupPc", rollupPcSchema, "rollup_pcs"),
    RollupDay: connection.model<RollupDayDoc>("RollupDay", rollupDaySchema, "rollup_days"),
    RollupDigest: connection.model<RollupDigestDoc>("RollupDigest", rollupDigestSchema, "rollup_digests"),
    RollupHolders: connection.model<RollupHoldersDoc>("RollupHolders", rollupHoldersSchema, "rollup_holders"),
    RollupLedger: connection.model<RollupLedgerDoc>("RollupLedger", rollupLedgerSchema, "rollup_ledgers"),
  };
  Object.defineProperty(models, "serial", { value: createSerialWrites(), enumerable: false });
  return models as typeof models & Pick<Models, "serial">;
}

export type { StateDoc, PcDoc, AcDoc, ClusterDoc, PersonDoc, InviteDoc, AuditDoc, ConversationStateDoc, ConversationLogDoc, ClaimDoc, AttemptLimitDoc };
export type { RoleGrant } from "./person.js";
export type { ProgrammeDoc, CategoryDoc, EventDoc, ReportDoc, ReportVersionDoc, ReviewDecisionDoc };
export type { OutboxItemDoc, OutboxAttemptDoc, OutboxRetryDoc, OutboxDoneDoc, OutboxSenderTermDoc };
export type { DirectiveDoc, DirectiveDeliveryDoc, DirectiveAckDoc };
export type { PhotoTaskDoc, PhotoAttemptDoc, PhotoCheckDoc, PhotoDoc, PhotoFlagDoc };
export type { EscalationStepDoc };
export type { PlanPhaseDoc, PlanRaiseDoc };
export type { EventSlotDoc };
export type { CalendarDoc };

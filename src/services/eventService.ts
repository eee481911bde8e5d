// Events: register (exactly once per confirm key: the bot's draft), read, list for a person, cancel and move. Every change
// re-checks who may act on the event's territory: the conversation's checks are advice, these are the rule.
//
// sanitizeFilter is on (db/connection.ts): query operators written here are marked with mongoose.trusted().
import { Types, trusted } from "mongoose";
import type { EventDoc, EventSlotDoc, Models } from "../db/models/index.js";
import type { CalendarKey } from "../db/models/calendar.js";
import { upsertById } from "../db/duplicateKey.js";
import {
  canActOnEventIn,
  canChangeEvent,
  checkLocation,
  checkNotes,
  checkStartsAt,
  checkVenue,
  eventPlace,
  MAX_ATTENDANCE,
  type EventPlace,
  type LatLng,
} from "../domain/events/index.js";
import type { DenyReason } from "../domain/permissions.js";
import type { RoleScope } from "../domain/roles.js";
import type { MapView, TerritoryRef } from "../domain/territory.js";
import type { AuditService } from "./auditService.js";
import { createCalendars, fileableOf } from "./calendars.js";
import { markRollupEvents } from "../db/rollupMarks.js";
import type { Claims } from "./claims.js";
import { isDuplicateKey } from "./claims.js";
import type { MapService } from "./mapService.js";
import type { ProgrammeService } from "./programmeService.js";

export interface Actor {
  telegramId: number;
  scopes: readonly RoleScope[];
}

export interface EventInput {
  programmeKey: string;
  territory: TerritoryRef;
  startsAt: Date;
  venue: string;
  location: LatLng | null;
  expectedAttendance: number;
  notes: string;
}

/** An event as services hand it out: plain data with a string id. */
export interface EventView extends EventPlace {
  id: string;
  programmeKey: string;
  startsAt: Date;
  venue: string;
  location: LatLng | null;
  expectedAttendance: number;
  notes: string;
  status: "planned" | "cancelled";
  /** The organiser (reminders and report requests go to them and to the seat's holders). */
  createdBy: number;
  /** Who registered it, when it has since been handed to another organiser (a replaced seat holder); else null. */
  registeredBy: number | null;
  createdAt: Date;
  updatedAt: Date;
  reportedAt: Date | null;
}

export type EventRefusal =
  | DenyReason
  | "unknown_territory"
  | "unknown_programme"
  | "bad_time"
  | "bad_venue"
  | "bad_expected"
  | "bad_notes"
  | "not_found"
  | "cancelled"
  | "reported";

export type CreateEventResult =
  | { ok: true; event: EventView; duplicate: boolean }
  /** The seat already has a planned event at this very time (from another draft): ask before registering another. */
  | { ok: false; reason: "same_slot"; existing: EventView[] }
  | { ok: false; reason: EventRefusal };
/** Of a list of events in a range, only the `limit` nearest its start or its end. */
export interface ListBound {
  limit: number;
  nearest: "start" | "end";
}

/** /report's list: the newest events awaiting a report (oldest first) and how many await one in all. */
export interface AwaitingReport {
  events: EventView[];
  total: number;
}

export type ChangeEventResult = { ok: true; event: EventView; changed: boolean } | { ok: false; reason: EventRefusal };

export interface EventService {
  /**
   * Registers an event. `confirmKey` names what is confirmed once: the bot passes its draft ("draft:<chat>:<entry>",
   * see bot/conversations/summaryStep.ts), so any Confirm of that draft again (a double tap, another copy of the
   * summary, a replayed update, a second bot instance at the same moment) returns the same event with
   * duplicate = true. Exactly one call of a key stores the event (duplicate = false), even when racing.
   * `refuseSameSlot`: when the seat already has a planned event at this very time (registered by another draft),
   * store nothing and answer "same_slot" with those events, so the person can be asked first.
   */
  create(args: { actor: Actor; input: EventInput; confirmKey: string; refuseSameSlot?: boolean }): Promise<CreateEventResult>;
  get(id: string): Promise<EventView | null>;
  /**
   * Events the person registered, or held in their own PCs and ACs, starting within [from, to), oldest first; with a
   * bound, only the `limit` nearest one end of the range.
   */
  listMine(actor: Actor, range: { from: Date; to: Date }, bound?: ListBound): Promise<EventView[]>;
  /**
   * The person's events that have started (within `since`), are not cancelled and have no report yet: the newest
   * `limit` of them, oldest first, and how many there are in all.
   */
  listAwaitingReport(actor: Actor, since: Date, limit: number): Promise<AwaitingReport>;
  /** May the actor act on (change, report) this stored event? */
  mayActOn(actor: Actor, event: EventPlace): Promise<boolean>;
  cancel(args: { actor: Actor; eventId: string }): Promise<ChangeEventResult>;
  move(args: { actor: Actor; eventId: string; startsAt: Date }): Promise<ChangeEventResult>;

  /**
   * For the reminder scan: planned (not cancelled) events starting within [from, to), by start time then id; an
   * indexed range. With `page`, at most `limit` of them, after the event `after` (the last of the previous page), so
   * that a scan after downtime holds a page at a time, not the whole backlog.
   */
  listPlannedStartingBetween(from: Date, to: Date, page?: EventPage): Promise<EventView[]>;
}

/** A page of a listing ordered by start time then id: those after `after` (exclusive), at most `limit`. */
export interface EventPage {
  after?: { startsAt: Date; id: string };
  limit: number;
}

export interface EventServiceDeps {
  models: Models;
  now: () => Date;
  claims: Claims;
  audit: AuditService;
  map: MapService;
  programmes: ProgrammeService;
}

export function toEventView(doc: EventDoc): EventView {
  return {
    id: doc._id.toHexString(),
    programmeKey: doc.programmeKey,
    level: doc.level,
    code: doc.code,
    stateCode: doc.stateCode,
    pcCode: doc.pcCode,
    acCode: doc.acCode ?? null,
    startsAt: doc.startsAt,
    venue: doc.venue,
    location: doc.location ? { latitude: doc.location.latitude, longitude: doc.location.longitude } : null,
    expectedAttendance: doc.expectedAttendance,
    notes: doc.notes ?? "",
    status: doc.status ?? "planned",
    createdBy: doc.createdBy,
    registeredBy: doc.registeredBy ?? null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    reportedAt: doc.reportedAt ?? null,
  };
}

export function parseObjectId(id: string): Types.ObjectId | null {
  return /^[0-9a-f]{24}$/i.test(id) ? new Types.ObjectId(id) : null;
}

export function createEventService(deps: EventServiceDeps): EventService {
  const { models, now, claims, audit, map, programmes } = deps;
  const { Event, EventSlot } = models;
  const calendars = createCalendars(models);

  /**
   * The clusters the permission rule needs for this actor: only a cluster head's scope reaches by cluster, so for
   * anyone else none are read (a handful of documents, but on every permission check).
   */
  async function clustersFor(actor: Actor): Promise<MapView["clusters"]> {
    if (!actor.scopes.some((s) => s.level === "cluster")) return new Map();
    return new Map((await map.listClusters()).map((c) => [c.key, [...c.stateCodes]]));
  }

  /**
   * The part of the map the permission rule needs for one territory: the actor's clusters and, for an AC, its PC.
   * Far cheaper than map.loadMapView(), which reads all 4,123 ACs.
   */
  async function mapViewFor(actor: Actor, territory: TerritoryRef): Promise<MapView | null> {
    const [clusters, ac] = await Promise.all([
      clustersFor(actor),
      territory.level === "ac" ? map.getAc(territory.code) : Promise.resolve(null),
    ]);
    if (territory.level === "ac" && !ac) return null;
    if (territory.level === "pc" && !(await map.getPc(territory.code))) return null;
    return { clusters, pcOfAc: (code) => (ac && ac.code === code ? ac.pcCode : undefined) };
  }

  async function check(actor: Actor, territory: TerritoryRef): Promise<{ ok: true; place: EventPlace } | { ok: false; reason: EventRefusal }> {
    const view = await mapViewFor(actor, territory);
    if (!view) return { ok: false, reason: "unknown_territory" };
    const decision = canActOnEventIn(actor.scopes, territory, view);
    if (!decision.allowed) return { ok: false, reason: decision.reason };
    const place = eventPlace(territory, view);
    return place ? { ok: true, place } : { ok: false, reason: "bad_territory" };
  }

  async function mayActOn(actor: Actor, event: EventPlace): Promise<boolean> {
    // A stored event carries its AC's PC: no AC needs reading (not the 4,123 ACs).
    const view: MapView = { clusters: await clustersFor(actor), pcOfAc: (code) => (code === event.acCode ? event.pcCode : undefined) };
    return canActOnEventIn(actor.scopes, { level: event.level, code: event.code }, view).allowed;
  }

  async function byId(eventId: string): Promise<EventDoc | null> {
    const _id = parseObjectId(eventId);
    return _id ? Event.findById(_id).lean<EventDoc>() : null;
  }

  /** Mine: organised by me, or in a PC or AC I am in charge of (events a state team member registered for me). */
  function isMine(actor: Actor, doc: EventDoc): boolean {
    if (doc.createdBy === actor.telegramId) return true;
    return actor.scopes.some((s) => (s.role === "pc_incharge" && doc.pcCode === s.code) || (s.role === "ac_incharge" && doc.acCode === s.code));
  }

  /** The calendars "mine" is filed in (db/models/calendar.ts). */
  function myCalendars(actor: Actor): CalendarKey[] {
    const keys: CalendarKey[] = [`person:${actor.telegramId}`];
    for (const s of actor.scopes) {
      if (s.role === "pc_incharge") keys.push(`pc:${s.code}`);
      if (s.role === "ac_incharge") keys.push(`ac:${s.code}`);
    }
    return keys;
  }

  /**
   * Reads events by _id in the order given, as many at once as are still wanted, until `limit` pass `keep` or none
   * are left. Returns those kept, every one read, and how many ids were read.
   */
  async function readUntil(ids: readonly string[], limit: number, keep: (doc: EventDoc) => boolean): Promise<{ kept: EventDoc[]; seen: EventDoc[]; read: number }> {
    const kept: EventDoc[] = [];
    const seen: EventDoc[] = [];
    let read = 0;
    while (kept.length < limit && read < ids.length) {
      const batch = ids.slice(read, read + limit - kept.length);
      read += batch.length;
      for (const doc of await Promise.all(batch.map(byId))) {
        if (!doc) continue;
        seen.push(doc);
        if (keep(doc)) kept.push(doc);
      }
    }
    return { kept, seen, read };
  }

  /**
   * My events starting in [from, to], oldest first: my calendars by _id, then each event in the range by _id, checked
   * against the event itself (an entry may be stale). No query on the events collection by anything but _id: an index
   * on MongoDB, and on FerretDB 1.24 (which scans for every filter, _id's too) the one a GIN index on PostgreSQL
   * serves (src/db/postgresCluster.ts); an $or or $in is never pushed down there. With `nearest`, only the `limit`
   * events nearest that end of the range are read, so the cost does not grow with the seat's events; without, one
   * read per event in range.
   */
  async function findMine(actor: Actor, from: Date, to: Date, toInclusive: boolean, nearest?: ListBound): Promise<EventDoc[]> {
    const newestFirst = await calendars.idsBetween(myCalendars(actor), { from, to, toInclusive });
    const ids = nearest?.nearest === "start" ? newestFirst.reverse() : newestFirst;
    const inRange = (at: Date) => at >= from && (toInclusive ? at <= to : at < to);
    const { kept } = await readUntil(ids, nearest?.limit ?? ids.length, (doc) => inRange(doc.startsAt) && isMine(actor, doc));
    return kept.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  }

  /** The slot of a seat at a start time: one document, read and written by _id. */
  const slotId = (place: { level: string; code: string }, startsAt: Date) => `${place.level}:${place.code}|${startsAt.toISOString()}`;

  async function addToSlot(place: { level: string; code: string }, startsAt: Date, eventId: string, confirmKey: string | null): Promise<void> {
    const _id = slotId(place, startsAt);
    // One writer at a time (db/serialWrites.ts): two registrations for one seat and time must both be kept.
    await models.serial.run(`event_slots:${_id}`, () => upsertById(EventSlot, _id, { $push: { events: { eventId, confirmKey } } }));
  }

  /** Planned events of this seat at exactly this time, other than the one this draft registered. */
  async function sameSlot(place: { level: string; code: string }, startsAt: Date, confirmKey: string): Promise<EventView[]> {
    const slot = await EventSlot.findById(slotId(place, startsAt)).lean<EventSlotDoc>();
    const others = (slot?.events ?? []).filter((e) => e.confirmKey !== confirmKey);
    const found: EventView[] = [];
    for (const id of new Set(others.map((e) => e.eventId))) {
      const doc = await byId(id);
      // Moved away or cancelled since: not in this slot any more.
      if (doc && doc.status === "planned" && doc.code === place.code && doc.startsAt.getTime() === startsAt.getTime()) found.push(toEventView(doc));
    }
    return found;
  }

  async function change(
    actor: Actor,
    eventId: string,
    action: "event.cancel" | "event.move",
    apply: (event: EventDoc) => { set: Partial<EventDoc>; changed: boolean },
    /** Filed under its new time before the write; its old entries taken out after it (services/calendars.ts). */
    moves = false,
  ): Promise<ChangeEventResult> {
    const event = await byId(eventId);
    if (!event) return { ok: false, reason: "not_found" };
    const view = toEventView(event);
    if (!(await mayActOn(actor, view))) return { ok: false, reason: actor.scopes.length ? "outside_scope" : "no_role" };
    const state = canChangeEvent(view);
    if (!state.ok) {
      // Cancelling a cancelled event again (a double tap) is done, not an error.
      if (action === "event.cancel" && state.reason === "cancelled") return { ok: true, event: toEventView(event), changed: false };
      return { ok: false, reason: state.reason };
    }
    const { set, changed } = apply(event);
    if (!changed) return { ok: true, event: toEventView(event), changed: false };
    if (moves) await calendars.file(fileableOf({ ...event, ...set }));
    await Event.updateOne({ _id: event._id }, { $set: { ...set, updatedAt: now() } });
    await markRollupEvents(models, [{ code: event.code, eventId: event._id.toHexString() }]);
    await audit.record({ actorId: actor.telegramId, action, outcome: "ok", details: { eventId, ...set } });
    if (moves) await calendars.unfile(fileableOf(event));
    const after = await byId(eventId);
    // Filed as it is now, after taking the old entries out: a racing move that landed last is filed by its own writer.
    if (moves && after) await calendars.file(fileableOf(after));
    // A cancelled event needs no report: out of /report's list (services/calendars.ts).
    if (action === "event.cancel") await calendars.close(fileableOf(after ?? event));
    return { ok: true, event: toEventView(after!), changed: true };
  }

  return {
    async create({ actor, input, confirmKey, refuseSameSlot = false }) {
      const startsAt = new Date(input.startsAt);
      const timeOk = !Number.isNaN(startsAt.getTime()) && checkStartsAt(startsAt, now()).ok;
      // Every read a registration needs, at once, each by key: the programme and the place (configuration), and the
      // seat's registrations at that time when a second one there is to be refused (used only once allowed).
      const [programme, allowed, atSameTime] = await Promise.all([
        programmes.get("programme", input.programmeKey),
        check(actor, input.territory),
        refuseSameSlot && timeOk ? sameSlot(input.territory, startsAt, confirmKey) : Promise.resolve([]),
      ]);
      if (!programme || !programme.active) return { ok: false, reason: "unknown_programme" };
      if (!allowed.ok) return allowed;
      if (!timeOk) return { ok: false, reason: "bad_time" };
      const venue = checkVenue(input.venue);
      if (!venue.ok) return { ok: false, reason: "bad_venue" };
      let notes = "";
      if (input.notes) {
        const checked = checkNotes(input.notes);
        if (!checked.ok) return { ok: false, reason: "bad_notes" };
        notes = checked.value;
      }
      const expected = input.expectedAttendance;
      if (!Number.isInteger(expected) || expected < 0 || expected > MAX_ATTENDANCE) return { ok: false, reason: "bad_expected" };
      const location = input.location ? (checkLocation(input.location) ?? null) : null;
      if (atSameTime.length > 0) return { ok: false, reason: "same_slot", existing: atSameTime };

      // The id is chosen before the claim and stored in it: whoever loses the claim (or replays the press after a
      // crash between claim and insert) finds, or finishes creating, the same event.
      const fresh = new Types.ObjectId();
      const claim = await claims.claimOnce(`event.confirm:${confirmKey}`, String(actor.telegramId), { eventId: fresh.toHexString() });
      const claimedId = claim.won ? fresh : parseObjectId(String(claim.existing.result?.eventId ?? ""));
      if (!claimedId) throw new Error(`claim event.confirm:${confirmKey} holds no event id`);
      const at = now();
      // Filed before it is stored, so it is never stored and missing from /report and /myevents.
      await calendars.file({ id: claimedId.toHexString(), startsAt, pcCode: allowed.place.pcCode, acCode: allowed.place.acCode, createdBy: actor.telegramId });
      let inserted: EventDoc | null = null;
      try {
        const created = await Event.create({
          _id: claimedId,
          programmeKey: programme.key,
          ...allowed.place,
          startsAt,
          venue: venue.value,
          location,
          expectedAttendance: expected,
          notes,
          status: "planned",
          createdBy: actor.telegramId,
          createdAt: at,
          updatedAt: at,
          reportedAt: null,
        });
        inserted = created.toObject<EventDoc>();
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      if (inserted) {
        // What follows from the stored event, at once: its slot (for the next same-time check), the rollups' running
        // totals (services/rollupTotals.ts) and the audit line.
        await Promise.all([
          addToSlot(allowed.place, startsAt, claimedId.toHexString(), confirmKey),
          markRollupEvents(models, [{ code: allowed.place.code, eventId: claimedId.toHexString() }]),
          audit.record({ actorId: actor.telegramId, action: "event.create", outcome: "ok", details: { eventId: claimedId.toHexString() } }),
        ]);
      }
      // A replay (or the loser of the claim) reads what the first press stored.
      const stored = inserted ?? (await Event.findById(claimedId).lean<EventDoc>());
      return { ok: true, event: toEventView(stored!), duplicate: !inserted };
    },

    async get(id) {
      const doc = await byId(id);
      return doc ? toEventView(doc) : null;
    },

    async listMine(actor, { from, to }, bound) {
      return (await findMine(actor, from, to, false, bound)).map(toEventView);
    },

    async listAwaitingReport(actor, since, limit) {
      // Only as many events are read as the list shows, newest first: /report costs the same for a seat with 3 open
      // events as for one with 300. The calendars' open entries are checked only until `limit` are found; the rest
      // are counted as they stand (an event is closed there when reported or cancelled, so one still open there is
      // one whose close failed: closed here once it is among those read).
      const until = now();
      const ids = await calendars.idsBetween(myCalendars(actor), { from: since, to: until, toInclusive: true }, { open: true });
      // Status and report are checked on the event: lean documents may lack defaulted fields.
      const isClosed = (doc: EventDoc) => doc.status === "cancelled" || Boolean(doc.reportedAt);
      const { kept, seen, read } = await readUntil(
        ids,
        limit,
        (doc) => doc.status === "planned" && !doc.reportedAt && doc.startsAt >= since && doc.startsAt <= until && isMine(actor, doc),
      );
      for (const doc of seen.filter(isClosed)) await calendars.close(fileableOf(doc));
      kept.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
      return { events: kept.map(toEventView), total: kept.length + ids.length - read };
    },

    mayActOn,

    cancel: ({ actor, eventId }) =>
      change(actor, eventId, "event.cancel", (e) => ({
        set: { status: "cancelled", cancelledAt: now(), cancelledBy: actor.telegramId },
        changed: e.status !== "cancelled",
      })),

    async move({ actor, eventId, startsAt }) {
      const when = new Date(startsAt);
      if (Number.isNaN(when.getTime()) || !checkStartsAt(when, now()).ok) return { ok: false, reason: "bad_time" };
      const result = await change(actor, eventId, "event.move", (e) => ({
        set: { startsAt: when },
        changed: e.startsAt.getTime() !== when.getTime(),
      }), true);
      // Found at its new time by the next registration there.
      if (result.ok && result.changed) await addToSlot(result.event, when, eventId, null);
      return result;
    },

    async listPlannedStartingBetween(from, to, page) {
      const after = page?.after;
      // Keyset paging: the events of the last page's start time with a greater id, then those starting later.
      const filter = after
        ? {
            startsAt: trusted({ $gte: after.startsAt > from ? after.startsAt : from, $lt: to }),
            status: "planned" as const,
            $or: [{ startsAt: trusted({ $gt: after.startsAt }) }, { startsAt: after.startsAt, _id: trusted({ $gt: new Types.ObjectId(after.id) }) }],
          }
        : { startsAt: trusted({ $gte: from, $lt: to }), status: "planned" as const };
      let query = Event.find(filter).sort({ startsAt: 1, _id: 1 });
      if (page) query = query.limit(page.limit);
      const docs = await query.lean<EventDoc[]>();
      return docs.map(toEventView);
    },
  };
}

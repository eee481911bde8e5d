// The organisation a benchmark runs on: N people with roles (mostly PC and AC in-charges), a few events each (some
// reported), filed into the calendars. Shared by scripts/bench-updates.ts and scripts/bench-memory.ts.
import type { User } from "grammy/types";
import { Types } from "mongoose";
import type { Database } from "../../src/db/connection.js";
import { fileAllIntoCalendars } from "../../src/db/migrations/calendars.js";
import { ROLE_LEVEL, type Role } from "../../src/domain/roles.js";
import type { Services } from "../../src/services/index.js";

export const ID_BASE = 6_100_000_000;
const HOUR = 3600_000;
const DAY = 24 * HOUR;

interface Seat {
  role: Role;
  code: string;
  stateCode: string;
  pcCode: string | null;
  acCode: string | null;
}

export interface Seeded {
  drivers: User[];
  parkedPeople: User[];
  events: number;
  reports: number;
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Seeds `people` people: the first `driverCount` (the chats a benchmark drives) hold seats no other driver covers and
 * are recorded through the services; `parkedPeople` are up to `parkedCount` PC/AC in-charges who are not drivers.
 */
export async function seed(
  db: Database,
  deps: { services: Pick<Services, "people" | "map"> },
  people: number,
  driverCount: number,
  parkedCount: number,
): Promise<Seeded> {
  const { models } = db;
  const random = rng(people);
  const pcs = await models.Pc.find({}, { _id: 0, code: 1, stateCode: 1 }).lean<{ code: string; stateCode: string }[]>();
  const acs = await models.Ac.find({}, { _id: 0, code: 1, stateCode: 1, pcCode: 1 }).lean<{ code: string; stateCode: string; pcCode: string }[]>();
  const states = [...new Set(pcs.map((p) => p.stateCode))];
  const clusters = await deps.services.map.listClusters();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

  // Drivers hold seats no one else's driver covers: half PCs (distinct), half ACs in PCs of no PC driver, so each
  // reports events no other chat reports.
  const driverPcs = new Set<string>();
  const seats: Seat[] = [];
  const half = Math.ceil(driverCount / 2);
  for (let i = 0; seats.length < half; i++) {
    const pc = pcs[(i * 7) % pcs.length]!;
    if (driverPcs.has(pc.code)) continue;
    driverPcs.add(pc.code);
    seats.push({ role: "pc_incharge", code: pc.code, stateCode: pc.stateCode, pcCode: pc.code, acCode: null });
  }
  const freeAcs = acs.filter((a) => !driverPcs.has(a.pcCode));
  for (let i = 0; seats.length < driverCount; i++) {
    const ac = freeAcs[(i * 13) % freeAcs.length]!;
    seats.push({ role: "ac_incharge", code: ac.code, stateCode: ac.stateCode, pcCode: ac.pcCode, acCode: ac.code });
  }
  // Everyone else: mostly PC and AC in-charges, some state team members and cluster heads.
  for (let i = driverCount; i < people; i++) {
    const r = random();
    if (r < 0.4) {
      const pc = pick(pcs);
      seats.push({ role: "pc_incharge", code: pc.code, stateCode: pc.stateCode, pcCode: pc.code, acCode: null });
    } else if (r < 0.94) {
      const ac = pick(acs);
      seats.push({ role: "ac_incharge", code: ac.code, stateCode: ac.stateCode, pcCode: ac.pcCode, acCode: ac.code });
    } else if (r < 0.99 || clusters.length === 0) {
      const s = pick(states);
      seats.push({ role: "state_team", code: s, stateCode: s, pcCode: null, acCode: null });
    } else {
      seats.push({ role: "cluster_head", code: pick(clusters).key, stateCode: "", pcCode: null, acCode: null });
    }
  }

  const users = seats.map((_, i): User => ({ id: ID_BASE + i, is_bot: false, first_name: `P${i}`, language_code: "en" }));
  const now = new Date();
  // The drivers as the bot records people and invites appoint them (touch, then grantRole); the rest in bulk, in the
  // shape those two write (grantRole per person costs a scanning update each on FerretDB: minutes at 10,000).
  for (let i = 0; i < driverCount; i++) {
    await deps.services.people.touch(users[i]!);
    await deps.services.people.grantRole(users[i]!.id, { role: seats[i]!.role, code: seats[i]!.code, grantedBy: null });
  }
  const bulk = seats.slice(driverCount).map((seat, j) => {
    const u = users[driverCount + j]!;
    return {
      _id: u.id,
      telegramId: u.id,
      firstName: u.first_name,
      lastName: null,
      username: null,
      language: "en",
      roles: [{ role: seat.role, level: ROLE_LEVEL[seat.role], code: seat.code, grantedBy: null, grantedAt: now, inviteId: null }],
      blockedBotAt: null,
      createdAt: now,
      updatedAt: now,
    };
  });
  for (let i = 0; i < bulk.length; i += 1000) await models.Person.collection.insertMany(bulk.slice(i, i + 1000) as never[], { ordered: false });

  // Events: every PC/AC in-charge has one reported 5 days ago, one held yesterday and not yet reported, one in two
  // weeks; each driver two more waiting for a report (one per /report it may run).
  const events: Record<string, unknown>[] = [];
  const reports: Record<string, unknown>[] = [];
  seats.forEach((seat, i) => {
    if (!seat.pcCode) return;
    const by = users[i]!.id;
    const place = { level: seat.acCode ? "ac" : "pc", code: seat.code, stateCode: seat.stateCode, pcCode: seat.pcCode, acCode: seat.acCode };
    const starts = [-5 * DAY, -DAY, 14 * DAY, ...(i < driverCount ? [-3 * HOUR, -4 * HOUR] : [])];
    for (const [k, offset] of starts.entries()) {
      const _id = new Types.ObjectId();
      const startsAt = new Date(Math.floor((now.getTime() + offset + (i % 60) * 60_000) / 60_000) * 60_000);
      const reported = k === 0;
      const programmeKey = k % 2 ? "sufi-samvad" : "sneh-samvad";
      const reportedAt = reported ? new Date(startsAt.getTime() + 3 * HOUR) : null;
      events.push({
        _id, programmeKey, ...place, startsAt, venue: `Venue ${i}.${k}`, location: null, expectedAttendance: 100, notes: "",
        status: "planned", createdBy: by, createdAt: new Date(startsAt.getTime() - 3 * DAY), updatedAt: new Date(startsAt.getTime() - 3 * DAY),
        reportedAt, cancelledAt: null, cancelledBy: null,
      });
      if (reported) {
        reports.push({
          _id, eventId: _id, programmeKey, ...place, eventStartsAt: startsAt, total: 80,
          counts: { "sufi-ulema": 20, intellectuals: 20, sports: 10, influential: 10, "women-beneficiaries": 10 },
          photos: [], notes: "", submittedBy: by, submittedAt: reportedAt, updatedBy: by, updatedAt: reportedAt, version: 1,
        });
      }
    }
  });
  for (let i = 0; i < events.length; i += 1000) await models.Event.collection.insertMany(events.slice(i, i + 1000), { ordered: false });
  for (let i = 0; i < reports.length; i += 1000) await models.Report.collection.insertMany(reports.slice(i, i + 1000), { ordered: false });
  // Inserted past the services: filed in the calendars as the start-up migration files older data.
  await fileAllIntoCalendars(models);

  // Half-finished conversations belong to PC/AC in-charges who are not drivers.
  const parkedPeople = users.slice(driverCount).filter((_, j) => seats[driverCount + j]!.pcCode).slice(0, parkedCount);
  return { drivers: users.slice(0, driverCount), parkedPeople, events: events.length, reports: reports.length };
}

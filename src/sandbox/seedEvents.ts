// Demo events around today, so that /myevents, /report's corrections and the cluster's rollup have something to
// show from the first minute: two past events with reports, two past events nobody has reported yet (one of them
// the demo Lok Sabha in-charge's own, two days ago: the person the page opens as has a report to send), and one
// tomorrow. They go through the real services (permissions, validation, exactly-once confirm keys), each with a
// clock set to when a person would have done it, so stored dates look as they would in the field. The first report
// carries photos (files the local Bot API holds, as though the in-charge had sent them): /review shows them as an
// album.
import { DateTime } from "luxon";
import type { Models } from "../db/models/index.js";
import type { ReportInput } from "../services/reportService.js";
import type { ReportPhoto } from "../domain/reports.js";
import { createServices, type Services } from "../services/index.js";
import { scopesOf } from "../services/personService.js";
import type { TerritoryRef } from "../domain/territory.js";
import { DEMO_AC, DEMO_PC, DEMO_PEOPLE, type DemoPerson } from "./demoPeople.js";

interface DemoEvent {
  key: string;
  by: DemoPerson["key"];
  programmeKey: string;
  territory: TerritoryRef;
  /** Days from today (negative: past) and the local hour it starts. */
  day: number;
  hour: number;
  venue: string;
  expected: number;
  notes: string;
  /** Hours after the start that the report was sent; none: not reported yet. `photos`: how many demo photos. */
  report?: { afterHours: number; input: ReportInput; photos?: number };
}

/** Lucknow: a second PC of the demo state, where the state team registered an event on the in-charge's behalf. */
const LUCKNOW = "IN-UP:P35";

export const DEMO_EVENTS: readonly DemoEvent[] = [
  {
    key: "e1",
    by: "pc",
    programmeKey: "sneh-samvad",
    territory: { level: "pc", code: DEMO_PC },
    day: -4,
    hour: 11,
    venue: "टाउन हॉल, वाराणसी",
    expected: 150,
    notes: "शहर के विद्वानों और समाज के लोगों के साथ संवाद",
    report: {
      afterHours: 3,
      input: {
        total: 132,
        counts: { "sufi-ulema": 12, intellectuals: 30, sports: 5, influential: 25, "women-beneficiaries": 40 },
        photos: [],
        notes: "अच्छी भागीदारी रही; महिलाओं ने योजनाओं के बारे में प्रश्न पूछे।",
      },
      // Two, so that /review's card shows an album (sendMediaGroup).
      photos: 2,
    },
  },
  {
    key: "e2",
    by: "ac",
    programmeKey: "sufi-samvad",
    territory: { level: "ac", code: DEMO_AC },
    day: -2,
    hour: 16,
    venue: "Community Hall, Cantonment",
    expected: 80,
    notes: "With the local dargah committee",
    report: {
      afterHours: 4,
      input: {
        total: 76,
        counts: { "sufi-ulema": 20, intellectuals: 15, sports: 3, influential: 10, "women-beneficiaries": 18 },
        photos: [],
        notes: "",
      },
    },
  },
  {
    key: "e3",
    by: "state",
    programmeKey: "sneh-samvad",
    territory: { level: "pc", code: LUCKNOW },
    day: -1,
    hour: 10,
    venue: "गांधी भवन, लखनऊ",
    expected: 200,
    notes: "",
  },
  {
    // The default person's event waiting for a report: /report opens it at once (it is his only one). Two days
    // back, so that it is never on the same day as an event a visitor registers for an hour ago.
    key: "e5",
    by: "pc",
    programmeKey: "sneh-samvad",
    territory: { level: "pc", code: DEMO_PC },
    day: -2,
    hour: 18,
    venue: "कबीर चौरा मठ, वाराणसी",
    expected: 120,
    notes: "",
  },
  {
    key: "e4",
    by: "pc",
    programmeKey: "sufi-samvad",
    territory: { level: "pc", code: DEMO_PC },
    day: 1,
    hour: 17,
    venue: "दशाश्वमेध घाट के पास सामुदायिक भवन",
    expected: 120,
    notes: "",
  },
];

export interface EventSeedResult {
  events: number;
  reports: number;
}

export interface EventSeedOptions {
  /**
   * Stores demo photo `n` where the bot can send it (the sandbox: the local Bot API). Without it the reports have
   * no photos; a report already seeded is kept as it is either way (one version per confirm key).
   */
  uploadPhoto?: (n: number) => Promise<ReportPhoto>;
}

export async function seedDemoEvents(models: Models, timeZone: string, now: Date, options: EventSeedOptions = {}): Promise<EventSeedResult> {
  const at = (moment: Date): Services => createServices({ models, now: () => moment });
  const services = at(now);
  await services.programmes.list("programme"); // seeds the default programmes and categories into an empty database
  const today = DateTime.fromJSDate(now, { zone: timeZone }).startOf("day");
  let events = 0;
  let reports = 0;
  let photoNo = 0;
  for (const demo of DEMO_EVENTS) {
    const person = DEMO_PEOPLE.find((p) => p.key === demo.by)!;
    const actor = { telegramId: person.user.id, scopes: scopesOf(await services.people.get(person.user.id)) };
    const startsAt = today.plus({ days: demo.day }).set({ hour: demo.hour }).toJSDate();
    // Registered the day before it starts (or now, for one ahead).
    const registeredAt = new Date(Math.min(now.getTime(), startsAt.getTime() - 24 * 60 * 60 * 1000));
    const created = await at(registeredAt).events.create({
      actor,
      input: {
        programmeKey: demo.programmeKey,
        territory: demo.territory,
        startsAt,
        venue: demo.venue,
        location: null,
        expectedAttendance: demo.expected,
        notes: demo.notes,
      },
      confirmKey: `sandbox-demo:${demo.key}`,
    });
    if (!created.ok) throw new Error(`sandbox: demo event ${demo.key} refused: ${created.reason}`);
    if (!created.duplicate) events++;
    if (!demo.report) continue;
    const reportedAt = new Date(startsAt.getTime() + demo.report.afterHours * 60 * 60 * 1000);
    const upload = options.uploadPhoto;
    const photos = upload ? await Promise.all(Array.from({ length: demo.report.photos ?? 0 }, () => upload(photoNo++))) : [];
    const submitted = await at(reportedAt).reports.submit({
      actor,
      eventId: created.event.id,
      input: { ...demo.report.input, photos },
      confirmKey: `sandbox-demo:${demo.key}`,
    });
    if (!submitted.ok) throw new Error(`sandbox: demo report ${demo.key} refused: ${submitted.reason}`);
    if (!submitted.duplicate) reports++;
  }
  return { events, reports };
}

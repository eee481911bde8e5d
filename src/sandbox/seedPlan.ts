// A demo campaign phase, so that /plans and /progress (and the pace at the top of each rollup) have something to
// show from the first minute: Sneh Samvad in every Lok Sabha seat, three events per seat, from twenty days ago to ten
// days ahead (so one is due by now and the seats without one show as behind), with Varanasi's target raised to four
// by the state team. The demo events (seedEvents.ts) are its
// progress: Varanasi's reported meeting is held, Lucknow's awaits its report. Through the real services, so it is
// audited and idempotent (the phase under its draft key, the raise under phase, seat and number).
import { DateTime } from "luxon";
import type { Models } from "../db/models/index.js";
import { createServices } from "../services/index.js";
import { scopesOf } from "../services/personService.js";
import { DEMO_PC, DEMO_PEOPLE } from "./demoPeople.js";

export const DEMO_PHASE_KEY = "sandbox-demo:phase";

export async function seedDemoPlan(models: Models, timeZone: string, now: Date): Promise<{ phases: number; raises: number }> {
  const services = createServices({ models, now: () => now, timeZone });
  const actorOf = async (key: string) => {
    const person = DEMO_PEOPLE.find((p) => p.key === key)!;
    return { telegramId: person.user.id, scopes: scopesOf(await services.people.get(person.user.id)) };
  };
  const today = DateTime.fromJSDate(now, { zone: timeZone });
  const made = await services.plans.createPhase({
    actor: await actorOf("admin"),
    input: {
      programmeKey: "sneh-samvad",
      level: "pc",
      target: 3,
      startDay: today.minus({ days: 20 }).toISODate()!,
      endDay: today.plus({ days: 10 }).toISODate()!,
    },
    confirmKey: DEMO_PHASE_KEY,
  });
  if (!made.ok) throw new Error(`sandbox: demo phase refused: ${made.reason}`);
  const raised = await services.plans.raise({ actor: await actorOf("state"), phaseId: made.phase.id, territory: { level: "pc", code: DEMO_PC }, target: 4 });
  if (!raised.ok) throw new Error(`sandbox: demo raise refused: ${raised.reason}`);
  return { phases: made.created ? 1 : 0, raises: raised.created ? 1 : 0 };
}

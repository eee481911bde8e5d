// Demo data for the sandbox, on top of the map and clusters that every app start seeds: the demo people with their
// roles. Safe to run at every start: people are upserted, roles granted only when not held, and a language is set
// only when the person has not chosen one with /language.
import type { Logger } from "../logger.js";
import type { Services } from "../services/index.js";
import { DEMO_PEOPLE } from "./demoPeople.js";
import { isLanguage } from "../i18n.js";

export interface SeedResult {
  people: number;
  rolesGranted: number;
}

export async function seedDemoPeople(services: Services, logger: Logger): Promise<SeedResult> {
  let rolesGranted = 0;
  for (const demo of DEMO_PEOPLE) {
    const person = await services.people.touch(demo.user);
    if (person.language === null && isLanguage(demo.user.language_code)) {
      await services.people.setLanguage(demo.user.id, demo.user.language_code);
    }
    if (!demo.role) continue;
    let code: string;
    if ("clusterOfState" in demo.role) {
      // Clusters can be edited in the sandbox (/clusters): use whichever cluster now holds the demo state.
      const cluster = await services.map.clusterOfState(demo.role.clusterOfState);
      if (!cluster) {
        logger.warn({ state: demo.role.clusterOfState }, "sandbox: no cluster holds the demo state; the demo cluster head has no role");
        continue;
      }
      code = cluster.key;
    } else {
      code = demo.role.code;
    }
    if (await services.people.grantRole(demo.user.id, { role: demo.role.role, code, grantedBy: null })) rolesGranted++;
  }
  return { people: DEMO_PEOPLE.length, rolesGranted };
}

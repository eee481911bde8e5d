// The person switcher's entries: each demo person's name and current roles, in the page's language. Roles are read
// from the database at every request, since sandbox visitors appoint and remove each other.
import type { I18n, Language } from "../i18n.js";
import type { Services } from "../services/index.js";
import type { DemoPerson } from "./demoPeople.js";
import type { PersonEntry } from "./webServer.js";

export function createDirectory(people: readonly DemoPerson[], services: Services, i18n: I18n): (lang: Language) => Promise<PersonEntry[]> {
  return async (lang) => {
    const t = i18n.t(lang);
    return Promise.all(
      people.map(async (demo) => {
        const person = await services.people.get(demo.user.id);
        const roles = await Promise.all(
          (person?.roles ?? []).map(async (r) => {
            const territory = r.level === "country" ? t("common:territory.country") : await services.map.territoryName(r, lang);
            return t("common:roleIn", { role: t(`common:role.${r.role}`), territory });
          }),
        );
        return {
          id: demo.user.id,
          key: demo.key,
          name: [demo.user.first_name, demo.user.last_name].filter(Boolean).join(" "),
          role: roles.length ? roles.join("; ") : t("sandbox:noRole"),
          language: demo.user.language_code,
        };
      }),
    );
  };
}

// The command list: drives /help and the menus set with setMyCommands. A feature adds its command here.
import type { Api } from "grammy";
import type { I18n, Language } from "../i18n.js";
import type { Role } from "../domain/roles.js";
import { appointableRoles } from "../domain/permissions.js";
import type { RoleScope } from "../domain/roles.js";

export interface CommandSpec {
  command: string;
  /** Who sees it in /help: everyone, anyone holding a role, or anyone who can appoint. */
  audience: "everyone" | "any_role" | "appointer" | readonly Role[];
}

// In the order people need them: the menu shows the everyday commands of in-charges first.
export const COMMANDS: readonly CommandSpec[] = [
  { command: "newevent", audience: "any_role" },
  { command: "report", audience: "any_role" },
  { command: "myevents", audience: "any_role" },
  { command: "progress", audience: "any_role" },
  { command: "review", audience: ["national_admin", "cluster_head", "state_team"] },
  { command: "gaps", audience: ["national_admin", "cluster_head", "state_team"] },
  { command: "export", audience: ["national_admin", "cluster_head", "state_team"] },
  { command: "rollup", audience: ["national_admin", "cluster_head", "state_team"] },
  { command: "map", audience: ["national_admin", "cluster_head", "state_team"] },
  { command: "plans", audience: ["national_admin", "cluster_head", "state_team"] },
  { command: "directive", audience: ["national_admin", "cluster_head"] },
  { command: "directives", audience: ["national_admin", "cluster_head"] },
  { command: "invite", audience: "appointer" },
  { command: "invites", audience: "appointer" },
  { command: "team", audience: "appointer" },
  { command: "clusters", audience: ["national_admin"] },
  { command: "programmes", audience: ["national_admin"] },
  { command: "audit", audience: ["national_admin"] },
  { command: "me", audience: "everyone" },
  { command: "language", audience: "everyone" },
  { command: "help", audience: "everyone" },
  { command: "start", audience: "everyone" },
  { command: "cancel", audience: "everyone" },
];

export function commandsFor(scopes: readonly RoleScope[]): CommandSpec[] {
  const roles = new Set(scopes.map((s) => s.role));
  return COMMANDS.filter((c) => {
    if (c.audience === "everyone") return true;
    if (c.audience === "any_role") return roles.size > 0;
    if (c.audience === "appointer") return appointableRoles(scopes).length > 0;
    return c.audience.some((r) => roles.has(r));
  });
}


/**
 * The default menus: Hindi for everyone, English for clients set to English. They list what a newcomer without a
 * role can use; a person with a role gets a menu of their own (menus.ts).
 */
export async function setCommandMenus(api: Api, i18n: I18n): Promise<void> {
  const all = (lang: Language) => commandsFor([]).map((c) => ({ command: c.command, description: i18n.t(lang)(`commands:${c.command}`) }));
  await api.setMyCommands(all("hi"));
  await api.setMyCommands(all("hi"), { language_code: "hi" });
  await api.setMyCommands(all("en"), { language_code: "en" });
}

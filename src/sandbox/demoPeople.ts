// The demo people a sandbox visitor can act as: one per role in the chain of responsibility, in one area
// (Varanasi, Uttar Pradesh) so that what one does the others can see, plus a newcomer without a role who can try
// an invite link. Names and Telegram languages are mixed Hindi/English, as in the field.
import type { UserSpec } from "../localBotApi/index.js";
import type { Role } from "../domain/roles.js";

export interface DemoPerson {
  /** Stable handle for the page and tests. */
  key: "admin" | "cluster" | "state" | "pc" | "ac" | "newcomer";
  /** The Telegram user (ids above 2^32, as real ones are). */
  user: Required<Pick<UserSpec, "id" | "first_name" | "language_code">> & UserSpec;
  /** The role granted at every start; a cluster head's code is looked up (the cluster that holds `state`). */
  role?: { role: Role; code: string } | { role: "cluster_head"; clusterOfState: string };
}

export const DEMO_STATE = "IN-UP";
/** Varanasi (Lok Sabha 77) and Varanasi Cantt (Vidhan Sabha 390), inside it. */
export const DEMO_PC = "IN-UP:P77";
export const DEMO_AC = "IN-UP:A390";

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  {
    key: "admin",
    user: { id: 9_100_000_001, first_name: "अनीता", last_name: "शर्मा", language_code: "hi" },
    role: { role: "national_admin", code: "IN" },
  },
  {
    key: "cluster",
    user: { id: 9_100_000_002, first_name: "Rahul", last_name: "Verma", language_code: "en" },
    role: { role: "cluster_head", clusterOfState: DEMO_STATE },
  },
  {
    key: "state",
    user: { id: 9_100_000_003, first_name: "सुनीता", last_name: "यादव", language_code: "hi" },
    role: { role: "state_team", code: DEMO_STATE },
  },
  {
    key: "pc",
    user: { id: 9_100_000_004, first_name: "आरिफ़", last_name: "ख़ान", language_code: "hi" },
    role: { role: "pc_incharge", code: DEMO_PC },
  },
  {
    key: "ac",
    user: { id: 9_100_000_005, first_name: "Fatima", last_name: "Siddiqui", language_code: "en" },
    role: { role: "ac_incharge", code: DEMO_AC },
  },
  {
    key: "newcomer",
    user: { id: 9_100_000_006, first_name: "नेहा", last_name: "गुप्ता", language_code: "hi" },
  },
];

export function demoPerson(id: number): DemoPerson | undefined {
  return DEMO_PEOPLE.find((p) => p.user.id === id);
}

// Configuration comes from the environment only, and is validated once, at start-up, into a typed object that is
// passed to whatever needs it. Nothing reads process.env anywhere else.
import { z } from "zod";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Telegram user ids exceed 32 bits but stay far below 2^53, so a JS number holds them exactly. */
const telegramId = z
  .string()
  .trim()
  .regex(/^\d{1,16}$/, "must be a Telegram user id (digits only)")
  .transform(Number);

const schema = z.object({
  BOT_TOKEN: z
    .string()
    .trim()
    .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, "must look like 123456789:AAE... (the token BotFather gave you)")
    .optional(),
  MONGODB_URI: z
    .string()
    .trim()
    .regex(/^mongodb(\+srv)?:\/\//, "must start with mongodb:// or mongodb+srv://")
    .optional(),
  BOT_API_ROOT: z.string().trim().url("must be a URL such as https://api.telegram.org").default("https://api.telegram.org"),
  TZ: z
    .string()
    .trim()
    .default("Asia/Kolkata")
    .refine(isValidTimeZone, "must be an IANA time zone such as Asia/Kolkata"),
  BOOTSTRAP_ADMIN_IDS: z
    .string()
    .default("")
    .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(telegramId)),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  DATA_DIR: z.string().trim().default(".data"),
});

export interface Config {
  /** Absent only where the caller allows it (tests, and the sandbox of a later issue). */
  botToken: string | undefined;
  /** Absent: start a local MongoDB-compatible server under dataDir (see db/localServer.ts). */
  mongodbUri: string | undefined;
  botApiRoot: string;
  timeZone: string;
  bootstrapAdminIds: number[];
  logLevel: (typeof LOG_LEVELS)[number];
  dataDir: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Reads the environment into a Config, or throws a ConfigError naming every bad variable at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (as in a copied .env.example) means "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ""));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".") || "(environment)"}: ${i.message}`));
  }
  const v = parsed.data;
  return {
    botToken: v.BOT_TOKEN,
    mongodbUri: v.MONGODB_URI,
    botApiRoot: v.BOT_API_ROOT.replace(/\/+$/, ""),
    timeZone: v.TZ,
    bootstrapAdminIds: v.BOOTSTRAP_ADMIN_IDS,
    logLevel: v.LOG_LEVEL,
    dataDir: v.DATA_DIR,
  };
}

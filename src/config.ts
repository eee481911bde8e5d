// Configuration comes from the environment only, and is validated once, at start-up, into a typed object that is
// passed to whatever needs it. Nothing reads process.env anywhere else.
import { z } from "zod";
import { validate as isCronExpression } from "node-cron";
import { LOG_FORMATS, type LogFormat } from "./logger.js";
import type { EscalationDays } from "./domain/escalation.js";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Telegram user ids exceed 32 bits but stay far below 2^53, so a JS number holds them exactly. */
const telegramId = z
  .string()
  .trim()
  .regex(/^\d{1,16}$/, "must be a Telegram user id (digits only)")
  .transform(Number);

const port = z.coerce.number().int("must be a port number").min(0).max(65535);

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
  LOG_FORMAT: z.enum(LOG_FORMATS, { message: "must be auto, pretty or json" }).default("auto"),
  NODE_ENV: z.string().trim().optional(),
  DATA_DIR: z.string().trim().default(".data"),
  // Scheduler (src/jobs): reminders, escalations and the daily rollup. Times are in TZ.
  SCHEDULER_ENABLED: z
    .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
    .default("true")
    .transform((v) => v === "true" || v === "1" || v === "yes"),
  ROLLUP_TIME: z
    .string()
    .trim()
    .default("20:00")
    .refine((v) => /^([01]?\d|2[0-3]):[0-5]\d$/.test(v), "must be a 24-hour time such as 20:00"),
  REMINDER_SCAN_CRON: z
    .string()
    .trim()
    .default("*/5 * * * *")
    .refine((v) => isCronExpression(v), "must be a cron expression such as */5 * * * *"),
  REMINDER_HOURS_BEFORE: z
    .string()
    .trim()
    .default("24,2")
    .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean).map(Number))
    .refine((a) => a.length > 0 && a.every((h) => Number.isInteger(h) && h >= 1 && h <= 168), "must be hours such as 24,2 (1 to 168)"),
  REPORT_REQUEST_HOURS_AFTER: z.coerce.number().int("must be whole hours").min(0).max(47).default(2),
  ESCALATION_HOURS_AFTER: z.coerce.number().int("must be whole hours").min(1).max(168).default(48),
  // The ladder: still unreported this many days after the start, the event is named in the state team's, then the
  // cluster in-charge's, then the national office's daily rollup.
  ESCALATION_DAYS: z
    .string()
    .trim()
    .default("3,5,7")
    .transform((s) => s.split(",").map((x) => x.trim()).map(Number))
    .refine(
      (a) => a.length === 3 && a.every((d) => Number.isInteger(d) && d >= 1 && d <= 90) && a[0]! <= a[1]! && a[1]! <= a[2]!,
      "must be three whole days in order, state team then cluster in-charge then national office, such as 3,5,7 (1 to 90)",
    ),
  // Directives: send once more to whoever has not acknowledged this many hours after sending (0: never).
  DIRECTIVE_REPING_HOURS: z.coerce.number().int("must be whole hours").min(0).max(720).default(24),
  // The sender lease (delivery/senderLease.ts): one copy of the bot sends at a time, in terms of this many seconds;
  // a copy that dies is replaced within about one and a half terms.
  SENDER_LEASE_SECONDS: z.coerce.number().int("must be whole seconds").min(3).max(60).default(5),
  // Days of grace before a seat counts as behind the straight line of its phase (domain/plans/pace.ts).
  PACE_GRACE_DAYS: z.coerce.number().int("must be whole days").min(0).max(60).default(3),
  // Webhook mode (set WEBHOOK_URL; polling otherwise) and the HTTP port's /healthz, /readyz and /metrics.
  WEBHOOK_URL: z
    .string()
    .trim()
    .url("must be a URL such as https://bot.example.org/telegram")
    .refine(isWebhookUrl, "must be https:// (Telegram sends only to HTTPS; http:// only for localhost)")
    .optional(),
  WEBHOOK_SECRET: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, "must be 16 to 256 letters, digits, _ or - (e.g. openssl rand -hex 32)")
    .optional(),
  WEBHOOK_PORT: port.default(8443),
  HTTP_HOST: z.string().trim().default("0.0.0.0"),
  HEALTH_PORT: port.optional(),
  // Several copies on one database (telegram/dispatcher.ts, telegram/poller.ts): how long a dead copy keeps a chat's
  // updates, and the poller's role, before another copy takes them over.
  INBOX_LEASE_MS: z.coerce.number().int("must be whole milliseconds").min(1_000).max(600_000).default(30_000),
  POLLER_LEASE_MS: z.coerce.number().int("must be whole milliseconds").min(1_000).max(600_000).default(10_000),
}).refine((v) => !v.WEBHOOK_URL || v.WEBHOOK_SECRET, {
  path: ["WEBHOOK_SECRET"],
  message: "must be set when WEBHOOK_URL is (Telegram sends it with every update; requests without it are refused)",
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
  /** auto: pretty at a terminal outside production, else JSON (see logger.ts). */
  logFormat: LogFormat;
  /** NODE_ENV=production: logs stay JSON even at a terminal. */
  production: boolean;
  dataDir: string;
  scheduler: SchedulerConfig;
  /** Hours after a directive went out at which the silent get it once more; 0 turns the re-ping off. */
  directiveRepingHours: number;
  /** One term of the sender lease, in ms: the copy holding it sends (all copies share Telegram's limits). */
  senderLeaseMs: number;
  /** Days of grace before a seat is behind its phase's line. */
  paceGraceDays: number;
  /** Set: intake by webhook (telegram/webhook.ts) instead of long polling. */
  webhook: WebhookConfig | undefined;
  /** Where the HTTP server (http/server.ts) listens: the webhook port, or in polling mode HEALTH_PORT if set. */
  http: { host: string; healthPort: number | undefined };
  leases: LeaseConfig;
}

export interface LeaseConfig {
  /** A chat's lease (renewed every third while its updates are handled; a dead copy's is taken over after it). */
  inboxMs: number;
  /** The poller's lease (renewed every third; the copies standing by take over within about 1⅓ of it). */
  pollerMs: number;
}

export interface WebhookConfig {
  url: string;
  /** The request path Telegram posts to: WEBHOOK_URL's path (a reverse proxy passes it through unchanged). */
  path: string;
  secret: string;
  port: number;
}

export interface SchedulerConfig {
  enabled: boolean;
  /** Local time (in Config.timeZone) of the daily rollup. */
  rollupTime: { hour: number; minute: number };
  /** When to look for due reminders; every run covers everything due (and missed) in the last 48 hours. */
  reminderScanCron: string;
  /** Reminders to the organiser this many hours before the start, largest first. */
  reminderHoursBefore: number[];
  reportRequestHoursAfter: number;
  escalationHoursAfter: number;
  /** Days after the start at which an unreported event is named in each level's rollup (domain/escalation.ts). */
  escalationDays: EscalationDays;
}

export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = {
  enabled: true,
  rollupTime: { hour: 20, minute: 0 },
  reminderScanCron: "*/5 * * * *",
  reminderHoursBefore: [24, 2],
  reportRequestHoursAfter: 2,
  escalationHoursAfter: 48,
  escalationDays: { state: 3, cluster: 5, country: 7 },
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

function isWebhookUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || (u.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(u.hostname));
  } catch {
    return false;
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
    logFormat: v.LOG_FORMAT,
    production: v.NODE_ENV === "production",
    dataDir: v.DATA_DIR,
    paceGraceDays: v.PACE_GRACE_DAYS,
    scheduler: {
      enabled: v.SCHEDULER_ENABLED,
      rollupTime: { hour: Number(v.ROLLUP_TIME.split(":")[0]), minute: Number(v.ROLLUP_TIME.split(":")[1]) },
      reminderScanCron: v.REMINDER_SCAN_CRON,
      reminderHoursBefore: [...new Set(v.REMINDER_HOURS_BEFORE)].sort((a, b) => b - a),
      reportRequestHoursAfter: v.REPORT_REQUEST_HOURS_AFTER,
      escalationHoursAfter: v.ESCALATION_HOURS_AFTER,
      escalationDays: { state: v.ESCALATION_DAYS[0]!, cluster: v.ESCALATION_DAYS[1]!, country: v.ESCALATION_DAYS[2]! },
    },
    directiveRepingHours: v.DIRECTIVE_REPING_HOURS,
    senderLeaseMs: v.SENDER_LEASE_SECONDS * 1000,
    webhook: v.WEBHOOK_URL
      ? { url: v.WEBHOOK_URL, path: new URL(v.WEBHOOK_URL).pathname, secret: v.WEBHOOK_SECRET!, port: v.WEBHOOK_PORT }
      : undefined,
    http: { host: v.HTTP_HOST, healthPort: v.HEALTH_PORT },
    leases: { inboxMs: v.INBOX_LEASE_MS, pollerMs: v.POLLER_LEASE_MS },
  };
}

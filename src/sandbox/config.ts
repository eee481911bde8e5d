// The sandbox's own settings, read from the environment once at start (main.ts passes process.env in).
// Everything else (database, time zone, log level) comes from the app's Config.
import { z } from "zod";
import { ConfigError } from "../config.js";

export const DEFAULT_SANDBOX_PORT = 8080;

export interface SandboxSettings {
  /** Port of the web page; 0 picks any free port. When the port is taken, a free one is used instead. */
  port: number;
  /** Interface to serve on. Loopback by default: the page lets anyone on it act as any demo person. */
  host: string;
}

const schema = z.object({
  SANDBOX_PORT: z
    .string()
    .trim()
    .regex(/^\d{1,5}$/, "must be a port number (0 = any free port)")
    .transform(Number)
    .refine((n) => n <= 65_535, "must be at most 65535")
    .optional(),
  SANDBOX_HOST: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.:-]+$/, "must be a host name or IP address, such as 127.0.0.1")
    .optional(),
});

export function loadSandboxSettings(env: NodeJS.ProcessEnv): SandboxSettings {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ""));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  return { port: parsed.data.SANDBOX_PORT ?? DEFAULT_SANDBOX_PORT, host: parsed.data.SANDBOX_HOST ?? "127.0.0.1" };
}

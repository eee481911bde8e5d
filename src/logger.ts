// pino logger. The bot token appears in every Bot API URL, so it is scrubbed from anything logged, not just from
// known fields: an error from the HTTP client may carry the URL in its message.
// Format: JSON lines (for log collectors) or pino-pretty's readable lines (for a person at a terminal). LOG_FORMAT
// chooses (config.ts); by default ("auto") pretty when stdout is a terminal and NODE_ENV is not "production", else JSON.
import { pino, type DestinationStream, type Logger, type LoggerOptions as LoggerOptionsOf } from "pino";
import { PinoPretty } from "pino-pretty";

export type { Logger };

export function redactToken(text: string, token: string | undefined): string {
  let out = text.replace(/\d{5,}:[A-Za-z0-9_-]{30,}/g, "<bot-token>");
  if (token) out = out.split(token).join("<bot-token>");
  return out;
}

export const LOG_FORMATS = ["auto", "pretty", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  level: string;
  botToken?: string | undefined;
  /** Default JSON; main.ts passes what resolveLogFormat chose from LOG_FORMAT. */
  format?: "pretty" | "json" | undefined;
}

/** LOG_FORMAT "auto" becomes pretty for a person at a terminal (stdout a TTY, not production), else JSON. */
export function resolveLogFormat(format: LogFormat, where: { isTTY: boolean; production: boolean }): "pretty" | "json" {
  if (format === "pretty" || format === "json") return format;
  return where.isTTY && !where.production ? "pretty" : "json";
}

export function createLogger(options: LoggerOptions): Logger {
  if (options.format !== "pretty") return pino(pinoOptions(options));
  return pino(pinoOptions(options), prettyStream(process.stdout, !!process.stdout.isTTY));
}

/** The same logger writing to a stream of the caller's (tests). */
export function createLoggerTo(options: LoggerOptions, destination: NodeJS.WritableStream): Logger {
  if (options.format !== "pretty") return pino(pinoOptions(options), destination as never);
  return pino(pinoOptions(options), prettyStream(destination, false));
}

/**
 * pino-pretty in this thread (not as a pino transport, which would run it in a worker thread): synchronous, so a
 * line logged just before an exit is not lost. The token is scrubbed before any formatting, so pretty lines are too.
 */
function prettyStream(destination: NodeJS.WritableStream, colorize: boolean): DestinationStream {
  return PinoPretty({ destination, sync: true, colorize, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" });
}

function pinoOptions(options: LoggerOptions): LoggerOptionsOf {
  return {
    level: options.level,
    redact: { paths: ["token", "*.token", "botToken", "*.botToken"], censor: "<bot-token>" },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => {
          if (typeof a === "string") return redactToken(a, options.botToken);
          if (a instanceof Error) return scrubError(a, options.botToken);
          if (a && typeof a === "object" && "err" in a && (a as { err: unknown }).err instanceof Error) {
            return { ...a, err: scrubError((a as { err: Error }).err, options.botToken) };
          }
          return a;
        });
        return method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
  };
}

function scrubError(err: Error, token: string | undefined): { type: string; message: string; stack?: string } {
  return {
    type: err.name,
    message: redactToken(err.message, token),
    ...(err.stack ? { stack: redactToken(err.stack, token) } : {}),
  };
}

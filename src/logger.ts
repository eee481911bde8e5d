// pino logger. The bot token appears in every Bot API URL, so it is scrubbed from anything logged, not just from
// known fields: an error from the HTTP client may carry the URL in its message.
import { pino, type Logger, type LoggerOptions as LoggerOptionsOf } from "pino";

export type { Logger };

export function redactToken(text: string, token: string | undefined): string {
  let out = text.replace(/\d{5,}:[A-Za-z0-9_-]{30,}/g, "<bot-token>");
  if (token) out = out.split(token).join("<bot-token>");
  return out;
}

export interface LoggerOptions {
  level: string;
  botToken?: string | undefined;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(pinoOptions(options));
}

/** The same logger writing to a stream of the caller's (tests). */
export function createLoggerTo(options: LoggerOptions, destination: NodeJS.WritableStream): Logger {
  return pino(pinoOptions(options), destination as never);
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

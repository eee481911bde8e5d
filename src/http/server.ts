// The bot's HTTP port (node:http, no framework): the webhook in webhook mode, and for an orchestrator or Prometheus
//   GET /healthz  200 while the process is up (liveness: restart it if this stops answering)
//   GET /readyz   200 when the database answers a ping and intake is running, else 503 (readiness: send no traffic)
//   GET /metrics  Prometheus text exposition (metrics.ts)
// In polling mode the same server runs on HEALTH_PORT, without the webhook.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../logger.js";

export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean>;
}

export interface HttpServerOptions {
  port: number;
  host: string;
  logger: Logger;
  /** The webhook path and its handler (webhook mode only). */
  webhook?: { path: string; handle(req: IncomingMessage, res: ServerResponse): Promise<void> };
  readiness: readonly ReadinessCheck[];
  metrics?: { render(): Promise<string>; contentType: string };
  /** Longest a readiness check may take before it counts as failed. */
  checkTimeoutMs?: number;
}

export interface HttpServer {
  server: Server;
  /** The port actually listened on (a free one when asked for port 0). */
  port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, type = "text/plain; charset=utf-8"): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
  res.end(body);
}

async function withTimeout(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      check().catch(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { logger } = options;
  const checkTimeoutMs = options.checkTimeoutMs ?? 2_000;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (options.webhook && path === options.webhook.path) return options.webhook.handle(req, res);
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed\n");
    if (path === "/healthz") return send(res, 200, "ok\n");
    if (path === "/readyz") {
      const results = await Promise.all(options.readiness.map(async (c) => [c.name, await withTimeout(c.check, checkTimeoutMs)] as const));
      const ok = results.every(([, up]) => up);
      const body = JSON.stringify({ ready: ok, checks: Object.fromEntries(results) });
      return send(res, ok ? 200 : 503, `${body}\n`, "application/json");
    }
    if (path === "/metrics" && options.metrics) return send(res, 200, await options.metrics.render(), options.metrics.contentType);
    return send(res, 404, "not found\n");
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      logger.error({ err, url: req.url }, "http request failed");
      if (!res.headersSent) send(res, 500, "internal error\n");
      else res.destroy();
    });
  });
  // Telegram and probes keep connections short; an idle keep-alive must not hold up a shutdown for long.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

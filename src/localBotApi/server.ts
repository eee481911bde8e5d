// The local Bot API over real HTTP (node:http), for BOT_API_ROOT=<url> and end-to-end tests.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ApiResponse } from "grammy/types";
import { BotApiError, NetworkFault, notFound } from "./errors.js";
import type { BotApiEndpoint } from "./fetch.js";
import { parseParams, routeOf } from "./request.js";

export interface RunningServer {
  /** The apiRoot to give grammY, e.g. http://127.0.0.1:40123 */
  url: string;
  close(): Promise<void>;
}

export async function listenBotApi(endpoint: BotApiEndpoint, port = 0, host = "127.0.0.1"): Promise<RunningServer> {
  const server = createServer((req, res) => {
    serve(endpoint, req, res).catch((error: unknown) => {
      if (error instanceof NetworkFault) {
        req.socket.destroy(); // an injected network failure: no answer at all
        return;
      }
      const description = `Internal Server Error: ${error instanceof Error ? error.message : String(error)}`;
      if (!res.headersSent) sendJson(res, { ok: false, error_code: 500, description });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets and waiting getUpdates calls would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

async function serve(endpoint: BotApiEndpoint, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const route = routeOf(url.pathname);
  if (!route) return sendJson(res, notFound().toResponse());
  if (route.kind === "file") {
    const data = endpoint.download(route.token, route.path);
    if (!data) return sendJson(res, notFound().toResponse());
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": data.byteLength });
    res.end(data);
    return;
  }
  const body = await readBody(req);
  let params;
  try {
    params = parseParams(url.searchParams, req.headers["content-type"] ?? "", body);
  } catch (error) {
    if (error instanceof BotApiError) return sendJson(res, error.toResponse());
    throw error;
  }
  // A client that hangs up (grammY's bot.stop() aborting a long poll) ends the waiting getUpdates.
  const gone = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) gone.abort();
  });
  sendJson(res, await endpoint.handle(route.token, route.method, params, { signal: gone.signal }));
}

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, body: ApiResponse<unknown>): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(body.ok ? 200 : body.error_code, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

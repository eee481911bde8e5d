// A fetch() that answers Bot API requests in-process, for grammY's `client.fetch`. grammY passes a node
// Readable as the body of uploads and an AbortSignal polyfill that the platform's Request refuses, so the
// signal is handled here and the body read through Request, then parsed by parseParams.
import type { ApiResponse } from "grammy/types";
import { BotApiError, NetworkFault, notFound } from "./errors.js";
import type { Params } from "./params.js";
import { parseParams, routeOf } from "./request.js";
import type { AbortSignalLike } from "./updates.js";

export interface BotApiEndpoint {
  handle(token: string, method: string, params: Params, options?: { signal?: AbortSignalLike }): Promise<ApiResponse<unknown>>;
  /** The bytes behind a getFile file_path, or undefined. */
  download(token: string, path: string): Uint8Array | undefined;
}

export function jsonResponse(body: ApiResponse<unknown>): Response {
  return new Response(JSON.stringify(body), {
    status: body.ok ? 200 : body.error_code,
    headers: { "content-type": "application/json" },
  });
}

function abortError(): Error {
  return new DOMException("This operation was aborted", "AbortError");
}

export function createBotApiFetch(endpoint: BotApiEndpoint): typeof fetch {
  const localFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const { signal, ...rest } = (init ?? {}) as RequestInit & { signal?: AbortSignalLike | null };
    const request = input instanceof Request ? input : new Request(input, { ...rest, duplex: "half" } as RequestInit);
    const abortSignal: AbortSignalLike | undefined = signal ?? undefined;
    if (abortSignal?.aborted) throw abortError();
    const url = new URL(request.url);
    const route = routeOf(url.pathname);
    if (!route) return jsonResponse(notFound().toResponse());
    if (route.kind === "file") {
      const data = endpoint.download(route.token, route.path);
      return data ? new Response(new Uint8Array(data)) : jsonResponse(notFound().toResponse());
    }
    const body = new Uint8Array(await request.arrayBuffer());
    let params: Params;
    try {
      params = parseParams(url.searchParams, request.headers.get("content-type") ?? "", body);
    } catch (error) {
      if (error instanceof BotApiError) return jsonResponse(error.toResponse());
      throw error;
    }
    const answer = endpoint.handle(route.token, route.method, params, abortSignal ? { signal: abortSignal } : {});
    const response = await (abortSignal ? raceAbort(answer, abortSignal) : answer).catch((error: unknown) => {
      if (error instanceof NetworkFault) {
        // What fetch rejects with: the signal's reason when a timeout fires, else undici's "fetch failed".
        if (error.kind === "timeout") throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
        throw new TypeError("fetch failed", { cause: error });
      }
      throw error;
    });
    return jsonResponse(response);
  };
  return localFetch as typeof fetch;
}

/** Rejects with an AbortError when the signal fires first, as fetch does. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignalLike): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError());
    signal.addEventListener("abort", onAbort);
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

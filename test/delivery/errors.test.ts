// What each Bot API failure means for a message, the backoff between retries, and group-committed inserts.
import { describe, expect, it } from "vitest";
import { GrammyError, HttpError } from "grammy";
import { backoffMs, classifySendError } from "../../src/delivery/errors.js";
import { createInsertBatcher } from "../../src/delivery/batcher.js";
import { bulkWriteErrors } from "../../src/db/duplicateKey.js";

const grammyError = (error_code: number, description: string, parameters = {}) =>
  new GrammyError("failed", { ok: false, error_code, description, parameters }, "sendMessage", {});

describe("classifying send failures", () => {
  it("429 → wait retry_after", () => {
    expect(classifySendError(grammyError(429, "Too Many Requests: retry after 7", { retry_after: 7 }))).toMatchObject({
      kind: "rate_limited",
      retryAfterMs: 7000,
    });
  });
  it("403 → blocked", () => {
    expect(classifySendError(grammyError(403, "Forbidden: bot was blocked by the user"))).toMatchObject({ kind: "blocked", code: 403 });
    expect(classifySendError(grammyError(403, "Forbidden: user is deactivated"))).toMatchObject({ kind: "blocked" });
  });
  it("other 4xx → permanent, with Telegram's reason", () => {
    expect(classifySendError(grammyError(400, "Bad Request: chat not found"))).toEqual({ kind: "permanent", code: 400, description: "Bad Request: chat not found" });
  });
  it("5xx, a wrong token or method, and a connection never made → transient (Telegram did not send)", () => {
    expect(classifySendError(grammyError(500, "Internal Server Error"))).toMatchObject({ kind: "transient", code: 500 });
    expect(classifySendError(grammyError(502, "Bad Gateway"))).toMatchObject({ kind: "transient" });
    expect(classifySendError(grammyError(401, "Unauthorized"))).toMatchObject({ kind: "transient" });
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]) {
      const cause = Object.assign(new Error(`connect ${code}`), { code });
      expect(classifySendError(new HttpError("Network request for 'sendMessage' failed!", new TypeError("fetch failed", { cause })))).toMatchObject({
        kind: "transient",
        code: null,
      });
    }
  });
  it("no answer after the request may have gone out (timeout, reset, abort) → ambiguous, never a retry", () => {
    const http = (error: unknown) => new HttpError("Network request for 'sendMessage' failed!", error);
    const reset = new TypeError("fetch failed", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) });
    const cases = [
      http(new DOMException("The operation was aborted due to timeout", "TimeoutError")),
      http(new DOMException("This operation was aborted", "AbortError")),
      http(new TypeError("fetch failed", { cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }) })),
      http(reset),
      http(new TypeError("fetch failed")),
      new Error("something else"),
    ];
    for (const err of cases) expect(classifySendError(err)).toMatchObject({ kind: "ambiguous", code: null });
    expect(classifySendError(cases[0]).description).toContain("TimeoutError");
  });
});

describe("backoff", () => {
  it("doubles from the base, with ±20 % jitter, up to the cap", () => {
    const opts = { baseMs: 2000, maxMs: 60_000 };
    expect(backoffMs(1, opts, () => 0.5)).toBe(2000);
    expect(backoffMs(3, opts, () => 0.5)).toBe(8000);
    expect(backoffMs(3, opts, () => 0)).toBe(6400);
    expect(backoffMs(3, opts, () => 1)).toBe(9600);
    expect(backoffMs(20, opts, () => 1)).toBe(60_000);
  });
});

describe("insert batcher", () => {
  it("groups the inserts of one tick and tells each caller whether its document went in", async () => {
    const batches: string[][] = [];
    const insert = createInsertBatcher<string>(async (docs) => {
      batches.push(docs);
      const dup = docs.map((d, index) => ({ d, index })).filter((x) => x.d.startsWith("dup"));
      if (dup.length) throw Object.assign(new Error("bulk"), { writeErrors: dup.map((x) => ({ index: x.index, code: 11000 })) });
    });
    const results = await Promise.all(["a", "dup1", "b", "dup2"].map(insert));
    expect(results).toEqual(["inserted", "duplicate", "inserted", "duplicate"]);
    expect(batches).toEqual([["a", "dup1", "b", "dup2"]]);
  });

  it("fails every caller of a batch that failed as a whole", async () => {
    const insert = createInsertBatcher<string>(async () => {
      throw new Error("connection lost");
    });
    await expect(Promise.all([insert("a"), insert("b")])).rejects.toThrow("connection lost");
    expect(bulkWriteErrors(new Error("x"))).toBeUndefined();
  });
});

// A 429 on a direct reply is waited out by grammY's auto-retry (bot/replyRetry.ts) and the reply arrives once, after
// retry_after; a 429 asking for longer than the cap fails at once instead of holding the handler; 5xx and network
// failures stay resilientFetch's, so nothing is retried by both. auto-retry waits on the wall clock (it takes no
// injected clock), so the bot tests use the shortest retry_after there is, 1 s.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { autoRetryFetch } from "../../src/bot/replyRetry.js";
import { tooManyRequests } from "../../src/localBotApi/faults.js";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";

describe("autoRetryFetch", () => {
  const answer = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const limited = (retryAfter: number) => answer(429, { ok: false, error_code: 429, description: "Too Many Requests", parameters: { retry_after: retryAfter } });
  const ok = () => answer(200, { ok: true, result: { message_id: 7 } });

  function scripted(...responses: Response[]) {
    const calls: string[] = [];
    const fetch = async (input: string | URL) => {
      calls.push(String(input));
      return responses.shift()!;
    };
    return { fetch, calls };
  }

  it("calls again after a 429 and returns the answer that followed; every 429 is reported", async () => {
    const base = scripted(limited(0), limited(0), ok());
    const seen: unknown[] = [];
    const fetch = autoRetryFetch(base.fetch, { onRateLimited: (info) => void seen.push(info) });
    const response = await fetch("http://local.test/botT/sendMessage", { method: "POST", body: "{}" });
    expect(await response.json()).toEqual({ ok: true, result: { message_id: 7 } });
    expect(base.calls).toHaveLength(3);
    expect(seen).toEqual([
      { method: "sendMessage", retryAfterSeconds: 0 },
      { method: "sendMessage", retryAfterSeconds: 0 },
    ]);
  });

  it("gives up after maxRetryAttempts, and at once on a retry_after above maxDelaySeconds", async () => {
    const few = scripted(limited(0), limited(0), limited(0));
    const response = await autoRetryFetch(few.fetch, { maxRetryAttempts: 2 })("http://x/botT/sendMessage", { body: "{}" });
    expect(response.status).toBe(429);
    expect(few.calls).toHaveLength(3);

    const long = scripted(limited(3600));
    expect((await autoRetryFetch(long.fetch)("http://x/botT/sendMessage", { body: "{}" })).status).toBe(429);
    expect(long.calls).toHaveLength(1);
  });

  it("leaves 5xx answers to resilientFetch, and never resends a streamed body", async () => {
    const failing = scripted(answer(500, { ok: false, error_code: 500, description: "Internal Server Error" }));
    expect((await autoRetryFetch(failing.fetch)("http://x/botT/sendMessage", { body: "{}" })).status).toBe(500);
    expect(failing.calls).toHaveLength(1);

    const upload = scripted(limited(0));
    const body = new ReadableStream();
    expect((await autoRetryFetch(upload.fetch)("http://x/botT/sendDocument", { body })).status).toBe(429);
    expect(upload.calls).toHaveLength(1);
  });
});

describe("direct replies hit by a 429", () => {
  let h: Harness;
  let nextId = 5_910_000_000;
  beforeAll(async () => {
    h = await createHarness({ seed: false, label: "replyretry" });
  });
  afterAll(async () => {
    await h.close();
  });

  async function person(): Promise<TestPerson> {
    const p = h.person(nextId++, { first_name: "Ravi", language_code: "en" });
    h.api.addUser(p.user);
    return p;
  }
  const callsTo = (p: TestPerson, method: string) => h.api.calls.filter((c) => c.method === method && (c.params.chat_id ?? p.id) === p.id);

  it("ctx.reply: sent once, after retry_after", async () => {
    const p = await person();
    const sleeps = h.sleeps.length;
    h.api.failNext("sendMessage", tooManyRequests(1));
    await p.send("/help");
    const [first, second, ...more] = callsTo(p, "sendMessage");
    expect(first!.error?.error_code).toBe(429);
    expect([second!.ok, second!.params.text]).toEqual([true, first!.params.text]);
    expect(second!.time - first!.time).toBeGreaterThanOrEqual(1000);
    expect(more).toEqual([]);
    expect(p.botTexts()).toHaveLength(1);
    expect(h.sleeps.length).toBe(sleeps); // resilientFetch left the 429 alone: no second layer waited
  });

  it("answerCallbackQuery and editMessageText: each answered once, after retry_after", async () => {
    const p = await person();
    await p.send("/language");
    h.api.failNext("answerCallbackQuery", tooManyRequests(1));
    h.api.failNext("editMessageText", tooManyRequests(1));
    await p.tap("English");
    for (const method of ["answerCallbackQuery", "editMessageText"]) {
      const calls = h.api.calls.filter((c) => c.method === method && (method !== "editMessageText" || c.params.chat_id === p.id));
      const last2 = calls.slice(-2);
      expect(last2.map((c) => c.ok ?? false)).toEqual([false, true]);
      expect(last2[1]!.time - last2[0]!.time).toBeGreaterThanOrEqual(1000);
    }
    expect(p.lastText()).toBe("Done. I will write to you in English.");
    expect(p.botTexts()).toHaveLength(1); // edited in place, not sent again
    expect((await h.db.models.Person.findById(p.id).lean())?.language).toBe("en");
  });

  it("a 429 asking for longer than the cap fails the reply at once (the person gets the apology), not a handler held for an hour", async () => {
    const p = await person();
    h.api.failNext("sendMessage", tooManyRequests(3600));
    await p.send("/help");
    const calls = callsTo(p, "sendMessage");
    expect(calls.map((c) => c.error?.error_code ?? 200)).toEqual([429, 200]);
    expect(p.botTexts()).toHaveLength(1);
    expect(p.lastText()).not.toBe(calls[0]!.params.text);
  });
});

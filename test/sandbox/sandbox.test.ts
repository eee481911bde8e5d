// The sandbox at protocol level: its Bot API (over HTTP, with the generated token) against the real bot, the demo
// data it seeds, and the page's API (send, tap, photo, live events) — everything but the browser.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mongoose, { trusted } from "mongoose";
import { createLogger } from "../../src/logger.js";
import { createServices } from "../../src/services/index.js";
import { DEMO_AC, DEMO_PC, DEMO_PEOPLE, DEMO_STATE } from "../../src/sandbox/demoPeople.js";
import { seedDemoPeople } from "../../src/sandbox/seedDemo.js";
import { seedDemoEvents, DEMO_EVENTS } from "../../src/sandbox/seedEvents.js";
import { seedDemoPlan } from "../../src/sandbox/seedPlan.js";
import { startWebServer } from "../../src/sandbox/webServer.js";
import { resetSandboxDatabase, sandboxUri, withSandboxDatabase } from "../../src/sandbox/database.js";
import { loadConfig } from "../../src/config.js";
import { connectDatabase, ensureIndexes } from "../../src/db/connection.js";
import { makePng, openFeed, postJson, startTestSandbox, type TestSandbox } from "./helpers.js";
import { waitUntil } from "../helpers/waitUntil.js";
import { testMongoUri } from "../helpers/db.js";

const demo = (key: string) => DEMO_PEOPLE.find((p) => p.key === key)!;

describe("the sandbox", () => {
  let sb: TestSandbox;

  beforeAll(async () => {
    sb = await startTestSandbox("proto");
  });
  afterAll(async () => {
    await sb?.close();
  });

  async function callBotApi(method: string, params: Record<string, unknown>, token = sb.token) {
    const response = await fetch(`${sb.botApiUrl}/bot${token}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(params),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function botAnswers(chatId: number, after: number): Promise<string[]> {
    return sb.api
      .messages(chatId)
      .filter((e) => e.from === "bot" && e.message.message_id > after)
      .map((e) => e.message.text ?? e.message.caption ?? "");
  }

  describe("its Bot API", () => {
    it("serves the real bot on loopback over HTTP, with a token generated at start", async () => {
      expect(sb.botApiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sb.config.botApiRoot).toBe(sb.botApiUrl);
      expect(sb.token).toMatch(/^\d+:[A-Za-z0-9_-]{32}$/);
      const me = await callBotApi("getMe", {});
      expect(me.body).toMatchObject({ ok: true, result: { is_bot: true, username: "sanyojak_local_bot" } });
      // The bot is long-polling it, and set its menus at start.
      await waitUntil("a getUpdates call", () => sb.api.callsTo("getUpdates").length > 0);
      expect(sb.api.commands({ languageCode: "hi" }).map((c) => c.command)).toContain("help");
      expect(sb.api.commands({ languageCode: "en" })[0]?.description).toMatch(/[a-z]/);
      // The default menus are a newcomer's; each demo person has the menu of their role.
      expect(sb.api.commands().map((c) => c.command)).not.toContain("newevent");
      const menu = (key: string) => sb.api.commands({ scope: { type: "chat", chat_id: sb.people.find((p) => p.key === key)!.user.id } }).map((c) => c.command);
      expect(menu("pc")).toContain("report");
      expect(menu("pc")).not.toContain("clusters");
      expect(menu("admin")).toContain("clusters");
    });

    it("refuses any other token, as Telegram does", async () => {
      const [botId] = sb.token.split(":");
      const wrong = await callBotApi("getMe", {}, `${botId}:${"x".repeat(32)}`);
      expect(wrong).toEqual({ status: 401, body: { ok: false, error_code: 401, description: "Unauthorized" } });
    });

    it("rejects what Telegram rejects, in Telegram's error format", async () => {
      const chat_id = demo("pc").user.id;
      expect((await callBotApi("sendMessage", { chat_id: 123_456_789, text: "hi" })).body).toEqual({
        ok: false,
        error_code: 400,
        description: "Bad Request: chat not found",
      });
      expect((await callBotApi("sendMessage", { chat_id, text: "क".repeat(4097) })).body).toMatchObject({
        error_code: 400,
        description: "Bad Request: message is too long",
      });
      const tooLong = "क".repeat(22); // 66 bytes
      expect(
        (await callBotApi("sendMessage", { chat_id, text: "x", reply_markup: { inline_keyboard: [[{ text: "x", callback_data: tooLong }]] } })).body,
      ).toMatchObject({ error_code: 400, description: "Bad Request: BUTTON_DATA_INVALID" });
      expect((await callBotApi("sendMessage", { chat_id, text: "<b>open", parse_mode: "HTML" })).body).toMatchObject({
        error_code: 400,
        description: expect.stringMatching(/^Bad Request: can't parse entities: /) as unknown,
      });
      expect((await callBotApi("sendMessage", { chat_id, text: "x", parse_mode: "XML" })).body).toMatchObject({
        error_code: 400,
        description: "Bad Request: unsupported parse_mode",
      });
      // None of them reached the chat.
      expect(sb.api.messages(chat_id).filter((e) => e.message.text === "x")).toEqual([]);
    });
  });

  describe("demo data", () => {
    it("has the map, the clusters and one demo person per role, in one area", async () => {
      const { Person, Pc, Ac, Cluster } = sb.app.db.models;
      expect(await Pc.countDocuments()).toBe(543);
      expect(await Ac.countDocuments()).toBeGreaterThan(4000);
      const cluster = await Cluster.findOne({ stateCodes: DEMO_STATE }).lean();
      expect(cluster).not.toBeNull();
      const people = await Person.find({ telegramId: trusted({ $in: DEMO_PEOPLE.map((p) => p.user.id) }) }).lean();
      const roleOf = (key: string) => people.find((p) => p.telegramId === demo(key).user.id)?.roles?.map((r) => [r.role, r.code]);
      expect(roleOf("admin")).toEqual([["national_admin", "IN"]]);
      expect(roleOf("cluster")).toEqual([["cluster_head", cluster!.key]]);
      expect(roleOf("state")).toEqual([["state_team", DEMO_STATE]]);
      expect(roleOf("pc")).toEqual([["pc_incharge", DEMO_PC]]);
      expect(roleOf("ac")).toEqual([["ac_incharge", DEMO_AC]]);
      expect(roleOf("newcomer") ?? []).toEqual([]);
      // Languages as their Telegram is set, Hindi and English both present.
      expect(new Set(people.map((p) => p.language))).toEqual(new Set(["hi", "en"]));
    });

    it("seeds again without duplicating anything", async () => {
      const services = createServices({ models: sb.app.db.models, now: () => new Date() });
      const again = await seedDemoPeople(services, createLogger({ level: "silent" }));
      expect(again.rolesGranted).toBe(0);
      const people = await sb.app.db.models.Person.find({ telegramId: trusted({ $in: DEMO_PEOPLE.map((p) => p.user.id) }) }).lean();
      expect(people).toHaveLength(DEMO_PEOPLE.length);
      expect(people.every((p) => (p.roles ?? []).length <= 1)).toBe(true);
    });

    it("has past events with and without reports (one the default in-charge's own), and one ahead, registered by the in-charges or for them", async () => {
      const { Event, Report, ReportVersion } = sb.app.db.models;
      const events = await Event.find().sort({ startsAt: 1 }).lean();
      expect(events).toHaveLength(DEMO_EVENTS.length);
      const now = Date.now();
      expect(events.filter((e) => e.startsAt.getTime() < now)).toHaveLength(4);
      expect(events.map((e) => [e.level, e.code])).toEqual([
        ["pc", DEMO_PC],
        ["ac", DEMO_AC],
        ["pc", DEMO_PC],
        ["pc", "IN-UP:P35"],
        ["pc", DEMO_PC],
      ]);
      expect(events[1]).toMatchObject({ pcCode: DEMO_PC, acCode: DEMO_AC, createdBy: demo("ac").user.id });
      // The page opens as the Lok Sabha in-charge, who has an event of two days ago to report.
      expect(events[2]).toMatchObject({ createdBy: demo("pc").user.id, reportedAt: null, status: "planned" });
      expect(events[3]).toMatchObject({ createdBy: demo("state").user.id, reportedAt: null });
      // Registered before they started, as a person would have.
      expect(events.every((e) => e.createdAt.getTime() <= Math.min(now, e.startsAt.getTime()))).toBe(true);
      const reports = await Report.find().sort({ eventStartsAt: 1 }).lean();
      expect(reports.map((r) => r.total)).toEqual([132, 76]);
      expect(reports[0]).toMatchObject({ eventId: events[0]!._id, submittedBy: demo("pc").user.id, version: 1 });
      expect(reports[0]!.counts).toMatchObject({ "sufi-ulema": 12, "women-beneficiaries": 40 });
      expect(reports[0]!.submittedAt.getTime()).toBe(events[0]!.startsAt.getTime() + 3 * 60 * 60 * 1000);
      expect(events[0]!.reportedAt?.getTime()).toBe(reports[0]!.submittedAt.getTime());
      // The first report's photos are files the local Bot API holds (real JPEGs), so /review can show them.
      expect(reports[0]!.photos).toHaveLength(2);
      for (const photo of reports[0]!.photos) expect(sb.api.file(photo.fileId)).toMatchObject({ kind: "photo", width: 640, height: 427, mime_type: "image/jpeg" });
      expect(reports[1]!.photos).toEqual([]);
      expect(await ReportVersion.countDocuments()).toBe(2);
    });

    it("seeds events again without duplicating any", async () => {
      const again = await seedDemoEvents(sb.app.db.models, "Asia/Kolkata", new Date());
      expect(again).toEqual({ events: 0, reports: 0 });
      expect(await sb.app.db.models.Event.countDocuments()).toBe(DEMO_EVENTS.length);
      expect(await sb.app.db.models.ReportVersion.countDocuments()).toBe(2);
    });

    it("runs a demo phase with progress: /progress shows the cluster in-charge where the seats stand", async () => {
      const services = createServices({ models: sb.app.db.models, now: () => new Date() });
      const [state] = await services.progress.forScope({ scope: { level: "state", code: DEMO_STATE }, asOf: new Date() });
      const varanasi = state!.progress.seats.find((s) => s.code === DEMO_PC)!;
      // The reported Sneh Samvad in Varanasi is held; its target was raised to four by the state team.
      expect(varanasi).toMatchObject({ target: 4, held: 1 });
      expect(state!.progress.total.held).toBe(1);
      expect(await seedDemoPlan(sb.app.db.models, "Asia/Kolkata", new Date())).toEqual({ phases: 0, raises: 0 });

      const cluster = demo("cluster").user;
      const before = sb.api.messages(cluster.id).at(-1)?.message.message_id ?? 0;
      expect((await postJson(`${sb.url}/api/chats/${cluster.id}/messages`, { text: "/progress" })).status).toBe(202);
      const [answer] = await waitUntil("the progress answer", async () => {
        const texts = await botAnswers(cluster.id, before);
        return texts.length ? texts : undefined;
      });
      expect(answer).toContain("Sneh Samvad · Lok Sabha seats");
      expect(answer).toMatch(/✅ \d+ on track · 🟠 \d+ behind/);
    });

    it("keeps its database apart from the real bot's, and starts it afresh but for the map", async () => {
      const base = loadConfig({});
      expect(withSandboxDatabase(base).dataDir).toBe(".data/sandbox");
      expect(sandboxUri("mongodb://h:1/sanyojak")).toBe("mongodb://h:1/sanyojak_sandbox");
      expect(sandboxUri("mongodb+srv://u:p@c.example.net/prod?retryWrites=true")).toBe("mongodb+srv://u:p@c.example.net/prod_sandbox?retryWrites=true");
      expect(sandboxUri("mongodb://a:1,b:2/?replicaSet=rs")).toBe("mongodb://a:1,b:2/sanyojak_sandbox?replicaSet=rs");
      expect(sandboxUri("mongodb://h:1")).toBe("mongodb://h:1/sanyojak_sandbox");

      const uri = `${testMongoUri().replace(/\/?$/, "/")}sbx_reset_${Date.now()}`;
      const config = withSandboxDatabase(loadConfig({ MONGODB_URI: uri }));
      const dbName = config.mongodbUri!.split("/").pop()!;
      // A sandbox database as a start leaves it: every collection with its indexes.
      const app = await connectDatabase({ uri: testMongoUri(), dbName });
      await ensureIndexes(app.models);
      await app.close();
      const connection = await mongoose.createConnection(testMongoUri(), { dbName }).asPromise();
      try {
        await connection.collection("people").insertOne({ telegramId: 1 });
        await connection.collection("events").insertOne({ title: "old" });
        await connection.collection("states").insertOne({ code: "IN-XX" });
        await connection.collection("left_by_an_old_version").insertOne({ x: 1 });
        await connection.collection("reports").createIndex({ old: 1 }, { unique: true }); // an older schema's index
        await resetSandboxDatabase(config);
        expect(await connection.collection("people").countDocuments()).toBe(0);
        expect(await connection.collection("events").countDocuments()).toBe(0);
        // The map is kept (the seed at start-up syncs it); a collection that is not the app's goes, and so does one
        // whose indexes are not as its schema declares (start-up makes it again).
        expect(await connection.collection("states").countDocuments()).toBe(1);
        const names = (await connection.db!.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
        expect(names).toEqual(expect.arrayContaining(["people", "events", "states"]));
        expect(names).not.toContain("left_by_an_old_version");
        expect(names).not.toContain("reports");
        // Never anything not named as the sandbox's.
        await expect(resetSandboxDatabase(loadConfig({ MONGODB_URI: uri }))).rejects.toThrow(/refusing/);
        await expect(resetSandboxDatabase(loadConfig({ DATA_DIR: "/tmp/x" }))).rejects.toThrow(/refusing/);
      } finally {
        await connection.dropDatabase().catch(() => {});
        await connection.close();
      }
    });
  });

  describe("the page's API", () => {
    it("lists the demo people with their roles in the page's language", async () => {
      const hi = (await (await fetch(`${sb.url}/api/bootstrap?lang=hi`)).json()) as { people: { key: string; role: string }[]; strings: { page: { send: string } } };
      expect(hi.people.map((p) => p.key)).toEqual(["admin", "cluster", "state", "pc", "ac", "newcomer"]);
      expect(hi.people.find((p) => p.key === "pc")?.role).toBe("लोकसभा प्रभारी, Varanasi (77)");
      expect(hi.strings.page.send).toBe("भेजें");
      const en = (await (await fetch(`${sb.url}/api/bootstrap?lang=en`)).json()) as { people: { key: string; role: string }[] };
      expect(en.people.find((p) => p.key === "ac")?.role).toMatch(/^Vidhan Sabha in-charge, Varanasi Cantt/);
    });

    it("serves the page, its script and styles with a strict content security policy", async () => {
      const page = await fetch(`${sb.url}/`);
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(await page.text()).toContain('<script type="module" src="/app.js">');
      expect((await fetch(`${sb.url}/app.js`)).status).toBe(200);
      expect((await fetch(`${sb.url}/style.css`)).status).toBe(200);
      const font = await fetch(`${sb.url}/fonts/devanagari-400.ttf`);
      expect(font.status).toBe(200);
      expect(font.headers.get("content-type")).toBe("font/ttf");
      expect((await fetch(`${sb.url}/../package.json`)).status).toBe(404);
    });

    it("sends text as the person; the real bot answers in their language", async () => {
      const pc = demo("pc").user;
      const before = sb.api.messages(pc.id).at(-1)?.message.message_id ?? 0;
      const response = await postJson(`${sb.url}/api/chats/${pc.id}/messages`, { text: "/start" });
      expect(response.status).toBe(202);
      const [answer] = await waitUntil("the bot's answer", async () => {
        const texts = await botAnswers(pc.id, before);
        return texts.length ? texts : undefined;
      });
      expect(answer).toContain(`फिर से स्वागत है, ${pc.first_name}`);
      // The transcript the page loads has both sides, the user's command marked as one.
      const chat = (await (await fetch(`${sb.url}/api/chats/${pc.id}`)).json()) as { messages: { from: string; text?: string; entities?: { type: string }[] }[]; commands: { command: string }[] };
      const mine = chat.messages.find((m) => m.from === "user" && m.text === "/start");
      expect(mine?.entities?.[0]?.type).toBe("bot_command");
      expect(chat.messages.at(-1)).toMatchObject({ from: "bot" });
      expect(chat.commands.map((c) => c.command)).toContain("newevent");
    });

    it("taps inline buttons and streams the bot's new messages, edits and callback answers live", async () => {
      const ac = demo("ac").user;
      const feed = await openFeed(sb.url);
      try {
        await waitUntil("the stream to be attached", () => sb.web.feed.subscribers > 0);
        await postJson(`${sb.url}/api/chats/${ac.id}/messages`, { text: "/language" });
        const question = await waitUntil("the language question", () =>
          feed.events.find((e) => e.event === "message" && e.data.chatId === ac.id && (e.data.message as { buttons?: unknown }).buttons),
        );
        const message = question.data.message as { id: number; buttons: { text: string; data: string }[][] };
        const hindi = message.buttons.flat().find((b) => b.text === "हिन्दी")!;
        // The user's own message came through the stream too.
        expect(feed.events.some((e) => e.event === "message" && (e.data.message as { from: string; text: string }).text === "/language")).toBe(true);

        const tap = await postJson(`${sb.url}/api/chats/${ac.id}/callbacks`, { messageId: message.id, data: hindi.data });
        expect(tap.status).toBe(202);
        const edit = await waitUntil("the edit", () => feed.events.find((e) => e.event === "edit" && e.data.chatId === ac.id));
        expect(edit.data.message).toMatchObject({ id: message.id, edited: true, text: expect.stringContaining("हिन्दी") as unknown });
        expect((edit.data.message as { buttons?: unknown }).buttons).toBeUndefined();
        expect((await sb.app.db.models.Person.findOne({ telegramId: ac.id }).lean())?.language).toBe("hi");
        await waitUntil("the callback answer", () => feed.events.find((e) => e.event === "callbackAnswer" && e.data.chatId === ac.id));
        // The bot set the chat's menu in Hindi: the page is told to read it again, and reads it in Hindi.
        await waitUntil("the menu to change", () => feed.events.find((e) => e.event === "commands" && e.data.chatId === ac.id));
        const menu = (await (await fetch(`${sb.url}/api/chats/${ac.id}`)).json()) as { commands: { command: string; description: string }[] };
        expect(menu.commands.find((c) => c.command === "newevent")?.description).toBe("नया कार्यक्रम दर्ज करें");

        // The message no longer has the button: the page is told so, nothing reaches the bot.
        const stale = await postJson(`${sb.url}/api/chats/${ac.id}/callbacks`, { messageId: message.id, data: hindi.data });
        expect(stale.status).toBe(409);
      } finally {
        feed.close();
        await sb.app.db.models.Person.updateOne({ telegramId: ac.id }, { $set: { language: "en" } });
      }
    });

    it("sends a photo as a Telegram photo the bot can download", async () => {
      const state = demo("state").user;
      const png = makePng(64, 48);
      const response = await fetch(`${sb.url}/api/chats/${state.id}/photo?caption=${encodeURIComponent("सभा की फ़ोटो")}`, {
        method: "POST",
        headers: { "content-type": "image/png" },
        body: new Uint8Array(png),
      });
      expect(response.status).toBe(202);
      const { messageId } = (await response.json()) as { messageId: number };
      const sent = sb.api.message(state.id, messageId)!.message;
      expect(sent.caption).toBe("सभा की फ़ोटो");
      const photo = sent.photo!.at(-1)!;
      expect([photo.width, photo.height]).toEqual([64, 48]);
      expect(Buffer.from(sb.api.file(photo.file_id)!.data!)).toEqual(png);
      const served = await fetch(`${sb.url}/api/files/${photo.file_id}`);
      expect(served.headers.get("content-type")).toBe("image/png");
      expect(Buffer.from(await served.arrayBuffer())).toEqual(png);
      // The bot saw it and answered (whatever it says about a stray photo).
      await waitUntil("an answer to the photo", async () => (await botAnswers(state.id, messageId)).length > 0);
    });

    it("shows the reply keyboard the bot opened, until it is removed or a one-time keyboard was used", async () => {
      const admin = demo("admin").user;
      const chatOf = async () => (await (await fetch(`${sb.url}/api/chats/${admin.id}`)).json()) as { replyKeyboard: unknown };
      const keyboard = { keyboard: [["हाँ", "नहीं"], [{ text: "Share location", request_location: true }]], one_time_keyboard: true };
      expect((await callBotApi("sendMessage", { chat_id: admin.id, text: "Ready?", reply_markup: keyboard })).body.ok).toBe(true);
      expect((await chatOf()).replyKeyboard).toEqual({
        rows: [
          [
            { text: "हाँ", kind: "text" },
            { text: "नहीं", kind: "text" },
          ],
          [{ text: "Share location", kind: "location" }],
        ],
        oneTime: true,
      });
      // Tapping "Share location" sends a location; the one-time keyboard closes.
      expect((await postJson(`${sb.url}/api/chats/${admin.id}/messages`, { location: true })).status).toBe(202);
      expect(sb.api.messages(admin.id).find((e) => e.from === "user" && e.message.location)).toBeDefined();
      expect((await chatOf()).replyKeyboard).toBeNull();
      await callBotApi("sendMessage", { chat_id: admin.id, text: "Again", reply_markup: { keyboard: [["A"]] } });
      expect((await chatOf()).replyKeyboard).toMatchObject({ rows: [[{ text: "A" }]] });
      await callBotApi("sendMessage", { chat_id: admin.id, text: "Done", reply_markup: { remove_keyboard: true } });
      expect((await chatOf()).replyKeyboard).toBeNull();
    });

    it("acts only as demo people, only for its own page", async () => {
      expect((await fetch(`${sb.url}/api/chats/123456`)).status).toBe(404);
      expect((await postJson(`${sb.url}/api/chats/123456/messages`, { text: "hi" })).status).toBe(404);
      const newcomer = demo("newcomer").user.id;
      // Another site's page in the same browser: refused before anything is sent.
      const crossOrigin = await postJson(`${sb.url}/api/chats/${newcomer}/messages`, { text: "hi" }, { origin: "http://evil.example" });
      expect(crossOrigin.status).toBe(403);
      const form = await fetch(`${sb.url}/api/chats/${newcomer}/messages`, { method: "POST", headers: { "content-type": "text/plain" }, body: '{"text":"hi"}' });
      expect(form.status).toBe(415);
      // A DNS name rebound to 127.0.0.1.
      const { request } = await import("node:http");
      const rebound = await new Promise<number>((resolve, reject) => {
        const req = request(`${sb.url}/api/bootstrap`, { headers: { host: "evil.example" } }, (res) => resolve(res.statusCode ?? 0));
        req.on("error", reject);
        req.end();
      });
      expect(rebound).toBe(403);
      expect(sb.api.messages(newcomer).filter((e) => e.from === "user")).toEqual([]);
      expect((await postJson(`${sb.url}/api/chats/${newcomer}/messages`, { text: "x".repeat(4097) })).status).toBe(400);
    });
  });

  it("serves the page on another port when the chosen one is taken", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const taken = (blocker.address() as { port: number }).port;
    const web = await startWebServer(
      { api: sb.api, people: DEMO_PEOPLE, describePeople: async () => [], strings: () => ({}), languageName: () => "", timeZone: "Asia/Kolkata", logger: createLogger({ level: "silent" }) },
      { port: taken, host: "127.0.0.1" },
    );
    try {
      expect(web.port).not.toBe(taken);
      expect((await fetch(`${web.url}/api/bootstrap`)).status).toBe(200);
    } finally {
      await web.close();
      blocker.close();
    }
  });
});

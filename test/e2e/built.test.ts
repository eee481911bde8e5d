// The built process, as the image and the systemd unit run it: `npm run build`'s dist/main.js with the node flags of
// `npm run start:dist` (the small heap included), against a local Bot API and the test database. It must load every
// module, find the locales, answer /start and stop cleanly on SIGTERM. CI builds before the tests (.ci/run); here
// without a build the file is skipped, in CI a missing build fails.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalBotApi } from "../../src/localBotApi/index.js";
import { startBotProcess, type BotProcess } from "../helpers/botProcess.js";
import { inCI } from "../helpers/chromium.js";
import { botInfo, makeUser } from "../helpers/telegram.js";
import { waitUntil } from "../helpers/waitUntil.js";

const TOKEN = `${botInfo.id}:BUILT-${randomBytes(12).toString("hex")}`;
const built = existsSync("dist/main.js");
const startDist = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts["start:dist"]!;

describe.skipIf(!built && !inCI)("node dist/main.js (npm run build), as the image runs it", () => {
  const api = new LocalBotApi({ botInfo, token: TOKEN });
  let server: { url: string; close(): Promise<void> };
  let proc: BotProcess | undefined;

  beforeAll(async () => {
    expect(built, "dist/main.js: run npm run build first").toBe(true);
    server = await api.listen();
    const [node, ...args] = startDist.split(/\s+/);
    expect(node).toBe("node");
    expect(args.at(-1)).toBe("dist/main.js");
    proc = await startBotProcess({ token: TOKEN, apiRoot: server.url, label: "built", nodeArgs: args });
  }, 120_000);

  afterAll(async () => {
    await proc?.close();
    await server?.close();
  });

  it("answers /start in the person's language and stops cleanly on SIGTERM", async () => {
    const hindi = makeUser(6_100_000_301, { language_code: "hi", first_name: "सीता" });
    api.sendUserMessage(hindi, "/start");
    expect(await waitUntil("a Hindi answer", () => api.lastBotMessage(hindi.id)?.text)).toContain("नमस्ते सीता");
    proc!.child.kill("SIGTERM");
    expect(await proc!.exited).toBe(0);
    expect(proc!.output()).not.toMatch(/"level":(50|60)/);
  }, 120_000);
});

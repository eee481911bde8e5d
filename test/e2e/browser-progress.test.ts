// Issue 12's "done when", in a real headless Chromium at phone size: the sandbox starts with a campaign phase and demo
// progress; as the demo cluster in-charge, /progress shows the phase's pace and /map the coverage map of the cluster.
// Screenshots go to test-results/.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { DEMO_PEOPLE } from "../../src/sandbox/demoPeople.js";
import { startTestSandbox, type TestSandbox } from "../sandbox/helpers.js";
import { waitUntil } from "../helpers/waitUntil.js";
import { skipBrowserTests } from "../helpers/chromium.js";
import { describeFailure, openPhoneBrowser, openSandboxPage, type PhoneBrowser } from "../sandbox/browser.js";
import { botSays, lastId, textOf, type } from "../sandbox/chatPage.js";

const cluster = DEMO_PEOPLE.find((p) => p.key === "cluster")!.user;

/** A bot message newer than `after` containing `text`: its id, text and whether it carries a photo. */
async function botMessage(page: Page, text: string, after: number): Promise<{ id: number; text: string; hasPhoto: boolean }> {
  const id = await botSays(page, text, after);
  return { id, text: await textOf(page, id), hasPhoto: (await page.locator(`.msg.bot[data-id="${id}"] img.photo`).count()) > 0 };
}

describe.skipIf(skipBrowserTests)("the demo cluster in-charge reads progress and the coverage map in the browser", () => {
  let sb: TestSandbox;
  let browser: PhoneBrowser;
  let page: Page;

  beforeAll(async () => {
    [sb, browser] = await Promise.all([startTestSandbox("progress"), openPhoneBrowser({ locale: "en-IN" })]);
    page = browser.page;
    await openSandboxPage(page, sb.url, "cluster");
    await page.locator("#person").selectOption(String(cluster.id));
  }, 120_000);
  beforeEach(({ onTestFailed }) => {
    onTestFailed(async () => console.log(await describeFailure(browser, sb.api, Number(await page.locator("#person").inputValue()))));
  });
  afterAll(async () => {
    await browser?.close();
    await sb?.close();
  });

  it("/progress shows the demo phase with its pace", async () => {
    const at = await lastId(page);
    await type(page, "/progress");
    const msg = await botMessage(page, "Progress:", at);
    // The sandbox's phase, with figures and statuses (the demo data gives it some of each).
    expect(msg.text).toMatch(/Sneh Samvad/);
    const [, onTrack, behind, notStarted, vacant] = /✅ (\d+) on track · 🟠 (\d+) behind · ⚪ (\d+) not started · ⛔ (\d+) vacant/.exec(msg.text) ?? [];
    // Varanasi has held its one due meeting; the other seats have none, held or planned, a third of the way in.
    expect(Number(onTrack)).toBeGreaterThanOrEqual(1);
    expect(Number(behind) + Number(notStarted) + Number(vacant)).toBeGreaterThan(0);
    expect(msg.text).not.toMatch(/\{\{|undefined|NaN/);
    console.log(`[sandbox] screenshot: ${await browser.screenshot("sandbox-progress")}`);
  });

  it("/map sends the cluster's coverage map as a photo", async () => {
    const at = await lastId(page);
    await type(page, "/map");
    const msg = await botMessage(page, "Lok Sabha seats reported", at);
    expect(msg.hasPhoto).toBe(true);
    // The image has loaded and is shown at the phone's width.
    const size = await waitUntil("the map to load", async () => {
      const s = await page.locator(`.msg.bot[data-id="${msg.id}"] img.photo`).evaluate((img: HTMLImageElement) => ({ natural: img.naturalWidth, shown: img.getBoundingClientRect().width }));
      return s.natural > 0 ? s : undefined;
    });
    expect(size.natural).toBe(1080);
    expect(size.shown).toBeGreaterThan(250);
    console.log(`[sandbox] screenshot: ${await browser.screenshot("sandbox-map")}`);
  });
});

// A real headless Chromium for the browser tests: Debian's /usr/bin/chromium (CHROMIUM_PATH to use another),
// driven by playwright-core, which downloads nothing. Each launch gets a new, empty profile.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import type { LocalBotApi } from "../../src/localBotApi/index.js";
import { CHROMIUM } from "../helpers/chromium.js";

export { CHROMIUM };

/** Screenshots go here (gitignored). */
export const RESULTS_DIR = path.resolve("test-results");

export interface PhoneBrowser {
  context: BrowserContext;
  page: Page;
  /** Errors the page's scripts threw, and console errors: a test asserts there were none. */
  errors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** A 360×740 phone-sized window (Android's most common size) in the given locale. */
export async function openPhoneBrowser(options: { locale?: string } = {}): Promise<PhoneBrowser> {
  if (!existsSync(CHROMIUM)) {
    // Only reached in CI (elsewhere the browser tests are skipped without one): a CI that lost its browser fails.
    throw new Error(`No Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  const profile = mkdtempSync(path.join(os.tmpdir(), "sanyojak-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    hasTouch: true,
    locale: options.locale ?? "hi-IN",
    timezoneId: "Asia/Kolkata",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // Well inside the test's own timeout, so that a stuck step fails with its locator and the failure report.
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  return {
    context,
    page,
    errors,
    async screenshot(name) {
      mkdirSync(RESULTS_DIR, { recursive: true });
      const file = path.join(RESULTS_DIR, `sandbox-${name}.png`);
      // The settled page: animations finished (an edited message's flash), a passing toast not covering it.
      await page.evaluate(() => ((document.getElementById("toast") as HTMLElement).hidden = true)).catch(() => {});
      await page.screenshot({ path: file, animations: "disabled" });
      return file;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Opens the sandbox page as a demo person (without one: whoever the page picks, as for a first visit when nobody
 * was chosen before) and waits until it is loaded and following the live stream.
 */
export async function openSandboxPage(page: Page, url: string, personKey?: string): Promise<void> {
  // A real load each time: going to the same page with another #person would only change the hash.
  await page.goto("about:blank");
  await page.goto(personKey ? `${url}/#person=${personKey}` : `${url}/`);
  await page.waitForSelector("body[data-ready=true][data-live=true]");
}

/** What a failed browser test prints: the page as shown, the chat as the local Bot API holds it, the last calls. */
export async function describeFailure(browser: PhoneBrowser, api: LocalBotApi, chatId: number): Promise<string> {
  const shown = await browser.page
    .locator("#messages")
    .innerText({ timeout: 2000 })
    .catch((e: unknown) => `(page unreadable: ${String(e)})`);
  const held = api
    .messages(chatId)
    .map((e) => `${e.message.message_id} ${e.from}${e.edits.length ? " (edited)" : ""}: ${(e.message.text ?? e.message.caption ?? "[media]").slice(0, 80)}`);
  const calls = api.calls
    .slice(-25)
    .map((c) => `${new Date(c.time).toISOString().slice(11, 23)} ${c.method} ${c.ok === false ? `→ ${c.error?.description}` : c.ok ? "ok" : "pending"}`);
  const shot = await browser.screenshot("failure").catch(() => "(no screenshot)");
  return [
    `page errors: ${browser.errors.join(" | ") || "none"}`,
    `screenshot: ${shot}`,
    `--- the page shows ---`,
    shown,
    `--- the local Bot API holds ---`,
    ...held,
    `--- last Bot API calls ---`,
    ...calls,
  ].join("\n");
}

/** The text of the newest bot bubble (without its time). */
export async function lastBotText(page: Page): Promise<string> {
  return page.locator(".msg.bot").last().locator(".text").evaluate((el) => {
    const clone = el.cloneNode(true) as HTMLElement;
    clone.querySelector(".meta")?.remove();
    return clone.textContent ?? "";
  });
}

// Reading and driving the sandbox's chat page in the browser tests: the newest message, waiting for the bot to say
// something, tapping an inline button, typing a message. One copy for every browser test file.
import type { Page } from "playwright-core";
import { waitUntil } from "../helpers/waitUntil.js";

/** The newest message id on the page. */
export function lastId(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(0, ...Array.from(document.querySelectorAll<HTMLElement>(".msg")).map((e) => Number(e.dataset.id))));
}

/** Waits for a bot message newer than `after` whose text (or caption) contains `text`; returns its id. */
export async function botSays(page: Page, text: string, after: number): Promise<number> {
  return waitUntil(`the bot to say “${text}”`, async () => {
    const found = await page.locator(".msg.bot").evaluateAll(
      (elements, [after, text]) =>
        elements
          .filter((e) => Number((e as HTMLElement).dataset.id) > Number(after) && (e.querySelector(".text")?.textContent ?? "").includes(String(text)))
          .map((e) => Number((e as HTMLElement).dataset.id)),
      [after, text] as const,
    );
    return found[0];
  });
}

/** The inline keyboard of the bot message `messageId`. */
export const keyboard = (page: Page, messageId: number) => page.locator(`.msg.bot[data-id="${messageId}"] .inline-keyboard`);

/** Taps the inline button labelled exactly `label` on the bot message `messageId`. */
export async function tap(page: Page, messageId: number, label: string): Promise<void> {
  await keyboard(page, messageId).getByRole("button", { name: label, exact: true }).click();
}

export async function type(page: Page, text: string): Promise<void> {
  await page.locator("#text").fill(text);
  await page.locator("#send").click();
}

/** The text (or caption) of message `messageId`. */
export const textOf = async (page: Page, messageId: number) => (await page.locator(`.msg[data-id="${messageId}"] .text`).textContent()) ?? "";

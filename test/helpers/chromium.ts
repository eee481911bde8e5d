// Whether the browser tests (test/e2e/browser*.test.ts) can run: they need a Chromium. Kept apart from
// test/sandbox/browser.ts so that the global setup can decide without loading playwright-core.
import { existsSync } from "node:fs";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** CI sets CI (`.ci/run` exports CI=1): there a missing browser is a failure, never a skip. */
export const inCI = !!process.env.CI && process.env.CI !== "0" && process.env.CI !== "false";

/** True when the browser tests should be skipped: no Chromium here, and not in CI. */
export const skipBrowserTests = !existsSync(CHROMIUM) && !inCI;

/** The one line a run prints when it skips them. */
export const BROWSER_SKIP_LINE = `[browser tests] skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH; in CI this fails)`;

// The "done when", in a real headless Chromium at phone size: as the demo Lok Sabha in-charge (Hindi, the
// person the page opens as), report the event waiting for him in at most seven taps and one typed message; register
// an event with /newevent and report its attendance with /report one number at a time, all by clicking and typing
// in the sandbox page; then check what the database holds, and keep phone-size screenshots of the report summary
// and the rollup in test-results/.
import { copyFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { DateTime } from "luxon";
import { DEMO_PC, DEMO_PEOPLE } from "../../src/sandbox/demoPeople.js";
import { makePng, startTestSandbox, type TestSandbox } from "../sandbox/helpers.js";
import { waitUntil } from "../helpers/waitUntil.js";
import { skipBrowserTests } from "../helpers/chromium.js";
import { describeFailure, openPhoneBrowser, openSandboxPage, type PhoneBrowser } from "../sandbox/browser.js";
import { botSays, keyboard, lastId, tap, textOf, type } from "../sandbox/chatPage.js";

const pc = DEMO_PEOPLE.find((p) => p.key === "pc")!.user;

// Without a Chromium (outside CI) the global setup prints one line and these are skipped; in CI they fail.
describe.skipIf(skipBrowserTests)("a demo in-charge registers an event and reports it in the browser", () => {
  let sb: TestSandbox;
  let browser: PhoneBrowser;
  let page: Page;
  // An hour ago in the bot's zone: the event has started, so it can be reported at once.
  const startsAt = DateTime.now().setZone("Asia/Kolkata").minus({ hours: 1 }).startOf("minute");
  const venue = "सामुदायिक भवन, लहुराबीर";

  beforeAll(async () => {
    [sb, browser] = await Promise.all([startTestSandbox("events"), openPhoneBrowser({ locale: "hi-IN" })]);
    page = browser.page;
    // As a first visit: no #person, nobody remembered. The page picks the Lok Sabha in-charge.
    await openSandboxPage(page, sb.url);
  }, 120_000);
  beforeEach(({ onTestFailed }) => {
    onTestFailed(async () => console.log(await describeFailure(browser, sb.api, Number(await page.locator("#person").inputValue()))));
  });
  afterAll(async () => {
    await browser?.close();
    await sb?.close();
  });

  // One story in four steps: the waiting event's report in seven taps, /newevent, then /report of that event, then
  // /rollup showing it. Each test runs the steps it needs (once per file, whichever test asks first), so that any of
  // them passes alone or in any order.
  let counting: Promise<void> | undefined;
  let registering: Promise<void> | undefined;
  let reporting: Promise<void> | undefined;
  const counted = () => (counting ??= reportInSevenTaps());
  const registered = () => (registering ??= counted().then(registerEvent));
  const reported = () => (reporting ??= registered().then(reportEvent));

  /**
   * Counts what the person does on the page: a tap is a click on any button but Send (the menu, a command, 📎, an
   * inline button), a typed message is one sent with Send. Picking the photo in the phone's chooser is counted by
   * the test as one more tap (the page sends it at once; Telegram's own Send is the chooser's tap here).
   */
  const countActions = () =>
    page.evaluate(() => {
      const w = window as unknown as { actions: { taps: number; typed: number } };
      w.actions = { taps: 0, typed: 0 };
      document.addEventListener(
        "click",
        (event) => {
          const button = (event.target as Element).closest("button");
          if (!button) return;
          if (button.id === "send") w.actions.typed++;
          else w.actions.taps++;
        },
        true,
      );
    });
  const actionsSoFar = () => page.evaluate(() => (window as unknown as { actions: { taps: number; typed: number } }).actions);

  const reportInSevenTaps = async () => {
    // The page opened as the Lok Sabha in-charge, who has an event of two days ago to report (seedEvents.ts).
    expect(await page.locator("#person").inputValue()).toBe(String(pc.id));
    const waiting = (await sb.app.db.models.Event.findOne({ createdBy: pc.id, venue: "कबीर चौरा मठ, वाराणसी" }).lean())!;
    expect(waiting.reportedAt).toBeNull();
    expect(waiting.startsAt.getTime()).toBeLessThan(Date.now());
    await countActions();
    let at = await lastId(page);
    // /report from the command menu: his only event waiting for a report opens at once, no list.
    await page.locator("#menu-button").click();
    await page.locator("#commands button", { hasText: "/report" }).click();
    await botSays(page, "कितने लोग आए", at);
    at = await lastId(page);
    // All six numbers in one message, in the order shown, with the digits a Hindi keyboard types.
    await type(page, "१२०, १५, ३०, १०, २५, २०");
    await botSays(page, "फ़ोटो भेजें", at);
    at = await lastId(page);
    const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.locator("#photo-button").click()]);
    await chooser.setFiles({ name: "sabha.png", mimeType: "image/png", buffer: makePng(160, 120, [40, 160, 90]) });
    const pickedPhoto = 1;
    let q = await botSays(page, "1 फ़ोटो मिली", at);
    await tap(page, q, "✅ हो गया (1 फ़ोटो)");
    q = await botSays(page, "कुछ और बताना है", q);
    await tap(page, q, "छोड़ें ⏭");
    const summary = await botSays(page, "रिपोर्ट जाँचें", q);
    await tap(page, summary, "✅ पुष्टि करें");
    await waitUntil("the saved report", async () => (await textOf(page, summary)).includes("रिपोर्ट सहेज ली गई"));
    const actions = await actionsSoFar();
    console.log(`[sandbox] report in ${actions.taps + pickedPhoto} taps and ${actions.typed} typed message(s)`);
    expect(actions.taps + pickedPhoto).toBeLessThanOrEqual(7);
    expect(actions.typed).toBe(1);

    await page.locator(`.msg[data-id="${summary}"] .meta .edited`).waitFor();
    await page.locator(`.msg[data-id="${summary}"]`).evaluate((el) => el.scrollIntoView({ block: "end" }));
    copyFileSync(await browser.screenshot("report-seven-taps"), "test-results/phone-report-summary.png");
    const report = await sb.app.db.models.Report.findOne({ eventId: waiting._id }).lean();
    expect(report).toMatchObject({
      total: 120,
      counts: { "sufi-ulema": 15, intellectuals: 30, sports: 10, influential: 25, "women-beneficiaries": 20 },
      notes: "",
      submittedBy: pc.id,
      version: 1,
    });
    expect(report!.photos).toHaveLength(1);
    expect(browser.errors).toEqual([]);
  };

  const registerEvent = async () => {
    await page.locator("#person").selectOption(String(pc.id));
    let at = await lastId(page);
    // From the command menu, as a newcomer would find it.
    await page.locator("#menu-button").click();
    await page.locator("#commands button", { hasText: "/newevent" }).click();
    let q = await botSays(page, "कौन-सा कार्यक्रम", at);
    await tap(page, q, "स्नेह संवाद");
    q = await botSays(page, "कहाँ होगा", q);
    await tap(page, q, "★ Varanasi (77)");
    q = await botSays(page, "कब है", q);
    // A wrong answer first: a short reason, the same question again, nothing lost.
    at = await lastId(page);
    await type(page, "परसों के बाद");
    await botSays(page, "समझ नहीं आया", at);
    at = await lastId(page);
    await type(page, startsAt.toFormat("dd-MM-yyyy HH:mm"));
    q = await botSays(page, "स्थान क्या है", at);
    at = await lastId(page);
    await type(page, venue);
    q = await botSays(page, "लोकेशन भेजें", at);
    await tap(page, q, "छोड़ें ⏭");
    q = await botSays(page, "कितने लोगों के आने", q);
    await tap(page, q, "100");
    q = await botSays(page, "कोई टिप्पणी", q);
    at = await lastId(page);
    await type(page, "मुख्य वक्ता: मौलाना साहब");
    const summary = await botSays(page, "कार्यक्रम की जानकारी जाँचें", at);
    const summaryText = (await page.locator(`.msg[data-id="${summary}"] .text`).textContent()) ?? "";
    expect(summaryText).toContain(venue);
    expect(summaryText).toContain("स्नेह संवाद");
    await tap(page, summary, "✅ पुष्टि करें");
    // The summary is edited in place into the confirmation; its buttons go.
    await page.locator(`.msg[data-id="${summary}"] .meta .edited`).waitFor();
    await waitUntil("the confirmation", async () => (await page.locator(`.msg[data-id="${summary}"] .inline-keyboard`).count()) === 0);

    const events = await sb.app.db.models.Event.find({ createdBy: pc.id, venue }).lean();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      programmeKey: "sneh-samvad",
      level: "pc",
      code: DEMO_PC,
      pcCode: DEMO_PC,
      stateCode: "IN-UP",
      expectedAttendance: 100,
      notes: "मुख्य वक्ता: मौलाना साहब",
      status: "planned",
      reportedAt: null,
    });
    expect(events[0]!.startsAt.toISOString()).toBe(startsAt.toUTC().toISO({ suppressMilliseconds: false }));
  };

  const reportEvent = async () => {
    await page.locator("#person").selectOption(String(pc.id));
    const event = (await sb.app.db.models.Event.findOne({ createdBy: pc.id, venue }).lean())!;
    let at = await lastId(page);
    await type(page, "/report");
    // The new event is the only one waiting (his demo ones are reported, the waiting one in the first step, or
    // ahead), but the report of the first step can still be corrected: a list of the two, the new one first.
    const list = await botSays(page, "1 कार्यक्रम की रिपोर्ट बाकी है", at);
    await keyboard(page, list).getByRole("button", { name: /^📝 / }).click();
    const intro = await botSays(page, "उपस्थिति रिपोर्ट", at);
    expect(await page.locator(`.msg[data-id="${intro}"]`).textContent()).toContain("स्नेह संवाद");
    let q = await botSays(page, "कितने लोग आए", at);
    at = await lastId(page);
    await type(page, "85");
    q = await botSays(page, "सूफ़ी उलेमा", at);
    at = await lastId(page);
    // More than are left is refused with the reason, and asked again.
    await type(page, "90");
    await botSays(page, "बचे हुए लोगों से ज़्यादा", at);
    at = await lastId(page);
    await type(page, "10");
    q = await botSays(page, "बुद्धिजीवी", at);
    at = await lastId(page);
    await type(page, "20");
    q = await botSays(page, "खेल हस्तियाँ", at);
    await tap(page, q, "0");
    q = await botSays(page, "प्रभावशाली लोग", q);
    at = await lastId(page);
    await type(page, "15");
    q = await botSays(page, "महिला लाभार्थी", at);
    at = await lastId(page);
    await type(page, "25");
    q = await botSays(page, "फ़ोटो भेजें", at);

    at = await lastId(page);
    await page.locator("#photo-input").setInputFiles({ name: "sabha.png", mimeType: "image/png", buffer: makePng(160, 120, [230, 120, 40]) });
    q = await botSays(page, "1 फ़ोटो मिली", at);
    await tap(page, q, "✅ हो गया (1 फ़ोटो)");
    q = await botSays(page, "कुछ और बताना है", q);
    at = await lastId(page);
    await type(page, "युवाओं ने योजनाओं पर प्रश्न पूछे");
    const summary = await botSays(page, "रिपोर्ट जाँचें", at);
    await tap(page, summary, "✅ पुष्टि करें");
    await waitUntil("the saved report", async () => ((await page.locator(`.msg[data-id="${summary}"] .text`).textContent()) ?? "").includes("रिपोर्ट सहेज ली गई"));
    await page.locator(`.msg[data-id="${summary}"] .meta .edited`).waitFor();
    await page.locator(`.msg[data-id="${summary}"]`).scrollIntoViewIfNeeded();
    const shot = await browser.screenshot("report");
    console.log(`[sandbox] screenshot: ${shot}`);

    const { Report, ReportVersion, Event } = sb.app.db.models;
    const report = await Report.findOne({ eventId: event._id }).lean();
    expect(report).toMatchObject({
      total: 85,
      counts: { "sufi-ulema": 10, intellectuals: 20, sports: 0, influential: 15, "women-beneficiaries": 25 },
      notes: "युवाओं ने योजनाओं पर प्रश्न पूछे",
      submittedBy: pc.id,
      version: 1,
      pcCode: DEMO_PC,
    });
    // The photo is the one the page uploaded, as the local Bot API stored it.
    expect(report!.photos).toHaveLength(1);
    const stored = sb.api.file(report!.photos[0]!.fileId);
    expect(stored?.width).toBe(160);
    expect(await ReportVersion.countDocuments({ eventId: event._id })).toBe(1);
    expect((await Event.findById(event._id).lean())?.reportedAt).toBeInstanceOf(Date);
    expect(browser.errors).toEqual([]);
  };

  it("/report of the event waiting for the default person: ≤ 7 taps and 1 typed message to a saved report with a photo", () => counted(), 60_000);

  it("/newevent: programme, constituency, time, venue, expected attendance, confirm", () => registered(), 60_000);

  it("/report: totals by category, a photo, notes, confirm", () => reported(), 90_000);

  it("/rollup: the demo cluster head sees the reported attendance in the day's summary and chart", async () => {
    await reported();
    const cluster = DEMO_PEOPLE.find((p) => p.key === "cluster")!.user;
    await page.locator("#person").selectOption(String(cluster.id));
    await page.locator(".empty").waitFor();
    const at = await lastId(page);
    // The event's own day (an hour ago may be yesterday just after midnight).
    await type(page, `/rollup ${startsAt.toISODate()}`);
    const summary = await botSays(page, "Daily summary", at);
    const text = (await page.locator(`.msg[data-id="${summary}"] .text`).textContent()) ?? "";
    expect(text).toContain("Central cluster");
    expect(text).toContain("Attendance today: 85");
    // The first message fits the phone's screen: its top and its buttons are in view at once.
    const box = (await page.locator(`.msg[data-id="${summary}"]`).boundingBox())!;
    expect(box.height).toBeLessThanOrEqual(740);
    // The figures by category are behind "More details".
    const details = await lastId(page);
    await tap(page, summary, "More details");
    const more = await botSays(page, "Women beneficiaries: 25", details);
    expect((await page.locator(`.msg[data-id="${more}"] .text`).textContent()) ?? "").toContain("Attendance reported: 85");
    // Then the chart, as a photo the page shows.
    const chart = page.locator(".msg.bot img.photo").last();
    await chart.waitFor();
    await waitUntil("the chart to load", () => chart.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 300));
    await page.locator(`.msg[data-id="${summary}"]`).evaluate((el) => el.scrollIntoView({ block: "start" }));
    const shot = await browser.screenshot("rollup");
    copyFileSync(shot, "test-results/phone-rollup.png");
    console.log(`[sandbox] screenshot: ${shot}`);
    expect(browser.errors).toEqual([]);
  });

  it("a directive from the national office arrives for the demo Vidhan Sabha in-charge, who acknowledges it", async () => {
    const admin = DEMO_PEOPLE.find((p) => p.key === "admin")!.user;
    const ac = DEMO_PEOPLE.find((p) => p.key === "ac")!.user;
    const text = "सभी विधानसभा प्रभारी इस सप्ताह एक स्नेह संवाद दर्ज करें।";
    await page.locator("#person").selectOption(String(admin.id));
    await page.locator(".empty").waitFor();
    let at = await lastId(page);
    await type(page, "/directive");
    await botSays(page, "नया दिशा-निर्देश", at);
    at = await lastId(page);
    await type(page, text);
    let q = await botSays(page, "संलग्नक", at);
    await tap(page, q, "कोई संलग्नक नहीं ➡️");
    q = await botSays(page, "किसे भेजना है", q);
    await tap(page, q, "👥 किसी क्षेत्र की भूमिकाएँ");
    q = await botSays(page, "भूमिकाएँ चुनें", q);
    await tap(page, q, "☐ विधानसभा प्रभारी");
    await page.locator(`.msg[data-id="${q}"] .inline-keyboard`).getByRole("button", { name: "☑ विधानसभा प्रभारी" }).waitFor();
    await tap(page, q, "आगे बढ़ें ➡️");
    q = await botSays(page, "किस क्षेत्र में", q);
    await tap(page, q, "पूरा भारत");
    q = await botSays(page, "क्या यह दिशा-निर्देश भेजें", q);
    await page.locator(`.msg[data-id="${q}"] .inline-keyboard`).getByRole("button", { name: "📢 1 व्यक्ति को भेजें" }).click();

    // The delivery worker sends it; the switcher counts it for the AC in-charge, who opens it and acknowledges.
    const option = page.locator(`#person option[value="${ac.id}"]`);
    await waitUntil("the directive to arrive", async () => ((await option.textContent()) ?? "").endsWith("(1)"), { timeoutMs: 20_000 });
    await page.locator("#person").selectOption(String(ac.id));
    // Wait for the AC in-charge's chat itself: right after the switch the page may still show the admin's, whose
    // preview carries the same text (in Hindi). The AC in-charge reads English.
    const directive = page.locator(".msg.bot", { hasText: "Directive from the National Office" }).filter({ hasText: text }).last();
    await directive.waitFor();
    expect(await directive.locator(".text").textContent()).toContain("Directive from the National Office");
    const id = await directive.getAttribute("data-id");
    await page.locator(`.msg[data-id="${id}"] .inline-keyboard`).getByRole("button", { name: "✅ Acknowledge" }).click();
    await waitUntil("the acknowledgement", async () => (await sb.app.db.models.DirectiveAck.countDocuments({ telegramId: ac.id })) === 1);
    await page.locator(`.msg[data-id="${id}"] .meta .edited`).waitFor();
    const shot = await browser.screenshot("directive");
    console.log(`[sandbox] screenshot: ${shot}`);
    const stored = await sb.app.db.models.Directive.findOne({ createdBy: admin.id }).lean();
    expect(stored).toMatchObject({ text, recipientCount: 1, audience: { roles: ["ac_incharge"], level: "country" } });
    expect(browser.errors).toEqual([]);
  });
});

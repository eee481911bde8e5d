// Times as people write them: "5:00 pm" in English, the part of the day and a 12-hour clock in Hindi, and every
// time the bot writes reads back as the same time in the date/time step.
import { describe, expect, it } from "vitest";
import { parseWhen } from "../../src/domain/events/index.js";
import { clockText, dateTimeText } from "../../src/messages/time.js";

describe("clock times", () => {
  it.each([
    [0, 0, "12:00 am", "रात 12:00"],
    [3, 59, "3:59 am", "रात 3:59"],
    [4, 0, "4:00 am", "सुबह 4:00"],
    [10, 30, "10:30 am", "सुबह 10:30"],
    [12, 0, "12:00 pm", "दोपहर 12:00"],
    [13, 0, "1:00 pm", "दोपहर 1:00"],
    [15, 59, "3:59 pm", "दोपहर 3:59"],
    [16, 0, "4:00 pm", "शाम 4:00"],
    [17, 0, "5:00 pm", "शाम 5:00"],
    [19, 59, "7:59 pm", "शाम 7:59"],
    [20, 0, "8:00 pm", "रात 8:00"],
    [21, 0, "9:00 pm", "रात 9:00"],
  ])("%i:%i reads %s and %s", (hour, minute, en, hi) => {
    expect(clockText("en", { hour, minute })).toBe(en);
    expect(clockText("hi", { hour, minute })).toBe(hi);
  });

  it("puts the date first and the time in the reader's zone", () => {
    const at = new Date("2026-12-25T12:00:00Z"); // 17:30 in India
    expect(dateTimeText("en", "Asia/Kolkata", at, "ccc d LLL yyyy")).toBe("Fri 25 Dec 2026, 5:30 pm");
    expect(dateTimeText("hi", "Asia/Kolkata", at, "d/M", " ")).toBe("25/12 शाम 5:30");
    expect(dateTimeText("hi", "UTC+05:30", at, "d/M", " ")).toBe("25/12 शाम 5:30");
  });

  it("reads back every time it writes, in both languages", () => {
    for (let hour = 0; hour < 24; hour++) {
      for (const minute of [0, 1, 15, 30, 59]) {
        for (const lang of ["en", "hi"] as const) {
          const text = clockText(lang, { hour, minute });
          expect(parseWhen(text), text).toEqual({ ok: true, value: { time: { hour, minute } } });
        }
      }
    }
  });
});

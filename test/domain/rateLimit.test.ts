import { describe, expect, it } from "vitest";
import { freeSlots, slotKeys, START_LIMITS, windowKey, windowOf } from "../../src/domain/rateLimit.js";

describe("attempt windows", () => {
  it("puts an instant in the fixed window that contains it, end exclusive", () => {
    const w = windowOf(new Date("2026-11-26T10:07:59.999Z"), 10 * 60_000);
    expect(w.start.toISOString()).toBe("2026-11-26T10:00:00.000Z");
    expect(w.end.toISOString()).toBe("2026-11-26T10:10:00.000Z");
    const next = windowOf(new Date("2026-11-26T10:10:00.000Z"), 10 * 60_000);
    expect(next.index).toBe(w.index + 1);
    expect(() => windowOf(new Date(), 0)).toThrow(RangeError);
  });

  it("keys a window by action, limit, subject and index, with one key per slot", () => {
    const w = windowOf(new Date(0), 60_000);
    expect(windowKey("start", START_LIMITS.perPerson, 8_000_000_001, w)).toBe("start:p:8000000001:0");
    expect(windowKey("start", START_LIMITS.global, null, w)).toBe("start:g:0");
    expect(slotKeys("k", 3)).toEqual(["k:1", "k:2", "k:3"]);
    expect(freeSlots("k", 3, new Set(["k:1", "k:3"]))).toEqual(["k:2"]);
    expect(freeSlots("k", 2, new Set(["k:1", "k:2"]))).toEqual([]);
  });
});

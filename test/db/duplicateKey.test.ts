// The one duplicate-key check: single errors, the driver's write errors, and unordered bulk inserts.
import { describe, expect, it } from "vitest";
import { bulkWriteErrors, isDuplicateKey, onlyDuplicateKeys } from "../../src/db/duplicateKey.js";

describe("duplicate-key detection", () => {
  it("recognises code 11000 on an error or inside a raw write error, and nothing else", () => {
    expect(isDuplicateKey(Object.assign(new Error("E11000 duplicate key error"), { code: 11000 }))).toBe(true);
    expect(isDuplicateKey({ index: 0, err: { code: 11000 } })).toBe(true);
    expect(isDuplicateKey({ code: 121 })).toBe(false);
    expect(isDuplicateKey(new Error("E11000 without a code"))).toBe(false);
    expect(isDuplicateKey(null)).toBe(false);
    expect(isDuplicateKey("E11000")).toBe(false);
  });

  it("a bulk insert counts as duplicates only when every refused document was one", () => {
    const bulk = (codes: number[]) => Object.assign(new Error("bulk"), { writeErrors: codes.map((code, index) => ({ index, code })) });
    expect(onlyDuplicateKeys(bulk([11000, 11000]))).toBe(true);
    expect(onlyDuplicateKeys(bulk([11000, 121]))).toBe(false);
    expect(onlyDuplicateKeys(Object.assign(new Error("one"), { code: 11000 }))).toBe(true);
    expect(onlyDuplicateKeys(new Error("network"))).toBe(false);
    expect(bulkWriteErrors(Object.assign(new Error("single"), { writeErrors: { err: { index: 3, code: 11000 } } }))).toEqual([{ index: 3, code: 11000 }]);
  });
});

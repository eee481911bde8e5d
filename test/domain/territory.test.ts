import { describe, expect, it } from "vitest";
import { acCode, contains, isWellFormed, pcCode, stateOf, type MapView } from "../../src/domain/territory.js";

const map: MapView = { clusters: new Map([["north", ["IN-UP"]]]), pcOfAc: (ac) => (ac === "IN-UP:A390" ? "IN-UP:P77" : undefined) };

describe("territory codes", () => {
  it("builds and parses codes that fit in callback data", () => {
    expect(pcCode("IN-UP", 77)).toBe("IN-UP:P77");
    expect(acCode("IN-UP", 390)).toBe("IN-UP:A390");
    expect(stateOf({ level: "ac", code: "IN-UP:A390" })).toBe("IN-UP");
    expect(stateOf({ level: "cluster", code: "north" })).toBeUndefined();
  });
  it("checks shapes per level", () => {
    expect(isWellFormed({ level: "country", code: "IN" })).toBe(true);
    expect(isWellFormed({ level: "country", code: "US" })).toBe(false);
    expect(isWellFormed({ level: "pc", code: "IN-UP:P77" })).toBe(true);
    expect(isWellFormed({ level: "pc", code: "IN-UP:A77" })).toBe(false);
    expect(isWellFormed({ level: "cluster", code: "North East" })).toBe(false);
  });
  it("knows containment, including AC → PC from the map", () => {
    expect(contains(map, { level: "pc", code: "IN-UP:P77" }, { level: "ac", code: "IN-UP:A390" })).toBe(true);
    expect(contains(map, { level: "pc", code: "IN-UP:P1" }, { level: "ac", code: "IN-UP:A390" })).toBe(false);
    expect(contains(map, { level: "ac", code: "IN-UP:A390" }, { level: "pc", code: "IN-UP:P77" })).toBe(false);
    expect(contains(map, { level: "cluster", code: "north" }, { level: "ac", code: "IN-UP:A390" })).toBe(true);
  });
});

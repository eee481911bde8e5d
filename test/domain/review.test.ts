import { describe, expect, it } from "vitest";
import { canReview, canVoid, checkReason, decisionAllowed, reportStatus, REASON_MAX, type ReviewFacts } from "../../src/domain/review.js";
import { correctionDecision, CORRECTION_WINDOW_MS } from "../../src/domain/events/index.js";
import type { MapView } from "../../src/domain/territory.js";

const map: MapView = { clusters: new Map([["central", ["IN-UP", "IN-MP"]]]), pcOfAc: () => undefined } as unknown as MapView;
const facts = (f: Partial<ReviewFacts>): ReviewFacts => ({ latestVersion: 1, latestDecision: null, decidedBefore: false, voided: false, ...f });

describe("report status", () => {
  it("follows the facts: submitted, approved, sent back, corrected, void", () => {
    expect(reportStatus(facts({}))).toBe("submitted");
    expect(reportStatus(facts({ latestVersion: 2 }))).toBe("submitted"); // corrected by the author before any review
    expect(reportStatus(facts({ latestDecision: "approve" }))).toBe("approved");
    expect(reportStatus(facts({ latestDecision: "send_back" }))).toBe("sent_back");
    expect(reportStatus(facts({ latestVersion: 2, decidedBefore: true }))).toBe("corrected");
    expect(reportStatus(facts({ latestVersion: 2, decidedBefore: true, latestDecision: "approve" }))).toBe("approved");
    expect(reportStatus(facts({ latestDecision: "approve", voided: true }))).toBe("void");
  });

  it("allows one decision on the newest version only, never on a void report", () => {
    expect(decisionAllowed(facts({}), 1)).toEqual({ ok: true });
    expect(decisionAllowed(facts({ latestVersion: 2, decidedBefore: true }), 1)).toEqual({ ok: false, reason: "stale_version" });
    expect(decisionAllowed(facts({ latestDecision: "approve" }), 1)).toEqual({ ok: false, reason: "already_decided" });
    expect(decisionAllowed(facts({ voided: true }), 1)).toEqual({ ok: false, reason: "void" });
  });
});

describe("who reviews", () => {
  const pc = { level: "pc" as const, code: "IN-UP:P77" };
  it("state teams, cluster heads and the national office within their area; in-charges never", () => {
    expect(canReview([{ role: "state_team", level: "state", code: "IN-UP" }], pc, map)).toEqual({ allowed: true });
    expect(canReview([{ role: "state_team", level: "state", code: "IN-BR" }], pc, map)).toEqual({ allowed: false, reason: "outside_scope" });
    expect(canReview([{ role: "cluster_head", level: "cluster", code: "central" }], pc, map)).toEqual({ allowed: true });
    expect(canReview([{ role: "national_admin", level: "country", code: "IN" }], pc, map)).toEqual({ allowed: true });
    expect(canReview([{ role: "pc_incharge", level: "pc", code: "IN-UP:P77" }], pc, map)).toEqual({ allowed: false, reason: "no_role" });
  });
  it("only the national office voids", () => {
    expect(canVoid([{ role: "national_admin", level: "country", code: "IN" }])).toEqual({ allowed: true });
    expect(canVoid([{ role: "cluster_head", level: "cluster", code: "central" }])).toEqual({ allowed: false, reason: "no_role" });
  });
});

describe("reasons and corrections", () => {
  it("a typed reason is 2 to REASON_MAX characters, trimmed", () => {
    expect(checkReason("  Photos are of another event  ")).toEqual({ ok: true, value: "Photos are of another event" });
    expect(checkReason("x")).toEqual({ ok: false, reason: "too_short" });
    expect(checkReason("x".repeat(REASON_MAX + 1))).toEqual({ ok: false, reason: "too_long" });
  });
  it("a sent-back report is corrected by its author after the window; a void one by nobody", () => {
    const submittedAt = new Date("2026-11-01T00:00:00Z");
    const late = new Date(submittedAt.getTime() + CORRECTION_WINDOW_MS + 1);
    expect(correctionDecision({ submittedBy: 1, submittedAt }, 1, late)).toEqual({ ok: false, reason: "too_late" });
    expect(correctionDecision({ submittedBy: 1, submittedAt, reviewStatus: "sent_back" }, 1, late)).toEqual({ ok: true });
    expect(correctionDecision({ submittedBy: 1, submittedAt, reviewStatus: "sent_back" }, 2, late)).toEqual({ ok: false, reason: "not_author" });
    expect(correctionDecision({ submittedBy: 1, submittedAt, reviewStatus: "void" }, 1, submittedAt)).toEqual({ ok: false, reason: "void" });
  });
});

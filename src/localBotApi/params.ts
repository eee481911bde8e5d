// Reading method parameters the way the Bot API server does. Parameters arrive as JSON values, or as strings from a
// query string or multipart form (numbers, booleans and JSON-serialised objects alike), so every reader accepts both.
import { badRequest } from "./errors.js";

export type Params = Record<string, unknown>;

const INTEGER = /^-?\d+$/;

export function optionalInt(params: Params, key: string): number | undefined {
  const value = params[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && INTEGER.test(value.trim())) return Number(value.trim());
  throw badRequest(`field "${key}" must be of type Integer`);
}

export function optionalNumber(params: Params, key: string): number | undefined {
  const value = params[key];
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
  if (Number.isFinite(n)) return n;
  throw badRequest(`field "${key}" must be of type Number`);
}

export function optionalString(params: Params, key: string): string | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw badRequest(`field "${key}" must be of type String`);
}

export function optionalBool(params: Params, key: string): boolean | undefined {
  const value = params[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "1" || value === 1) return true;
  if (value === "false" || value === "0" || value === 0) return false;
  throw badRequest(`field "${key}" must be of type Boolean`);
}

/** An object or array parameter; in forms and query strings it arrives JSON-serialised. */
export function optionalJson(params: Params, key: string, onBadJson: string): unknown {
  const value = params[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw badRequest(onBadJson);
  }
}

/** chat_id: an Integer, or a String that is either a number or "@username". */
export function chatIdOf(params: Params, key = "chat_id"): number | string {
  const value = params[key];
  if (value === undefined || value === null || value === "") throw badRequest("chat_id is empty");
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (INTEGER.test(trimmed)) return Number(trimmed);
    if (trimmed.startsWith("@")) return trimmed;
  }
  throw badRequest("chat not found");
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

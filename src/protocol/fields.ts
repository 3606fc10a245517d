/**
 * Field readers for validating decoded client JSON. Each takes `unknown` and the field's path
 * (e.g. "d.shard[1]") and returns the typed value or throws `ProtocolError(4002)` naming that
 * path. `null` and a missing field are the same thing to the `optional*` readers, because
 * libraries differ on which they send.
 */
import { CloseCode, ProtocolError } from "./close-codes.ts";

/** A decoded JSON object. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** The 4002 error for `field`: "Decode error: <field> <problem>". */
export function decodeError(field: string, problem: string): ProtocolError {
  return new ProtocolError(CloseCode.DECODE_ERROR, `${field} ${problem}`);
}

/** A plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function readObject(value: unknown, field: string): JsonObject {
  if (!isObject(value)) throw decodeError(field, "must be an object");
  return value;
}

export function readArray(value: unknown, field: string): readonly unknown[] {
  if (!Array.isArray(value)) throw decodeError(field, "must be an array");
  return value;
}

export function readString(value: unknown, field: string): string {
  if (typeof value !== "string") throw decodeError(field, "must be a string");
  return value;
}

export function readBoolean(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw decodeError(field, "must be a boolean");
  return value;
}

/** A safe integer in [min, max]. */
export function readInteger(value: unknown, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw decodeError(field, `must be an integer in [${min}, ${max}]`);
  }
  return value;
}

const SNOWFLAKE = /^(?:0|[1-9]\d{0,19})$/;
const U64_MAX = "18446744073709551615";

/** Whether `text` is a decimal u64 without leading zeros. */
export function isSnowflake(text: string): boolean {
  // Same length strings of digits compare like the numbers they spell.
  return SNOWFLAKE.test(text) && (text.length < U64_MAX.length || text <= U64_MAX);
}

/** Canonical snowflakes order as numbers when compared by length, then by text. */
export function compareSnowflakes(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * A snowflake as a string. Also takes non-negative safe-integer numbers, because discord.py
 * sends ids as JSON numbers in ops 4 and 8 (larger ones arrive as strings via parse-json.ts).
 */
export function readSnowflake(value: unknown, field: string): string {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === "string" && isSnowflake(value)) return value;
  throw decodeError(field, "must be a snowflake");
}

/** Runs `read` unless the value is missing or null. */
export function optional<T>(
  value: unknown,
  field: string,
  read: (value: unknown, field: string) => T,
): T | undefined {
  return value === undefined || value === null ? undefined : read(value, field);
}

/** Like `optional`, but returns `fallback` for a missing or null value. */
export function withDefault<T>(
  value: unknown,
  field: string,
  read: (value: unknown, field: string) => T,
  fallback: T,
): T {
  return value === undefined || value === null ? fallback : read(value, field);
}

/** UTF-8 length of `text` in bytes. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

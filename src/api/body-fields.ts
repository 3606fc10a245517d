/**
 * Readers for the fields of ingress request bodies: each returns the typed value or throws
 * a 400 naming the field (`invalidField`), so a route reads its body top to bottom.
 */
import { isSnowflake } from "../protocol/fields.ts";
import { invalidField } from "./errors.ts";

/** A UTF-16 code unit of a surrogate pair standing alone: no UTF-8 store can keep it as it is. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** A string of `min` to `max` UTF-16 code units; a lone surrogate is refused (a store would replace it with U+FFFD). */
export function text(value: unknown, field: string, min: number, max: number): string {
  if (typeof value !== "string" || value.length < min || value.length > max) {
    throw invalidField(field, `must be a string of ${min} to ${max} characters`);
  }
  if (LONE_SURROGATE.test(value)) throw invalidField(field, "must be valid Unicode (it has a lone surrogate)");
  return value;
}

/** A string, or null when `value` is null. */
export function nullableText(value: unknown, field: string, min: number, max: number): string | null {
  return value === null ? null : text(value, field, min, max);
}

export function snowflake(value: unknown, field: string): string {
  if (typeof value !== "string" || !isSnowflake(value)) throw invalidField(field, "must be a snowflake string");
  return value;
}

export function bool(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw invalidField(field, "must be a boolean");
  return value;
}

export function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidField(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

const U64_MAX = (1n << 64n) - 1n;

/** A Discord permission bitfield: a decimal string (or a safe integer) in 0..2^64-1. */
export function bits(value: unknown, field: string): bigint {
  const ok =
    (typeof value === "string" && /^\d{1,20}$/.test(value)) ||
    (typeof value === "number" && Number.isSafeInteger(value) && value >= 0);
  const parsed = ok ? BigInt(value as string | number) : -1n;
  if (parsed < 0n || parsed > U64_MAX) throw invalidField(field, "must be a permission bitfield: a decimal string below 2^64");
  return parsed;
}

/** Throws a 400 for the first key of `body` not in `known`. */
export function onlyKnown(body: Record<string, unknown>, known: readonly string[], what: string): void {
  for (const key of Object.keys(body)) if (!known.includes(key)) throw invalidField(key, `is not a ${what} field`);
}

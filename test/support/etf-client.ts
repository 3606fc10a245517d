/**
 * The client's side of encoding=etf, written apart from src/protocol/etf.ts so tests do not
 * check the gateway's codec against itself: `encodeClientEtf` writes a payload as erlpack's JS
 * encoder does (js/encoder.h: object keys and strings as BINARY_EXT, snowflakes stay strings,
 * int32 as SMALL_INTEGER_EXT/INTEGER_EXT, other numbers as NEW_FLOAT_EXT, null as the atom
 * nil). `asEtfSends` is what a JSON value becomes when the gateway sends it as ETF and a client
 * reads it back: its snowflake fields turn into integers (numbers up to 2^53).
 */

const SMALL_ATOM = 115;

function atom(name: string): number[] {
  return [SMALL_ATOM, name.length, ...Buffer.from(name, "latin1")];
}

function u32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

function term(value: unknown): number[] {
  if (value === null || value === undefined) return atom("nil");
  if (typeof value === "boolean") return atom(String(value));
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= 0 && value <= 255) return [97, value];
    if (Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) return [98, ...u32(value >>> 0)];
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value);
    return [70, ...bytes];
  }
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8");
    return [109, ...u32(bytes.length), ...bytes];
  }
  if (Array.isArray(value)) return value.length === 0 ? [106] : [108, ...u32(value.length), ...value.flatMap(term), 106];
  const entries = Object.entries(value as Record<string, unknown>);
  return [116, ...u32(entries.length), ...entries.flatMap(([k, v]) => [...term(k), ...term(v)])];
}

/** `payload` as one ETF term, as a client using erlpack sends it. */
export function encodeClientEtf(payload: unknown): Uint8Array {
  return new Uint8Array([131, ...term(payload)]);
}

const SNOWFLAKE = /^(?:0|[1-9]\d{0,19})$/;

/** `value` as the gateway sends it over ETF and a client reads it: snowflake fields as integers. */
export function asEtfSends(value: unknown, snowflake = false, key = ""): unknown {
  if (typeof value === "string" && snowflake && SNOWFLAKE.test(value) && BigInt(value) < 2n ** 64n) {
    return BigInt(value) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  if (Array.isArray(value)) {
    const ids = key.endsWith("_ids") || key === "roles" || key === "mention_roles";
    return value.map((item) => asEtfSends(item, ids));
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asEtfSends(v, k === "id" || (k.endsWith("_id") && k !== "custom_id"), k)]));
  }
  return value;
}

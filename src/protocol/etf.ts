/**
 * Erlang's External Term Format as Discord's gateway speaks it with `encoding=etf`: the subset
 * erlpack (discord/erlpack, the codec Discord's API and clients use) writes and reads.
 *
 * Encoding a frame (`encodeEtfFrame`) turns one of our JSON frames into the terms Discord sends:
 * - `null` → atom `nil`, booleans → atoms `true`/`false`, written as SMALL_ATOM_EXT (erlpack's
 *   Python encoder: latin-1 atoms "until all of the clients we know can speak" UTF-8 ones; the
 *   JS erlpack decoder cannot read SMALL_ATOM_UTF8_EXT at all);
 * - integers → SMALL_INTEGER_EXT (0–255), INTEGER_EXT (int32), else SMALL_BIG_EXT; other
 *   numbers → NEW_FLOAT_EXT; strings → BINARY_EXT; arrays → LIST_EXT (empty: NIL_EXT);
 *   objects → MAP_EXT;
 * - snowflakes as 64-bit integers, as Discord's docs say ("Snowflake IDs are transmitted as
 *   64-bit integers over ETF"): a decimal u64 string under a key `id` or `*_id` (not
 *   `custom_id`, which is the app's own text), or in an array under `*_ids`, `roles` or
 *   `mention_roles`. Map keys stay strings, as Discord sends them (discord-api-docs#3657:
 *   `resolved.messages` keys are strings over ETF);
 * - map keys that are identifiers as atoms, and `t` as an atom: Discord's frames are Elixir maps
 *   with atom keys (Nostrum reads `payload.op`, `payload.d.heartbeat_interval` and matches
 *   `payload.t == :READY` straight off `binary_to_term`); any other key is a BINARY_EXT.
 *
 * Reading client frames is etf-decode.ts.
 */

/** ETF's version byte: every term starts with it. */
export const ETF_VERSION = 131;

/** The term tags of the gateway's subset (Erlang's external term format, erl_ext_dist). */
export const EtfTag = {
  NEW_FLOAT: 70,
  SMALL_INTEGER: 97,
  INTEGER: 98,
  ATOM: 100,
  NIL: 106,
  STRING: 107,
  LIST: 108,
  BINARY: 109,
  SMALL_BIG: 110,
  LARGE_BIG: 111,
  SMALL_ATOM: 115,
  MAP: 116,
  ATOM_UTF8: 118,
  SMALL_ATOM_UTF8: 119,
} as const;

const { NEW_FLOAT, SMALL_INTEGER, INTEGER, NIL, LIST, BINARY, SMALL_BIG, SMALL_ATOM, MAP } = EtfTag;

/** A term this codec cannot read: truncated, malformed, or outside the gateway's subset. */
export class EtfError extends Error {
  override readonly name = "EtfError";
}

/** Keys written as atoms: identifiers that no decoder reads back as something else. */
const ATOM_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const SPECIAL_ATOMS: ReadonlySet<string> = new Set(["nil", "null", "true", "false"]);
const U64_MAX = "18446744073709551615";
const TWO_32 = 2 ** 32;

/** Whether a string under `key` is a snowflake field (see the module doc). */
function isSnowflakeKey(key: string): boolean {
  return key === "id" || (key.endsWith("_id") && key !== "custom_id");
}

/** Whether an array under `key` holds snowflakes. */
function isSnowflakeListKey(key: string): boolean {
  return key.endsWith("_ids") || key === "roles" || key === "mention_roles";
}

const textEncoder = new TextEncoder();

/** A growable byte buffer that writes terms. One per module: encoding is synchronous. */
const INITIAL_BUFFER_BYTES = 4096;
const KEPT_BUFFER_BYTES = 1024 * 1024;

class TermWriter {
  #bytes = new Uint8Array(INITIAL_BUFFER_BYTES);
  #view = new DataView(this.#bytes.buffer);
  #at = 0;

  reset(): void {
    this.#at = 0;
  }

  /** A copy of what was written. A buffer grown past 1 MiB (a large GUILD_CREATE) is let go. */
  take(): Uint8Array {
    const out = this.#bytes.slice(0, this.#at);
    if (this.#bytes.length > KEPT_BUFFER_BYTES) {
      this.#bytes = new Uint8Array(INITIAL_BUFFER_BYTES);
      this.#view = new DataView(this.#bytes.buffer);
    }
    return out;
  }

  #ensure(extra: number): void {
    if (this.#at + extra <= this.#bytes.length) return;
    let size = this.#bytes.length * 2;
    while (size < this.#at + extra) size *= 2;
    const bytes = new Uint8Array(size);
    bytes.set(this.#bytes.subarray(0, this.#at));
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer);
  }

  byte(value: number): void {
    this.#ensure(1);
    this.#bytes[this.#at++] = value;
  }

  #header(tag: number, length: number): void {
    this.#ensure(5);
    this.#bytes[this.#at] = tag;
    this.#view.setUint32(this.#at + 1, length);
    this.#at += 5;
  }

  /** An atom of ASCII text (< 256 bytes), as SMALL_ATOM_EXT. */
  atom(name: string): void {
    this.#ensure(2 + name.length);
    this.#bytes[this.#at++] = SMALL_ATOM;
    this.#bytes[this.#at++] = name.length;
    for (let i = 0; i < name.length; i++) this.#bytes[this.#at++] = name.charCodeAt(i);
  }

  binary(text: string): void {
    this.#ensure(5 + text.length * 3);
    const bytes = this.#bytes;
    const start = this.#at;
    const body = start + 5;
    // ASCII is copied by hand: encodeInto's call and subarray cost more on short strings.
    let written = 0;
    for (; written < text.length; written++) {
      const c = text.charCodeAt(written);
      if (c >= 0x80) break;
      bytes[body + written] = c;
    }
    if (written < text.length) written = textEncoder.encodeInto(text, bytes.subarray(body)).written;
    bytes[start] = BINARY;
    this.#view.setUint32(start + 1, written);
    this.#at = body + written;
  }

  /** Bytes written before, copied as they are (a cached key). */
  raw(encoded: Uint8Array): void {
    this.#ensure(encoded.length);
    this.#bytes.set(encoded, this.#at);
    this.#at += encoded.length;
  }

  /** A safe integer: the smallest of SMALL_INTEGER_EXT, INTEGER_EXT and SMALL_BIG_EXT. */
  integer(value: number): void {
    if (value >= 0 && value <= 255) {
      this.#ensure(2);
      this.#bytes[this.#at++] = SMALL_INTEGER;
      this.#bytes[this.#at++] = value;
    } else if (value >= -0x8000_0000 && value <= 0x7fff_ffff) {
      this.#ensure(5);
      this.#bytes[this.#at] = INTEGER;
      this.#view.setInt32(this.#at + 1, value);
      this.#at += 5;
    } else {
      const magnitude = Math.abs(value);
      this.#big(value < 0, magnitude % TWO_32, Math.floor(magnitude / TWO_32));
    }
  }

  /**
   * `text` as an integer if it is a u64 in decimal without leading zeros (a snowflake), as
   * `integer` would write it; false, writing nothing, if it is not one.
   */
  snowflake(text: string): boolean {
    const length = text.length;
    if (length === 0 || length > 20 || (length > 1 && text.charCodeAt(0) === 48)) return false;
    if (length === 20 && text > U64_MAX) return false;
    // Base 2^32 in two doubles, 4 digits a step (low * 10^4 + chunk stays under 2^53).
    let low = 0;
    let high = 0;
    for (let i = 0; i < length; ) {
      const end = Math.min(i + 4, length);
      let chunk = 0;
      let scale = 1;
      for (; i < end; i++) {
        const digit = text.charCodeAt(i) - 48;
        if (digit < 0 || digit > 9) return false;
        chunk = chunk * 10 + digit;
        scale *= 10;
      }
      const next = low * scale + chunk;
      const carry = Math.floor(next / TWO_32);
      low = next - carry * TWO_32;
      high = high * scale + carry;
    }
    if (high === 0 && low <= 0x7fff_ffff) this.integer(low);
    else this.#big(false, low, high);
    return true;
  }

  /** SMALL_BIG_EXT of `high * 2^32 + low` (each < 2^32), little-endian digits, no leading zero bytes. */
  #big(negative: boolean, low: number, high: number): void {
    this.#ensure(11);
    const bytes = this.#bytes;
    const start = this.#at;
    bytes[start] = SMALL_BIG;
    bytes[start + 2] = negative ? 1 : 0;
    const body = start + 3;
    for (let i = 0; i < 4; i++) {
      bytes[body + i] = (low >>> (8 * i)) & 0xff;
      bytes[body + 4 + i] = (high >>> (8 * i)) & 0xff;
    }
    let digits = 8;
    while (digits > 0 && bytes[body + digits - 1] === 0) digits--;
    bytes[start + 1] = digits;
    this.#at = body + digits;
  }

  float(value: number): void {
    this.#ensure(9);
    this.#bytes[this.#at] = NEW_FLOAT;
    this.#view.setFloat64(this.#at + 1, value);
    this.#at += 9;
  }

  listHeader(length: number): void {
    this.#header(LIST, length);
  }

  mapHeader(arity: number): void {
    this.#header(MAP, arity);
  }
}

const writer = new TermWriter();

/** Writes a JSON value; `key` is the map key it sits under ("" for none), for the snowflake rule. */
function writeValue(value: unknown, key: string, snowflake: boolean): void {
  switch (typeof value) {
    case "string":
      if (!snowflake || !writer.snowflake(value)) writer.binary(value);
      return;
    case "number":
      if (Number.isSafeInteger(value)) writer.integer(value);
      else writer.float(value);
      return;
    case "boolean":
      writer.atom(value ? "true" : "false");
      return;
    case "object":
      if (value === null) writer.atom("nil");
      else if (Array.isArray(value)) writeList(value, isSnowflakeListKey(key));
      else writeMap(value as Record<string, unknown>);
      return;
    default:
      writer.atom("nil");
  }
}

function writeList(list: readonly unknown[], snowflakes: boolean): void {
  if (list.length === 0) return writer.byte(NIL);
  writer.listHeader(list.length);
  for (const item of list) writeValue(item, "", snowflakes);
  writer.byte(NIL);
}

function writeMap(object: Record<string, unknown>): void {
  const keys = Object.keys(object);
  writer.mapHeader(keys.length);
  for (const key of keys) {
    writeKey(key);
    writeValue(object[key], key, isSnowflakeKey(key));
  }
}

/** Keys' terms, by key: the same few hundred field names come in every event. */
const keyTerms = new Map<string, Uint8Array>();
const MAX_CACHED_KEYS = 4096;
const keyWriter = new TermWriter();

function writeKey(key: string): void {
  let term = keyTerms.get(key);
  if (term === undefined) {
    keyWriter.reset();
    if (ATOM_KEY.test(key) && !SPECIAL_ATOMS.has(key)) keyWriter.atom(key);
    else keyWriter.binary(key);
    term = keyWriter.take();
    // Keys that are data (snowflakes in `resolved`, say) would grow it without end.
    if (keyTerms.size < MAX_CACHED_KEYS) keyTerms.set(key, term);
  }
  writer.raw(term);
}

/** One JSON-like value as a whole ETF term (version byte first), Discord's way (module doc). */
export function encodeEtf(value: unknown): Uint8Array {
  writer.reset();
  writer.byte(ETF_VERSION);
  writeValue(value, "", false);
  return writer.take();
}

/**
 * A gateway frame (`{op, d, s, t}` JSON text, as json-codec.ts builds it) as the ETF frame
 * Discord sends: the same payload, with `t` an atom.
 */
export function encodeEtfFrame(frameJson: string): Uint8Array {
  const frame = JSON.parse(frameJson) as Record<string, unknown>;
  writer.reset();
  writer.byte(ETF_VERSION);
  const keys = Object.keys(frame);
  writer.mapHeader(keys.length);
  for (const key of keys) {
    writer.atom(key);
    const value = frame[key];
    if (key === "t" && typeof value === "string") writer.atom(value);
    else writeValue(value, key, false);
  }
  return writer.take();
}

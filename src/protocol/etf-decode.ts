/**
 * Reading a client's ETF frame (etf.ts writes the gateway's).
 *
 * `decodeEtf` gives the values `JSON.parse` (parse-json.ts) would:
 * binaries → strings (UTF-8 or an error), atoms nil/null/true/false → null/booleans (other
 * atoms → strings), integers → numbers (beyond 2^53 → decimal strings), NEW_FLOAT_EXT →
 * numbers, LIST_EXT/NIL_EXT → arrays, STRING_EXT → arrays of bytes (Erlang's `[0, 1]` shard is
 * one; erlpack reads it the same way), MAP_EXT with BINARY_EXT keys → objects. Map keys must
 * be binaries: Discord answers atom keys with 4002. Anything else (an unknown or unsupported
 * tag, a truncated term, a length past the end, a bigint over 8 bytes, nesting deeper than
 * `MAX_ETF_DEPTH`, trailing bytes) throws `EtfError`, which the gateway closes with 4002.
 */
import { ETF_VERSION, EtfError, EtfTag } from "./etf.ts";

/** Deepest nesting of lists and maps a client frame may have (Discord's deepest, op 37, has 7). */
export const MAX_ETF_DEPTH = 32;

const { NEW_FLOAT, SMALL_INTEGER, INTEGER, ATOM, NIL, STRING, LIST, BINARY, SMALL_BIG, LARGE_BIG, SMALL_ATOM, MAP, ATOM_UTF8, SMALL_ATOM_UTF8 } = EtfTag;
const TWO_32 = 2 ** 32;

const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");

/** Reads one term; every read is bounds-checked, and lengths are checked before allocating. */
class TermReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #atomKeys: boolean;
  #at = 0;
  #depth = 0;

  constructor(bytes: Uint8Array, atomKeys: boolean) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#atomKeys = atomKeys;
  }

  get done(): boolean {
    return this.#at === this.#bytes.length;
  }

  #need(count: number, what: string): void {
    if (this.#at + count > this.#bytes.length) throw new EtfError(`${what} runs past the end`);
  }

  u8(what: string): number {
    this.#need(1, what);
    return this.#bytes[this.#at++] as number;
  }

  #u16(what: string): number {
    this.#need(2, what);
    const value = this.#view.getUint16(this.#at);
    this.#at += 2;
    return value;
  }

  #u32(what: string): number {
    this.#need(4, what);
    const value = this.#view.getUint32(this.#at);
    this.#at += 4;
    return value;
  }

  #slice(length: number, what: string): Uint8Array {
    this.#need(length, what);
    const bytes = this.#bytes.subarray(this.#at, this.#at + length);
    this.#at += length;
    return bytes;
  }

  term(): unknown {
    const tag = this.u8("term");
    switch (tag) {
      case SMALL_INTEGER:
        return this.u8("integer");
      case INTEGER: {
        this.#need(4, "integer");
        const value = this.#view.getInt32(this.#at);
        this.#at += 4;
        return value;
      }
      case NEW_FLOAT: {
        this.#need(8, "float");
        const value = this.#view.getFloat64(this.#at);
        this.#at += 8;
        if (!Number.isFinite(value)) throw new EtfError("float is not finite");
        return value;
      }
      case SMALL_BIG:
        return this.#big(this.u8("bigint"));
      case LARGE_BIG:
        return this.#big(this.#u32("bigint"));
      case ATOM:
        return atomValue(latin1.decode(this.#slice(this.#u16("atom"), "atom")));
      case SMALL_ATOM:
        return atomValue(latin1.decode(this.#slice(this.u8("atom"), "atom")));
      case ATOM_UTF8:
        return atomValue(this.#utf8(this.#slice(this.#u16("atom"), "atom")));
      case SMALL_ATOM_UTF8:
        return atomValue(this.#utf8(this.#slice(this.u8("atom"), "atom")));
      case BINARY:
        return this.#utf8(this.#slice(this.#u32("binary"), "binary"));
      case STRING:
        return Array.from(this.#slice(this.#u16("string"), "string"));
      case NIL:
        return [];
      case LIST:
        return this.#list();
      case MAP:
        return this.#map();
      default:
        throw new EtfError(`unsupported tag ${tag}`);
    }
  }

  #utf8(bytes: Uint8Array): string {
    try {
      return utf8.decode(bytes);
    } catch {
      throw new EtfError("binary is not UTF-8");
    }
  }

  /** SMALL_BIG_EXT/LARGE_BIG_EXT: up to 8 digits (erlpack's limit); beyond 2^53 a decimal string. */
  #big(digits: number): number | string {
    const negative = this.u8("bigint") !== 0;
    if (digits > 8) throw new EtfError("integer over 64 bits");
    const bytes = this.#slice(digits, "bigint");
    let low = 0;
    let high = 0;
    for (let i = Math.min(digits, 4) - 1; i >= 0; i--) low = low * 256 + (bytes[i] as number);
    for (let i = digits - 1; i >= 4; i--) high = high * 256 + (bytes[i] as number);
    const magnitude = high * TWO_32 + low;
    if (Number.isSafeInteger(magnitude)) return negative ? -magnitude : magnitude;
    const text = ((BigInt(high) << 32n) | BigInt(low)).toString();
    return negative ? `-${text}` : text;
  }

  #nest(): void {
    if (++this.#depth > MAX_ETF_DEPTH) throw new EtfError(`nested deeper than ${MAX_ETF_DEPTH}`);
  }

  #list(): unknown[] {
    const length = this.#u32("list");
    // Each element takes at least one byte, and the tail one more.
    this.#need(length + 1, "list");
    this.#nest();
    const items = new Array<unknown>(length);
    for (let i = 0; i < length; i++) items[i] = this.term();
    if (this.u8("list tail") !== NIL) throw new EtfError("list is not proper (tail is not NIL_EXT)");
    this.#depth--;
    return items;
  }

  #map(): Record<string, unknown> {
    const arity = this.#u32("map");
    this.#need(arity * 2, "map");
    this.#nest();
    const object: Record<string, unknown> = {};
    for (let i = 0; i < arity; i++) {
      if (!this.#atomKeys && this.#bytes[this.#at] !== BINARY) throw new EtfError("map keys must be binaries (strings)");
      const key = this.term();
      if (typeof key !== "string") throw new EtfError("map keys must be strings");
      const value = this.term();
      // A key "__proto__" must become a plain property, as in JSON.parse.
      if (key === "__proto__") Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      else object[key] = value;
    }
    this.#depth--;
    return object;
  }
}

function atomValue(name: string): string | boolean | null {
  switch (name) {
    case "nil":
    case "null":
      return null;
    case "true":
      return true;
    case "false":
      return false;
    default:
      return name;
  }
}

/** Options of `decodeEtf`. */
export interface EtfDecodeOptions {
  /**
   * Take atoms as map keys (default false). A client's frame must use binaries, as Discord
   * requires; a frame from the gateway (read by a client) has atom keys.
   */
  atomKeys?: boolean;
}

/** One whole ETF term (version byte first, nothing after it) as a JSON-like value; throws `EtfError`. */
export function decodeEtf(bytes: Uint8Array, options: EtfDecodeOptions = {}): unknown {
  const reader = new TermReader(bytes, options.atomKeys ?? false);
  const version = reader.u8("version");
  if (version !== ETF_VERSION) throw new EtfError(`version byte is ${version}, not ${ETF_VERSION}`);
  const value = reader.term();
  if (!reader.done) throw new EtfError("bytes after the term");
  return value;
}

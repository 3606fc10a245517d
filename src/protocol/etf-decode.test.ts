import { describe, expect, test } from "bun:test";
import { prng } from "../../test/support/prng.ts";
import { decodeEtf, MAX_ETF_DEPTH } from "./etf-decode.ts";
import { encodeEtf, EtfError } from "./etf.ts";

const bytes = (...values: number[]) => new Uint8Array(values);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

describe("decodeEtf", () => {
  test("reads each tag a client sends", () => {
    expect(decodeEtf(bytes(131, 97, 7))).toBe(7);
    expect(decodeEtf(bytes(131, 98, 255, 255, 255, 254))).toBe(-2);
    expect(decodeEtf(bytes(131, 70, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0))).toBe(1.5);
    expect(decodeEtf(bytes(131, 100, 0, 4, ...ascii("true")))).toBe(true);
    expect(decodeEtf(bytes(131, 118, 0, 5, ...ascii("false")))).toBe(false);
    expect(decodeEtf(bytes(131, 119, 3, ...ascii("nil")))).toBe(null);
    expect(decodeEtf(bytes(131, 115, 4, ...ascii("null")))).toBe(null);
    expect(decodeEtf(bytes(131, 115, 2, ...ascii("ok")))).toBe("ok");
    // Erlang writes a list of bytes, such as a shard [0, 1], as STRING_EXT.
    expect(decodeEtf(bytes(131, 107, 0, 2, 0, 1))).toEqual([0, 1]);
    expect(decodeEtf(bytes(131, 110, 8, 0, 7, 0, 2, 193, 90, 6, 113, 2))).toBe("175928847299117063");
    expect(decodeEtf(bytes(131, 111, 0, 0, 0, 2, 1, 1, 1))).toBe(-257);
    expect(decodeEtf(bytes(131, 116, 0, 0, 0, 1, 109, 0, 0, 0, 2, ...ascii("op"), 97, 1))).toEqual({ op: 1 });
  });

  test("a key __proto__ is a plain property, as in JSON.parse", () => {
    const value = decodeEtf(bytes(131, 116, 0, 0, 0, 1, 109, 0, 0, 0, 9, ...ascii("__proto__"), 97, 1)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(["__proto__"]);
  });

  const deep = (levels: number) => [131, ...Array.from({ length: levels }, () => [108, 0, 0, 0, 1]).flat(), 106, ...Array(levels).fill(106)];

  test.each([
    ["an empty input", [], /version/],
    ["a wrong version byte", [130, 97, 1], /version byte is 130/],
    ["a truncated integer", [131, 98, 0, 0], /runs past the end/],
    ["a truncated binary", [131, 109, 0, 0, 0, 9, 97], /runs past the end/],
    ["a list longer than the input (no allocation)", [131, 108, 255, 255, 255, 255, 106], /runs past the end/],
    ["a map larger than the input", [131, 116, 127, 255, 255, 255], /runs past the end/],
    ["an unknown tag", [131, 200], /unsupported tag 200/],
    ["a tuple (not in the gateway's subset)", [131, 104, 1, 97, 1], /unsupported tag 104/],
    ["a compressed term (clients must not compress)", [131, 80, 0, 0, 0, 1, 0], /unsupported tag 80/],
    ["an improper list", [131, 108, 0, 0, 0, 1, 97, 1, 97, 2], /not proper/],
    ["a bigint over 64 bits", [131, 110, 9, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1], /over 64 bits/],
    ["a binary that is not UTF-8", [131, 109, 0, 0, 0, 1, 0xff], /not UTF-8/],
    ["an atom map key (Discord: 4002)", [131, 116, 0, 0, 0, 1, 115, 2, ...ascii("op"), 97, 1], /keys must be binaries/],
    ["a NaN float", [131, 70, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], /not finite/],
    ["bytes after the term", [131, 97, 1, 97], /bytes after the term/],
    [`nesting deeper than ${MAX_ETF_DEPTH}`, deep(MAX_ETF_DEPTH + 1), /nested deeper/],
  ])("refuses %s with an EtfError", (_name, input, message) => {
    const decode = () => decodeEtf(new Uint8Array(input as number[]));
    expect(decode).toThrow(EtfError);
    expect(decode).toThrow(message as RegExp);
  });

  test(`takes nesting of exactly ${MAX_ETF_DEPTH}`, () => {
    expect(() => decodeEtf(new Uint8Array(deep(MAX_ETF_DEPTH)))).not.toThrow();
  });
});

test("random corruptions of a valid frame decode or throw EtfError, never anything else (2000 seeds)", () => {
  const valid = encodeEtf({ op: 2, d: { token: "abc", intents: 513, shard: [0, 1], properties: { os: "linux" }, presence: { since: null, afk: false } } });
  let thrown = 0;
  for (let seed = 1; seed <= 2000; seed++) {
    const next = prng(seed);
    const input = valid.slice(0, Math.max(1, Math.floor(next() * (valid.length + 1))));
    for (let i = 0; i < 3; i++) input[Math.floor(next() * input.length)] = Math.floor(next() * 256);
    try {
      decodeEtf(input);
    } catch (error) {
      if (!(error instanceof EtfError)) throw new Error(`seed ${seed}: ${String(error)}`);
      thrown++;
    }
  }
  expect(thrown).toBeGreaterThan(1000);
});

import { describe, expect, test } from "bun:test";
import { parseJson, quoteUnsafeIntegers } from "./parse-json.ts";

describe("quoteUnsafeIntegers", () => {
  test("leaves text without long digit runs untouched (same string)", () => {
    const text = '{"op":1,"d":12345678901234}';
    expect(quoteUnsafeIntegers(text)).toBe(text);
  });

  test("quotes integers above 2^53", () => {
    expect(quoteUnsafeIntegers('{"guild_id":175928847299117063}')).toBe('{"guild_id":"175928847299117063"}');
    expect(quoteUnsafeIntegers("[18446744073709551615,1]")).toBe('["18446744073709551615",1]');
  });

  test("keeps safe 16-digit integers as numbers", () => {
    const text = '{"seq":9007199254740991}';
    expect(quoteUnsafeIntegers(text)).toBe(text);
  });

  test("ignores digits inside strings, with escaped quotes", () => {
    const text = '{"a":"x\\"175928847299117063","b":"175928847299117063"}';
    expect(quoteUnsafeIntegers(text)).toBe(text);
  });

  test("ignores negatives, fractions, exponents and leading zeros", () => {
    for (const text of [
      "[-175928847299117063]",
      "[175928847299117063.5]",
      "[1.75928847299117063]",
      "[175928847299117063e2]",
      "[1e1759288472991170630]",
      "[0175928847299117063]",
    ]) {
      expect(quoteUnsafeIntegers(text)).toBe(text);
    }
  });
});

describe("parseJson", () => {
  test("keeps discord.py numeric snowflakes exact", () => {
    const text = '{"op":8,"d":{"guild_id":175928847299117063,"user_ids":[80351110224678912,1],"limit":0}}';
    expect(parseJson(text)).toEqual({
      op: 8,
      d: { guild_id: "175928847299117063", user_ids: ["80351110224678912", 1], limit: 0 },
    });
  });

  test("still rejects invalid JSON", () => {
    expect(() => parseJson("{op:1}")).toThrow(SyntaxError);
    expect(() => parseJson("[0175928847299117063]")).toThrow(SyntaxError);
  });
});

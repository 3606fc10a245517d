import { describe, expect, test } from "bun:test";
import { asEtfSends } from "../../test/support/etf-client.ts";
import { prng } from "../../test/support/prng.ts";
import { decodeEtf } from "./etf-decode.ts";
import { encodeEtf, encodeEtfFrame } from "./etf.ts";

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

// Byte sequences checked by hand against discord/erlpack's cpp/encoder.h (erlpack_append_*)
// and the Erlang external term format spec.
describe("encodeEtf writes what erlpack writes", () => {
  test.each([
    ["null as the atom nil (SMALL_ATOM_EXT)", null, [131, 115, 3, ...ascii("nil")]],
    ["true", true, [131, 115, 4, ...ascii("true")]],
    ["false", false, [131, 115, 5, ...ascii("false")]],
    ["0 as SMALL_INTEGER_EXT", 0, [131, 97, 0]],
    ["255 as SMALL_INTEGER_EXT", 255, [131, 97, 255]],
    ["256 as INTEGER_EXT, big-endian", 256, [131, 98, 0, 0, 1, 0]],
    ["-1 as INTEGER_EXT", -1, [131, 98, 255, 255, 255, 255]],
    ["2^31 - 1 as INTEGER_EXT", 2 ** 31 - 1, [131, 98, 127, 255, 255, 255]],
    ["2^31 as SMALL_BIG_EXT, little-endian digits", 2 ** 31, [131, 110, 4, 0, 0, 0, 0, 128]],
    ["-(2^40) as SMALL_BIG_EXT with sign 1", -(2 ** 40), [131, 110, 6, 1, 0, 0, 0, 0, 0, 1]],
    ["1.5 as NEW_FLOAT_EXT", 1.5, [131, 70, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]],
    ["a string as BINARY_EXT", "abc", [131, 109, 0, 0, 0, 3, ...ascii("abc")]],
    ["UTF-8 in a BINARY_EXT", "é", [131, 109, 0, 0, 0, 2, 0xc3, 0xa9]],
    ["[] as NIL_EXT", [], [131, 106]],
    ["a list as LIST_EXT with a NIL_EXT tail", [1, 2], [131, 108, 0, 0, 0, 2, 97, 1, 97, 2, 106]],
    ["an object as MAP_EXT with atom keys", { a: 1 }, [131, 116, 0, 0, 0, 1, 115, 1, 97, 97, 1]],
    ["a key that is no identifier as a BINARY_EXT", { "en-US": 1 }, [131, 116, 0, 0, 0, 1, 109, 0, 0, 0, 5, ...ascii("en-US"), 97, 1]],
    ["the key nil as a BINARY_EXT (erlpack would read the atom as null)", { nil: 1 }, [131, 116, 0, 0, 0, 1, 109, 0, 0, 0, 3, ...ascii("nil"), 97, 1]],
  ])("%s", (_name, value, expected) => {
    expect([...encodeEtf(value)]).toEqual(expected);
  });

  test("a snowflake under id is a 64-bit SMALL_BIG_EXT (Discord's docs' example id)", () => {
    const [, ...rest] = encodeEtf({ id: "175928847299117063" });
    expect(rest).toEqual([116, 0, 0, 0, 1, 115, 2, ...ascii("id"), 110, 8, 0, 7, 0, 2, 193, 90, 6, 113, 2]);
  });

  test("snowflakes under *_id, and in *_ids, roles and mention_roles lists, are integers", () => {
    const value = { guild_id: "300", user_ids: ["1"], roles: ["2"], mention_roles: ["3"] };
    expect([...encodeEtf(value)]).toEqual([
      131, 116, 0, 0, 0, 4,
      115, 8, ...ascii("guild_id"), 98, 0, 0, 1, 44,
      115, 8, ...ascii("user_ids"), 108, 0, 0, 0, 1, 97, 1, 106,
      115, 5, ...ascii("roles"), 108, 0, 0, 0, 1, 97, 2, 106,
      115, 13, ...ascii("mention_roles"), 108, 0, 0, 0, 1, 97, 3, 106,
    ]);
  });

  test("u64 max is the largest snowflake; past it, and custom_id, content and snowflake map keys, stay strings", () => {
    expect([...encodeEtf({ id: "18446744073709551615" })].slice(-11)).toEqual([110, 8, 0, 255, 255, 255, 255, 255, 255, 255, 255]);
    expect(decodeEtf(encodeEtf({ id: "18446744073709551616" }), { atomKeys: true })).toEqual({ id: "18446744073709551616" });
    expect(decodeEtf(encodeEtf({ id: "0123" }), { atomKeys: true })).toEqual({ id: "0123" });
    const kept = { custom_id: "42", content: "42", resolved: { "175928847299117063": { id: "7" } } };
    expect(decodeEtf(encodeEtf(kept), { atomKeys: true })).toEqual({ custom_id: "42", content: "42", resolved: { "175928847299117063": { id: 7 } } });
  });
});

describe("encodeEtfFrame", () => {
  test("a dispatch has atom keys and t as an atom, like Discord's", () => {
    const frame = encodeEtfFrame('{"op":0,"d":{"id":"5"},"s":3,"t":"READY"}');
    expect([...frame]).toEqual([
      131, 116, 0, 0, 0, 4,
      115, 2, ...ascii("op"), 97, 0,
      115, 1, ...ascii("d"), 116, 0, 0, 0, 1, 115, 2, ...ascii("id"), 97, 5,
      115, 1, ...ascii("s"), 97, 3,
      115, 1, ...ascii("t"), 115, 5, ...ascii("READY"),
    ]);
  });

  test("a frame with no event has s and t nil", () => {
    expect(decodeEtf(encodeEtfFrame('{"op":11,"d":null,"s":null,"t":null}'), { atomKeys: true })).toEqual({ op: 11, d: null, s: null, t: null });
  });
});

const KEYS = ["id", "guild_id", "content", "user_ids", "roles", "custom_id", "nil", "a b", "é", "x".repeat(300), "op", "175928847299117063"];
const STRINGS = ["", "abc", "175928847299117063", "18446744073709551616", "0", "07", "héllo 🎉", "x".repeat(70_000)];
const NUMBERS = [0, 1, 255, 256, -1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53 - 1), 1.5, -0.25, 1e300];

function randomValue(next: () => number, depth: number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const kind = depth >= 4 ? Math.floor(next() * 4) : Math.floor(next() * 6);
  switch (kind) {
    case 0:
      return pick([null, true, false]);
    case 1:
      return next() < 0.5 ? pick(NUMBERS) : Math.floor((next() - 0.5) * 2 ** 40);
    case 2:
    case 3:
      return pick(STRINGS);
    case 4:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(next() * 4) }, () => [pick(KEYS), randomValue(next, depth + 1)]));
  }
}

test("round trip: random JSON values decode to themselves, snowflake fields as integers (500 seeds)", () => {
  for (let seed = 1; seed <= 500; seed++) {
    const value = randomValue(prng(seed), 0);
    const decoded = decodeEtf(encodeEtf(value), { atomKeys: true });
    if (!Bun.deepEquals(decoded, asEtfSends(value), true)) throw new Error(`seed ${seed}: ${JSON.stringify(value)} came back as ${JSON.stringify(decoded)}`);
  }
});

test("a frame larger than the writer's buffer (a big GUILD_CREATE) is written whole, and the next one too", () => {
  const members = Array.from({ length: 20_000 }, (_, i) => ({ user: { id: String(175928847299117063n + BigInt(i)), username: `member${i}` }, roles: [] }));
  const big = decodeEtf(encodeEtf({ members }), { atomKeys: true }) as { members: unknown[] };
  expect(big.members).toHaveLength(20_000);
  expect(big.members[19_999]).toEqual({ user: { id: "175928847299137062", username: "member19999" }, roles: [] });
  expect([...encodeEtf("a")]).toEqual([131, 109, 0, 0, 0, 1, 97]);
});

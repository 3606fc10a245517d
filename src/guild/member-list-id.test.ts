import { describe, expect, test } from "bun:test";
import { memberListId, murmurHash3 } from "./member-list-id.ts";
import { type Overwrite, Permission } from "./permissions.ts";

const { VIEW_CHANNEL, SEND_MESSAGES } = Permission;
const GUILD = "1000";

const allow = (id: string, bits = VIEW_CHANNEL): Overwrite => ({ id, type: 0, allow: bits, deny: 0n });
const deny = (id: string, bits = VIEW_CHANNEL): Overwrite => ({ id, type: 0, allow: 0n, deny: bits });

describe("murmurHash3", () => {
  // Published vectors for MurmurHash3 x86_32 with seed 0.
  test("matches the published vectors", () => {
    expect(murmurHash3("")).toBe(0);
    expect(murmurHash3("hello")).toBe(0x248bfa47);
    expect(murmurHash3("The quick brown fox jumps over the lazy dog")).toBe(0x2e4ff723);
  });

  /*
   * Computed independently with this pure Python (python3 /dev/stdin), which also gives the
   * three published vectors above:
   *
   * def murmur3_32(data: bytes, seed: int = 0) -> int:
   *     c1, c2, m = 0xCC9E2D51, 0x1B873593, 0xFFFFFFFF
   *     rotl = lambda x, r: ((x << r) | (x >> (32 - r))) & m
   *     h = seed
   *     n = len(data) // 4 * 4
   *     for i in range(0, n, 4):
   *         k = int.from_bytes(data[i:i + 4], "little")
   *         k = rotl(k * c1 & m, 15) * c2 & m
   *         h = (rotl(h ^ k, 13) * 5 + 0xE6546B64) & m
   *     k = int.from_bytes(data[n:], "little")
   *     if len(data) & 3:
   *         h ^= rotl(k * c1 & m, 15) * c2 & m
   *     h ^= len(data)
   *     for shift, mul in ((16, 0x85EBCA6B), (13, 0xC2B2AE35)):
   *         h = (h ^ (h >> shift)) * mul & m
   *     return h ^ (h >> 16)
   */
  test.each([
    ["a", 1009084850],
    ["ab", 2613040991],
    ["abc", 3017643002],
    ["abcd", 1139631978],
    ["allow:1000", 3375167983],
    ["deny:1000", 2114346988],
    ["allow:200,deny:100", 2500999677],
    ["émile ☃ 😀", 1470760605],
  ])("hashes %p (every tail length, and UTF-8 bytes) to %p", (text, expected) => {
    expect(murmurHash3(text)).toBe(expected);
  });

  test("a seed changes the hash", () => {
    expect(murmurHash3("hello", 1)).not.toBe(murmurHash3("hello"));
  });
});

describe("memberListId", () => {
  test("is everyone when @everyone can view and no overwrite denies VIEW_CHANNEL", () => {
    expect(memberListId([], true)).toBe("everyone");
    expect(memberListId([allow("200"), deny("300", SEND_MESSAGES)], true)).toBe("everyone");
  });

  test("hashes when an overwrite denies VIEW_CHANNEL, even if @everyone can view", () => {
    expect(memberListId([deny(GUILD)], true)).toBe("2114346988");
  });

  test("hashes when @everyone cannot view, even with no overwrites (hash of the empty string)", () => {
    expect(memberListId([], false)).toBe("0");
  });

  test("sorts the rendered overwrites as strings, whatever their order", () => {
    const expected = String(murmurHash3("allow:200,deny:100"));
    expect(expected).toBe("2500999677");
    expect(memberListId([deny("100"), allow("200")], false)).toBe(expected);
    expect(memberListId([allow("200"), deny("100")], false)).toBe(expected);
  });

  test("ignores overwrites that do not touch VIEW_CHANNEL, and counts allow-and-deny as allow", () => {
    const both: Overwrite = { id: "300", type: 1, allow: VIEW_CHANNEL, deny: VIEW_CHANNEL };
    const unrelated = allow("400", SEND_MESSAGES);
    expect(memberListId([both, unrelated, deny(GUILD)], true)).toBe(
      String(murmurHash3(`allow:300,deny:${GUILD}`)),
    );
  });

  test("hashes an @everyone overwrite that allows VIEW_CHANNEL like any other overwrite", () => {
    expect(memberListId([allow(GUILD)], false)).toBe("3375167983");
  });
});

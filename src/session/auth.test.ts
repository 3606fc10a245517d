import { beforeEach, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import type { User } from "../store/guild-store.ts";
import { MemoryGuildStore } from "../store/memory.ts";
import { createTokenVerifier, mintToken, newTokenGeneration } from "./auth.ts";

const SECRET = "test-secret-0123456789abcdef0123456789abcdef";
/** The id in discord.py's documented example token `MjQ1NTU5MDg3NTI0MjE2ODMy.DulyxA.<hmac>`. */
const DOCUMENTED_ID = "245559087524216832";
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const TOKEN_EPOCH_S = 1_293_840_000;

function user(id: string, tokenGeneration = 5): User {
  return { id, username: `u${id}`, globalName: null, avatar: null, bot: true, privilegedIntents: 0, createdAt: 0, tokenGeneration };
}

/** The documented MAC, computed here independently: HMAC-SHA256 over `<id>.<time>.<generation>`, 28 bytes, base64url. */
function forge(idText: string, time: Buffer, generation: number, secret = SECRET): string {
  const idPart = Buffer.from(idText, "latin1").toString("base64url");
  const timePart = time.toString("base64url");
  const mac = createHmac("sha256", secret).update(`${idPart}.${timePart}.${generation}`).digest().subarray(0, 28);
  return `${idPart}.${timePart}.${mac.toString("base64url")}`;
}

const u32 = (...values: number[]) => {
  const buffer = Buffer.alloc(4 * values.length);
  values.forEach((value, i) => buffer.writeUInt32BE(value, 4 * i));
  return buffer;
};
const issued = Math.floor(T0 / 1000) - TOKEN_EPOCH_S;

let store: MemoryGuildStore;
let reads: number;
let now: number;
let verify: ReturnType<typeof createTokenVerifier>;

beforeEach(async () => {
  store = new MemoryGuildStore();
  await store.putUser(user(DOCUMENTED_ID));
  await store.putUser(user("1", 0));
  reads = 0;
  now = T0;
  const counted = { getUser: (id: string) => (reads++, store.getUser(id)) };
  verify = createTokenVerifier(SECRET, counted, () => now);
});

const mint = async (id = DOCUMENTED_ID, options: { expiresInSeconds?: number } = {}) =>
  mintToken(SECRET, (await store.getUser(id)) as User, { now: T0, ...options });

describe("the token's shape is Discord's", () => {
  test("three dot-separated parts of unpadded base64url: id, a 6-character time, a 38-character MAC", async () => {
    const token = await mint();
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{38}$/);
    expect(token.split(".")[0]).toBe("MjQ1NTU5MDg3NTI0MjE2ODMy");
    expect(token).toBe(forge(DOCUMENTED_ID, u32(issued), 5));
  });

  test("the first part decodes to the plain decimal id with every decoder SDKs use", async () => {
    for (const id of ["1", "81384788765712384", DOCUMENTED_ID, "1014562578078384270", "18446744073709551615"]) {
      await store.putUser(user(id));
      const [first] = (await mint(id)).split(".") as [string];
      // Discordeno and most JS code: Buffer base64 (lenient); browsers and Deno: atob.
      expect(Buffer.from(first, "base64").toString()).toBe(id);
      expect(atob(first)).toBe(id);
      expect(BigInt(atob(first))).toBe(BigInt(id));
      // Go's base64.RawStdEncoding and serenity's URL_SAFE read it too: the same text in both alphabets, no padding.
      expect(first).toBe(Buffer.from(id).toString("base64").replace(/=+$/, ""));
      expect(first).toBe(Buffer.from(id).toString("base64url"));
      // Python SDKs pad to a multiple of 4 and b64decode.
      expect(Buffer.from(first + "=".repeat((4 - (first.length % 4)) % 4), "base64").toString()).toBe(id);
    }
  });

  test("the time part is the issue time in seconds since 2011 (discord.py: b64decode + 1293840000); an expiring token adds its expiry", async () => {
    const [, time] = (await mint()).split(".") as [string, string];
    expect(Buffer.from(time, "base64url").readUInt32BE(0) + TOKEN_EPOCH_S).toBe(Math.floor(T0 / 1000));
    const [, expiring] = (await mint(DOCUMENTED_ID, { expiresInSeconds: 3600 })).split(".") as [string, string];
    expect(expiring).toHaveLength(11);
    expect(Buffer.from(expiring, "base64url")).toEqual(u32(issued, issued + 3600));
  });
});

describe("createTokenVerifier", () => {
  test("a minted token verifies to its user, with or without expiry, in one store read", async () => {
    expect(await verify(await mint())).toEqual(user(DOCUMENTED_ID));
    expect(reads).toBe(1);
    expect((await verify(await mint("1", { expiresInSeconds: 60 })))?.id).toBe("1");
  });

  test("accepts Bot and Bearer prefixes, in any case, as REST clients send them", async () => {
    const token = await mint();
    for (const prefixed of [`Bot ${token}`, `Bearer ${token}`, `bot ${token}`, `BEARER ${token}`]) {
      expect((await verify(prefixed))?.id).toBe(DOCUMENTED_ID);
    }
  });

  test("rejects other prefixes and doubled prefixes", async () => {
    const token = await mint();
    for (const prefixed of [`Basic ${token}`, `Bot  ${token}`, `Bot Bearer ${token}`, ` ${token}`, `Bot${token}`]) {
      expect(await verify(prefixed)).toBeUndefined();
    }
  });

  test("rejects a token with any part tampered with", async () => {
    const [id, time, mac] = (await mint()).split(".") as [string, string, string];
    const flip = (part: string, at: number) => part.slice(0, at) + (part[at] === "A" ? "B" : "A") + part.slice(at + 1);
    const otherUser = Buffer.from("1").toString("base64url");
    for (const forged of [
      `${otherUser}.${time}.${mac}`,
      `${flip(id, 3)}.${time}.${mac}`,
      `${id}.${flip(time, 2)}.${mac}`,
      `${id}.${u32(issued, issued + 10 ** 6).toString("base64url")}.${mac}`,
      `${id}.${time}.${flip(mac, 0)}`,
      `${id}.${time}.${flip(mac, 37)}`,
    ]) {
      expect(await verify(forged)).toBeUndefined();
    }
  });

  test("rejects a token signed with another secret", async () => {
    expect(await verify(mintToken("another-secret", user(DOCUMENTED_ID), { now: T0 }))).toBeUndefined();
  });

  test("rejects a token once it has expired, and not a second before", async () => {
    const token = await mint(DOCUMENTED_ID, { expiresInSeconds: 60 });
    now = T0 + 59_999;
    expect((await verify(token))?.id).toBe(DOCUMENTED_ID);
    now = T0 + 60_000;
    expect(await verify(token)).toBeUndefined();
    expect(reads).toBe(1);
  });

  test("rejects every token minted before the user's generation was bumped; one minted after verifies", async () => {
    const before = [await mint(), await mint(DOCUMENTED_ID, { expiresInSeconds: 3600 })];
    await store.bumpTokenGeneration(DOCUMENTED_ID);
    for (const token of before) expect(await verify(token)).toBeUndefined();
    expect((await verify(await mint()))?.tokenGeneration).toBe(6);
  });

  test("rejects the token of a deleted user, and still after a user with that id is created again", async () => {
    const token = await mint();
    await store.deleteUser(DOCUMENTED_ID);
    expect(await verify(token)).toBeUndefined();
    await store.putUser(user(DOCUMENTED_ID, newTokenGeneration()));
    expect(await verify(token)).toBeUndefined();
  });

  test("rejects an id that is not a snowflake, even correctly signed", async () => {
    const anyone = { getUser: async (id: string) => user(id) };
    const lenient = createTokenVerifier(SECRET, anyone, () => now);
    expect((await lenient(forge("12", u32(issued), 5)))?.id).toBe("12");
    for (const id of ["alice", "01", "-1", "1.5", "18446744073709551616", " 1"]) {
      expect(await lenient(forge(id, u32(issued), 5))).toBeUndefined();
    }
  });

  test("rejects garbage without reading the store", async () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl";
    const [id, time, mac] = (await mint()).split(".") as [string, string, string];
    for (const token of [
      "",
      "Bot ",
      "abc",
      "a.b",
      "a.b.c",
      "...",
      "x".repeat(5000),
      "Bot not-a-token",
      jwt,
      `${id}.${time}.${mac}.${mac}`,
      `${id}=.${time}.${mac}`,
      `${id}.${time}`,
      `${id}.${time}.${mac.slice(1)}`,
      `${id}.${time}x.${mac}`,
      `${id}.${time}.${mac.slice(0, -1)}+`,
      `${Buffer.from("\u00e9t\u00e9").toString("base64url")}.${time}.${mac}`,
    ]) {
      expect(await verify(token)).toBeUndefined();
    }
    expect(reads).toBe(0);
  });
});

describe("mintToken", () => {
  test("refuses a non-snowflake user, a bad generation, a bad expiry or an empty secret", async () => {
    expect(() => mintToken(SECRET, user("alice"))).toThrow(RangeError);
    for (const tokenGeneration of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => mintToken(SECRET, user("1", tokenGeneration))).toThrow(RangeError);
    }
    for (const expiresInSeconds of [0, -1, 1.5, Number.NaN, 1e20, 2 ** 53, 9007199254740993, 2 ** 32]) {
      expect(() => mintToken(SECRET, user("1"), { expiresInSeconds, now: T0 })).toThrow(RangeError);
    }
    expect(() => mintToken("", user("1"))).toThrow(RangeError);
    expect(() => createTokenVerifier("", store)).toThrow(RangeError);
  });

  test("takes an expiry up to the end of the u32 time range", async () => {
    const longest = 0xffff_ffff - issued;
    const [, time] = mintToken(SECRET, user("1"), { expiresInSeconds: longest, now: T0 }).split(".") as [string, string];
    expect(Buffer.from(time, "base64url").readUInt32BE(4)).toBe(0xffff_ffff);
    expect(() => mintToken(SECRET, user("1"), { expiresInSeconds: longest + 1, now: T0 })).toThrow(RangeError);
  });

  test("errors never carry the secret", async () => {
    for (const attempt of [
      () => mintToken(SECRET, user("alice")),
      () => mintToken(SECRET, user("1"), { expiresInSeconds: -1 }),
      () => mintToken(SECRET, user("1", -1)),
    ]) {
      expect(attempt).toThrow();
      try {
        attempt();
      } catch (error) {
        expect(String(error)).not.toContain(SECRET);
      }
    }
  });
});

test("newTokenGeneration draws an integer in 0..2^52, leaving room for bumps", async () => {
  const drawn = Array.from({ length: 64 }, newTokenGeneration);
  for (const generation of drawn) {
    expect(Number.isSafeInteger(generation)).toBe(true);
    expect(generation).toBeGreaterThanOrEqual(0);
    expect(generation).toBeLessThan(2 ** 52);
  }
  expect(new Set(drawn).size).toBe(drawn.length);
});

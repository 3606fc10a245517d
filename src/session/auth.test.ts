import { describe, expect, test } from "bun:test";
import { SignJWT, UnsecuredJWT } from "jose";
import { createTokenVerifier, mintToken } from "./auth.ts";

const SECRET = "test-secret-0123456789abcdef0123456789abcdef";
const USER_ID = "175928847299117063";
const key = new TextEncoder().encode(SECRET);
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe("mintToken and createTokenVerifier", () => {
  const verify = createTokenVerifier(SECRET);

  test("a minted token verifies to its user id", async () => {
    const token = await mintToken(SECRET, USER_ID);
    expect(token.split(".")).toHaveLength(3);
    expect(await verify(token)).toBe(USER_ID);
    expect(await verify(await mintToken(SECRET, "1", { expiresInSeconds: 60 }))).toBe("1");
  });

  test("the header is HS256 and the payload carries sub and iat, no exp by default", async () => {
    const [header, payload] = (await mintToken(SECRET, USER_ID)).split(".") as [string, string];
    expect(JSON.parse(Buffer.from(header, "base64url").toString())).toEqual({ alg: "HS256", typ: "JWT" });
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    expect(claims.sub).toBe(USER_ID);
    expect(Math.abs(claims.iat - nowSeconds())).toBeLessThanOrEqual(1);
    expect(claims.exp).toBeUndefined();
  });

  test("accepts Bot and Bearer prefixes, in any case, as REST clients send them", async () => {
    const token = await mintToken(SECRET, USER_ID);
    for (const prefixed of [`Bot ${token}`, `Bearer ${token}`, `bot ${token}`, `BEARER ${token}`]) {
      expect(await verify(prefixed)).toBe(USER_ID);
    }
  });

  test("rejects other prefixes and doubled prefixes", async () => {
    const token = await mintToken(SECRET, USER_ID);
    for (const prefixed of [`Basic ${token}`, `Bot  ${token}`, `Bot Bearer ${token}`, ` ${token}`, `Bot${token}`]) {
      expect(await verify(prefixed)).toBeNull();
    }
  });

  test("rejects an expired token", async () => {
    const token = await new SignJWT()
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(USER_ID)
      .setExpirationTime(nowSeconds() - 10)
      .sign(key);
    expect(await verify(token)).toBeNull();
  });

  test("rejects a token that is not valid yet", async () => {
    const token = await new SignJWT()
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(USER_ID)
      .setNotBefore(nowSeconds() + 600)
      .sign(key);
    expect(await verify(token)).toBeNull();
  });

  test("rejects a tampered payload or signature", async () => {
    const [header, , signature] = (await mintToken(SECRET, USER_ID)).split(".") as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ sub: "1", iat: nowSeconds() })).toString("base64url");
    expect(await verify(`${header}.${forged}.${signature}`)).toBeNull();
    const flipped = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
    expect(await verify(`${header}.${(await mintToken(SECRET, USER_ID)).split(".")[1]}.${flipped}`)).toBeNull();
  });

  test("rejects a token signed with another secret", async () => {
    expect(await verify(await mintToken("another-secret", USER_ID))).toBeNull();
  });

  test("rejects alg none, even with an empty signature", async () => {
    const unsecured = new UnsecuredJWT({ sub: USER_ID }).encode();
    expect(unsecured.endsWith(".")).toBe(true);
    expect(await verify(unsecured)).toBeNull();
  });

  test("rejects another HMAC algorithm keyed with the same secret", async () => {
    const token = await new SignJWT().setProtectedHeader({ alg: "HS512" }).setSubject(USER_ID).sign(key);
    expect(await verify(token)).toBeNull();
  });

  test("rejects a missing sub and a sub that is not a snowflake", async () => {
    const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(key);
    expect(await verify(await sign({}))).toBeNull();
    for (const sub of ["alice", "01", "-1", "18446744073709551616", ""]) {
      expect(await verify(await sign({ sub }))).toBeNull();
    }
  });

  test("rejects malformed tokens", async () => {
    for (const token of ["", "Bot ", "abc", "a.b", "a.b.c", "...", "x".repeat(5000), "Bot not-a-jwt"]) {
      expect(await verify(token)).toBeNull();
    }
  });

  test("refuses to mint for a non-snowflake user, a bad expiry or an empty secret", async () => {
    await expect(mintToken(SECRET, "alice")).rejects.toThrow(RangeError);
    await expect(mintToken(SECRET, USER_ID, { expiresInSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(mintToken(SECRET, USER_ID, { expiresInSeconds: 1.5 })).rejects.toThrow(RangeError);
    await expect(mintToken("", USER_ID)).rejects.toThrow(RangeError);
    expect(() => createTokenVerifier("")).toThrow(RangeError);
  });

  test("mint errors never carry the secret", async () => {
    for (const attempt of [mintToken(SECRET, "alice"), mintToken(SECRET, USER_ID, { expiresInSeconds: -1 })]) {
      const error = await attempt.catch((e: Error) => e);
      expect(String(error)).not.toContain(SECRET);
    }
  });
});

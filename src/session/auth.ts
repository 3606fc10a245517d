/**
 * Client tokens in Discord's shape, `<id>.<time>.<mac>`, each part unpadded
 * base64url as Discord writes it (its docs' example:
 * `MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs`):
 * - `id`: the user's snowflake as decimal text. SDKs decode it to learn the bot's
 *   id before any network call (Discordeno `BigInt(Buffer.from(part, "base64").toString())`,
 *   disgo `base64.RawStdEncoding`, serenity 0.11 URL-safe), so it holds nothing else.
 *   Digits only ever encode to `[A-Za-z0-9]`, so either base64 alphabet reads it, and
 *   unpadded, as Discord's: disgo moved from a padded decoder to `RawStdEncoding`.
 * - `time`: u32 big-endian seconds since Discord's token epoch (2011-01-01), the
 *   issue time: 6 characters, as Discord's. A token that expires carries a second
 *   u32, its expiry (11 characters; serenity 0.11 folds ≤ 8 bytes into an i64).
 * - `mac`: HMAC-SHA256 keyed by the token secret over `<id>.<time>.<generation>`,
 *   truncated to 28 bytes: 38 characters, as in Discord's current tokens (older had 27).
 *
 * `generation` is the user's token generation, kept with the user in the store
 * and never in the token: revoking bumps it and deleting the user retires it, so
 * every earlier token stops verifying. The same token goes in IDENTIFY (raw) and
 * in REST `Authorization` (`Bot <token>` from discord.js, or `Bearer <token>`).
 * Tokens and secrets are never logged or put in error messages.
 */
import { createHmac, createSecretKey, randomInt, timingSafeEqual, type KeyObject } from "node:crypto";
import { isSnowflake } from "../protocol/fields.ts";
import type { GuildStore, User } from "../store/guild-store.ts";

/** Discord's token epoch, 2011-01-01T00:00:00Z, in ms (discord.py's docs: "b64decode + 1293840000"). */
const TOKEN_EPOCH_MS = 1_293_840_000_000;
const U32_MAX = 0xffff_ffff;
/** Discord's current MAC part: 28 bytes, 38 base64url characters. */
const MAC_BYTES = 28;

/** An optional `Bot ` or `Bearer ` auth scheme (case-insensitive, as HTTP schemes are). */
const SCHEME = /^(?:bot|bearer) /i;
/** id (1–20 digits: 2–27 characters), time (one u32: 6, two: 11), mac (38). */
const SHAPE = /^([\w-]{2,27})\.([\w-]{6}|[\w-]{11})\.([\w-]{38})$/;

/** What a token is minted for: the user's id and current token generation. */
export type TokenSubject = Pick<User, "id" | "tokenGeneration">;

/** Resolves a token (raw, or after `Bot `/`Bearer `) to its user, or undefined (the user is read from the store). */
export type TokenVerifier = (token: string) => Promise<User | undefined>;

/**
 * A token generation for a new user: random in 0..2^52, so a user re-created with
 * the id of a deleted one never shares its generation (and its old tokens stay
 * dead), while bumps have 2^52 steps of room below 2^53.
 */
export function newTokenGeneration(): number {
  return randomInt(0, 2 ** 26) * 2 ** 26 + randomInt(0, 2 ** 26);
}

/**
 * Signs a token for `user` at its current generation. It never expires unless
 * `expiresInSeconds` is given, like a Discord bot token. Throws `RangeError` for a
 * non-snowflake id, a bad generation, an empty secret, or an expiry that is not a
 * positive integer or falls after 2147 (the u32 of the time part).
 */
export function mintToken(
  secret: string,
  user: TokenSubject,
  options: { expiresInSeconds?: number; now?: number } = {},
): string {
  if (!isSnowflake(user.id)) throw new RangeError("user id must be a snowflake");
  assertGeneration(user.tokenGeneration);
  const issuedAt = tokenSeconds(options.now ?? Date.now());
  if (issuedAt < 0 || issuedAt > U32_MAX) throw new RangeError("the clock is outside the token time range");
  const { expiresInSeconds } = options;
  const time = Buffer.alloc(expiresInSeconds === undefined ? 4 : 8);
  time.writeUInt32BE(issuedAt, 0);
  if (expiresInSeconds !== undefined) {
    if (!Number.isSafeInteger(expiresInSeconds) || expiresInSeconds <= 0 || issuedAt + expiresInSeconds > U32_MAX) {
      throw new RangeError(`expiresInSeconds must be an integer in 1..${U32_MAX - issuedAt}`);
    }
    time.writeUInt32BE(issuedAt + expiresInSeconds, 4);
  }
  const idPart = Buffer.from(user.id, "latin1").toString("base64url");
  const timePart = time.toString("base64url");
  return `${idPart}.${timePart}.${mac(secretKey(secret), idPart, timePart, user.tokenGeneration)}`;
}

/**
 * Returns a verifier that resolves a token to its user, or undefined when the
 * token is malformed, names no stored user, is badly signed (another secret, a
 * tampered part, an older generation) or has expired. The key is imported once,
 * here; each call is one HMAC and one awaited `getUser` (only for a well-formed, unexpired
 * token). `now` is for tests.
 */
export function createTokenVerifier(
  secret: string,
  store: Pick<GuildStore, "getUser">,
  now: () => number = Date.now,
): TokenVerifier {
  const key = secretKey(secret);
  return async (token) => {
    const parts = SHAPE.exec(token.replace(SCHEME, ""));
    if (!parts) return undefined;
    const [, idPart, timePart, macPart] = parts as unknown as [string, string, string, string];
    const userId = Buffer.from(idPart, "base64url").toString("latin1");
    if (!isSnowflake(userId)) return undefined;
    const time = Buffer.from(timePart, "base64url");
    if (time.length === 8 && tokenSeconds(now()) >= time.readUInt32BE(4)) return undefined;
    const user = await store.getUser(userId);
    if (!user) return undefined;
    // Both are 38 ASCII characters (SHAPE); comparing the text also refuses a
    // non-canonical encoding of the right bytes.
    const expected = mac(key, idPart, timePart, user.tokenGeneration);
    return timingSafeEqual(Buffer.from(expected), Buffer.from(macPart)) ? user : undefined;
  };
}

function secretKey(secret: string): KeyObject {
  if (secret.length === 0) throw new RangeError("token secret must not be empty");
  return createSecretKey(Buffer.from(secret, "utf8"));
}

function mac(key: KeyObject, idPart: string, timePart: string, generation: number): string {
  const digest = createHmac("sha256", key).update(`${idPart}.${timePart}.${generation}`).digest();
  return digest.subarray(0, MAC_BYTES).toString("base64url");
}

/** Whole seconds since the token epoch. */
function tokenSeconds(ms: number): number {
  return Math.floor((ms - TOKEN_EPOCH_MS) / 1000);
}

function assertGeneration(generation: number): void {
  if (!Number.isSafeInteger(generation) || generation < 0) {
    throw new RangeError("tokenGeneration must be a safe integer >= 0");
  }
}

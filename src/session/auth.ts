/**
 * Client tokens: compact JWTs signed with HS256 (via `jose`) whose `sub` is the
 * user's snowflake. The same token goes in IDENTIFY (raw) and in REST
 * `Authorization` headers, where discord.js sends `Bot <token>`; verification
 * accepts either. Only HS256 verifies, so `alg: none` and any other algorithm
 * are rejected. Tokens and secrets are never logged or put in error messages.
 */
import { errors, jwtVerify, SignJWT } from "jose";
import { isSnowflake } from "../protocol/fields.ts";

const ALGORITHM = "HS256";

/** An optional `Bot ` or `Bearer ` auth scheme (case-insensitive, as HTTP schemes are). */
const SCHEME = /^(?:bot|bearer) /i;

/** The HMAC key for `secret`, imported once per minter or verifier call site. */
function importKey(secret: string): Promise<CryptoKey> {
  if (secret.length === 0) throw new RangeError("token secret must not be empty");
  return crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

/**
 * Signs a token for `userId` (a snowflake). It never expires unless
 * `expiresInSeconds` is given, like a Discord bot token. Minting is an admin
 * action, rare enough to import the key on each call.
 */
export async function mintToken(
  secret: string,
  userId: string,
  options: { expiresInSeconds?: number } = {},
): Promise<string> {
  if (!isSnowflake(userId)) throw new RangeError("userId must be a snowflake");
  const jwt = new SignJWT().setProtectedHeader({ alg: ALGORITHM, typ: "JWT" }).setSubject(userId).setIssuedAt();
  if (options.expiresInSeconds !== undefined) {
    if (!Number.isSafeInteger(options.expiresInSeconds) || options.expiresInSeconds <= 0) {
      throw new RangeError("expiresInSeconds must be a positive integer");
    }
    jwt.setExpirationTime(Math.floor(Date.now() / 1000) + options.expiresInSeconds);
  }
  return jwt.sign(await importKey(secret));
}

/**
 * Returns a verifier that resolves to the token's user id, or null when the
 * token is malformed, badly signed, expired, not yet valid, not HS256, or has
 * no snowflake `sub`. The key is imported once, here.
 */
export function createTokenVerifier(secret: string): (token: string) => Promise<string | null> {
  const key = importKey(secret);
  return async (token) => {
    let payload;
    try {
      ({ payload } = await jwtVerify(token.replace(SCHEME, ""), await key, { algorithms: [ALGORITHM] }));
    } catch (error) {
      // Every way a token can be bad is a JOSEError; anything else is our bug.
      if (error instanceof errors.JOSEError) return null;
      throw error;
    }
    return typeof payload.sub === "string" && isSnowflake(payload.sub) ? payload.sub : null;
  };
}

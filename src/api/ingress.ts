/**
 * The ingress/admin API under `/internal`, for the app backend that owns the
 * users: every route needs `Authorization: Bearer <ingress secret>` (else 401).
 *
 * - `POST   /internal/users`              create `{id?, username, global_name?, avatar?, bot?, privileged_intents?}` -> 201
 * - `GET    /internal/users/:id`          -> 200, or 404 (code 10013)
 * - `PATCH  /internal/users/:id`          update any of the fields above -> 200
 * - `DELETE /internal/users/:id`          -> 204: leaves every guild (through each guild's owner:
 *   GUILD_MEMBER_REMOVE to the guild, GUILD_DELETE to the user's sessions), its tokens die and
 *   its sessions are closed with 4004; 400 (code 40011) naming the guilds it still owns
 * - `POST   /internal/users/:id/token`    mint a client token `{expires_in?}` (seconds, at most ten years) -> 200 `{token}`
 * - `POST   /internal/users/:id/tokens/revoke` -> 204: every token minted so far stops working,
 *   and the user's sessions are closed with 4004
 * - `POST   /internal/users/:id/dispatch` `{t, d}` to every session of the user, on every worker -> 202 `{}`
 *
 * Bodies are validated field by field; a bad one is a 400 `{code, message}`
 * naming the field. Users read and write in Discord's snake_case.
 */
import { timingSafeEqual } from "node:crypto";
import { STATE_EVENTS } from "../guild/audience.ts";
import { PRIVILEGED_INTENTS } from "../protocol/opcodes.ts";
import { newTokenGeneration } from "../session/auth.ts";
import type { GuildStore, User } from "../store/guild-store.ts";
import { ApiCode, errorResponse, HttpError, invalidField, methodNotAllowed, unauthorized } from "./errors.ts";
import { readJsonObject } from "./json-body.ts";
import type { SnowflakeGenerator } from "./snowflake.ts";
import { bool, integer, nullableText, onlyKnown, snowflake, text } from "./body-fields.ts";
import { jsonResponse } from "../protocol/json-response.ts";
import { discordTimestamp } from "../protocol/timestamp.ts";

export interface IngressContext {
  ingressSecret: string;
  store: GuildStore;
  ids: SnowflakeGenerator;
  /** A client token for the user at its current token generation (session/auth.ts). */
  mintToken(user: User, expiresInSeconds?: number): string;
  /** Sends a dispatch to every session of the user, wherever it lives. */
  dispatchToUser(userId: string, t: string, dJson: string): void;
  /** Closes the user's sessions with 4004 (its tokens died), wherever they live. */
  disconnectUser(userId: string, reason: string): void;
  /**
   * Removes the user from the guild on the guild's owner (`Guilds.deleteMember`), which
   * tells the guild (GUILD_MEMBER_REMOVE) and the user's sessions (GUILD_DELETE).
   */
  removeMember(guildId: string, userId: string): Promise<unknown>;
}

/**
 * Discord's JSON code for deleting an account that still owns servers: "You must
 * transfer ownership of any owned guilds before deleting your account".
 */

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const EVENT_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
/** Longest token lifetime `expires_in` may ask for: ten years, in seconds. */
const MAX_TOKEN_LIFETIME_SECONDS = 10 * 365 * 24 * 60 * 60;
const USERS = /^\/internal\/users(?:\/([^/]+)(?:\/(token|tokens\/revoke|dispatch))?)?$/;

export function createIngressRoutes(ctx: IngressContext): (request: Request, url: URL) => Promise<Response | undefined> {
  const authorized = ingressAuthorizer(ctx.ingressSecret);
  return async (request, url) => {
    if (!url.pathname.startsWith("/internal/")) return undefined;
    if (!authorized(request)) return unauthorized();
    const match = USERS.exec(url.pathname);
    if (!match) return undefined;
    const [, id, action] = match;
    // The method before any lookup: a route that has no such method says so, whatever the id.
    const allowed = id === undefined || action !== undefined ? "POST" : "GET, PATCH, DELETE";
    if (!allowed.split(", ").includes(request.method)) return methodNotAllowed(allowed);
    if (id === undefined) return createUser(ctx, request);
    const user = await ctx.store.getUser(id);
    if (!user) return errorResponse(404, ApiCode.UNKNOWN_USER, "Unknown User");
    if (action === "token") return mint(ctx, request, user);
    if (action === "tokens/revoke") return revoke(ctx, user);
    if (action === "dispatch") return dispatch(ctx, request, user);
    switch (request.method) {
      case "GET":
        return jsonResponse(toApiUser(user));
      case "PATCH":
        return updateUser(ctx, request, user);
      case "DELETE":
        return deleteUser(ctx, user);
      default:
        return methodNotAllowed("GET, PATCH, DELETE");
    }
  };
}

/** Checks `Authorization: Bearer <ingress secret>` in constant time. */
export function ingressAuthorizer(ingressSecret: string): (request: Request) => boolean {
  return (request) => sameSecret(request.headers.get("authorization") ?? "", `Bearer ${ingressSecret}`);
}

/** Whether `given` is `secret`, compared in constant time (for equal lengths). */
export function sameSecret(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A dispatch body `{t, d}`: the event name and `d` serialised. */
export async function readDispatch(request: Request): Promise<{ t: string; d: unknown; body: Record<string, unknown> }> {
  const body = await readJsonObject(request, 1024 * 1024);
  if (typeof body.t !== "string" || !EVENT_NAME.test(body.t)) {
    throw invalidField("t", "must be an event name of A-Z, 0-9 and _ (e.g. NOTIFICATION_CREATE)");
  }
  if (!("d" in body)) throw invalidField("d", "is required");
  return { t: body.t, d: body.d, body };
}

/** A user as the ingress API shows it. */
export function toApiUser(user: User): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    global_name: user.globalName,
    avatar: user.avatar,
    bot: user.bot,
    privileged_intents: user.privilegedIntents,
    created_at: discordTimestamp(user.createdAt),
  };
}

async function createUser(ctx: IngressContext, request: Request): Promise<Response> {
  const body = await readJsonObject(request);
  const id = body.id === undefined ? ctx.ids.next() : snowflake(body.id, "id");
  if (await ctx.store.getUser(id)) throw new HttpError(409, ApiCode.GENERAL, `Conflict: user ${id} exists`);
  if (body.username === undefined) throw invalidField("username", "is required");
  const user = applyFields(
    {
      id,
      username: "",
      globalName: null,
      avatar: null,
      bot: false,
      privilegedIntents: 0,
      createdAt: Date.now(),
      tokenGeneration: newTokenGeneration(),
    },
    body,
  );
  await ctx.store.putUser(user);
  return jsonResponse(toApiUser(user), { status: 201 });
}

async function updateUser(ctx: IngressContext, request: Request, user: User): Promise<Response> {
  const body = await readJsonObject(request);
  if (body.id !== undefined && body.id !== user.id) throw invalidField("id", "cannot change");
  const updated = applyFields(user, body);
  await ctx.store.putUser(updated);
  return jsonResponse(toApiUser(updated));
}

async function mint(ctx: IngressContext, request: Request, user: User): Promise<Response> {
  const body = await readJsonObject(request, 1024, true);
  // A misspelt field must not mint a token that never expires.
  onlyKnown(body, ["expires_in"], "token");
  const expires = body.expires_in === undefined ? undefined : integer(body.expires_in, "expires_in", 1, MAX_TOKEN_LIFETIME_SECONDS);
  return jsonResponse({ token: ctx.mintToken(user, expires) });
}

/** Bumps the token generation: every token minted so far fails, and live sessions end with 4004. */
async function revoke(ctx: IngressContext, user: User): Promise<Response> {
  await ctx.store.bumpTokenGeneration(user.id);
  ctx.disconnectUser(user.id, "Token revoked");
  return new Response(null, { status: 204 });
}

/**
 * Deletes the user, leaving nothing behind: refused while it owns guilds (Discord refuses to
 * delete an account that owns servers; an owner is always a member, so its guilds are among
 * its memberships). Its tokens die first, so no new session starts meanwhile; then it leaves
 * every guild through the guild's owner, and goes, and its sessions are closed. A failure
 * part-way (503) leaves a user that a retry deletes.
 */
async function deleteUser(ctx: IngressContext, user: User): Promise<Response> {
  const guildIds = await ctx.store.guildsOfUser(user.id);
  const guilds = await Promise.all(guildIds.map((guildId) => ctx.store.getGuild(guildId)));
  const owned = guildIds.filter((_, i) => guilds[i]?.ownerId === user.id);
  if (owned.length > 0) {
    const message = `You must transfer ownership of any owned guilds before deleting your account: owner of ${owned.join(", ")}`;
    throw new HttpError(400, ApiCode.OWNS_GUILDS, message);
  }
  await ctx.store.bumpTokenGeneration(user.id);
  await Promise.all(guildIds.map((guildId) => ctx.removeMember(guildId, user.id)));
  await ctx.store.deleteUser(user.id);
  ctx.disconnectUser(user.id, "User deleted");
  return new Response(null, { status: 204 });
}

async function dispatch(ctx: IngressContext, request: Request, user: User): Promise<Response> {
  const { t, d, body } = await readDispatch(request);
  onlyKnown(body, ["t", "d"], "dispatch");
  if (STATE_EVENTS.has(t)) throw invalidField("t", `${t} is sent by guildgate from its state: change the state through the ingress routes instead`);
  ctx.dispatchToUser(user.id, t, JSON.stringify(d));
  return jsonResponse({}, { status: 202 });
}

/** The user with the body's known fields applied; any bad field is a 400 naming it. */
function applyFields(user: User, body: Record<string, unknown>): User {
  onlyKnown(body, ["id", "username", "global_name", "avatar", "bot", "privileged_intents"], "user");
  const next: Mutable<User> = { ...user };
  if (body.username !== undefined) next.username = text(body.username, "username", 1, 32);
  if (body.global_name !== undefined) next.globalName = nullableText(body.global_name, "global_name", 1, 32);
  if (body.avatar !== undefined) next.avatar = nullableText(body.avatar, "avatar", 1, 64);
  if (body.bot !== undefined) next.bot = bool(body.bot, "bot");
  if (body.privileged_intents !== undefined) {
    // In range before any bit operator: `&` would first cut the number to 32 bits.
    const intents = integer(body.privileged_intents, "privileged_intents", 0, PRIVILEGED_INTENTS);
    if ((intents & ~PRIVILEGED_INTENTS) !== 0) {
      throw invalidField("privileged_intents", `must be a subset of ${PRIVILEGED_INTENTS} (GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT)`);
    }
    next.privilegedIntents = intents;
  }
  return next;
}

/**
 * The ingress/admin API for guilds (same auth as `ingress.ts`: `Bearer <ingress secret>`).
 * Reads come from the store; writes go through the guild's owner (`Guilds`), which writes
 * the store and tells every session what changed (GUILD_*, CHANNEL_*, GUILD_ROLE_*,
 * GUILD_MEMBER_* dispatches, class moves, GUILD_CREATE for a new member's sessions).
 *
 * - `POST   /internal/guilds` `{id?, name, owner_id, icon?}` -> 201 (with its @everyone role; the owner becomes a member)
 * - `GET    /internal/guilds/:id` -> 200 guild with `roles`, `channels`, `member_count`
 * - `PATCH  /internal/guilds/:id` `{name?, owner_id?, icon?}` -> 200; `DELETE` -> 204
 * - `POST   /internal/guilds/:id/roles` `{id?, name, permissions?, position?, hoist?, color?, mentionable?}` -> 201
 * - `PATCH  /internal/guilds/:id/roles/:role_id` (same fields) -> 200; `DELETE` -> 204
 * - `POST   /internal/guilds/:id/channels` `{id?, name, type?, position?, parent_id?, topic?, permission_overwrites?}` -> 201
 * - `PATCH  /internal/guilds/:id/channels/:channel_id` (same fields) -> 200; `DELETE` -> 204
 * - `PUT    /internal/guilds/:id/members/:user_id` `{roles?, nick?}` -> 201 new, 200 updated; `GET` -> 200; `DELETE` -> 204
 * - `POST   /internal/guilds/:id/dispatch` `{t, d}` -> 202 `{topics}`: to every session in the guild entitled to `t`
 * - `POST   /internal/channels/:id/dispatch` `{t, d}` -> 202 `{topics}`: only to those that can view the channel
 *
 * Permission bitfields are decimal strings, as on Discord. Unknown ids are 404s with
 * Discord's codes (10003 channel, 10004 guild, 10007 member, 10011 role, 10013 user).
 */
import type { Owners } from "../cluster/owner-api.ts";
import { GuildUnavailableError } from "../guild/guilds.ts";
import { channelJson, guildJson, memberJson, roleJson } from "../guild/guild-json.ts";
import { Permission, type Overwrite } from "../guild/permissions.ts";
import type { Guild, GuildStore, Member, StoredChannel, StoredRole } from "../store/guild-store.ts";
import { bits, bool, integer, nullableText, onlyKnown, snowflake, text } from "./body-fields.ts";
import { ApiCode, errorResponse, HttpError, invalidField, methodNotAllowed, unauthorized } from "./errors.ts";
import { readJsonObject } from "./json-body.ts";
import { ingressAuthorizer } from "./ingress.ts";
import { readGuildDispatch } from "./dispatch-audience.ts";
import type { SnowflakeGenerator } from "./snowflake.ts";
import { jsonResponse } from "../protocol/json-response.ts";

export interface GuildIngressContext {
  ingressSecret: string;
  store: GuildStore;
  /** The guild owners' operations, wherever they run. */
  owners: Owners;
  ids: SnowflakeGenerator;
  now?: () => number;
}

/** What @everyone may do in a new guild: roughly Discord's default. */
export const DEFAULT_EVERYONE_PERMISSIONS =
  Permission.CREATE_INSTANT_INVITE |
  Permission.ADD_REACTIONS |
  Permission.STREAM |
  Permission.VIEW_CHANNEL |
  Permission.SEND_MESSAGES |
  Permission.EMBED_LINKS |
  Permission.ATTACH_FILES |
  Permission.READ_MESSAGE_HISTORY |
  Permission.USE_EXTERNAL_EMOJIS |
  Permission.CONNECT |
  Permission.SPEAK |
  Permission.USE_VAD |
  Permission.CHANGE_NICKNAME |
  Permission.USE_APPLICATION_COMMANDS |
  Permission.CREATE_PUBLIC_THREADS |
  Permission.SEND_MESSAGES_IN_THREADS;

const GUILD_PATH = /^\/internal\/guilds(?:\/(\d{1,20})(?:\/(roles|channels|members|dispatch)(?:\/(\d{1,20}))?)?)?$/;
const CHANNEL_DISPATCH_PATH = /^\/internal\/channels\/(\d{1,20})\/dispatch$/;
const MAX_OVERWRITES = 100;

const unknown = (code: number, what: string): HttpError => new HttpError(404, code, `Unknown ${what}`);

export function createGuildIngressRoutes(ctx: GuildIngressContext): (request: Request, url: URL) => Promise<Response | undefined> {
  const authorized = ingressAuthorizer(ctx.ingressSecret);
  return async (request, url) => {
    const guildMatch = GUILD_PATH.exec(url.pathname);
    const channelMatch = guildMatch ? null : CHANNEL_DISPATCH_PATH.exec(url.pathname);
    if (!guildMatch && !channelMatch) return undefined;
    if (!authorized(request)) return unauthorized();
    try {
      if (channelMatch) return await dispatchToChannel(ctx, request, channelMatch[1] as string);
      const [, guildId, collection, itemId] = guildMatch as RegExpExecArray;
      if (guildId === undefined) return request.method === "POST" ? await createGuild(ctx, request) : methodNotAllowed("POST");
      const guild = ctx.store.getGuild(guildId);
      if (!guild) throw unknown(ApiCode.UNKNOWN_GUILD, "Guild");
      switch (collection) {
        case undefined:
          return await guildRoute(ctx, request, guild);
        case "dispatch":
          return await dispatchToGuild(ctx, request, guild);
        case "roles":
          return await roleRoute(ctx, request, guild, itemId);
        case "channels":
          return await channelRoute(ctx, request, guild, itemId);
        default:
          return itemId === undefined ? undefined : await memberRoute(ctx, request, guild, itemId);
      }
    } catch (error) {
      if (error instanceof HttpError) return errorResponse(error.status, error.code, error.message);
      if (error instanceof GuildUnavailableError) return errorResponse(503, ApiCode.GENERAL, error.message);
      throw error;
    }
  };
}

/** The id of a record being created (the body's, or a new snowflake); 409 if taken. A name is required. */
function newId(ctx: GuildIngressContext, body: Record<string, unknown>, what: string, exists: (id: string) => boolean): string {
  const id = body.id === undefined ? ctx.ids.next() : snowflake(body.id, "id");
  if (exists(id)) throw new HttpError(409, ApiCode.GENERAL, `Conflict: ${what} ${id} exists`);
  if (body.name === undefined) throw invalidField("name", "is required");
  return id;
}

async function createGuild(ctx: GuildIngressContext, request: Request): Promise<Response> {
  const body = await readJsonObject(request);
  onlyKnown(body, ["id", "name", "owner_id", "icon"], "guild");
  const id = newId(ctx, body, "guild", (id) => ctx.store.getGuild(id) !== undefined);
  if (body.owner_id === undefined) throw invalidField("owner_id", "is required");
  const ownerId = snowflake(body.owner_id, "owner_id");
  const owner = ctx.store.getUser(ownerId);
  if (!owner) throw invalidField("owner_id", "is not a user");
  const now = (ctx.now ?? Date.now)();
  const guild: Guild = {
    id,
    name: text(body.name, "name", 2, 100),
    ownerId,
    icon: body.icon === undefined ? null : nullableText(body.icon, "icon", 1, 64),
    createdAt: now,
  };
  const everyone: StoredRole = {
    id,
    guildId: id,
    name: "@everyone",
    permissions: DEFAULT_EVERYONE_PERMISSIONS,
    position: 0,
    hoist: false,
    color: 0,
    mentionable: false,
  };
  await ctx.owners.createGuild(guild, everyone, owner, now);
  return jsonResponse(guildResource(ctx.store, guild), { status: 201 });
}

async function guildRoute(ctx: GuildIngressContext, request: Request, guild: Guild): Promise<Response> {
  switch (request.method) {
    case "GET":
      return jsonResponse(guildResource(ctx.store, guild));
    case "PATCH": {
      const body = await readJsonObject(request);
      onlyKnown(body, ["name", "owner_id", "icon"], "guild");
      const next = { ...guild };
      if (body.name !== undefined) next.name = text(body.name, "name", 2, 100);
      if (body.icon !== undefined) next.icon = nullableText(body.icon, "icon", 1, 64);
      if (body.owner_id !== undefined) {
        next.ownerId = snowflake(body.owner_id, "owner_id");
        if (!ctx.store.getMember(guild.id, next.ownerId)) throw invalidField("owner_id", "is not a member of the guild");
      }
      await ctx.owners.updateGuild(next);
      return jsonResponse(guildResource(ctx.store, next));
    }
    case "DELETE":
      await ctx.owners.deleteGuild(guild.id);
      return new Response(null, { status: 204 });
    default:
      return methodNotAllowed("GET, PATCH, DELETE");
  }
}

async function roleRoute(ctx: GuildIngressContext, request: Request, guild: Guild, roleId: string | undefined): Promise<Response> {
  if (roleId === undefined) {
    if (request.method !== "POST") return methodNotAllowed("POST");
    const body = await readJsonObject(request);
    const id = newId(ctx, body, "role", (id) => ctx.store.getRole(id) !== undefined);
    const role = applyRoleFields(
      { id, guildId: guild.id, name: "", permissions: 0n, position: 1, hoist: false, color: 0, mentionable: false },
      body,
    );
    await ctx.owners.putRole(role);
    return jsonResponse(roleJson(role), { status: 201 });
  }
  const role = ctx.store.getRole(roleId);
  if (!role || role.guildId !== guild.id) throw unknown(ApiCode.UNKNOWN_ROLE, "Role");
  switch (request.method) {
    case "GET":
      return jsonResponse(roleJson(role));
    case "PATCH": {
      const updated = applyRoleFields(role, await readJsonObject(request));
      await ctx.owners.putRole(updated);
      return jsonResponse(roleJson(updated));
    }
    case "DELETE":
      if (role.id === guild.id) throw invalidField("role_id", "is @everyone, which cannot be deleted");
      await ctx.owners.deleteRole(guild.id, role.id);
      return new Response(null, { status: 204 });
    default:
      return methodNotAllowed("GET, PATCH, DELETE");
  }
}

function applyRoleFields(role: StoredRole, body: Record<string, unknown>): StoredRole {
  onlyKnown(body, ["id", "name", "permissions", "position", "hoist", "color", "mentionable"], "role");
  if (body.id !== undefined && body.id !== role.id) throw invalidField("id", "cannot change");
  const next = { ...role };
  if (body.name !== undefined) next.name = text(body.name, "name", 1, 100);
  if (body.permissions !== undefined) next.permissions = bits(body.permissions, "permissions");
  if (body.position !== undefined) next.position = integer(body.position, "position", 0, 1_000_000);
  if (body.hoist !== undefined) next.hoist = bool(body.hoist, "hoist");
  if (body.color !== undefined) next.color = integer(body.color, "color", 0, 0xffffff);
  if (body.mentionable !== undefined) next.mentionable = bool(body.mentionable, "mentionable");
  return next;
}

async function channelRoute(ctx: GuildIngressContext, request: Request, guild: Guild, channelId: string | undefined): Promise<Response> {
  if (channelId === undefined) {
    if (request.method !== "POST") return methodNotAllowed("POST");
    const body = await readJsonObject(request);
    const id = newId(ctx, body, "channel", (id) => ctx.store.getChannel(id) !== undefined);
    const empty: StoredChannel = { id, guildId: guild.id, type: 0, name: "", position: 0, parentId: null, overwrites: [], topic: null };
    const channel = applyChannelFields(ctx.store, empty, body);
    await ctx.owners.putChannel(channel);
    return jsonResponse(channelJson(channel), { status: 201 });
  }
  const channel = ctx.store.getChannel(channelId);
  if (!channel || channel.guildId !== guild.id) throw unknown(ApiCode.UNKNOWN_CHANNEL, "Channel");
  switch (request.method) {
    case "GET":
      return jsonResponse(channelJson(channel));
    case "PATCH": {
      const updated = applyChannelFields(ctx.store, channel, await readJsonObject(request));
      await ctx.owners.putChannel(updated);
      return jsonResponse(channelJson(updated));
    }
    case "DELETE":
      await ctx.owners.deleteChannel(guild.id, channel.id);
      return new Response(null, { status: 204 });
    default:
      return methodNotAllowed("GET, PATCH, DELETE");
  }
}

function applyChannelFields(store: GuildStore, channel: StoredChannel, body: Record<string, unknown>): StoredChannel {
  onlyKnown(body, ["id", "name", "type", "position", "parent_id", "topic", "permission_overwrites"], "channel");
  if (body.id !== undefined && body.id !== channel.id) throw invalidField("id", "cannot change");
  const next = { ...channel };
  if (body.name !== undefined) next.name = text(body.name, "name", 1, 100);
  if (body.type !== undefined) next.type = integer(body.type, "type", 0, 255);
  if (body.position !== undefined) next.position = integer(body.position, "position", 0, 1_000_000);
  if (body.topic !== undefined) next.topic = nullableText(body.topic, "topic", 0, 1024);
  if (body.parent_id !== undefined) {
    next.parentId = body.parent_id === null ? null : snowflake(body.parent_id, "parent_id");
    const parent = next.parentId === null ? undefined : store.getChannel(next.parentId);
    if (next.parentId !== null && (parent?.guildId !== channel.guildId || parent.type !== 4)) {
      throw invalidField("parent_id", "must be a category channel (type 4) of the guild");
    }
  }
  if (body.permission_overwrites !== undefined) next.overwrites = readOverwrites(body.permission_overwrites);
  return next;
}

function readOverwrites(value: unknown): Overwrite[] {
  const field = "permission_overwrites";
  if (!Array.isArray(value) || value.length > MAX_OVERWRITES) throw invalidField(field, `must be an array of at most ${MAX_OVERWRITES}`);
  const seen = new Set<string>();
  return value.map((item: unknown, i) => {
    const at = `${field}[${i}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) throw invalidField(at, "must be an object");
    const o = item as Record<string, unknown>;
    const id = snowflake(o.id, `${at}.id`);
    if (seen.has(id)) throw invalidField(`${at}.id`, "appears twice");
    seen.add(id);
    if (o.type !== 0 && o.type !== 1) throw invalidField(`${at}.type`, "must be 0 (role) or 1 (member)");
    return { id, type: o.type, allow: bits(o.allow ?? "0", `${at}.allow`), deny: bits(o.deny ?? "0", `${at}.deny`) };
  });
}

async function memberRoute(ctx: GuildIngressContext, request: Request, guild: Guild, userId: string): Promise<Response> {
  const existing = ctx.store.getMember(guild.id, userId);
  switch (request.method) {
    case "GET": {
      const user = ctx.store.getUser(userId);
      if (!existing || !user) throw unknown(ApiCode.UNKNOWN_MEMBER, "Member");
      return jsonResponse(memberJson(existing, user, guild.id));
    }
    case "PUT": {
      const user = ctx.store.getUser(userId);
      if (!user) throw unknown(ApiCode.UNKNOWN_USER, "User");
      const body = await readJsonObject(request, 64 * 1024, true);
      onlyKnown(body, ["roles", "nick"], "member");
      const member: Member = {
        guildId: guild.id,
        userId,
        roleIds: body.roles === undefined ? (existing?.roleIds ?? []) : readRoleIds(ctx.store, guild.id, body.roles),
        nick: body.nick === undefined ? (existing?.nick ?? null) : nullableText(body.nick, "nick", 1, 32),
        joinedAt: existing?.joinedAt ?? (ctx.now ?? Date.now)(),
      };
      await ctx.owners.putMember(member, user);
      return jsonResponse(memberJson(member, user, guild.id), { status: existing ? 200 : 201 });
    }
    case "DELETE":
      if (!existing) throw unknown(ApiCode.UNKNOWN_MEMBER, "Member");
      if (userId === guild.ownerId) throw invalidField("user_id", "is the guild owner; transfer ownership first");
      await ctx.owners.deleteMember(guild.id, userId);
      return new Response(null, { status: 204 });
    default:
      return methodNotAllowed("GET, PUT, DELETE");
  }
}

function readRoleIds(store: GuildStore, guildId: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length > 250) throw invalidField("roles", "must be an array of at most 250 role ids");
  const ids = value.map((id, i) => snowflake(id, `roles[${i}]`));
  ids.forEach((id, i) => {
    if (id === guildId) throw invalidField(`roles[${i}]`, "is @everyone, which every member has");
    if (store.getRole(id)?.guildId !== guildId) throw invalidField(`roles[${i}]`, "is not a role of the guild");
  });
  return [...new Set(ids)];
}

async function dispatchToGuild(ctx: GuildIngressContext, request: Request, guild: Guild): Promise<Response> {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const { t, d, channelId, stated } = await readGuildDispatch(request, ctx.store, guild.id);
  const topics = (await ctx.owners.dispatch(guild.id, t, d, channelId, stated)) ?? 0;
  return jsonResponse({ topics }, { status: 202 });
}

async function dispatchToChannel(ctx: GuildIngressContext, request: Request, channelId: string): Promise<Response> {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const channel = ctx.store.getChannel(channelId);
  if (!channel) throw unknown(ApiCode.UNKNOWN_CHANNEL, "Channel");
  const { t, d, channelId: named, stated } = await readGuildDispatch(request, ctx.store, channel.guildId);
  if (named !== undefined && named !== channel.id) throw invalidField("d", "must name the channel of the path, or none");
  const topics = (await ctx.owners.dispatch(channel.guildId, t, d, channel.id, stated)) ?? 0;
  return jsonResponse({ topics }, { status: 202 });
}

/** A guild as GET shows it: its fields, roles, channels and member count. */
function guildResource(store: GuildStore, guild: Guild): Record<string, unknown> {
  return {
    ...guildJson(guild, store.listRoles(guild.id)),
    channels: store.listChannels(guild.id).map(channelJson),
    member_count: store.countMembers(guild.id),
  };
}

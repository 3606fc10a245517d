/**
 * The ingress/admin API for guilds (same auth as `ingress.ts`: `Bearer <ingress secret>`).
 * Reads come from the store (awaited: it may be PostgreSQL); writes go through the guild's owner (`Guilds`), which writes
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
import { channelJson, guildJson, memberJson, roleJson } from "../guild/guild-json.ts";
import type { ChannelPatch, GuildPatch, MemberPatch, OverwritePatch, RolePatch } from "../guild/patches.ts";
import { Permission } from "../guild/permissions.ts";
import { Refusal } from "../guild/refusal.ts";
import type { Guild, GuildStore, StoredRole } from "../store/guild-store.ts";
import { bits, bool, integer, nullableText, onlyKnown, snowflake, text } from "./body-fields.ts";
import { ApiCode, HttpError, invalidField, methodNotAllowed, unauthorized } from "./errors.ts";
import { readJsonObject } from "./json-body.ts";
import { ingressAuthorizer } from "./ingress.ts";
import { NOT_THE_GUILDS_CHANNEL, readGuildDispatch, type GuildDispatch } from "./dispatch-audience.ts";
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
  Permission.CREATE_PRIVATE_THREADS |
  Permission.SEND_MESSAGES_IN_THREADS;

const GUILD_PATH = /^\/internal\/guilds(?:\/(\d{1,20})(?:\/(roles|channels|members|dispatch)(?:\/(\d{1,20}))?)?)?$/;
const CHANNEL_DISPATCH_PATH = /^\/internal\/channels\/(\d{1,20})\/dispatch$/;
const MAX_OVERWRITES = 100;

export function createGuildIngressRoutes(ctx: GuildIngressContext): (request: Request, url: URL) => Promise<Response | undefined> {
  const authorized = ingressAuthorizer(ctx.ingressSecret);
  return async (request, url) => {
    const guildMatch = GUILD_PATH.exec(url.pathname);
    const channelMatch = guildMatch ? null : CHANNEL_DISPATCH_PATH.exec(url.pathname);
    const [, guildId, collection, itemId] = guildMatch ?? [];
    const allowed = channelMatch ? "POST" : guildMatch ? guildMethods(guildId, collection, itemId) : undefined;
    if (allowed === undefined) return undefined;
    if (!authorized(request)) return unauthorized();
    // The method before any lookup: a route that has no such method says so, whatever the ids.
    if (!allowed.split(", ").includes(request.method)) return methodNotAllowed(allowed);
    if (channelMatch) return dispatchToChannel(ctx, request, channelMatch[1] as string);
    if (guildId === undefined) return createGuild(ctx, request);
    if (collection === "dispatch") return dispatchToGuild(ctx, request, guildId);
    const guild = await ctx.store.getGuild(guildId);
    if (!guild) throw new Refusal("unknown-guild", "Unknown Guild");
    switch (collection) {
      case undefined:
        return guildRoute(ctx, request, guild);
      case "roles":
        return roleRoute(ctx, request, guild, itemId);
      case "channels":
        return channelRoute(ctx, request, guild, itemId);
      default:
        return memberRoute(ctx, request, guild, itemId as string);
    }
  };
}

/** The methods a guild path answers (as an Allow header); undefined: the path is no route. */
function guildMethods(guildId: string | undefined, collection: string | undefined, itemId: string | undefined): string | undefined {
  if (guildId === undefined) return "POST";
  switch (collection) {
    case undefined:
      return "GET, PATCH, DELETE";
    case "dispatch":
      return itemId === undefined ? "POST" : undefined;
    case "members":
      return itemId === undefined ? undefined : "GET, PUT, DELETE";
    default:
      return itemId === undefined ? "POST" : "GET, PATCH, DELETE";
  }
}

/** The id of a record being created (the body's, or a new snowflake); 409 if taken. A name is required. */
async function newId(
  ctx: GuildIngressContext,
  body: Record<string, unknown>,
  what: string,
  exists: (id: string) => Promise<boolean>,
): Promise<string> {
  const id = body.id === undefined ? ctx.ids.next() : snowflake(body.id, "id");
  if (await exists(id)) throw new HttpError(409, ApiCode.GENERAL, `Conflict: ${what} ${id} exists`);
  if (body.name === undefined) throw invalidField("name", "is required");
  return id;
}

async function createGuild(ctx: GuildIngressContext, request: Request): Promise<Response> {
  const body = await readJsonObject(request);
  onlyKnown(body, ["id", "name", "owner_id", "icon"], "guild");
  const id = await newId(ctx, body, "guild", async (id) => (await ctx.store.getGuild(id)) !== undefined);
  if (body.owner_id === undefined) throw invalidField("owner_id", "is required");
  const ownerId = snowflake(body.owner_id, "owner_id");
  const owner = await ctx.store.getUser(ownerId);
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
  return jsonResponse(await guildResource(ctx.store, guild), { status: 201 });
}

async function guildRoute(ctx: GuildIngressContext, request: Request, guild: Guild): Promise<Response> {
  switch (request.method) {
    case "GET":
      return jsonResponse(await guildResource(ctx.store, guild));
    case "PATCH": {
      const body = await readJsonObject(request);
      onlyKnown(body, ["name", "owner_id", "icon"], "guild");
      const patch: GuildPatch = {};
      if (body.name !== undefined) patch.name = text(body.name, "name", 2, 100);
      if (body.icon !== undefined) patch.icon = nullableText(body.icon, "icon", 1, 64);
      if (body.owner_id !== undefined) patch.ownerId = snowflake(body.owner_id, "owner_id");
      const updated = await ctx.owners.updateGuild(guild.id, patch);
      return jsonResponse(await guildResource(ctx.store, updated));
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
    const body = await readJsonObject(request);
    const id = await newId(ctx, body, "role", async (id) => (await ctx.store.getRole(id)) !== undefined);
    const role = await ctx.owners.createRole(guild.id, id, rolePatch(body));
    return jsonResponse(roleJson(role), { status: 201 });
  }
  switch (request.method) {
    case "GET": {
      const role = await ctx.store.getRole(roleId);
      if (!role || role.guildId !== guild.id) throw new Refusal("unknown-role", "Unknown Role");
      return jsonResponse(roleJson(role));
    }
    case "PATCH": {
      const patch = rolePatch(await readJsonObject(request));
      return jsonResponse(roleJson(await ctx.owners.patchRole(guild.id, roleId, patch)));
    }
    case "DELETE":
      await ctx.owners.deleteRole(guild.id, roleId);
      return new Response(null, { status: 204 });
    default:
      return methodNotAllowed("GET, PATCH, DELETE");
  }
}

/** A role's fields from a POST or PATCH body: each value checked here, the rest by the owner. */
function rolePatch(body: Record<string, unknown>): RolePatch {
  onlyKnown(body, ["id", "name", "permissions", "position", "hoist", "color", "mentionable"], "role");
  const patch: RolePatch = {};
  if (body.name !== undefined) patch.name = text(body.name, "name", 1, 100);
  if (body.permissions !== undefined) patch.permissions = bits(body.permissions, "permissions").toString();
  if (body.position !== undefined) patch.position = integer(body.position, "position", 0, 1_000_000);
  if (body.hoist !== undefined) patch.hoist = bool(body.hoist, "hoist");
  if (body.color !== undefined) patch.color = integer(body.color, "color", 0, 0xffffff);
  if (body.mentionable !== undefined) patch.mentionable = bool(body.mentionable, "mentionable");
  return patch;
}

async function channelRoute(ctx: GuildIngressContext, request: Request, guild: Guild, channelId: string | undefined): Promise<Response> {
  if (channelId === undefined) {
    const body = await readJsonObject(request);
    const id = await newId(ctx, body, "channel", async (id) => (await ctx.store.getChannel(id)) !== undefined);
    const channel = await ctx.owners.createChannel(guild.id, id, channelPatch(body));
    return jsonResponse(channelJson(channel), { status: 201 });
  }
  switch (request.method) {
    case "GET": {
      const channel = await ctx.store.getChannel(channelId);
      if (!channel || channel.guildId !== guild.id) throw new Refusal("unknown-channel", "Unknown Channel");
      return jsonResponse(channelJson(channel));
    }
    case "PATCH": {
      const patch = channelPatch(await readJsonObject(request));
      if (patch.parentId === channelId) throw invalidField("parent_id", "cannot be the channel itself");
      return jsonResponse(channelJson(await ctx.owners.patchChannel(guild.id, channelId, patch)));
    }
    case "DELETE":
      await ctx.owners.deleteChannel(guild.id, channelId);
      return new Response(null, { status: 204 });
    default:
      return methodNotAllowed("GET, PATCH, DELETE");
  }
}

/** A channel's fields from a POST or PATCH body: each value checked here, the rest by the owner. */
function channelPatch(body: Record<string, unknown>): ChannelPatch {
  onlyKnown(body, ["id", "name", "type", "position", "parent_id", "topic", "permission_overwrites"], "channel");
  const patch: ChannelPatch = {};
  if (body.name !== undefined) patch.name = text(body.name, "name", 1, 100);
  if (body.type !== undefined) patch.type = integer(body.type, "type", 0, 255);
  if (body.position !== undefined) patch.position = integer(body.position, "position", 0, 1_000_000);
  if (body.topic !== undefined) patch.topic = nullableText(body.topic, "topic", 0, 1024);
  if (body.parent_id !== undefined) patch.parentId = body.parent_id === null ? null : snowflake(body.parent_id, "parent_id");
  if (body.permission_overwrites !== undefined) patch.overwrites = readOverwrites(body.permission_overwrites);
  return patch;
}

function readOverwrites(value: unknown): OverwritePatch[] {
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
    return { id, type: o.type, allow: bits(o.allow ?? "0", `${at}.allow`).toString(), deny: bits(o.deny ?? "0", `${at}.deny`).toString() };
  });
}

async function memberRoute(ctx: GuildIngressContext, request: Request, guild: Guild, userId: string): Promise<Response> {
  switch (request.method) {
    case "GET": {
      const [member, user] = await Promise.all([ctx.store.getMember(guild.id, userId), ctx.store.getUser(userId)]);
      if (!member || !user) throw new Refusal("unknown-member", "Unknown Member");
      return jsonResponse(memberJson(member, user, guild.id));
    }
    case "PUT": {
      const body = await readJsonObject(request, 64 * 1024, true);
      onlyKnown(body, ["roles", "nick"], "member");
      const patch: MemberPatch = {};
      if (body.roles !== undefined) patch.roleIds = readRoleIds(body.roles);
      if (body.nick !== undefined) patch.nick = nullableText(body.nick, "nick", 1, 32);
      const { member, user, created } = await ctx.owners.setMember(guild.id, userId, patch, (ctx.now ?? Date.now)());
      return jsonResponse(memberJson(member, user, guild.id), { status: created ? 201 : 200 });
    }
    case "DELETE":
      await ctx.owners.deleteMember(guild.id, userId);
      return new Response(null, { status: 204 });
    default:
      return methodNotAllowed("GET, PUT, DELETE");
  }
}

function readRoleIds(value: unknown): string[] {
  if (!Array.isArray(value) || value.length > 250) throw invalidField("roles", "must be an array of at most 250 role ids");
  return value.map((id, i) => snowflake(id, `roles[${i}]`));
}

async function dispatchToGuild(ctx: GuildIngressContext, request: Request, guildId: string): Promise<Response> {
  const dispatch = await readGuildDispatch(request);
  return dispatchAccepted(ctx, guildId, dispatch, dispatch.channelId);
}

async function dispatchToChannel(ctx: GuildIngressContext, request: Request, channelId: string): Promise<Response> {
  const channel = await ctx.store.getChannel(channelId);
  if (!channel) throw new Refusal("unknown-channel", "Unknown Channel");
  const dispatch = await readGuildDispatch(request);
  if (dispatch.channelId !== undefined && dispatch.channelId !== channel.id) throw invalidField("d", "must name the channel of the path, or none");
  return dispatchAccepted(ctx, channel.guildId, dispatch, channel.id);
}

/** The one owner call of a dispatch, and its 202; a channel the guild does not have is the body's fault (400). */
async function dispatchAccepted(ctx: GuildIngressContext, guildId: string, dispatch: GuildDispatch, channelId: string | undefined): Promise<Response> {
  try {
    const topics = await ctx.owners.dispatch(guildId, dispatch.t, dispatch.d, channelId, dispatch.stated);
    return jsonResponse({ topics }, { status: 202 });
  } catch (error) {
    if (error instanceof Refusal && error.reason === "unknown-channel") throw invalidField(dispatch.channelField, NOT_THE_GUILDS_CHANNEL);
    throw error;
  }
}

/** A guild as GET shows it: its fields, roles, channels and member count. */
async function guildResource(store: GuildStore, guild: Guild): Promise<Record<string, unknown>> {
  const [roles, channels, memberCount] = await Promise.all([store.listRoles(guild.id), store.listChannels(guild.id), store.countMembers(guild.id)]);
  return { ...guildJson(guild, roles), channels: channels.map(channelJson), member_count: memberCount };
}

/**
 * What a request asks of a guild's owner, as data, and how the owner applies it to the
 * guild as it is now. api/ checks each field's value (types, ranges); the owner checks what
 * only the guild knows (the roles, the channels, the members), in the same step that it
 * writes, so two requests changing one record never overwrite each other's fields.
 * Bitfields are decimal strings here, as on the wire: these cross the bus as plain data.
 */
import type { Guild, Member, StoredChannel, StoredRole } from "../store/guild-store.ts";
import type { GuildState } from "./guild-state.ts";
import type { Overwrite } from "./permissions.ts";
import { isThreadType } from "../store/thread-records.ts";
import { badField } from "./refusal.ts";

/** A PATCH of a guild. */
export interface GuildPatch {
  name?: string;
  icon?: string | null;
  ownerId?: string;
}

/** A role's fields (POST or PATCH). */
export interface RolePatch {
  name?: string;
  permissions?: string;
  position?: number;
  hoist?: boolean;
  color?: number;
  mentionable?: boolean;
}

/** An overwrite as a request states it (bitfields as decimal strings). */
export interface OverwritePatch {
  id: string;
  type: 0 | 1;
  allow: string;
  deny: string;
}

/** A channel's fields (POST or PATCH). */
export interface ChannelPatch {
  name?: string;
  type?: number;
  position?: number;
  topic?: string | null;
  parentId?: string | null;
  overwrites?: OverwritePatch[];
}

/** A member's fields (PUT). */
export interface MemberPatch {
  roleIds?: string[];
  nick?: string | null;
}

/** The channel types a channel may be under: categories. */
const CATEGORY = 4;

export function patchedGuild(state: GuildState, patch: GuildPatch): Guild {
  const next = { ...state.record };
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.icon !== undefined) next.icon = patch.icon;
  if (patch.ownerId !== undefined) {
    if (!state.member(patch.ownerId)) throw badField("owner_id", "is not a member of the guild");
    next.ownerId = patch.ownerId;
  }
  return next;
}

export function patchedRole(role: StoredRole, patch: RolePatch): StoredRole {
  const next = { ...role };
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.permissions !== undefined) next.permissions = BigInt(patch.permissions);
  if (patch.position !== undefined) next.position = patch.position;
  if (patch.hoist !== undefined) next.hoist = patch.hoist;
  if (patch.color !== undefined) next.color = patch.color;
  if (patch.mentionable !== undefined) next.mentionable = patch.mentionable;
  return next;
}

export function patchedChannel(state: GuildState, channel: StoredChannel, patch: ChannelPatch): StoredChannel {
  const next = { ...channel };
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.type !== undefined) {
    // A thread needs its own fields (thread-rules.ts): threads are started through Discord's thread routes.
    if (isThreadType(patch.type)) throw badField("type", "is a thread's type: start threads through POST /api/v10/channels/:id/threads");
    next.type = patch.type;
  }
  if (patch.position !== undefined) next.position = patch.position;
  if (patch.topic !== undefined) next.topic = patch.topic;
  if (patch.parentId !== undefined) {
    const parent = patch.parentId === null ? undefined : state.channelRecord(patch.parentId);
    if (patch.parentId !== null && parent?.type !== CATEGORY) throw badField("parent_id", "must be a category channel (type 4) of the guild");
    next.parentId = patch.parentId;
  }
  if (patch.overwrites !== undefined) {
    next.overwrites = patch.overwrites.map((o): Overwrite => ({ id: o.id, type: o.type, allow: BigInt(o.allow), deny: BigInt(o.deny) }));
  }
  return next;
}

/** The member after a PUT: fields not given stay as they were (or take a new member's defaults). */
export function patchedMember(state: GuildState, userId: string, patch: MemberPatch, now: number): Member {
  const existing = state.member(userId);
  const roleIds = patch.roleIds ?? existing?.roleIds ?? [];
  roleIds.forEach((id, i) => {
    if (id === state.id) throw badField(`roles[${i}]`, "is @everyone, which every member has");
    if (!state.role(id)) throw badField(`roles[${i}]`, "is not a role of the guild");
  });
  return {
    guildId: state.id,
    userId,
    roleIds: [...new Set(roleIds)],
    nick: patch.nick === undefined ? (existing?.nick ?? null) : patch.nick,
    joinedAt: existing?.joinedAt ?? now,
  };
}

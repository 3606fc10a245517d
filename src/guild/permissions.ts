/**
 * Discord's permission bits and its channel permission algorithm (DESIGN.md, "Permission
 * classes"; Discord docs, topics/permissions, "Permission Overwrites"). Values are `bigint`:
 * Discord's bits go past 2^32 (and 2^53 is not far off), and they are computed rarely, then
 * cached per (channel, class) by `PermissionClasses`, so the hot path never sees them.
 */

/** Discord's documented permission flags (bits 0–52; 47 and 48 are unassigned). */
export const Permission = {
  CREATE_INSTANT_INVITE: 1n << 0n,
  KICK_MEMBERS: 1n << 1n,
  BAN_MEMBERS: 1n << 2n,
  ADMINISTRATOR: 1n << 3n,
  MANAGE_CHANNELS: 1n << 4n,
  MANAGE_GUILD: 1n << 5n,
  ADD_REACTIONS: 1n << 6n,
  VIEW_AUDIT_LOG: 1n << 7n,
  PRIORITY_SPEAKER: 1n << 8n,
  STREAM: 1n << 9n,
  VIEW_CHANNEL: 1n << 10n,
  SEND_MESSAGES: 1n << 11n,
  SEND_TTS_MESSAGES: 1n << 12n,
  MANAGE_MESSAGES: 1n << 13n,
  EMBED_LINKS: 1n << 14n,
  ATTACH_FILES: 1n << 15n,
  READ_MESSAGE_HISTORY: 1n << 16n,
  MENTION_EVERYONE: 1n << 17n,
  USE_EXTERNAL_EMOJIS: 1n << 18n,
  VIEW_GUILD_INSIGHTS: 1n << 19n,
  CONNECT: 1n << 20n,
  SPEAK: 1n << 21n,
  MUTE_MEMBERS: 1n << 22n,
  DEAFEN_MEMBERS: 1n << 23n,
  MOVE_MEMBERS: 1n << 24n,
  USE_VAD: 1n << 25n,
  CHANGE_NICKNAME: 1n << 26n,
  MANAGE_NICKNAMES: 1n << 27n,
  MANAGE_ROLES: 1n << 28n,
  MANAGE_WEBHOOKS: 1n << 29n,
  MANAGE_GUILD_EXPRESSIONS: 1n << 30n,
  USE_APPLICATION_COMMANDS: 1n << 31n,
  REQUEST_TO_SPEAK: 1n << 32n,
  MANAGE_EVENTS: 1n << 33n,
  MANAGE_THREADS: 1n << 34n,
  CREATE_PUBLIC_THREADS: 1n << 35n,
  CREATE_PRIVATE_THREADS: 1n << 36n,
  USE_EXTERNAL_STICKERS: 1n << 37n,
  SEND_MESSAGES_IN_THREADS: 1n << 38n,
  USE_EMBEDDED_ACTIVITIES: 1n << 39n,
  MODERATE_MEMBERS: 1n << 40n,
  VIEW_CREATOR_MONETIZATION_ANALYTICS: 1n << 41n,
  USE_SOUNDBOARD: 1n << 42n,
  CREATE_GUILD_EXPRESSIONS: 1n << 43n,
  CREATE_EVENTS: 1n << 44n,
  USE_EXTERNAL_SOUNDS: 1n << 45n,
  SEND_VOICE_MESSAGES: 1n << 46n,
  SEND_POLLS: 1n << 49n,
  USE_EXTERNAL_APPS: 1n << 50n,
  PIN_MESSAGES: 1n << 51n,
  BYPASS_SLOWMODE: 1n << 52n,
} as const satisfies Record<string, bigint>;

/** Name of one of Discord's permission flags. */
export type PermissionName = keyof typeof Permission;

/** Every flag in `Permission` OR-ed together: what the owner and ADMINISTRATOR get. */
export const ALL_PERMISSIONS: bigint = Object.values(Permission).reduce((a, b) => a | b, 0n);

/** A guild role. `@everyone` is the role whose id is the guild id. */
export interface Role {
  id: string;
  permissions: bigint;
  position: number;
  hoist: boolean;
}

/** A channel permission overwrite for a role (type 0) or a member (type 1). */
export interface Overwrite {
  id: string;
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

/** What the algorithm needs of a guild channel. */
export interface Channel {
  id: string;
  overwrites: readonly Overwrite[];
}

/** What the algorithm needs of a guild: id, owner and roles (@everyone is under the guild id). */
export interface GuildPermissionState {
  id: string;
  ownerId: string;
  roles: ReadonlyMap<string, Role>;
}

/** A member's user id and role ids (@everyone implied; listing it changes nothing). */
export interface MemberRoles {
  userId: string;
  roleIds: readonly string[];
}

const { ADMINISTRATOR, VIEW_CHANNEL } = Permission;

/**
 * Guild-level permissions of a member: ALL for the owner; otherwise @everyone's permissions
 * OR each of the member's roles' (unknown role ids add nothing), and ALL if that has
 * ADMINISTRATOR.
 */
export const computeBasePermissions = (
  member: MemberRoles,
  guild: GuildPermissionState,
): bigint => {
  if (member.userId === guild.ownerId) return ALL_PERMISSIONS;
  let permissions = guild.roles.get(guild.id)?.permissions ?? 0n;
  for (const roleId of member.roleIds) {
    permissions |= guild.roles.get(roleId)?.permissions ?? 0n;
  }
  return (permissions & ADMINISTRATOR) === ADMINISTRATOR ? ALL_PERMISSIONS : permissions;
};

/**
 * Channel permissions from `base` (see `computeBasePermissions`): ALL with ADMINISTRATOR;
 * otherwise the @everyone overwrite (deny, then allow), then the member's role overwrites
 * together (the OR of their denies removed, then the OR of their allows added, so an allow
 * on one role beats a deny on another), then the member's own overwrite (deny, then allow).
 */
export const computeOverwrites = (
  base: bigint,
  member: MemberRoles,
  channel: Channel,
  guild: GuildPermissionState,
): bigint => {
  if ((base & ADMINISTRATOR) === ADMINISTRATOR) return ALL_PERMISSIONS;
  let permissions = base;
  let everyone: Overwrite | undefined;
  let own: Overwrite | undefined;
  let allow = 0n;
  let deny = 0n;
  for (const overwrite of channel.overwrites) {
    if (overwrite.type === 1) {
      if (overwrite.id === member.userId) own = overwrite;
    } else if (overwrite.id === guild.id) {
      everyone = overwrite;
    } else if (member.roleIds.includes(overwrite.id)) {
      allow |= overwrite.allow;
      deny |= overwrite.deny;
    }
  }
  if (everyone !== undefined) {
    permissions &= ~everyone.deny;
    permissions |= everyone.allow;
  }
  permissions &= ~deny;
  permissions |= allow;
  if (own !== undefined) {
    permissions &= ~own.deny;
    permissions |= own.allow;
  }
  return permissions;
};

/** A member's permissions in a channel of `guild`: Discord's full algorithm. */
export const channelPermissions = (
  guild: GuildPermissionState,
  member: MemberRoles,
  channel: Channel,
): bigint => computeOverwrites(computeBasePermissions(member, guild), member, channel, guild);

/** Whether a member has VIEW_CHANNEL in a channel of `guild`. */
export const canView = (
  guild: GuildPermissionState,
  member: MemberRoles,
  channel: Channel,
): boolean => (channelPermissions(guild, member, channel) & VIEW_CHANNEL) === VIEW_CHANNEL;

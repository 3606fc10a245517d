/**
 * Guild objects as Discord's API shapes them (roles, channels, members, GUILD_CREATE),
 * with the fields discord.js and discord.py read. Bitfields go out as decimal strings
 * and times as ISO 8601, as on Discord.
 */
import type { Guild, Member, StoredChannel, StoredRole, User } from "../store/guild-store.ts";
import { userObject } from "./user-json.ts";
import { discordTimestamp } from "../protocol/timestamp.ts";

export function roleJson(role: StoredRole): Record<string, unknown> {
  return {
    id: role.id,
    name: role.name,
    color: role.color,
    colors: { primary_color: role.color, secondary_color: null, tertiary_color: null },
    hoist: role.hoist,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: role.permissions.toString(),
    managed: false,
    mentionable: role.mentionable,
    flags: 0,
  };
}

export function channelJson(channel: StoredChannel): Record<string, unknown> {
  return {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guildId,
    name: channel.name,
    position: channel.position,
    parent_id: channel.parentId,
    topic: channel.topic,
    nsfw: false,
    rate_limit_per_user: 0,
    last_message_id: null,
    flags: 0,
    permission_overwrites: channel.overwrites.map((o) => ({
      id: o.id,
      type: o.type,
      allow: o.allow.toString(),
      deny: o.deny.toString(),
    })),
  };
}

/** A guild member; with `guildId` it is the GUILD_MEMBER_* event shape. */
export function memberJson(member: Member, user: User, guildId?: string): Record<string, unknown> {
  const json: Record<string, unknown> = {
    user: userObject(user),
    nick: member.nick,
    avatar: null,
    banner: null,
    roles: member.roleIds,
    joined_at: discordTimestamp(member.joinedAt),
    premium_since: null,
    deaf: false,
    mute: false,
    pending: false,
    flags: 0,
    communication_disabled_until: null,
  };
  if (guildId !== undefined) json.guild_id = guildId;
  return json;
}

/** The guild's own fields (GUILD_UPDATE's `d`, and the head of GUILD_CREATE). */
export function guildJson(guild: Guild, roles: Iterable<StoredRole>): Record<string, unknown> {
  return {
    id: guild.id,
    name: guild.name,
    icon: guild.icon,
    icon_hash: guild.icon,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: guild.ownerId,
    region: "deprecated",
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    widget_channel_id: null,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    max_presences: null,
    max_members: 1_000_000,
    vanity_url_code: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    preferred_locale: "en-US",
    nsfw_level: 0,
    nsfw: false,
    roles: [...roles].map(roleJson),
    emojis: [],
    stickers: [],
  };
}

/**
 * A reference model of Discord's REST permission rules for messages, written from
 * discord-api-docs (topics/permissions.mdx "Permission Overwrites" and "Implicit Permissions",
 * resources/message.mdx and channel.mdx per route, events/gateway.mdx "List of Intents" and
 * "Message Content Intent"), not from guildgate's code, so the property test that uses it
 * checks guildgate against the docs. Small on purpose: one guild, text channels, bots.
 *
 * Where the docs leave an answer open, a rule lists every answer it accepts (`answers`) and the
 * property test follows the one guildgate gave; each such place says why in a comment.
 */

export const Perm = {
  ADD_REACTIONS: 1n << 6n,
  ADMINISTRATOR: 1n << 3n,
  VIEW_CHANNEL: 1n << 10n,
  SEND_MESSAGES: 1n << 11n,
  SEND_TTS_MESSAGES: 1n << 12n,
  MANAGE_MESSAGES: 1n << 13n,
  READ_MESSAGE_HISTORY: 1n << 16n,
  MENTION_EVERYONE: 1n << 17n,
  PIN_MESSAGES: 1n << 51n,
} as const;

const ATTACH_FILES = 1n << 15n;
const EMBED_LINKS = 1n << 14n;

/** Every permission bit (`ALL` in the docs' pseudocode). */
const ALL = (1n << 64n) - 1n;

export const Intent = {
  GUILDS: 1 << 0,
  GUILD_MESSAGES: 1 << 9,
  GUILD_MESSAGE_REACTIONS: 1 << 10,
  GUILD_MESSAGE_TYPING: 1 << 11,
  MESSAGE_CONTENT: 1 << 15,
} as const;

export interface ModelOverwrite {
  id: string;
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

export interface ModelGuild {
  id: string;
  ownerId: string;
  /** Role id → permissions; the guild's id is @everyone. */
  roles: Map<string, bigint>;
  /** User id → role ids (not @everyone). */
  members: Map<string, string[]>;
  /** Channel id → overwrites. */
  channels: Map<string, ModelOverwrite[]>;
}

/** compute_base_permissions, as the docs' pseudocode has it. */
export function basePermissions(guild: ModelGuild, userId: string): bigint {
  if (guild.ownerId === userId) return ALL;
  let permissions = guild.roles.get(guild.id) ?? 0n;
  for (const roleId of guild.members.get(userId) ?? []) permissions |= guild.roles.get(roleId) ?? 0n;
  if ((permissions & Perm.ADMINISTRATOR) === Perm.ADMINISTRATOR) return ALL;
  return permissions;
}

/** compute_overwrites on top of the base: @everyone, then the member's roles together, then the member. */
export function channelPermissions(guild: ModelGuild, userId: string, channelId: string): bigint {
  const base = basePermissions(guild, userId);
  if ((base & Perm.ADMINISTRATOR) === Perm.ADMINISTRATOR) return ALL;
  const overwrites = guild.channels.get(channelId) ?? [];
  let permissions = base;
  const everyone = overwrites.find((o) => o.type === 0 && o.id === guild.id);
  if (everyone) {
    permissions &= ~everyone.deny;
    permissions |= everyone.allow;
  }
  let allow = 0n;
  let deny = 0n;
  for (const roleId of guild.members.get(userId) ?? []) {
    const role = overwrites.find((o) => o.type === 0 && o.id === roleId);
    if (role) {
      allow |= role.allow;
      deny |= role.deny;
    }
  }
  permissions &= ~deny;
  permissions |= allow;
  const member = overwrites.find((o) => o.type === 1 && o.id === userId);
  if (member) {
    permissions &= ~member.deny;
    permissions |= member.allow;
  }
  // Implicit permissions: without VIEW_CHANNEL nothing else in the channel counts; without
  // SEND_MESSAGES, neither do MENTION_EVERYONE, SEND_TTS_MESSAGES, ATTACH_FILES nor EMBED_LINKS.
  if ((permissions & Perm.VIEW_CHANNEL) === 0n) return 0n;
  if ((permissions & Perm.SEND_MESSAGES) === 0n) permissions &= ~(Perm.MENTION_EVERYONE | Perm.SEND_TTS_MESSAGES | ATTACH_FILES | EMBED_LINKS);
  return permissions;
}

export const has = (granted: bigint, permission: bigint): boolean => (granted & permission) === permission;

/** An answer: a 2xx status, or an error status with Discord's JSON code. */
export interface Answer {
  status: number;
  code?: number;
}

export const ok = (status: 200 | 204): Answer => ({ status });
export const MISSING_ACCESS: Answer = { status: 403, code: 50001 };
export const MISSING_PERMISSIONS: Answer = { status: 403, code: 50013 };
export const UNKNOWN_MESSAGE: Answer = { status: 404, code: 10008 };
export const NOT_AUTHOR: Answer = { status: 403, code: 50005 };

export const answerText = (a: Answer): string => (a.code === undefined ? String(a.status) : `${a.status} ${a.code}`);
export const sameAnswer = (a: Answer, b: Answer): boolean => a.status === b.status && a.code === b.code;

/**
 * Who gets an event: sessions with every intent in `intents` whose user can view the
 * channel (gateway.mdx: MESSAGE_* under GUILD_MESSAGES, reactions under
 * GUILD_MESSAGE_REACTIONS, TYPING_START under GUILD_MESSAGE_TYPING, CHANNEL_PINS_UPDATE under
 * GUILDS; a channel's events only to those who can view it).
 */
export const EVENT_INTENT: Record<string, number> = {
  MESSAGE_CREATE: Intent.GUILD_MESSAGES,
  MESSAGE_UPDATE: Intent.GUILD_MESSAGES,
  MESSAGE_DELETE: Intent.GUILD_MESSAGES,
  MESSAGE_DELETE_BULK: Intent.GUILD_MESSAGES,
  MESSAGE_REACTION_ADD: Intent.GUILD_MESSAGE_REACTIONS,
  MESSAGE_REACTION_REMOVE: Intent.GUILD_MESSAGE_REACTIONS,
  MESSAGE_REACTION_REMOVE_ALL: Intent.GUILD_MESSAGE_REACTIONS,
  TYPING_START: Intent.GUILD_MESSAGE_TYPING,
  CHANNEL_PINS_UPDATE: Intent.GUILDS,
};

/**
 * Whether a session of `userId` sees a message's content without MESSAGE_CONTENT
 * (gateway.mdx "Message Content Intent": apps get "content in messages that an app sends" and
 * "content in which the app is mentioned").
 */
export const seesContent = (intents: number, userId: string, authorId: string, mentioned: readonly string[]): boolean =>
  (intents & Intent.MESSAGE_CONTENT) !== 0 || userId === authorId || mentioned.includes(userId);

/** The user ids a content mentions as `<@id>` (message formatting: a user mention). */
export const userMentions = (content: string): string[] => [...new Set([...content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1] as string))];

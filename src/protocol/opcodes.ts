/**
 * Gateway opcodes and intent bits of Discord Gateway v10, as plain `const` objects so they
 * inline as numbers and double as types (`Op`, `ClientOp`, `Intent`).
 * Source: discord.com/developers/docs/topics/opcodes-and-status-codes and
 * .../events/gateway#list-of-intents; 14 and 37 are the user-client guild subscriptions.
 * Every client opcode the docs list (1, 2, 3, 4, 6, 8, 31, 43) is accepted: one guildgate has
 * nothing for is answered as Discord answers it, never with a close.
 */

/** Every opcode guildgate sends or accepts. */
export const Op = {
  DISPATCH: 0,
  HEARTBEAT: 1,
  IDENTIFY: 2,
  PRESENCE_UPDATE: 3,
  VOICE_STATE_UPDATE: 4,
  RESUME: 6,
  RECONNECT: 7,
  REQUEST_GUILD_MEMBERS: 8,
  INVALID_SESSION: 9,
  HELLO: 10,
  HEARTBEAT_ACK: 11,
  /** "Lazy request": subscribe to one guild's typing, activities, threads and member list. */
  LAZY_REQUEST: 14,
  /** Op 14 for many guilds at once: `{subscriptions: {guild_id: {...}}}`. */
  GUILD_SUBSCRIPTIONS_BULK: 37,
  /** `{guild_ids}`: answered with a SOUNDBOARD_SOUNDS per guild. */
  REQUEST_SOUNDBOARD_SOUNDS: 31,
  /** `{guild_id, fields}`: answered with CHANNEL_INFO (ephemeral voice channel data). */
  REQUEST_CHANNEL_INFO: 43,
} as const;

/** Any opcode value in `Op`. */
export type Op = (typeof Op)[keyof typeof Op];

/** Opcodes a client may send; anything else (including 0, 7, 9, 10, 11) closes with 4001. */
export const CLIENT_OPS = [
  Op.HEARTBEAT,
  Op.IDENTIFY,
  Op.PRESENCE_UPDATE,
  Op.VOICE_STATE_UPDATE,
  Op.RESUME,
  Op.REQUEST_GUILD_MEMBERS,
  Op.LAZY_REQUEST,
  Op.GUILD_SUBSCRIPTIONS_BULK,
  Op.REQUEST_SOUNDBOARD_SOUNDS,
  Op.REQUEST_CHANNEL_INFO,
] as const;

/** An opcode a client may send. */
export type ClientOp = (typeof CLIENT_OPS)[number];

const clientOps: ReadonlySet<number> = new Set(CLIENT_OPS);

/** Whether `op` is an opcode a client may send. */
export function isClientOp(op: number): op is ClientOp {
  return clientOps.has(op);
}

/** Gateway intent bits (IDENTIFY `intents`). Bits 17–19 and 22–23 are not public intents. */
export const Intent = {
  GUILDS: 1 << 0,
  /** Privileged. */
  GUILD_MEMBERS: 1 << 1,
  GUILD_MODERATION: 1 << 2,
  GUILD_EXPRESSIONS: 1 << 3,
  GUILD_INTEGRATIONS: 1 << 4,
  GUILD_WEBHOOKS: 1 << 5,
  GUILD_INVITES: 1 << 6,
  GUILD_VOICE_STATES: 1 << 7,
  /** Privileged. */
  GUILD_PRESENCES: 1 << 8,
  GUILD_MESSAGES: 1 << 9,
  GUILD_MESSAGE_REACTIONS: 1 << 10,
  GUILD_MESSAGE_TYPING: 1 << 11,
  DIRECT_MESSAGES: 1 << 12,
  DIRECT_MESSAGE_REACTIONS: 1 << 13,
  DIRECT_MESSAGE_TYPING: 1 << 14,
  /** Privileged. */
  MESSAGE_CONTENT: 1 << 15,
  GUILD_SCHEDULED_EVENTS: 1 << 16,
  AUTO_MODERATION_CONFIGURATION: 1 << 20,
  AUTO_MODERATION_EXECUTION: 1 << 21,
  GUILD_MESSAGE_POLLS: 1 << 24,
  DIRECT_MESSAGE_POLLS: 1 << 25,
} as const;

/** Any single intent bit in `Intent`. */
export type Intent = (typeof Intent)[keyof typeof Intent];

/** Intents an application must be granted before it may ask for them (else 4014). */
export const PRIVILEGED_INTENTS =
  Intent.GUILD_MEMBERS | Intent.GUILD_PRESENCES | Intent.MESSAGE_CONTENT;

/** Every defined intent bit: 53608447. Any other bit in IDENTIFY `intents` closes with 4013. */
export const ALL_INTENTS = Object.values(Intent).reduce((mask, bit) => mask | bit, 0);

/**
 * Wire types of Discord Gateway v10 JSON payloads: the `{op, d, s, t}` envelope and the `d`
 * of every opcode a client sends. Shapes follow the Discord docs (events/gateway-events) and,
 * where they differ, what discord.py 2.x and @discordjs/ws actually send; the differences are
 * handled in validate*.ts and noted there. Types only; no runtime code.
 */

/** A u64 id as a decimal string, e.g. "175928847299117063". */
export type Snowflake = string;

/** The envelope of every gateway message. `s` and `t` are null unless `op` is 0 (DISPATCH). */
export interface GatewayPayload<D = unknown> {
  op: number;
  d: D;
  s: number | null;
  t: string | null;
}

/** Op 1: the last `s` the client saw, or null before the first dispatch. */
export type HeartbeatData = number | null;

/** IDENTIFY `properties`. Clients put their library name in `browser` and `device`. */
export interface IdentifyProperties {
  os: string;
  browser: string;
  device: string;
}

/** Presence statuses a client may set. */
export type PresenceStatus = "online" | "dnd" | "idle" | "invisible" | "offline";

/** The activity fields a bot or client may set (name, type, and the optional url/state). */
export interface Activity {
  name: string;
  /** 0 playing, 1 streaming, 2 listening, 3 watching, 4 custom, 5 competing. */
  type: number;
  url?: string | null;
  state?: string | null;
}

/** Op 3, and IDENTIFY `presence`. */
export interface PresenceUpdateData {
  /** Unix time in ms since the client went idle, or null. */
  since: number | null;
  activities: Activity[];
  status: PresenceStatus;
  afk: boolean;
}

/** Op 2. */
export interface IdentifyData {
  token: string;
  properties: IdentifyProperties;
  /** Per-message payload compression; discord.py sends true even with zlib-stream. */
  compress?: boolean;
  /** 50–250: members above which offline members are left out of GUILD_CREATE. */
  large_threshold?: number;
  /** [shard_id, num_shards]. */
  shard?: [number, number];
  presence?: PresenceUpdateData;
  intents: number;
}

/** Op 4. */
export interface VoiceStateUpdateData {
  guild_id: Snowflake;
  /** null to leave voice. */
  channel_id: Snowflake | null;
  self_mute: boolean;
  self_deaf: boolean;
}

/** Op 6. */
export interface ResumeData {
  token: string;
  session_id: string;
  /** The last `s` the client saw. */
  seq: number;
}

/** Op 8. One of `query` or `user_ids`; `limit` is required with `query`. */
export interface RequestGuildMembersData {
  guild_id: Snowflake | Snowflake[];
  /** Username prefix, or "" with `limit` 0 for every member. */
  query?: string;
  limit: number;
  presences?: boolean;
  user_ids?: Snowflake | Snowflake[];
  /** Echoed in GUILD_MEMBERS_CHUNK; at most 32 bytes. */
  nonce?: string;
}

/** An inclusive index range `[start, end]` of a member list. */
export type MemberListRange = [start: number, end: number];

/** What a client subscribes to in one guild (op 14 without `guild_id`, one entry of op 37). */
export interface GuildSubscription {
  typing?: boolean;
  threads?: boolean;
  activities?: boolean;
  /** Users whose member and presence updates the client wants. */
  members?: Snowflake[];
  /** Member-list ranges the client is viewing, per channel. */
  channels?: Record<Snowflake, MemberListRange[]>;
}

/** Op 14. */
export interface LazyRequestData extends GuildSubscription {
  guild_id: Snowflake;
}

/** Op 37. */
export interface GuildSubscriptionsBulkData {
  subscriptions: Record<Snowflake, GuildSubscription>;
}

/** Op 31. */
export interface RequestSoundboardSoundsData {
  guild_ids: Snowflake[];
}

/** Op 43. `fields`: "status", "voice_start_time" (others may come). */
export interface RequestChannelInfoData {
  guild_id: Snowflake;
  fields: string[];
}

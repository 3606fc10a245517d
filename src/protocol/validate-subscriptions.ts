/**
 * Validators for the user-client guild subscriptions, op 14 (one guild) and op 37 (many), and
 * `normalizeRanges`, which turns member-list ranges into Discord's 100-item chunks.
 * Count limits trim silently instead of closing, as Discord does: the first 5 channels (in
 * JSON key order, which JavaScript keeps for snowflake-sized keys), the first 3 ranges per
 * channel and the first 100 `members` are kept. Malformed values close with 4002.
 * Op 37 has no guild count limit of its own; the 4096-byte frame limit bounds it.
 */
import {
  decodeError,
  isSnowflake,
  optional,
  readArray,
  readBoolean,
  readInteger,
  readObject,
  readSnowflake,
  type JsonObject,
} from "./fields.ts";
import type {
  GuildSubscription,
  GuildSubscriptionsBulkData,
  LazyRequestData,
  MemberListRange,
  Snowflake,
} from "./payloads.ts";

/** Channels kept per guild subscription. */
export const MAX_SUBSCRIBED_CHANNELS = 5;
/** Ranges kept per channel. */
export const MAX_RANGES_PER_CHANNEL = 3;
/** `members` ids kept per guild subscription. */
export const MAX_SUBSCRIBED_MEMBERS = 100;
/** Member-list chunk size: ranges are served as `[k*100, k*100+99]`. */
export const CHUNK_SIZE = 100;
/** Chunks one range may cover: a 100-item window that is not aligned touches two. */
export const MAX_CHUNKS_PER_RANGE = 2;

function readRange(value: unknown, field: string): MemberListRange {
  const pair = readArray(value, field);
  if (pair.length !== 2) throw decodeError(field, "must be [start, end]");
  const start = readInteger(pair[0], `${field}[0]`);
  const end = readInteger(pair[1], `${field}[1]`);
  if (start > end) throw decodeError(field, "must have start <= end");
  return [start, end];
}

function readChannels(value: unknown, field: string): Record<Snowflake, MemberListRange[]> {
  const channels: Record<Snowflake, MemberListRange[]> = {};
  const entries = Object.entries(readObject(value, field)).slice(0, MAX_SUBSCRIBED_CHANNELS);
  for (const [channelId, ranges] of entries) {
    const path = `${field}[${JSON.stringify(channelId)}]`;
    if (!isSnowflake(channelId)) throw decodeError(path, "is not a snowflake key");
    channels[channelId] = readArray(ranges, path)
      .slice(0, MAX_RANGES_PER_CHANNEL)
      .map((range, i) => readRange(range, `${path}[${i}]`));
  }
  return channels;
}

function readMembers(value: unknown, field: string): Snowflake[] {
  return readArray(value, field)
    .slice(0, MAX_SUBSCRIBED_MEMBERS)
    .map((id, i) => readSnowflake(id, `${field}[${i}]`));
}

/** The subscription fields shared by op 14 and each op 37 entry; unknown fields are ignored. */
function readSubscription(o: JsonObject, field: string): GuildSubscription {
  const sub: GuildSubscription = {};
  const typing = optional(o.typing, `${field}.typing`, readBoolean);
  const threads = optional(o.threads, `${field}.threads`, readBoolean);
  const activities = optional(o.activities, `${field}.activities`, readBoolean);
  const members = optional(o.members, `${field}.members`, readMembers);
  const channels = optional(o.channels, `${field}.channels`, readChannels);
  if (typing !== undefined) sub.typing = typing;
  if (threads !== undefined) sub.threads = threads;
  if (activities !== undefined) sub.activities = activities;
  if (members !== undefined) sub.members = members;
  if (channels !== undefined) sub.channels = channels;
  return sub;
}

/** Validates op 14's `d`; throws `ProtocolError(4002)` naming the bad field. */
export function validateLazyRequest(d: unknown): LazyRequestData {
  const o = readObject(d, "d");
  return { guild_id: readSnowflake(o.guild_id, "d.guild_id"), ...readSubscription(o, "d") };
}

/** Validates op 37's `d`; throws `ProtocolError(4002)` naming the bad field. */
export function validateGuildSubscriptionsBulk(d: unknown): GuildSubscriptionsBulkData {
  const o = readObject(d, "d");
  const subscriptions: Record<Snowflake, GuildSubscription> = {};
  for (const [guildId, sub] of Object.entries(readObject(o.subscriptions, "d.subscriptions"))) {
    const path = `d.subscriptions[${JSON.stringify(guildId)}]`;
    if (!isSnowflake(guildId)) throw decodeError(path, "is not a snowflake key");
    subscriptions[guildId] = readSubscription(readObject(sub, path), path);
  }
  return { subscriptions };
}

/**
 * The 100-item chunks `[k*100, k*100+99]` that `ranges` touch, sorted and without repeats.
 * Each range covers at most `MAX_CHUNKS_PER_RANGE` chunks from its start, so one huge range
 * cannot make the server sync a whole member list.
 */
export function normalizeRanges(ranges: readonly MemberListRange[]): MemberListRange[] {
  const chunks = new Set<number>();
  for (const [start, end] of ranges) {
    const first = Math.floor(start / CHUNK_SIZE);
    const last = Math.min(Math.floor(end / CHUNK_SIZE), first + MAX_CHUNKS_PER_RANGE - 1);
    for (let k = first; k <= last; k++) chunks.add(k);
  }
  return [...chunks].sort((a, b) => a - b).map((k) => [k * CHUNK_SIZE, k * CHUNK_SIZE + CHUNK_SIZE - 1]);
}

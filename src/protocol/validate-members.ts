/**
 * Validator for op 8 REQUEST_GUILD_MEMBERS. Follows the Discord docs (events/gateway-events
 * #request-guild-members) with what discord.py 2.x and discord.js 14 send:
 * - discord.py sends `guild_id` and `user_ids` as JSON numbers; they become strings.
 * - discord.js sends `limit: 0` with `user_ids`, and a single id as a bare string.
 * - `user_ids: []` is valid (discord.js sends it for an empty list) and matches nobody.
 * - A nonce that is not a string of at most 32 bytes is dropped, as Discord documents.
 * - More than 100 `user_ids` are trimmed to the first 100 (Discord returns at most 100).
 * - `guild_id` may be a one-element array (old clients); Discord allows one guild per request.
 */
import {
  decodeError,
  optional,
  readArray,
  readBoolean,
  readInteger,
  readObject,
  readSnowflake,
  readString,
  utf8Bytes,
  withDefault,
} from "./fields.ts";
import type { RequestGuildMembersData, Snowflake } from "./payloads.ts";

/** At most this many `user_ids` are kept; the rest are ignored. */
export const MAX_USER_IDS = 100;

/** Longest `nonce` kept, in UTF-8 bytes. */
export const MAX_NONCE_BYTES = 32;

/** A validated op 8: one guild, `user_ids` always an array, `limit` always set. */
export interface GuildMembersRequest extends RequestGuildMembersData {
  guild_id: Snowflake;
  user_ids?: Snowflake[];
  presences: boolean;
}

function readGuildId(value: unknown): Snowflake {
  if (!Array.isArray(value)) return readSnowflake(value, "d.guild_id");
  if (value.length !== 1) throw decodeError("d.guild_id", "must name exactly one guild");
  return readSnowflake(value[0], "d.guild_id[0]");
}

function readUserIds(value: unknown, field: string): Snowflake[] {
  if (!Array.isArray(value)) return [readSnowflake(value, field)];
  return readArray(value, field)
    .slice(0, MAX_USER_IDS)
    .map((id, i) => readSnowflake(id, `${field}[${i}]`));
}

/** Validates op 8's `d`; throws `ProtocolError(4002)` naming the bad field. */
export function validateRequestGuildMembers(d: unknown): GuildMembersRequest {
  const o = readObject(d, "d");
  const guild_id = readGuildId(o.guild_id);
  const query = optional(o.query, "d.query", readString);
  const user_ids = optional(o.user_ids, "d.user_ids", readUserIds);
  if (query !== undefined && user_ids !== undefined) {
    throw decodeError("d.query", "and d.user_ids are mutually exclusive");
  }
  if (query === undefined && user_ids === undefined) {
    throw decodeError("d", "needs d.query or d.user_ids");
  }
  // The docs require `limit` with `query`; with `user_ids` it is optional.
  const limit = query === undefined ? withDefault(o.limit, "d.limit", readInteger, 0) : readInteger(o.limit, "d.limit");
  const presences = withDefault(o.presences, "d.presences", readBoolean, false);
  const nonce = typeof o.nonce === "string" && utf8Bytes(o.nonce) <= MAX_NONCE_BYTES ? o.nonce : undefined;
  return {
    guild_id,
    ...(query === undefined ? { user_ids: user_ids ?? [] } : { query }),
    limit,
    presences,
    ...(nonce === undefined ? {} : { nonce }),
  };
}

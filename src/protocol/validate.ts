/**
 * Validation of client frames: `validateFrame` checks the envelope, one validator per client
 * opcode checks `d`, and `validateClientPayload` runs the right one. Each returns typed data
 * or throws `ProtocolError`: 4002 naming the bad field, 4001 for an unknown opcode, 4010 for a
 * bad shard, 4013 for bad intents. Unknown fields are ignored. Where clients differ from the
 * docs, clients win:
 * - discord.py's IDENTIFY presence has `game` (one activity or null), not `activities`,
 *   and may have `status: null`; null status means "online".
 * - IDENTIFY's `presence` never closes the session (see `readIdentifyPresence`).
 * - `large_threshold` outside 50–250 is clamped, not rejected.
 * - A heartbeat without `d` counts as `d: null`.
 */
import { CloseCode, ProtocolError } from "./close-codes.ts";
import {
  decodeError,
  isObject,
  optional,
  readArray,
  readBoolean,
  readInteger,
  readObject,
  readSnowflake,
  readString,
  utf8Bytes,
  withDefault,
  type JsonObject,
} from "./fields.ts";
import { ALL_INTENTS, Op, isClientOp, type ClientOp } from "./opcodes.ts";
import { decodeEtf } from "./etf-decode.ts";
import { EtfError } from "./etf.ts";
import { parseJson } from "./parse-json.ts";
import type {
  Activity,
  GuildSubscriptionsBulkData,
  HeartbeatData,
  IdentifyData,
  IdentifyProperties,
  LazyRequestData,
  PresenceStatus,
  PresenceUpdateData,
  RequestChannelInfoData,
  RequestSoundboardSoundsData,
  ResumeData,
  VoiceStateUpdateData,
} from "./payloads.ts";
import { validateRequestGuildMembers, type GuildMembersRequest } from "./validate-members.ts";
import { validateGuildSubscriptionsBulk, validateLazyRequest } from "./validate-subscriptions.ts";
import { validateRequestChannelInfo, validateRequestSoundboardSounds } from "./validate-info-requests.ts";

/** Largest client frame, in UTF-8 bytes (Discord's limit); larger ones close with 4002. */
export const MAX_FRAME_BYTES = 4096;

/** A parsed client frame whose `d` is not validated yet. */
export interface ClientFrame {
  op: ClientOp;
  d: unknown;
}

/** Parses a text frame: a JSON object of at most 4096 bytes with a client opcode `op`. */
export function validateFrame(text: string): ClientFrame {
  // A UTF-16 unit is 1–3 UTF-8 bytes, so only count bytes when the length is ambiguous.
  const tooLong =
    text.length > MAX_FRAME_BYTES || (text.length * 3 > MAX_FRAME_BYTES && utf8Bytes(text) > MAX_FRAME_BYTES);
  if (tooLong) {
    throw decodeError("frame", `is over ${MAX_FRAME_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = parseJson(text);
  } catch {
    throw decodeError("frame", "is not valid JSON");
  }
  if (!isObject(value)) throw decodeError("frame", "must be a JSON object");
  return clientFrame(value);
}

/**
 * Decodes a binary frame of an encoding=etf connection (etf.ts): an ETF map of at most 4096
 * bytes, with string keys and a client opcode `op`, read into the values JSON would give.
 */
export function validateEtfFrame(bytes: Uint8Array): ClientFrame {
  if (bytes.byteLength > MAX_FRAME_BYTES) throw decodeError("frame", `is over ${MAX_FRAME_BYTES} bytes`);
  let value: unknown;
  try {
    value = decodeEtf(bytes);
  } catch (error) {
    if (error instanceof EtfError) throw decodeError("frame", `is not valid ETF: ${error.message}`);
    throw error;
  }
  if (!isObject(value)) throw decodeError("frame", "must be an ETF map");
  return clientFrame(value);
}

function clientFrame(value: JsonObject): ClientFrame {
  const op = value.op;
  if (typeof op !== "number" || !Number.isInteger(op)) throw decodeError("op", "must be an integer");
  if (!isClientOp(op)) throw new ProtocolError(CloseCode.UNKNOWN_OPCODE, `op ${op}`);
  return { op, d: value.d };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The text of a binary frame. With encoding=json, some SDKs (hikari) send every payload as
 * UTF-8 JSON in a binary frame, and Discord reads it as a text frame: so does this. Over
 * 4096 bytes, or not UTF-8, it closes with 4002 (hikari's retry of a 4002 would loop).
 */
export function binaryFrameText(bytes: Uint8Array): string {
  if (bytes.byteLength > MAX_FRAME_BYTES) throw decodeError("frame", `is over ${MAX_FRAME_BYTES} bytes`);
  try {
    return utf8.decode(bytes);
  } catch {
    throw decodeError("frame", "is not valid UTF-8");
  }
}

/** Op 1: a non-negative integer, or null (also for a missing `d`). */
export function validateHeartbeat(d: unknown): HeartbeatData {
  return withDefault(d, "d", readInteger, null);
}

const STATUSES: ReadonlySet<string> = new Set<PresenceStatus>(["online", "dnd", "idle", "invisible", "offline"]);

function readStatus(value: unknown, field: string): PresenceStatus {
  const status = readString(value, field);
  if (!STATUSES.has(status)) throw decodeError(field, "must be online, dnd, idle, invisible or offline");
  return status as PresenceStatus;
}

function readActivity(value: unknown, field: string): Activity {
  const o = readObject(value, field);
  const activity: Activity = {
    name: readString(o.name, `${field}.name`),
    type: readInteger(o.type ?? 0, `${field}.type`, 0, 255),
  };
  const url = optional(o.url, `${field}.url`, readString);
  const state = optional(o.state, `${field}.state`, readString);
  if (url !== undefined) activity.url = url;
  if (state !== undefined) activity.state = state;
  return activity;
}

function readActivities(o: JsonObject, field: string): Activity[] {
  if (o.activities !== undefined && o.activities !== null) {
    const list = readArray(o.activities, `${field}.activities`);
    return list.map((activity, i) => readActivity(activity, `${field}.activities[${i}]`));
  }
  // discord.py's IDENTIFY sends `game`: the single activity, or null.
  return isObject(o.game) ? [readActivity(o.game, `${field}.game`)] : [];
}

function readSince(value: unknown, field: string): number {
  // discord.py sends `since: 0.0` or a float; keep whole milliseconds.
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw decodeError(field, "must be a non-negative number or null");
  }
  return Math.floor(value);
}

/** Op 3 (and IDENTIFY `presence` with `field` "d.presence"). Missing fields take defaults. */
export function validatePresenceUpdate(d: unknown, field = "d"): PresenceUpdateData {
  const o = readObject(d, field);
  return {
    since: optional(o.since, `${field}.since`, readSince) ?? null,
    activities: readActivities(o, field),
    status: withDefault(o.status, `${field}.status`, readStatus, "online"),
    afk: withDefault(o.afk, `${field}.afk`, readBoolean, false),
  };
}

/** `read`'s value, or `fallback` where `read` would throw. */
function orElse<T, F>(read: (value: unknown, field: string) => T, value: unknown, fallback: F): T | F {
  try {
    return read(value, "d.presence");
  } catch (error) {
    if (error instanceof ProtocolError) return fallback;
    throw error;
  }
}

/**
 * IDENTIFY `presence`, read liberally, as Discord does: how a session describes itself must
 * not stop it from starting. discordgo 0.29 always sends `{"since":0,"game":{"name":"",
 * "type":0,"created_at":"0001-01-01T00:00:00Z",...},"status":"","afk":false}`. A field that
 * is not what the docs say takes its default (an empty or unknown status means online), an
 * activity that is not one (no name: discordgo's zero-value game) is left out, unknown fields
 * are ignored, and a presence that is not an object is no presence.
 */
export function readIdentifyPresence(value: unknown): PresenceUpdateData | undefined {
  if (!isObject(value)) return undefined;
  const list: unknown[] = Array.isArray(value.activities) ? value.activities : isObject(value.game) ? [value.game] : [];
  const status = value.status;
  return {
    since: orElse(readSince, value.since, null),
    activities: list.flatMap((item) => {
      const activity = orElse(readActivity, item, null);
      return activity && activity.name !== "" ? [activity] : [];
    }),
    status: typeof status === "string" && STATUSES.has(status) ? (status as PresenceStatus) : "online",
    afk: value.afk === true,
  };
}

function readProperties(value: unknown, field: string): IdentifyProperties {
  const o = readObject(value, field);
  // v6-era clients prefix the keys with "$".
  const prop = (key: "os" | "browser" | "device") =>
    withDefault(o[key] ?? o[`$${key}`], `${field}.${key}`, readString, "");
  return { os: prop("os"), browser: prop("browser"), device: prop("device") };
}

function readIntents(value: unknown): number {
  // Check the range first: `&` only sees the low 32 bits.
  const known = typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= ALL_INTENTS;
  if (!known || (value & ~ALL_INTENTS) !== 0) {
    throw new ProtocolError(CloseCode.INVALID_INTENTS, "d.intents must be an integer of known intent bits");
  }
  return value;
}

function readShard(value: unknown): [number, number] {
  if (Array.isArray(value) && value.length === 2) {
    const [id, count]: unknown[] = value;
    if (typeof id === "number" && typeof count === "number" && Number.isSafeInteger(id)) {
      // 0 <= id < count also gives count >= 1.
      if (Number.isSafeInteger(count) && id >= 0 && id < count) return [id, count];
    }
  }
  throw new ProtocolError(
    CloseCode.INVALID_SHARD,
    "d.shard must be [shard_id, num_shards], 0 <= shard_id < num_shards",
  );
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

/** Op 2. Bad intents close with 4013, a bad shard with 4010, anything else with 4002. */
export function validateIdentify(d: unknown): IdentifyData {
  const o = readObject(d, "d");
  const identify: IdentifyData = {
    token: readString(o.token, "d.token"),
    properties: readProperties(o.properties, "d.properties"),
    intents: readIntents(o.intents),
  };
  const compress = optional(o.compress, "d.compress", readBoolean);
  const largeThreshold = optional(o.large_threshold, "d.large_threshold", readInteger);
  const shard = o.shard === undefined || o.shard === null ? undefined : readShard(o.shard);
  const presence = readIdentifyPresence(o.presence);
  if (compress !== undefined) identify.compress = compress;
  if (largeThreshold !== undefined) identify.large_threshold = clamp(largeThreshold, 50, 250);
  if (shard !== undefined) identify.shard = shard;
  if (presence !== undefined) identify.presence = presence;
  return identify;
}

/** Op 4. Missing `channel_id` means null (leave voice); missing flags mean false. */
export function validateVoiceStateUpdate(d: unknown): VoiceStateUpdateData {
  const o = readObject(d, "d");
  return {
    guild_id: readSnowflake(o.guild_id, "d.guild_id"),
    channel_id: optional(o.channel_id, "d.channel_id", readSnowflake) ?? null,
    self_mute: withDefault(o.self_mute, "d.self_mute", readBoolean, false),
    self_deaf: withDefault(o.self_deaf, "d.self_deaf", readBoolean, false),
  };
}

/** Op 6. */
export function validateResume(d: unknown): ResumeData {
  const o = readObject(d, "d");
  return {
    token: readString(o.token, "d.token"),
    session_id: readString(o.session_id, "d.session_id"),
    seq: readInteger(o.seq, "d.seq"),
  };
}

/** A client frame with its `d` validated, discriminated by `op`. */
export type ClientPayload =
  | { op: typeof Op.HEARTBEAT; d: HeartbeatData }
  | { op: typeof Op.IDENTIFY; d: IdentifyData }
  | { op: typeof Op.PRESENCE_UPDATE; d: PresenceUpdateData }
  | { op: typeof Op.VOICE_STATE_UPDATE; d: VoiceStateUpdateData }
  | { op: typeof Op.RESUME; d: ResumeData }
  | { op: typeof Op.REQUEST_GUILD_MEMBERS; d: GuildMembersRequest }
  | { op: typeof Op.LAZY_REQUEST; d: LazyRequestData }
  | { op: typeof Op.GUILD_SUBSCRIPTIONS_BULK; d: GuildSubscriptionsBulkData }
  | { op: typeof Op.REQUEST_SOUNDBOARD_SOUNDS; d: RequestSoundboardSoundsData }
  | { op: typeof Op.REQUEST_CHANNEL_INFO; d: RequestChannelInfoData };

/** Validates `frame.d` with the validator for `frame.op`. */
export function validateClientPayload(frame: ClientFrame): ClientPayload {
  const { op, d } = frame;
  switch (op) {
    case Op.HEARTBEAT:
      return { op, d: validateHeartbeat(d) };
    case Op.IDENTIFY:
      return { op, d: validateIdentify(d) };
    case Op.PRESENCE_UPDATE:
      return { op, d: validatePresenceUpdate(d) };
    case Op.VOICE_STATE_UPDATE:
      return { op, d: validateVoiceStateUpdate(d) };
    case Op.RESUME:
      return { op, d: validateResume(d) };
    case Op.REQUEST_GUILD_MEMBERS:
      return { op, d: validateRequestGuildMembers(d) };
    case Op.LAZY_REQUEST:
      return { op, d: validateLazyRequest(d) };
    case Op.GUILD_SUBSCRIPTIONS_BULK:
      return { op, d: validateGuildSubscriptionsBulk(d) };
    case Op.REQUEST_SOUNDBOARD_SOUNDS:
      return { op, d: validateRequestSoundboardSounds(d) };
    case Op.REQUEST_CHANNEL_INFO:
      return { op, d: validateRequestChannelInfo(d) };
  }
}

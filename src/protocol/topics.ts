/**
 * The transport topics sessions hold, built and parsed here and nowhere else. A frame is
 * published once per topic, natively, so a topic names exactly a set of sessions that get the
 * same bytes:
 *
 * - `g:{guild}:{class}:{variant}`: a guild's sessions of one permission class and one intent
 *   variant (guild/audience.ts);
 * - `ml:{guild}:{list}:{chunk}`: the sessions watching 100 members of a member list (op 14);
 * - `u:{user}`: a user's sessions on shard 0 (events addressed to the user);
 * - `r:{topic}`: a topic as it was before a restart (its class ids meant the old process's),
 *   kept so a RESUME replays what the session missed;
 * - `{topic}|z`, `{topic}|zs`, `{topic}|e`, `{topic}|ez`, `{topic}|ezs`: the transport
 *   topics of a topic's zlib-stream, zstd-stream, ETF, ETF + zlib-stream and ETF +
 *   zstd-stream sessions: each wire format gets the same event encoded once.
 */
import type { CompressionKind } from "./compression.ts";

/** A session's topic in a guild. */
export function guildTopic(guildId: string, classId: number, variant: string): string {
  return `g:${guildId}:${classId}:${variant}`;
}

/** A member-list chunk's topic. */
export function listTopic(guildId: string, listId: string, chunk: number): string {
  return `ml:${guildId}:${listId}:${chunk}`;
}

/** The topic for events addressed to one user (DMs, their own user updates). */
export function userTopic(userId: string): string {
  return USER_PREFIX + userId;
}

const USER_PREFIX = "u:";

/** The user a user topic is for; undefined for any other topic. */
export function userOfTopic(topic: string): string | undefined {
  return topic.startsWith(USER_PREFIX) ? topic.slice(USER_PREFIX.length) : undefined;
}

const RESTORED_PREFIX = "r:";

/** A topic as it was before a restart. */
export function restoredTopic(topic: string): string {
  return RESTORED_PREFIX + topic;
}

/** How a socket's frames are written: the encoding it asked for, and its transport compression. */
export interface WireFormat {
  readonly etf: boolean;
  readonly compress: CompressionKind | null;
}

/** Every wire format, JSON text first (the plain topic). */
export const WIRE_FORMATS: readonly WireFormat[] = [
  { etf: false, compress: null },
  { etf: false, compress: "zlib-stream" },
  { etf: false, compress: "zstd-stream" },
  { etf: true, compress: null },
  { etf: true, compress: "zlib-stream" },
  { etf: true, compress: "zstd-stream" },
];

const COMPRESSION_SUFFIX: Readonly<Record<CompressionKind, string>> = { "zlib-stream": "z", "zstd-stream": "zs" };

/** The transport topic a socket of `wire` format subscribes to for a topic. */
export function wireTopic(topic: string, wire: WireFormat): string {
  const compressed = wire.compress === null ? "" : COMPRESSION_SUFFIX[wire.compress];
  if (wire.etf) return `${topic}|e${compressed}`;
  return compressed === "" ? topic : `${topic}|${compressed}`;
}

/** A topic taken apart. */
export type ParsedTopic =
  | { kind: "guild"; guildId: string; classId: number; variant: string }
  | { kind: "list"; guildId: string; listId: string; chunk: number }
  | { kind: "user"; userId: string }
  | { kind: "restored" };

/** Takes a topic apart; undefined for a string no builder here made. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  if (topic.startsWith(RESTORED_PREFIX)) return { kind: "restored" };
  const parts = topic.split(":");
  switch (parts[0]) {
    case "g":
      return parts.length === 4 ? { kind: "guild", guildId: parts[1] as string, classId: Number(parts[2]), variant: parts[3] as string } : undefined;
    case "ml":
      return parts.length === 4 ? { kind: "list", guildId: parts[1] as string, listId: parts[2] as string, chunk: Number(parts[3]) } : undefined;
    case "u":
      return parts.length === 2 ? { kind: "user", userId: parts[1] as string } : undefined;
    default:
      return undefined;
  }
}

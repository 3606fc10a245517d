/**
 * What the gateway keeps per connection and per session. A connection is one
 * WebSocket; a session outlives its connection for the resume window, so a
 * client that drops can RESUME on a new socket and miss nothing.
 */
import type { VoiceRequest } from "../guild/voice-states.ts";
import { randomBytes } from "node:crypto";
import type { GatewayVersion } from "../protocol/gateway-query.ts";
import type { CompressionKind } from "../protocol/compression.ts";
import type { Socket } from "../transport/transport.ts";
import type { User } from "../store/guild-store.ts";
import type { Presence } from "../guild/presence.ts";
import type { FrameWindow } from "./frame-rate-limit.ts";
import type { SmallMap, SmallSet } from "./small-collections.ts";

/** Per-socket state (the transport's socket data). */
export interface Connection extends FrameWindow {
  /** The `v` the client connected with (READY echoes it; payloads are the same). */
  readonly version: GatewayVersion;
  /** Frames go out as shared blocks of this transport compression (protocol/compression.ts), or plain. */
  readonly compress: CompressionKind | null;
  /** encoding=etf: frames both ways are Erlang terms in binary frames (protocol/etf.ts). */
  readonly etf: boolean;
  /** A close code to send as soon as the socket opens (bad version or encoding). */
  readonly refuse: { code: number; reason: string } | null;
  state: "hello" | "authenticating" | "resuming" | "ready" | "closing";
  session: Session | null;
  /** ms timestamp after which a missing heartbeat closes the socket. */
  heartbeatDeadline: number;
  /** Whether an op 1 asking for a heartbeat went out since the last one came in. */
  heartbeatRequested: boolean;
  /** What to continue when the send buffer drains (a paced resume replay). */
  onDrain: (() => void) | null;
  /** Whether the socket has received its first (header-carrying) compressed frame. */
  streamStarted: boolean;
}

/**
 * What a session keeps of its user after READY: the id and whether it is a bot (the rest of
 * the stored user, ~120 B per session with its strings, went out in READY and is not read again).
 */
export type SessionUser = Pick<User, "id" | "bot">;

/** An identified session. */
export interface Session {
  readonly id: string;
  readonly user: SessionUser;
  readonly intents: number;
  readonly shard: readonly [id: number, count: number];
  /** IDENTIFY `large_threshold` (50–250). */
  readonly largeThreshold: number;
  /** What others see of this session's user (IDENTIFY `presence`, then op 3). */
  presence: Presence;
  /** Logical topics held (without the wire format's suffix), for subscribe and replay. */
  readonly topics: SmallSet<string>;
  /** Guilds joined: the variant and topic held in each. */
  readonly guilds: SmallMap<string, SessionGuild>;
  socket: Socket<Connection> | null;
  /** ms timestamp when the socket went away; 0 while attached. */
  detachedAt: number;
}

/** A session's place in one guild (see guild/audience.ts). */
export interface SessionGuild {
  variant: string;
  topic: string;
  /** The stamp of the GUILD_CREATE the client got (not kept in the resume log); 0: still owed. */
  announcedAt: number;
  /** Member-list chunks held (op 14), by list id. */
  lists?: Map<string, number[]>;
  /** The voice channel its last op 4 asked for in the guild: a new owner of the guild takes it over. */
  voice?: VoiceRequest;
}

/**
 * A new session id: `{node}.{worker}.{random}`. The prefix says where the
 * session lives, so a RESUME landing elsewhere can be forwarded home.
 */
export function newSessionId(node: string, worker: number): string {
  return `${node}.${worker}.${randomBytes(12).toString("hex")}`;
}

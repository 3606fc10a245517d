/**
 * The bus between the workers of a node (and, with NATS, between nodes): the interface, the
 * closed set of messages that cross it, and the closed set of coded errors a request can end
 * with. Implementations sit beside it: `bus-ports.ts` (a MessagePort mesh between the
 * workers of one process) and `bus-loopback.ts` (a lone worker, its own peer). Every one
 * passes `bus.contract.ts`.
 *
 * Peers are named by `PeerId` strings (`peerId(node, worker)`), the same names the guild ring
 * holds, so the ring's answer is an address.
 *
 * The ordering promise: everything one peer sends another (pushes, requests, replies) arrives
 * in the order it was sent, and is handled in that order. What a peer sends itself is handled
 * at once, inside `send` or `request`, as a direct call would be; so callers never ask
 * "is the owner this peer?": the bus answers it. A handler that may go on
 * asynchronously (anything but an `INLINE_PUSHES` kind, or an `inlineRequest` answered at
 * once, or the reply to one) pauses the link until the next event-loop turn, so a message that follows it (an
 * event for the topic a join's answer gives) never overtakes the code awaiting it. The guild
 * layer relies on this: an owner's events for a topic reach each worker in the owner's order.
 *
 * Messages are plain data (structured clone, or JSON over NATS): strings, numbers, booleans,
 * bigints (permission bitfields), arrays and small objects; no class instances.
 */
import type { WorkerStats } from "../api/metrics.ts";
import type { Holder, PublishPart } from "../guild/guilds.ts";
import type { MoveOut } from "../session/handoff.ts";
import type { OwnerCall, OwnerReply } from "./owner-api.ts";

/** A peer's address: `{node}/{worker}`. */
export type PeerId = string;

/** The address of `worker` on `node`; also its name in the guild ring. */
export function peerId(node: string, worker: number): PeerId {
  return `${node}/${worker}`;
}

/** Messages that need no answer. */
export type BusPush =
  /**
   * Manifold: an owner's one message per worker per event, the topics there and their `d`s;
   * `acceptedAt`: when the HTTP request that caused it was accepted (cluster/ingress-latency.ts).
   */
  | { k: "publish"; t: string; parts: PublishPart[]; acceptedAt?: number }
  /** An event for one member's sessions in a guild (its own view changed). */
  | { k: "member-event"; guildId: string; userId: string; t: string; dJson: string; strippedJson?: string }
  /** An event about the member itself, for its sessions whose topic does not carry it. */
  | { k: "member-self-event"; guildId: string; userId: string; t: string; dJson: string }
  /** A member's class changed: its sessions move to that class's topic (-1: to none, for now). */
  | { k: "member-moved"; guildId: string; userId: string; classId: number }
  | { k: "member-added"; guildId: string; userId: string }
  | { k: "member-removed"; guildId: string; userId: string }
  /** A member lost sight of a member list: its sessions let go of the list's chunks. */
  | { k: "list-dropped"; guildId: string; userId: string; listId: string }
  /** A new owner took the guild over: these members' sessions here take their class's topic. */
  | { k: "rehome"; guildId: string; moves: [userId: string, classId: number][] }
  /** An event for a user, to the user's owner, which passes it to every peer as `user-deliver`. */
  | { k: "user-event"; userId: string; t: string; dJson: string }
  | { k: "user-deliver"; userId: string; t: string; dJson: string }
  /** Closing a user's sessions, through the user's owner, then on every peer. */
  | { k: "user-disconnect"; userId: string; code: number; reason: string }
  | { k: "user-disconnect-deliver"; userId: string; code: number; reason: string }
  /** A moving session's home: the share of `topic` ends now; the session is going to `to`. */
  | { k: "move-cut"; sessionId: string; topic: string; to: PeerId }
  /**
   * A moving session's new worker: from now on the owner sends `topic`'s events here, under
   * the name `held` (false: a member-list chunk no longer held).
   */
  | { k: "move-switched"; sessionId: string; topic: string; held: string | false }
  /** A moving session's home: the frames it missed there (null: the log no longer reaches them). */
  | { k: "move-frames"; sessionId: string; frames: string[] | null };

/** The kinds of push whose handling finishes synchronously: a batch of them is handled in one task. */
export const INLINE_PUSHES: ReadonlySet<BusPush["k"]> = new Set([
  "publish",
  "user-event",
  "user-deliver",
  "user-disconnect",
  "user-disconnect-deliver",
  "move-switched",
]);

/**
 * Owner operations that only publish an event: answered at once (their guild idle here), they
 * are over, and no message after them on the link depends on the code awaiting their reply
 * (it answers an HTTP request), so the messages after them, or after their replies, in a batch
 * are handled in the same task. An owner then handles a batch of posted events in one task and
 * sends them on as one batch per peer, and every worker hands them to its sockets in one turn
 * (several frames per socket write), as it does with events posted to it directly. Pausing
 * after each of them instead left one event per turn (one socket write per delivery): 0.12x
 * raw in the 3-node fanout, 0.43x without the pause.
 */
const INLINE_OWNER_OPS: ReadonlySet<string> = new Set<OwnerCall["op"]>(["dispatch", "createMessage"]);

/** Whether a request (when its handler answers at once: not a promise), and its reply, are handled in full in their task. */
export function inlineRequest(request: BusRequest): boolean {
  return request.k === "owner" && INLINE_OWNER_OPS.has(request.op);
}

/** Home's answer to "move-out", or where the session went if it moved on. */
export type MoveOutReply = MoveOut | { ok: false; reason: "moved"; to: PeerId };

/** Messages that are answered, each kind with its reply type in `BusReplies`. */
export type BusRequest =
  /** A guild (or user) owner operation, run on the owner (see owner-api.ts). */
  | OwnerCall
  /** This peer's counters, for /metrics. */
  | { k: "stats" }
  /** As a guild's new owner at ring `generation`: stop serving it (once what was started on it is done). */
  | { k: "guild-release"; guildId: string; generation: number }
  /** As a guild's new owner, once every peer let it go: the sessions this peer answers for in it. */
  | { k: "guild-holds"; guildId: string }
  /** As the user's owner: may the user start a session on this shard now (max_concurrency)? */
  | { k: "identify-start"; userId: string; shardId: number }
  /** As a session's home: give it up to `to` for a RESUME there. */
  | { k: "move-out"; sessionId: string; userId: string; seq: number }
  /**
   * As a topic's owner: switch a moving session's hold of `topic` from `home` to `to`. The topic
   * it holds now (a guild's owner may name its class otherwise than home did); false: a
   * member-list chunk no longer held.
   */
  | { k: "move-topic"; topic: string; userId: string; home: PeerId; sessionId: string; to: PeerId };

/** The reply to each request kind. */
export type BusReply<R extends BusRequest> = R extends OwnerCall
  ? OwnerReply<R>
  : R extends { k: "stats" }
    ? WorkerStats
    : R extends { k: "guild-release" }
      ? true
      : R extends { k: "guild-holds" }
        ? Holder[]
        : R extends { k: "identify-start" }
          ? boolean
          : R extends { k: "move-out" }
            ? MoveOutReply
            : R extends { k: "move-topic" }
              ? string | false
              : never;

/**
 * Why a request failed, as a closed set:
 * - `guild-unavailable`: the guild could not be loaded now (too many loads in flight); retry later.
 * - `guild-fenced`: the peer is no longer the guild's owner: a later owner claimed it in the
 *   store (`data.guildId`, `data.generation`, `data.fence`: store/guild-store.ts `GuildFencedError`).
 * - `guild-moved`: the ring gave the guild to another peer; ask its owner again (`data.guildId`).
 * - `refused`: the owner refused the operation (`data.reason`, `data.field`: guild/refusal.ts).
 * - `invalid`: the request was refused as malformed (a bug in the caller).
 * - `peer-gone`: the peer closed, or none answers at that address.
 * - `timeout`: no answer within the request timeout.
 * - `internal`: the handler failed unexpectedly (logged there).
 */
export type BusErrorCode = "guild-unavailable" | "guild-fenced" | "guild-moved" | "refused" | "invalid" | "peer-gone" | "timeout" | "internal";

/** A request's failure; it crosses the bus as `{code, message, data}` and is rebuilt intact. */
export class BusError extends Error {
  override name = "BusError";

  constructor(
    readonly code: BusErrorCode,
    message: string,
    /** Plain data the caller may act on (e.g. the guild and the bound for `guild-unavailable`). */
    readonly data: Readonly<Record<string, string | number>> = {},
  ) {
    super(message);
  }
}

/** What a peer does with messages from the others. */
export interface BusHandlers {
  push(from: PeerId, message: BusPush): void;
  /**
   * Answers a request: the reply, or a promise of it. A thrown (or rejected) `BusError`
   * reaches the caller with its code; anything else becomes `internal`.
   */
  request<R extends BusRequest>(from: PeerId, message: R): BusReply<R> | Promise<BusReply<R>>;
}

/** Counters of what crossed this bus, by message kind (requests by their kind; replies as "reply"). */
export interface BusStats {
  sent: ReadonlyMap<string, number>;
  received: ReadonlyMap<string, number>;
  /** Batches written to links (one per link per task at most). */
  batchesSent: number;
  /** Batches that arrived from links. */
  batchesReceived: number;
}

export interface Bus {
  readonly self: PeerId;
  /** Every peer but this one, in a stable order. */
  peers(): readonly PeerId[];
  /** Starts handling messages (those that arrived before wait for this). */
  listen(handlers: BusHandlers): void;
  /** Sends a push to `to`, after everything sent to `to` before it (to `self`: handled at once). */
  send(to: PeerId, message: BusPush): void;
  /**
   * Sends a request to `to` (to `self`: handled at once) and resolves with its reply; rejects
   * with a `BusError` (never hangs: a peer that is gone fails it at once or within the timeout).
   */
  request<R extends BusRequest>(to: PeerId, message: R): Promise<BusReply<R>>;
  readonly stats: BusStats;
  /** Tells the peers this one is gone (their requests to it fail at once) and stops. */
  close(): void;
}

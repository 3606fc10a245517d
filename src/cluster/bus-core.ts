/**
 * What every `Bus` implementation shares: per-peer outboxes flushed when the task that wrote
 * them ends (a microtask: one batch per link per task, and a hop never waits for the event
 * loop to come round, which under load is a whole socket flush; measured in the cluster
 * fanout, 1.5x the deliveries/s of a flush on the next turn), an inbox handled in order with the pause after any message
 * whose handling may go on asynchronously (bus.ts, "the ordering promise"), pending requests
 * with a timeout, the `bye` a closing peer sends, coded errors, and the counters. An
 * implementation only moves batches: `write(to, batch)` out, `deliver(from, batch)` in.
 *
 * Measured (bench/bus.bench.ts, MessagePort links): 273k single messages/s through a link,
 * 4.7M/s batched; a request's round trip ~37 µs.
 */
import {
  BusError,
  INLINE_PUSHES,
  inlineRequest,
  type Bus,
  type BusErrorCode,
  type BusHandlers,
  type BusPush,
  type BusReply,
  type BusRequest,
  type BusStats,
  type PeerId,
} from "./bus.ts";

/** What crosses a link: a batch of these, in order. */
export type Envelope =
  | { e: "push"; m: BusPush }
  | { e: "req"; id: number; m: BusRequest }
  | { e: "res"; id: number; value: unknown }
  | { e: "err"; id: number; code: BusErrorCode; message: string; data: Record<string, string | number> }
  | { e: "bye" };

/** Default time a request waits for its reply, ms. Owner operations answer in ms; a guild load may take seconds. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

const ERROR_CODES: ReadonlySet<string> = new Set<BusErrorCode>([
  "guild-unavailable",
  "guild-moved",
  "guild-fenced",
  "refused",
  "invalid",
  "peer-gone",
  "timeout",
  "internal",
]);

interface Pending {
  to: PeerId;
  /** An `inlineRequest`: nothing on this link waits for the code awaiting its reply. */
  inline: boolean;
  resolve(value: unknown): void;
  reject(error: BusError): void;
  timer: ReturnType<typeof setTimeout>;
}

export abstract class BusCore implements Bus {
  readonly self: PeerId;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #handlers: BusHandlers | null = null;
  /** Received and not yet handled, in arrival order. */
  #inbox: [PeerId, Envelope][] = [];
  #next = 0;
  #paused = false;
  #outbox = new Map<PeerId, Envelope[]>();
  #flushScheduled = false;
  readonly #gone = new Set<PeerId>();
  #closed = false;
  readonly #sent = new Map<string, number>();
  readonly #received = new Map<string, number>();
  /** Peers the outbox holds answers for (written last, see `#flush`). */
  #answering = new Set<PeerId>();
  #batchesSent = 0;
  #batchesReceived = 0;

  constructor(self: PeerId, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS) {
    this.self = self;
    this.#timeoutMs = timeoutMs;
  }

  abstract peers(): readonly PeerId[];

  /** Writes one batch to `to` (never `self`: self-sends are delivered here). */
  protected abstract write(to: PeerId, batch: Envelope[]): void;

  /** Whether `to` is reachable at all (a known peer, or self). */
  protected abstract reaches(to: PeerId): boolean;

  get stats(): BusStats {
    return { sent: this.#sent, received: this.#received, batchesSent: this.#batchesSent, batchesReceived: this.#batchesReceived };
  }

  listen(handlers: BusHandlers): void {
    this.#handlers = handlers;
    this.#drain();
  }

  send(to: PeerId, message: BusPush): void {
    if (this.#closed || this.#gone.has(to) || !this.reaches(to)) return;
    this.#count(this.#sent, message.k);
    if (to === this.self) return this.#here({ e: "push", m: message });
    this.#post(to, { e: "push", m: message });
  }

  request<R extends BusRequest>(to: PeerId, message: R): Promise<BusReply<R>> {
    if (this.#closed) return Promise.reject(new BusError("peer-gone", `bus ${this.self} is closed`));
    if (this.#gone.has(to) || !this.reaches(to)) return Promise.reject(new BusError("peer-gone", `peer ${to} is gone`));
    const id = ++this.#nextId;
    this.#count(this.#sent, message.k);
    return new Promise<BusReply<R>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new BusError("timeout", `${message.k} to ${to}: no answer within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      timer.unref?.();
      this.#pending.set(id, { to, inline: inlineRequest(message), resolve: resolve as (value: unknown) => void, reject, timer });
      if (to === this.self) this.#here({ e: "req", id, m: message });
      else this.#post(to, { e: "req", id, m: message });
    });
  }

  close(): void {
    if (this.#closed) return;
    for (const peer of this.peers()) {
      if (this.#gone.has(peer)) continue;
      try {
        this.write(peer, [...(this.#outbox.get(peer) ?? []), { e: "bye" }]);
      } catch {
        // Its link is down already (NATS gone): the membership tells that peer instead.
      }
    }
    this.#outbox.clear();
    this.#answering.clear();
    this.#closed = true;
    for (const [id, pending] of this.#pending) this.#fail(id, pending, `bus ${this.self} closed`);
  }

  /**
   * Peers in a later view of the cluster than the one they said goodbye in: a node that
   * stopped and started again under the same id is reachable again.
   */
  protected returned(peers: readonly PeerId[]): void {
    for (const peer of peers) this.#gone.delete(peer);
  }

  /** Peers no longer in the cluster (the membership took them out): requests waiting on them fail now. */
  protected lost(peers: readonly PeerId[]): void {
    for (const [id, pending] of this.#pending) if (peers.includes(pending.to)) this.#fail(id, pending, `peer ${pending.to} left the cluster`);
  }

  /** A batch from `from` (the implementation's receiving side). */
  protected deliver(from: PeerId, batch: readonly Envelope[]): void {
    this.#batchesReceived++;
    for (const envelope of batch) this.#inbox.push([from, envelope]);
    this.#drain();
  }

  /**
   * A message to this peer, handled at once (before `send` or `request` returns), as a
   * direct call would be: it keeps its place among what this peer does directly (an owner
   * that switches a hold and cuts the topic at home, both here, does it in one step).
   * Before `listen`, it waits in the inbox.
   */
  #here(envelope: Envelope): void {
    if (!this.#handlers) {
      this.#inbox.push([this.self, envelope]);
      return;
    }
    this.#receive(this.#handlers, this.self, envelope);
  }

  #post(to: PeerId, envelope: Envelope): void {
    let queue = this.#outbox.get(to);
    if (!queue) this.#outbox.set(to, (queue = []));
    queue.push(envelope);
    if (envelope.e === "res" || envelope.e === "err") this.#answering.add(to);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    const outbox = this.#outbox;
    this.#outbox = new Map();
    // Batches that answer requests go last: an answer (say, an owner's 2xx for an event) then
    // never leaves before the events written in the same turn to other peers, on a link that
    // keeps one writer's order (a NATS connection: a crash cuts only a tail).
    const answering = this.#answering;
    this.#answering = new Set();
    for (const peer of answering) {
      const batch = outbox.get(peer) as Envelope[];
      outbox.delete(peer);
      outbox.set(peer, batch);
    }
    for (const [to, batch] of outbox) {
      this.#batchesSent++;
      try {
        this.write(to, batch);
      } catch (error) {
        // A batch that cannot be written (a value that cannot be cloned, a closed connection)
        // fails its own requests now; it must not take the peer down with it.
        console.error(`guildgate: bus ${this.self} could not write ${batch.length} messages to ${to}:`, error);
        for (const envelope of batch) {
          if (envelope.e !== "req") continue;
          const pending = this.#pending.get(envelope.id);
          if (pending) this.#fail(envelope.id, pending, new BusError("internal", `could not send ${envelope.m.k} to ${to}`));
        }
      }
    }
  }

  /**
   * Handles the inbox in order. An answer resolves a promise, and a request or most pushes
   * may start async work that continues in microtasks, which run only when this task ends.
   * A message later in the same batch must not be handled before it, so after any message
   * that is not inline (bus.ts: the ordering promise), handling pauses until the next
   * event-loop turn.
   */
  #drain(): void {
    const handlers = this.#handlers;
    if (!handlers || this.#paused) return;
    while (this.#next < this.#inbox.length) {
      const [from, envelope] = this.#inbox[this.#next++] as [PeerId, Envelope];
      if (this.#receive(handlers, from, envelope)) continue;
      this.#paused = true;
      setImmediate(() => {
        this.#paused = false;
        this.#drain();
      });
      break;
    }
    if (this.#next === this.#inbox.length) {
      this.#inbox = [];
      this.#next = 0;
    }
  }

  /** Handles one message; true if that was all of it (inline: nothing goes on after this task). */
  #receive(handlers: BusHandlers, from: PeerId, envelope: Envelope): boolean {
    switch (envelope.e) {
      case "push":
        this.#count(this.#received, envelope.m.k);
        handlers.push(from, envelope.m);
        return INLINE_PUSHES.has(envelope.m.k);
      case "req":
        this.#count(this.#received, envelope.m.k);
        return this.#answer(handlers, from, envelope.id, envelope.m) && inlineRequest(envelope.m);
      case "res":
      case "err": {
        this.#count(this.#received, "reply");
        const pending = this.#pending.get(envelope.id);
        if (!pending) return true;
        this.#pending.delete(envelope.id);
        clearTimeout(pending.timer);
        if (envelope.e === "res") pending.resolve(envelope.value);
        else pending.reject(new BusError(envelope.code, envelope.message, envelope.data));
        return pending.inline;
      }
      case "bye":
        this.#gone.add(from);
        for (const [id, pending] of this.#pending) if (pending.to === from) this.#fail(id, pending, `peer ${from} is gone`);
        return true;
    }
  }

  /** Answers a request; true if it was answered at once (its handler did not return a promise). */
  #answer(handlers: BusHandlers, from: PeerId, id: number, request: BusRequest): boolean {
    const reply = (envelope: Envelope): void => {
      this.#count(this.#sent, "reply");
      if (from === this.self) this.#receive(handlers, from, envelope);
      else if (!this.#closed) this.#post(from, envelope);
    };
    const fail = (error: unknown): void => reply({ e: "err", id, ...asBusError(error) });
    try {
      const value = handlers.request(from, request);
      if (value instanceof Promise) {
        value.then((settled) => reply({ e: "res", id, value: settled }), fail);
        return false;
      }
      reply({ e: "res", id, value });
    } catch (error) {
      fail(error);
    }
    return true;
  }

  #fail(id: number, pending: Pending, why: string | BusError): void {
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.reject(typeof why === "string" ? new BusError("peer-gone", why) : why);
  }

  #count(counts: Map<string, number>, kind: string): void {
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
}

/** A handler's failure as it crosses: a `BusError` as it is; anything else is `internal`, logged here. */
function asBusError(error: unknown): { code: BusErrorCode; message: string; data: Record<string, string | number> } {
  if (error instanceof BusError && ERROR_CODES.has(error.code)) return { code: error.code, message: error.message, data: { ...error.data } };
  console.error("guildgate: a bus request failed:", error);
  return { code: "internal", message: "internal error", data: {} };
}

/**
 * The sessions and connections of one worker, and the frames they get: the lowest layer of
 * session/, on which the guild side (session-guilds.ts, session-delivery.ts), IDENTIFY,
 * RESUME, the moves between workers and the socket state machine (gateway.ts) are built.
 *
 * It ends sessions (and tells whoever asked, `whenEnded`), closes sockets with a code on
 * purpose, and runs the end of an epoch of `s` (sequence-counter.ts): every session ends,
 * attached ones get INVALID_SESSION(false), and the log and counter restart.
 */
import { Op } from "../protocol/opcodes.ts";
import { encodePayload } from "../protocol/json-codec.ts";
import { userOfTopic, userTopic, wireTopic } from "../protocol/topics.ts";
import type { Publisher, Socket } from "../transport/transport.ts";
import { Outbox } from "./outbox.ts";
import type { ResumeLog } from "./resume-log.ts";
import type { SequenceCounter } from "./sequence-counter.ts";
import type { Connection, Session } from "./session.ts";
import { SessionTable } from "./session-table.ts";

export interface SessionsOptions {
  resumeLog: ResumeLog;
  /** The transport's native publish. */
  publisher: Publisher;
  /** The stamp before this worker's first `s` (default 0); tests start near the 2^31 limit. */
  sequenceStart?: number;
  now(): number;
}

const INVALID_SESSION = encodePayload(Op.INVALID_SESSION, false);

export class Sessions {
  readonly #options: SessionsOptions;
  readonly #table = new SessionTable();
  readonly #out: Outbox;
  readonly #connections = new Set<Socket<Connection>>();
  readonly #endedListeners: ((session: Session) => void)[] = [];
  #epoch = 0;

  constructor(options: SessionsOptions) {
    this.#options = options;
    this.#out = new Outbox({
      resumeLog: options.resumeLog,
      publisher: options.publisher,
      sequenceStart: options.sequenceStart,
      epochEnding: () => this.#startEpoch(),
      userSockets: (userId) => this.#userSockets(userId),
    });
  }

  get log(): ResumeLog {
    return this.#options.resumeLog;
  }

  get counter(): SequenceCounter {
    return this.#out.counter;
  }

  /** Epochs of `s` finished so far (each made this worker's sessions IDENTIFY again). */
  get epoch(): number {
    return this.#epoch;
  }

  now(): number {
    return this.#options.now();
  }

  // The sessions.

  get size(): number {
    return this.#table.size;
  }

  add(session: Session): void {
    this.#table.add(session);
  }

  get(id: string): Session | undefined {
    return this.#table.get(id);
  }

  /** Whether the session still lives here (not ended, not moved away). */
  has(session: Session): boolean {
    return this.#table.has(session);
  }

  values(): IterableIterator<Session> {
    return this.#table.values();
  }

  /** The live sessions of a user (attached or waiting to resume). */
  ofUser(userId: string): Iterable<Session> {
    return this.#table.ofUser(userId);
  }

  /** Forgets a session for good (no resume); those listening are told once. */
  end(session: Session): void {
    if (!this.#table.delete(session)) return;
    for (const listener of this.#endedListeners) listener(session);
  }

  /** A session leaves for another worker: it is forgotten here, without ending. */
  forget(session: Session): void {
    this.#table.delete(session);
  }

  /** Calls `listener` with every session that ends, after it left the table. */
  whenEnded(listener: (session: Session) => void): void {
    this.#endedListeners.push(listener);
  }

  // The connections.

  get connectionCount(): number {
    return this.#connections.size;
  }

  connections(): IterableIterator<Socket<Connection>> {
    return this.#connections.values();
  }

  opened(socket: Socket<Connection>): void {
    this.#connections.add(socket);
  }

  closed(socket: Socket<Connection>): void {
    this.#connections.delete(socket);
  }

  /** Closes a socket once, with a code chosen on purpose. */
  close(socket: Socket<Connection>, code: number, reason: string): void {
    if (socket.data.state === "closing") return;
    socket.data.state = "closing";
    socket.close(code, reason);
  }

  /**
   * Closes every connection of a user's sessions with `code` (e.g. 4000 to make clients
   * resume, 4004 after its tokens were revoked). Returns how many were closed.
   */
  disconnectUser(userId: string, code: number, reason: string): number {
    let closed = 0;
    for (const session of this.#table.ofUser(userId)) {
      if (!session.socket) continue;
      this.close(session.socket, code, reason);
      closed++;
    }
    return closed;
  }

  /** INVALID_SESSION(false): the client must IDENTIFY anew, on this socket or a new one. */
  invalidSession(socket: Socket<Connection>): void {
    socket.data.state = "hello";
    this.#out.send(socket, INVALID_SESSION);
  }

  // Frames (see outbox.ts).

  /** One event to the sessions holding any of `topics` but those in `except`; returns its `s`. */
  publishTopics(topics: readonly string[], t: string, dJson: string, except?: readonly Session[]): number {
    return this.#out.publishTopics(topics, t, dJson, except);
  }

  /**
   * An event for one user (a DM, an app's notice): every session of the user here on shard
   * 0. With `intent` (a DM event's DIRECT_MESSAGE_* intent) only the sessions that asked for
   * it get it, each its own frame (a user has a few sessions, not a fanout); otherwise one
   * frame to the user's topic.
   */
  dispatchToUser(userId: string, t: string, dJson: string, intent: number): void {
    if (intent === 0) {
      this.#out.publishTopics([userTopic(userId)], t, dJson);
      return;
    }
    for (const session of this.#table.ofUser(userId)) {
      if (session.shard[0] === 0 && (session.intents & intent) === intent) this.#out.sendTo(session, t, dJson, true);
    }
  }

  /** See `Outbox.sendTo`. */
  sendTo(session: Session, t: string, dJson: string, logged = true): number {
    return this.#out.sendTo(session, t, dJson, logged);
  }

  /** See `Outbox.lifecycle`. */
  lifecycle(session: Session, t: "READY" | "RESUMED", dJson: string): void {
    this.#out.lifecycle(session, t, dJson);
  }

  /** One frame (JSON text) to one socket, in its wire format (see `Outbox.send`). */
  send(socket: Socket<Connection>, frame: string): void {
    this.#out.send(socket, frame);
  }

  /** The next stamp (a frame restamped for a session that moved here). */
  stamp(): number {
    return this.#out.stamp();
  }

  /** Makes a session hold a topic (and its socket subscribe to it, if attached and ready). */
  hold(session: Session, topic: string): void {
    this.#out.hold(session, topic);
  }

  /** The reverse of `hold`. */
  release(session: Session, topic: string): void {
    this.#out.release(session, topic);
  }

  /**
   * The socket takes the topics of its session (at READY, and when a RESUME completes), but
   * for its user's: that one reaches it through `#userSockets` from now on (its state is "ready").
   */
  subscribeAll(socket: Socket<Connection>, session: Session): void {
    for (const topic of session.topics) {
      if (userOfTopic(topic) === undefined) socket.subscribe(wireTopic(topic, socket.data));
    }
  }

  /** The sockets subscribed, in effect, to a user's topic: see `OutboxOptions.userSockets`. */
  *#userSockets(userId: string): Generator<Socket<Connection>> {
    for (const session of this.#table.ofUser(userId)) {
      const socket = session.socket;
      if (socket && socket.data.state === "ready" && session.topics.has(userTopic(userId))) yield socket;
    }
  }

  /** Dispatches sent by event type, and frames handed to the transport (for /metrics). */
  get dispatches(): ReadonlyMap<string, number> {
    return this.#out.dispatches;
  }

  get fanoutDeliveries(): number {
    return this.#out.fanoutDeliveries;
  }

  /**
   * The counter nears 2^31: a client's `s` can only go back to 1 with a new session, so every
   * session here ends. Attached ones get INVALID_SESSION(false) on their socket (their topics
   * let go, so an IDENTIFY there starts clean); detached ones can no longer resume; moves out
   * of here are dropped (handoff.ts checks the epoch). Then the log empties and the counter
   * restarts at 1.
   */
  #startEpoch(): void {
    for (const session of [...this.#table.values()]) {
      const socket = session.socket;
      this.end(session);
      if (!socket) continue;
      for (const topic of session.topics) socket.unsubscribe(wireTopic(topic, socket.data));
      socket.data.session = null;
      if (socket.data.state !== "closing") this.invalidSession(socket);
    }
    this.#out.restartEpoch();
    this.#epoch++;
  }
}

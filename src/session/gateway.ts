/**
 * The gateway on one worker: the session state machine (HELLO -> IDENTIFY or
 * RESUME -> dispatches), heartbeats, limits, resume, and `dispatch`, which
 * stamps a frame once and publishes it natively to a topic.
 *
 * Close codes come from ProtocolError (protocol/) or from the few decisions
 * made here; HTTP is elsewhere. Per-recipient JS work never happens on the
 * dispatch path: one frame string (and one compressed block) per event.
 */
import { CLOSE_REASONS, CloseCode, isResumableClose, ProtocolError } from "../protocol/close-codes.ts";
import { encodePayload } from "../protocol/json-codec.ts";
import { Intent, Op, PRIVILEGED_INTENTS } from "../protocol/opcodes.ts";
import { binaryFrameText, validateClientPayload, validateFrame, type ClientPayload } from "../protocol/validate.ts";
import { parseGatewayQuery } from "../protocol/gateway-query.ts";
import type { IdentifyData, ResumeData } from "../protocol/payloads.ts";
import { deflateFrame } from "../protocol/zlib-shared.ts";
import type { Socket, SocketHandlers } from "../transport/transport.ts";
import type { User } from "../store/guild-store.ts";
import type { Semaphore } from "../native.ts";
import { DEFAULT_LARGE_THRESHOLD } from "../guild/guild-create.ts";
import { presenceFrom } from "../guild/presence.ts";
import type { TokenVerifier } from "./auth.ts";
import { FrameRateLimit } from "./frame-rate-limit.ts";
import type { ResumeLog } from "./resume-log.ts";
import { SessionHandoff } from "./handoff.ts";
import { SessionTable } from "./session-table.ts";
import { Outbox } from "./outbox.ts";
import { readyPayload } from "./ready.ts";
import { newSessionId, userTopic, wireTopic, type Connection, type Session } from "./session.ts";

/** What the guild layer does for sessions (session-guilds.ts); the gateway knows no guilds. */
export interface SessionHooks {
  /** The guilds READY lists for a new session of `userId` on `shard` (as unavailable stubs), read from the store. */
  guildIdsFor(userId: string, shard: readonly [id: number, count: number]): Promise<string[]>;
  /** Right after READY is sent: join those guilds (GUILD_CREATE, topics). */
  ready(session: Session, guildIds: readonly string[]): void;
  /** The session ended for good (closed by the client, or past the resume window). */
  ended(session: Session): void;
  /** RESUMED went out; `seq` is what the client had seen (its unlogged frames after it are lost). */
  resumed(session: Session, seq: number): void;
  /** Ops 3, 4, 8, 14 and 37 from a ready session. */
  op(session: Session, payload: ClientPayload): void;
  /**
   * A RESUME for a session this worker does not hold: true if it was taken over (the
   * session may live on another worker and move here), false to refuse it.
   */
  resumeElsewhere(socket: Socket<Connection>, d: ResumeData, userId: string): boolean;
}

export interface GatewayOptions {
  /** Name of this node, the first part of every session id. */
  node: string;
  /** Index of this worker on the node. */
  worker: number;
  /** What clients get as `resume_gateway_url`, e.g. ws://127.0.0.1:8080 (no query). */
  gatewayUrl: string;
  /** Resolves an IDENTIFY or RESUME token to its user (session/auth.ts). */
  verifyToken: TokenVerifier;
  /** Process-wide bound on IDENTIFYs in flight (native, shared by Workers). */
  identifySemaphore: Semaphore;
  /**
   * `session_start_limit.max_concurrency`: whether the user may start a session in this
   * shard's bucket now. Asked of the user's owner, so it holds across Workers.
   */
  tryStartIdentify(userId: string, shardId: number): Promise<boolean>;
  /** HELLO's heartbeat_interval, ms. Discord: 41250. */
  heartbeatIntervalMs: number;
  /** Most guilds one session (shard) may hold; more closes with 4011, as on Discord (2500). */
  guildsPerShard: number;
  /** How long a dropped session stays resumable, ms. */
  resumeWindowMs: number;
  resumeLog: ResumeLog;
  /** A resume replay sends at most this many bytes per batch, and only while less is buffered. */
  replayBatchBytes: number;
  /** The transport's publish and subscriber count, bound after it starts. */
  publish(topic: string, frame: string | Uint8Array): void;
  subscriberCount(topic: string): number;
  /** The stamp before this worker's first (default 0); tests start near the 2^31 limit. */
  sequenceStart?: number;
  now?: () => number;
}

/** Counters for /metrics and tests. */
export interface GatewayStats {
  connections: number;
  sessions: number;
  /** Dispatches published, by event type (one per event, not per recipient). */
  dispatches: ReadonlyMap<string, number>;
  /** Frames handed to the transport for delivery: the subscribers of every topic published to. */
  fanoutDeliveries: number;
  resumes: { ok: number; invalid: number };
  /** Epochs of `s` this worker finished (each made its sessions IDENTIFY again). */
  sequenceEpochs: number;
  /** IDENTIFYs answered with op 9: over the in-flight semaphore, or over max_concurrency. */
  identifyRefused: { inFlight: number; rateLimited: number };
  resumeLog: { bytes: number; entries: number };
}

const HEARTBEAT_ACK = encodePayload(Op.HEARTBEAT_ACK, null);
const HEARTBEAT_REQUEST = encodePayload(Op.HEARTBEAT, null);
const HEARTBEAT_ACK_DEFLATED = deflateFrame(HEARTBEAT_ACK);
/** The shard of a session that asked for none; shared, as most sessions have it. */
const UNSHARDED: readonly [number, number] = Object.freeze([0, 1] as [number, number]);
/** A missed heartbeat is judged after the interval plus this grace (client jitter, latency). */
const HEARTBEAT_GRACE = 1.5;

export class Gateway {
  readonly #options: GatewayOptions;
  readonly #now: () => number;
  readonly #out: Outbox;
  readonly #connections = new Set<Socket<Connection>>();
  readonly #sessions = new SessionTable();
  readonly #sweep: ReturnType<typeof setInterval>;
  /** Discord's `_trace` in READY and RESUMED: which server answered (here: node and worker). */
  readonly #trace: string[];
  readonly #resumedJson: string;
  /** Set once the guild layer is wired (server.ts). */
  hooks: SessionHooks | null = null;
  /** Sessions moving between workers, and saved across a restart. */
  readonly handoff: SessionHandoff;
  #identifyRefusedInFlight = 0;
  #identifyRefusedRate = 0;
  #resumesOk = 0;
  #resumesInvalid = 0;
  #sequenceEpochs = 0;

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#out = new Outbox({
      resumeLog: options.resumeLog,
      publish: options.publish,
      subscriberCount: options.subscriberCount,
      sequenceStart: options.sequenceStart,
      epochEnding: () => this.#startEpoch(),
    });
    this.#trace = [`guildgate-${options.node}-worker-${options.worker}`];
    this.#resumedJson = JSON.stringify({ _trace: this.#trace });
    this.handoff = new SessionHandoff({
      table: this.#sessions,
      counter: this.#out.counter,
      stamp: () => this.#out.stamp(),
      log: options.resumeLog,
      now: this.#now,
      end: (session) => this.#endSession(session),
      detach: (session) => this.#detachPrevious(session, null),
      replay: (socket, session, from, clientSeq) => this.#replay(socket, session, from, clientSeq),
      refuse: (socket) => this.#refuseResume(socket),
    });
    // One sweep for every socket beats a timer per socket (memory, wakeups).
    const period = Math.max(250, Math.min(5_000, options.heartbeatIntervalMs / 4));
    this.#sweep = setInterval(() => this.sweep(), period);
    this.#sweep.unref?.();
  }

  /** The transport's per-socket data for an upgrade request, or a refusal. */
  upgrade(request: Request): Connection {
    const query = parseGatewayQuery(request.url);
    return {
      version: query.ok ? query.version : 10,
      compressed: query.ok && query.compress === "zlib-stream",
      refuse: query.ok ? null : { code: query.closeCode, reason: query.reason },
      state: "hello",
      session: null,
      rateLimit: new FrameRateLimit(),
      heartbeatDeadline: this.#now() + heartbeatWindow(this.#options.heartbeatIntervalMs),
      heartbeatRequested: false,
      onDrain: null,
      zlibStarted: false,
    };
  }

  readonly handlers: SocketHandlers<Connection> = {
    open: (socket) => {
      const refuse = socket.data.refuse;
      if (refuse) return socket.close(refuse.code, refuse.reason);
      this.#connections.add(socket);
      this.#out.send(socket, encodePayload(Op.HELLO, { heartbeat_interval: this.#options.heartbeatIntervalMs }));
    },
    message: (socket, message) => {
      try {
        this.#onMessage(socket, message);
      } catch (error) {
        this.#fail(socket, error);
      }
    },
    drain: (socket) => {
      const resume = socket.data.onDrain;
      socket.data.onDrain = null;
      resume?.();
    },
    close: (socket, code) => {
      this.#connections.delete(socket);
      socket.data.state = "closing";
      const session = socket.data.session;
      if (!session || session.socket !== socket) return;
      session.socket = null;
      if (isResumableClose(code)) session.detachedAt = this.#now();
      else this.#endSession(session);
    },
  };

  /**
   * Sends one dispatch to every session holding `topic`: the frame is built
   * once, logged for resume, and published natively (plus its compressed
   * variant, deflated once, when compressed sessions hold the topic).
   * `dJson` is the event's `d`, already serialised.
   */
  dispatch(topic: string, t: string, dJson: string): number {
    return this.#out.publishTopics([topic], t, dJson);
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
    for (const session of this.#sessions.ofUser(userId)) {
      if (session.shard[0] === 0 && (session.intents & intent) === intent) this.#out.sendTo(session, t, dJson, true);
    }
  }

  /** See `Outbox.publishTopics`. */
  publishTopics(topics: readonly string[], t: string, dJson: string): number {
    return this.#out.publishTopics(topics, t, dJson);
  }

  /** See `Outbox.sendTo`. */
  sendTo(session: Session, t: string, dJson: string, logged = true): number {
    return this.#out.sendTo(session, t, dJson, logged);
  }

  /** Makes a session hold a topic (and its socket subscribe to it, if attached and ready). */
  hold(session: Session, topic: string): void {
    this.#out.hold(session, topic);
  }

  /** The reverse of `hold`. */
  release(session: Session, topic: string): void {
    this.#out.release(session, topic);
  }

  /** The live sessions of a user (attached or waiting to resume). */
  sessionsOf(userId: string): Iterable<Session> {
    return this.#sessions.ofUser(userId);
  }

  /** Whether the session still lives on this worker (not ended, not moved away). */
  holds(session: Session): boolean {
    return this.#sessions.has(session);
  }

  /**
   * Closes every connection of a user's sessions with `code` (e.g. 4000 to make
   * clients resume, 4009 to make them start over). Returns how many were closed.
   */
  disconnectUser(userId: string, code: number, reason: string): number {
    let closed = 0;
    for (const session of this.#sessions.ofUser(userId)) {
      if (session.socket) {
        this.#close(session.socket, code, reason);
        closed++;
      }
    }
    return closed;
  }

  stats(): GatewayStats {
    return {
      connections: this.#connections.size,
      sessions: this.#sessions.size,
      dispatches: this.#out.dispatches,
      fanoutDeliveries: this.#out.fanoutDeliveries,
      resumes: { ok: this.#resumesOk, invalid: this.#resumesInvalid },
      sequenceEpochs: this.#sequenceEpochs,
      identifyRefused: { inFlight: this.#identifyRefusedInFlight, rateLimited: this.#identifyRefusedRate },
      resumeLog: { bytes: this.#options.resumeLog.bytes, entries: this.#options.resumeLog.size },
    };
  }

  /** Closes sockets whose heartbeat is overdue and forgets sessions past the resume window. */
  sweep(): void {
    const now = this.#now();
    const askBefore = this.#options.heartbeatIntervalMs * (HEARTBEAT_GRACE - 1);
    for (const socket of this.#connections) {
      const connection = socket.data;
      if (now <= connection.heartbeatDeadline) {
        // A heartbeat is due and missing: ask for one (op 1) before giving up on the socket.
        if (!connection.heartbeatRequested && now > connection.heartbeatDeadline - askBefore) {
          connection.heartbeatRequested = true;
          this.#out.send(socket, HEARTBEAT_REQUEST);
        }
        continue;
      }
      // An identified session stays resumable (4000 tells clients to resume);
      // a socket that never identified has nothing to resume.
      const code = socket.data.session ? CloseCode.UNKNOWN_ERROR : CloseCode.SESSION_TIMED_OUT;
      this.#close(socket, code, code === CloseCode.UNKNOWN_ERROR ? "Heartbeat timed out" : CLOSE_REASONS[code]);
    }
    for (const session of this.#sessions.values()) {
      if (session.socket === null && now - session.detachedAt > this.#options.resumeWindowMs) {
        this.#endSession(session);
      }
    }
  }

  /**
   * The end of a drain: every socket still open is closed with 4000, and its session stays
   * resumable whatever close code the transport reports.
   */
  closeAllForRestart(): void {
    for (const socket of this.#connections) {
      const session = socket.data.session;
      if (session && session.socket === socket) {
        session.socket = null;
        session.detachedAt = this.#now();
        socket.data.session = null;
      }
      this.#close(socket, CloseCode.UNKNOWN_ERROR, "Server restarting; resume");
    }
  }

  /** Op 7 RECONNECT to every connection (a drain: clients reconnect and RESUME). */
  reconnectAll(): void {
    const reconnect = encodePayload(Op.RECONNECT, null);
    for (const socket of this.#connections) this.#out.send(socket, reconnect);
  }

  /** Stops the sweep timer (the transport closes the sockets). */
  stop(): void {
    clearInterval(this.#sweep);
  }

  #onMessage(socket: Socket<Connection>, message: string | Uint8Array): void {
    const connection = socket.data;
    if (connection.state === "closing") return;
    if (!connection.rateLimit.hit()) {
      return this.#close(socket, CloseCode.RATE_LIMITED, CLOSE_REASONS[CloseCode.RATE_LIMITED]);
    }
    const text = typeof message === "string" ? message : binaryFrameText(message);
    const payload = validateClientPayload(validateFrame(text));
    switch (payload.op) {
      case Op.HEARTBEAT:
        connection.heartbeatDeadline = this.#now() + heartbeatWindow(this.#options.heartbeatIntervalMs);
        connection.heartbeatRequested = false;
        socket.send(connection.compressed ? HEARTBEAT_ACK_DEFLATED : HEARTBEAT_ACK);
        return;
      case Op.IDENTIFY:
        this.#requireFresh(connection);
        connection.state = "authenticating";
        void this.#identify(socket, payload.d).catch((error: unknown) => this.#fail(socket, error));
        return;
      case Op.RESUME:
        this.#requireFresh(connection);
        connection.state = "authenticating";
        void this.#resume(socket, payload.d).catch((error: unknown) => this.#fail(socket, error));
        return;
      default:
        if (connection.state !== "ready" || !connection.session) {
          throw new ProtocolError(CloseCode.NOT_AUTHENTICATED);
        }
        if (payload.op === Op.PRESENCE_UPDATE) connection.session.presence = presenceFrom(payload.d);
        this.hooks?.op(connection.session, payload);
    }
  }

  #requireFresh(connection: Connection): void {
    if (connection.state !== "hello") {
      throw new ProtocolError(CloseCode.ALREADY_AUTHENTICATED);
    }
  }

  async #authenticate(token: string): Promise<User> {
    const user = await this.#options.verifyToken(token);
    if (!user) {
      throw new ProtocolError(CloseCode.AUTHENTICATION_FAILED);
    }
    return user;
  }

  async #identify(socket: Socket<Connection>, d: IdentifyData): Promise<void> {
    const { identifySemaphore } = this.#options;
    if (!identifySemaphore.tryAcquire()) {
      this.#identifyRefusedInFlight++;
      return this.#invalidSession(socket);
    }
    let user: User;
    try {
      user = await this.#authenticate(d.token);
    } finally {
      identifySemaphore.release();
    }
    const connection = socket.data;
    if (connection.state !== "authenticating") return;
    const disallowed = d.intents & PRIVILEGED_INTENTS & ~user.privilegedIntents;
    if (disallowed !== 0) {
      const names = Object.entries(Intent).flatMap(([name, bit]) => ((disallowed & bit) !== 0 ? [name] : []));
      throw new ProtocolError(CloseCode.DISALLOWED_INTENTS, `this account may not ask for ${names.join(", ")}`);
    }
    const shard: readonly [number, number] = d.shard ? [d.shard[0], d.shard[1]] : UNSHARDED;
    const guildIds = (await this.hooks?.guildIdsFor(user.id, shard)) ?? [];
    if (connection.state !== "authenticating") return;
    if (guildIds.length > this.#options.guildsPerShard) {
      throw new ProtocolError(CloseCode.SHARDING_REQUIRED);
    }
    const allowed = await this.#options.tryStartIdentify(user.id, shard[0]);
    if (connection.state !== "authenticating") return;
    if (!allowed) {
      this.#identifyRefusedRate++;
      return this.#invalidSession(socket);
    }

    const session: Session = {
      id: newSessionId(this.#options.node, this.#options.worker),
      user,
      intents: d.intents,
      shard,
      largeThreshold: d.large_threshold ?? DEFAULT_LARGE_THRESHOLD,
      presence: presenceFrom(d.presence),
      topics: new Set(shard[0] === 0 ? [userTopic(user.id)] : []),
      guilds: new Map(),
      socket,
      detachedAt: 0,
    };
    this.#sessions.add(session);
    connection.session = session;
    connection.state = "ready";
    const ready = { ...readyPayload(session, connection.version, this.#options.gatewayUrl, guildIds), _trace: this.#trace };
    socket.cork(() => {
      for (const topic of session.topics) socket.subscribe(wireTopic(topic, connection.compressed));
      this.#out.lifecycle(session, "READY", JSON.stringify(ready));
    });
    // On the next turn: the runtime writes corked frames at the end of this one, and a first
    // guild load (say 150k members, ~0.6 s) must not hold READY back.
    setImmediate(() => {
      if (this.#sessions.has(session)) this.hooks?.ready(session, guildIds);
    });
  }

  async #resume(socket: Socket<Connection>, d: ResumeData): Promise<void> {
    const user = await this.#authenticate(d.token);
    const connection = socket.data;
    if (connection.state !== "authenticating") return;
    const session = this.#sessions.get(d.session_id);
    if (!session && this.hooks?.resumeElsewhere(socket, d, user.id)) return;
    if (!session || session.user.id !== user.id) return this.#refuseResume(socket);
    if (d.seq > this.#out.counter.last) {
      throw new ProtocolError(CloseCode.INVALID_SEQ);
    }
    if (this.#options.resumeLog.replayBatch(d.seq, session.topics, session.id, 0) === null) {
      this.#endSession(session);
      return this.#refuseResume(socket);
    }
    this.#detachPrevious(session, socket);
    session.socket = socket;
    session.detachedAt = 0;
    connection.session = session;
    connection.state = "resuming";
    this.#replay(socket, session, d.seq);
  }

  /**
   * Sends what the session missed in batches, only while the socket's send
   * buffer is below the replay bound, continuing on drain, so a long replay
   * never meets the backpressure cut. Events dispatched meanwhile land in the
   * log and come in a later batch. When a batch completes the replay, the
   * subscriptions and RESUMED follow in the same tick: nothing falls between.
   */
  #replay(socket: Socket<Connection>, session: Session, seq: number, clientSeq = seq): void {
    const connection = socket.data;
    const { resumeLog, replayBatchBytes } = this.#options;
    let from = seq;
    while (connection.state === "resuming" && socket.getBufferedAmount() < replayBatchBytes) {
      const batch = resumeLog.replayBatch(from, session.topics, session.id, replayBatchBytes);
      if (batch === null) {
        // The log moved past this session while it was reading slowly.
        this.#endSession(session);
        connection.session = null;
        return this.#refuseResume(socket);
      }
      socket.cork(() => {
        for (const frame of batch.frames) this.#out.send(socket, frame);
        if (!batch.complete) return;
        for (const topic of session.topics) socket.subscribe(wireTopic(topic, connection.compressed));
        connection.state = "ready";
        this.#resumesOk++;
        this.#out.lifecycle(session, "RESUMED", this.#resumedJson);
      });
      from = batch.through;
    }
    if (connection.state === "resuming") connection.onDrain = () => this.#replay(socket, session, from, clientSeq);
    else if (connection.state === "ready") this.hooks?.resumed(session, clientSeq);
  }

  /**
   * The counter nears 2^31 (see sequence-counter.ts): a client's `s` can only go back to 1
   * with a new session, so every session here ends. Attached ones get INVALID_SESSION(false)
   * on their socket (their topics let go, so an IDENTIFY there starts clean); detached ones
   * can no longer resume. Then the log empties and the counter restarts at 1.
   */
  #startEpoch(): void {
    for (const session of [...this.#sessions.values()]) {
      const socket = session.socket;
      this.#endSession(session);
      if (!socket) continue;
      for (const topic of session.topics) socket.unsubscribe(wireTopic(topic, socket.data.compressed));
      socket.data.session = null;
      if (socket.data.state !== "closing") this.#invalidSession(socket);
    }
    this.handoff.dropMoves();
    this.#out.restartEpoch();
    this.#sequenceEpochs++;
  }

  /** Forgets a session for good: no resume, and its guilds let it go. */
  #endSession(session: Session): void {
    if (this.#sessions.delete(session)) this.hooks?.ended(session);
  }

  #detachPrevious(session: Session, socket: Socket<Connection> | null): void {
    const previous = session.socket;
    if (previous && previous !== socket) {
      previous.data.session = null;
      this.#close(previous, CloseCode.SESSION_TIMED_OUT, "Session resumed elsewhere");
    }
    session.socket = null;
  }

  /** Refuses a RESUME this worker took over but could not complete. */
  refuseMovedResume(socket: Socket<Connection>, code?: number): void {
    if (socket.data.state !== "authenticating") return;
    if (code === CloseCode.INVALID_SEQ) return this.#close(socket, code, CLOSE_REASONS[CloseCode.INVALID_SEQ]);
    this.#refuseResume(socket);
  }

  #refuseResume(socket: Socket<Connection>): void {
    this.#resumesInvalid++;
    this.#invalidSession(socket);
  }

  /** INVALID_SESSION(false): the client must IDENTIFY anew, on this socket or a new one. */
  #invalidSession(socket: Socket<Connection>): void {
    socket.data.state = "hello";
    this.#out.send(socket, encodePayload(Op.INVALID_SESSION, false));
  }

  #fail(socket: Socket<Connection>, error: unknown): void {
    if (error instanceof ProtocolError) return this.#close(socket, error.closeCode, error.reason);
    console.error("guildgate: unexpected error on a gateway socket:", error);
    this.#close(socket, CloseCode.UNKNOWN_ERROR, CLOSE_REASONS[CloseCode.UNKNOWN_ERROR]);
  }

  #close(socket: Socket<Connection>, code: number, reason: string): void {
    if (socket.data.state === "closing") return;
    socket.data.state = "closing";
    socket.close(code, reason);
  }
}

/** How long after a heartbeat (or HELLO) the next one must arrive, ms. */
function heartbeatWindow(heartbeatIntervalMs: number): number {
  return heartbeatIntervalMs * HEARTBEAT_GRACE;
}

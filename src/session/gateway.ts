/**
 * The socket state machine of one worker: an upgrade becomes a connection in "hello"; HELLO
 * goes out on open; each client frame is rate-limited, decoded and validated (protocol/), then
 * handed to the part that owns it: heartbeats, IDENTIFY (identify.ts), RESUME (resume.ts, or
 * session-moves.ts for a session another worker holds), and the guild ops
 * (session-guilds.ts). A close detaches the session (resumable codes) or ends it.
 *
 * Close codes come from `ProtocolError` or from the few decisions made in those parts; a
 * failure nobody expected closes with 4000 and is logged.
 */
import { presenceFrom } from "../guild/presence.ts";
import { CLOSE_REASONS, CloseCode, isResumableClose, ProtocolError } from "../protocol/close-codes.ts";
import { parseGatewayQuery } from "../protocol/gateway-query.ts";
import { encodePayload } from "../protocol/json-codec.ts";
import { Op } from "../protocol/opcodes.ts";
import type { ResumeData } from "../protocol/payloads.ts";
import {
  binaryFrameText,
  validateClientPayload,
  validateEtfFrame,
  validateFrame,
  type ClientFrame,
  type ClientPayload,
} from "../protocol/validate.ts";
import type { Socket, SocketHandlers } from "../transport/transport.ts";
import { FrameRateLimit } from "./frame-rate-limit.ts";
import type { Heartbeats } from "./heartbeats.ts";
import type { Identify } from "./identify.ts";
import type { Resumes } from "./resume.ts";
import type { Connection, Session } from "./session.ts";
import type { Sessions } from "./sessions.ts";

export interface GatewayOptions {
  sessions: Sessions;
  heartbeats: Heartbeats;
  identify: Identify;
  resumes: Resumes;
  /**
   * A RESUME for a session this worker does not hold: true if it was taken over (the
   * session lives on another worker and moves here: session-moves.ts), false to refuse it.
   */
  resumeElsewhere(socket: Socket<Connection>, d: ResumeData, userId: string): boolean;
  /** Ops 3, 4, 8, 14, 31, 37 and 43 from a ready session (session-guilds.ts). */
  guildOp(session: Session, payload: ClientPayload): void;
  /** HELLO's heartbeat_interval, ms. */
  heartbeatIntervalMs: number;
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

export class Gateway {
  readonly #options: GatewayOptions;
  readonly #hello: string;
  readonly #frameLimit = new FrameRateLimit();

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#hello = encodePayload(Op.HELLO, { heartbeat_interval: options.heartbeatIntervalMs });
  }

  /** The transport's per-socket data for an upgrade request (a bad version or encoding is refused once it opens). */
  upgrade(request: Request): Connection {
    const query = parseGatewayQuery(request.url);
    return {
      version: query.ok ? query.version : 10,
      compress: query.ok ? query.compress : null,
      etf: query.ok && query.encoding === "etf",
      refuse: query.ok ? null : { code: query.closeCode, reason: query.reason },
      state: "hello",
      session: null,
      frameWindowStart: 0,
      frameCount: 0,
      heartbeatDeadline: this.#options.heartbeats.deadline(),
      heartbeatRequested: false,
      onDrain: null,
      streamStarted: false,
    };
  }

  readonly handlers: SocketHandlers<Connection> = {
    open: (socket) => {
      const refuse = socket.data.refuse;
      if (refuse) return socket.close(refuse.code, refuse.reason);
      this.#options.sessions.opened(socket);
      this.#options.sessions.send(socket, this.#hello);
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
      const { sessions } = this.#options;
      sessions.closed(socket);
      socket.data.state = "closing";
      const session = socket.data.session;
      if (!session || session.socket !== socket) return;
      session.socket = null;
      if (isResumableClose(code)) session.detachedAt = sessions.now();
      else sessions.end(session);
    },
  };

  stats(): GatewayStats {
    const { sessions, resumes, identify } = this.#options;
    return {
      connections: sessions.connectionCount,
      sessions: sessions.size,
      dispatches: sessions.dispatches,
      fanoutDeliveries: sessions.fanoutDeliveries,
      resumes: resumes.stats,
      sequenceEpochs: sessions.epoch,
      identifyRefused: identify.refused,
      resumeLog: { bytes: sessions.log.bytes, entries: sessions.log.size },
    };
  }

  /** Op 7 RECONNECT to every connection (a drain: clients reconnect and RESUME). */
  reconnectAll(): void {
    const reconnect = encodePayload(Op.RECONNECT, null);
    for (const socket of this.#options.sessions.connections()) this.#options.sessions.send(socket, reconnect);
  }

  /**
   * The end of a drain: every socket still open is closed with 4000, and its session stays
   * resumable whatever close code the transport reports.
   */
  closeAllForRestart(): void {
    const { sessions } = this.#options;
    for (const socket of [...sessions.connections()]) {
      const session = socket.data.session;
      if (session && session.socket === socket) {
        session.socket = null;
        session.detachedAt = sessions.now();
        socket.data.session = null;
      }
      sessions.close(socket, CloseCode.UNKNOWN_ERROR, "Server restarting; resume");
    }
  }

  #onMessage(socket: Socket<Connection>, message: string | Uint8Array): void {
    const { sessions, heartbeats, identify } = this.#options;
    const connection = socket.data;
    if (connection.state === "closing") return;
    if (!this.#frameLimit.hit(connection)) {
      return sessions.close(socket, CloseCode.RATE_LIMITED, CLOSE_REASONS[CloseCode.RATE_LIMITED]);
    }
    const payload = validateClientPayload(this.#frame(connection, message));
    switch (payload.op) {
      case Op.HEARTBEAT:
        return heartbeats.beat(socket);
      case Op.IDENTIFY:
        this.#authenticating(connection);
        void identify.identify(socket, payload.d).catch((error: unknown) => this.#fail(socket, error));
        return;
      case Op.RESUME:
        this.#authenticating(connection);
        void this.#resume(socket, payload.d).catch((error: unknown) => this.#fail(socket, error));
        return;
      default:
        if (connection.state !== "ready" || !connection.session) throw new ProtocolError(CloseCode.NOT_AUTHENTICATED);
        if (payload.op === Op.PRESENCE_UPDATE) connection.session.presence = presenceFrom(payload.d);
        this.#options.guildOp(connection.session, payload);
    }
  }

  /**
   * The client frame: ETF in a binary frame on an etf connection (a text frame there is a
   * decode error); JSON otherwise, in a text frame or as UTF-8 in a binary one (hikari).
   */
  #frame(connection: Connection, message: string | Uint8Array): ClientFrame {
    if (connection.etf) {
      if (typeof message === "string") throw new ProtocolError(CloseCode.DECODE_ERROR, "frame must be binary ETF (encoding=etf)");
      return validateEtfFrame(message);
    }
    return validateFrame(typeof message === "string" ? message : binaryFrameText(message));
  }

  /** IDENTIFY and RESUME come once, on a socket that got HELLO (else 4005). */
  #authenticating(connection: Connection): void {
    if (connection.state !== "hello") throw new ProtocolError(CloseCode.ALREADY_AUTHENTICATED);
    connection.state = "authenticating";
  }

  async #resume(socket: Socket<Connection>, d: ResumeData): Promise<void> {
    const { sessions, identify, resumes } = this.#options;
    const user = await identify.authenticate(d.token);
    if (socket.data.state !== "authenticating") return;
    const session = sessions.get(d.session_id);
    if (!session && this.#options.resumeElsewhere(socket, d, user.id)) return;
    if (!session || session.user.id !== user.id) return resumes.refuse(socket);
    resumes.resume(socket, session, d);
  }

  #fail(socket: Socket<Connection>, error: unknown): void {
    if (error instanceof ProtocolError) return this.#options.sessions.close(socket, error.closeCode, error.reason);
    console.error("guildgate: unexpected error on a gateway socket:", error);
    this.#options.sessions.close(socket, CloseCode.UNKNOWN_ERROR, CLOSE_REASONS[CloseCode.UNKNOWN_ERROR]);
  }
}

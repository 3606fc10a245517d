/**
 * Liveness, by one sweep over every connection of the worker (a timer per socket would cost
 * memory and wakeups): a socket silent past the heartbeat interval is asked for a heartbeat
 * (op 1); silent past 1.5 × the interval, it is closed, 4009 if it never identified and 4000
 * (resumable) if it did. The same sweep ends detached sessions past the resume window.
 */
import { encodePayload } from "../protocol/json-codec.ts";
import { CLOSE_REASONS, CloseCode } from "../protocol/close-codes.ts";
import { Op } from "../protocol/opcodes.ts";
import type { Socket } from "../transport/transport.ts";
import { WireFrames } from "./outbox.ts";
import type { Connection } from "./session.ts";
import type { Sessions } from "./sessions.ts";

export interface HeartbeatsOptions {
  sessions: Sessions;
  /** HELLO's heartbeat_interval, ms. Discord: 41250. */
  heartbeatIntervalMs: number;
  /** How long a dropped session stays resumable, ms. */
  resumeWindowMs: number;
}

/** A missed heartbeat is judged after the interval plus this grace (client jitter, latency). */
const GRACE = 1.5;
/** The ACK in each wire format, each built once. */
const ACK = new WireFrames(encodePayload(Op.HEARTBEAT_ACK, null));
const REQUEST = encodePayload(Op.HEARTBEAT, null);

export class Heartbeats {
  readonly #options: HeartbeatsOptions;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(options: HeartbeatsOptions) {
    this.#options = options;
    const period = Math.max(250, Math.min(5_000, options.heartbeatIntervalMs / 4));
    this.#timer = setInterval(() => this.sweep(), period);
    this.#timer.unref?.();
  }

  /** When a socket that just got HELLO, or just beat, must beat next, ms. */
  deadline(): number {
    return this.#options.sessions.now() + this.#options.heartbeatIntervalMs * GRACE;
  }

  /** Op 1 from the client: its deadline moves on, and it gets op 11 at once. */
  beat(socket: Socket<Connection>): void {
    const connection = socket.data;
    connection.heartbeatDeadline = this.deadline();
    connection.heartbeatRequested = false;
    // HELLO went first, so a compressed socket's stream has its header already.
    socket.send(ACK.get(connection));
  }

  /** Asks overdue sockets for a heartbeat, closes silent ones, ends sessions past the resume window. */
  sweep(): void {
    const { sessions, heartbeatIntervalMs, resumeWindowMs } = this.#options;
    const now = sessions.now();
    const askBefore = heartbeatIntervalMs * (GRACE - 1);
    for (const socket of sessions.connections()) {
      const connection = socket.data;
      if (now <= connection.heartbeatDeadline) {
        // A heartbeat is due and missing: ask for one (op 1) before giving up on the socket.
        if (!connection.heartbeatRequested && now > connection.heartbeatDeadline - askBefore) {
          connection.heartbeatRequested = true;
          sessions.send(socket, REQUEST);
        }
        continue;
      }
      // An identified session stays resumable (4000 tells clients to resume);
      // a socket that never identified has nothing to resume.
      const code = connection.session ? CloseCode.UNKNOWN_ERROR : CloseCode.SESSION_TIMED_OUT;
      sessions.close(socket, code, code === CloseCode.UNKNOWN_ERROR ? "Heartbeat timed out" : CLOSE_REASONS[code]);
    }
    for (const session of [...sessions.values()]) {
      if (session.socket === null && now - session.detachedAt > resumeWindowMs) sessions.end(session);
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

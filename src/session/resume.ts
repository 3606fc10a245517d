/**
 * RESUME (DESIGN.md, "Resume"): a session this worker holds takes the new socket and gets
 * what it missed from the resume log, in batches paced by the socket's drain, then RESUMED.
 * A log that no longer reaches the client's `seq` answers INVALID_SESSION(false); a `seq`
 * this worker never gave closes with 4007. A session this worker does not hold is the
 * gateway's to send elsewhere (session-moves.ts); this module replays it once it arrives.
 */
import { CLOSE_REASONS, CloseCode, ProtocolError } from "../protocol/close-codes.ts";
import type { ResumeData } from "../protocol/payloads.ts";
import type { Socket } from "../transport/transport.ts";
import type { Connection, Session } from "./session.ts";
import type { Sessions } from "./sessions.ts";

export interface ResumesOptions {
  sessions: Sessions;
  /** RESUMED went out; `seq` is what the client had seen (session-guilds.ts sends the GUILD_CREATEs it missed). */
  resumed(session: Session, seq: number): void;
  /** A replay sends at most this many bytes per batch, and only while less is buffered. */
  replayBatchBytes: number;
  /** RESUMED's `d`, serialised (`_trace`: which server answered). */
  resumedJson: string;
}

export class Resumes {
  readonly #options: ResumesOptions;
  #ok = 0;
  #invalid = 0;

  constructor(options: ResumesOptions) {
    this.#options = options;
  }

  /** RESUME outcomes so far (for /metrics). */
  get stats(): { ok: number; invalid: number } {
    return { ok: this.#ok, invalid: this.#invalid };
  }

  /** A RESUME of `session`, held here, by its user, on `socket` (state "authenticating"). */
  resume(socket: Socket<Connection>, session: Session, d: ResumeData): void {
    const { sessions } = this.#options;
    if (d.seq > sessions.counter.last) throw new ProtocolError(CloseCode.INVALID_SEQ);
    if (sessions.log.replayBatch(d.seq, session.topics, session.id, 0) === null) {
      sessions.end(session);
      return this.refuse(socket);
    }
    this.detach(session, socket);
    session.socket = socket;
    session.detachedAt = 0;
    socket.data.session = session;
    socket.data.state = "resuming";
    this.replay(socket, session, d.seq);
  }

  /**
   * Sends what the session missed after `seq` in batches, only while the socket's send buffer
   * is below the replay bound, continuing on drain, so a long replay never meets the
   * backpressure cut. Events dispatched meanwhile land in the log and come in a later batch.
   * When a batch completes the replay, the subscriptions and RESUMED follow in the same tick:
   * nothing falls between. `clientSeq`: what the client had seen (a moved session's frames
   * were stamped anew after it).
   */
  replay(socket: Socket<Connection>, session: Session, seq: number, clientSeq = seq): void {
    const { sessions, replayBatchBytes } = this.#options;
    const connection = socket.data;
    let from = seq;
    while (connection.state === "resuming" && socket.getBufferedAmount() < replayBatchBytes) {
      const batch = sessions.log.replayBatch(from, session.topics, session.id, replayBatchBytes);
      if (batch === null) {
        // The log moved past this session while it was reading slowly.
        sessions.end(session);
        connection.session = null;
        return this.refuse(socket);
      }
      socket.cork(() => {
        for (const frame of batch.frames) sessions.send(socket, frame);
        if (!batch.complete) return;
        sessions.subscribeAll(socket, session);
        connection.state = "ready";
        this.#ok++;
        sessions.lifecycle(session, "RESUMED", this.#options.resumedJson);
      });
      from = batch.through;
    }
    if (connection.state === "resuming") connection.onDrain = () => this.replay(socket, session, from, clientSeq);
    else if (connection.state === "ready") this.#options.resumed(session, clientSeq);
  }

  /** Closes the session's previous socket, if another ("resumed elsewhere"), and detaches it. */
  detach(session: Session, socket: Socket<Connection> | null): void {
    const previous = session.socket;
    if (previous && previous !== socket) {
      previous.data.session = null;
      this.#options.sessions.close(previous, CloseCode.SESSION_TIMED_OUT, "Session resumed elsewhere");
    }
    session.socket = null;
  }

  /** INVALID_SESSION(false) for a RESUME that cannot be served. */
  refuse(socket: Socket<Connection>): void {
    this.#invalid++;
    this.#options.sessions.invalidSession(socket);
  }

  /** Refuses a RESUME this worker took over from another but could not complete (4007 for a bad `seq`). */
  refuseMoved(socket: Socket<Connection>, code?: number): void {
    if (socket.data.state !== "authenticating") return;
    if (code === CloseCode.INVALID_SEQ) return this.#options.sessions.close(socket, code, CLOSE_REASONS[CloseCode.INVALID_SEQ]);
    this.refuse(socket);
  }
}

/**
 * Gateway v10 from the browser, as Discord's own web client speaks it: HELLO, heartbeats (the
 * first after a random fraction of the interval), IDENTIFY, and RESUME after a dropped
 * connection (a close the protocol calls resumable, op 7, or op 9 with `d: true`), else a fresh
 * IDENTIFY. Closes that a retry cannot fix (4004 bad token, 4010-4014) end the connection and
 * are reported.
 */

const Op = { DISPATCH: 0, HEARTBEAT: 1, IDENTIFY: 2, PRESENCE: 3, RESUME: 6, RECONNECT: 7, INVALID_SESSION: 9, HELLO: 10, ACK: 11 } as const;

/** Close codes after which connecting again cannot help. */
const FATAL_CLOSES = new Set([4004, 4010, 4011, 4012, 4013, 4014]);

export interface GatewayFrame {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

export interface GatewayHandlers {
  dispatch(t: string, d: unknown): void;
  /** The connection ended for good: `code` is the close code that ended it. */
  ended(code: number, reason: string): void;
  /** Connected (READY or RESUMED) or reconnecting: for the page's status line. */
  status(text: string): void;
}

export class GatewayConnection {
  readonly #url: string;
  readonly #token: string;
  readonly #intents: number;
  readonly #handlers: GatewayHandlers;
  #socket: WebSocket | undefined;
  #heartbeat: ReturnType<typeof setTimeout> | undefined;
  #acked = true;
  #seq: number | null = null;
  #sessionId: string | undefined;
  #closed = false;
  #retries = 0;

  /** `url`: the gateway's ws(s):// URL, no query string. */
  constructor(url: string, token: string, intents: number, handlers: GatewayHandlers) {
    this.#url = url;
    this.#token = token;
    this.#intents = intents;
    this.#handlers = handlers;
    this.#connect(false);
  }

  /** Sends a gateway payload (op 3, op 14, ...). */
  send(op: number, d: unknown): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify({ op, d }));
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#heartbeat);
    this.#socket?.close(1000, "bye");
  }

  #connect(resume: boolean): void {
    // The page's own origin, also to resume: READY's resume_gateway_url names the host the
    // gateway was told it listens on, which a browser may not reach by that name.
    const socket = new WebSocket(`${this.#url}/?v=10&encoding=json`);
    this.#socket = socket;
    socket.onmessage = (event) => this.#frame(JSON.parse(String(event.data)) as GatewayFrame, resume);
    socket.onclose = (event) => {
      if (this.#socket !== socket) return;
      clearTimeout(this.#heartbeat);
      if (this.#closed) return;
      if (FATAL_CLOSES.has(event.code)) {
        this.#closed = true;
        this.#handlers.ended(event.code, event.reason);
        return;
      }
      this.#reconnect(true);
    };
  }

  #reconnect(resume: boolean): void {
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.close(4200, "reconnecting");
    if (!resume) this.#sessionId = undefined;
    this.#handlers.status("reconnecting…");
    // Back off: 0.5 s, 1 s, 2 s ... up to 10 s.
    const delay = Math.min(10_000, 500 * 2 ** this.#retries++);
    setTimeout(() => this.#closed || this.#connect(this.#sessionId !== undefined), delay);
  }

  #frame(frame: GatewayFrame, resume: boolean): void {
    if (frame.s !== null) this.#seq = frame.s;
    switch (frame.op) {
      case Op.HELLO: {
        const interval = (frame.d as { heartbeat_interval: number }).heartbeat_interval;
        this.#beat(interval * Math.random(), interval);
        if (resume && this.#sessionId) {
          this.send(Op.RESUME, { token: this.#token, session_id: this.#sessionId, seq: this.#seq ?? 0 });
        } else {
          this.send(Op.IDENTIFY, {
            token: this.#token,
            intents: this.#intents,
            properties: { os: navigator.platform || "web", browser: "guildgate web", device: "guildgate web" },
          });
        }
        return;
      }
      case Op.ACK:
        this.#acked = true;
        return;
      case Op.HEARTBEAT:
        this.send(Op.HEARTBEAT, this.#seq);
        return;
      case Op.RECONNECT:
        this.#reconnect(true);
        return;
      case Op.INVALID_SESSION:
        this.#reconnect(frame.d === true);
        return;
      case Op.DISPATCH:
        if (frame.t === "READY") this.#sessionId = (frame.d as { session_id: string }).session_id;
        if (frame.t === "READY" || frame.t === "RESUMED") {
          this.#retries = 0;
          this.#handlers.status("connected");
        }
        this.#handlers.dispatch(frame.t as string, frame.d);
        return;
    }
  }

  #beat(delay: number, interval: number): void {
    clearTimeout(this.#heartbeat);
    this.#heartbeat = setTimeout(() => {
      // No ACK since the last beat: the connection is a zombie; drop it and resume.
      if (!this.#acked) return this.#reconnect(true);
      this.#acked = false;
      this.send(Op.HEARTBEAT, this.#seq);
      this.#beat(interval, interval);
    }, delay);
  }
}

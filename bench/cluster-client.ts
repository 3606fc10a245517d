/**
 * One gateway session for the cluster bench (bench/cluster.ts), as a real client behaves:
 * heartbeats, op 7 -> RESUME on another node, a lost socket -> RESUME elsewhere, op 9 ->
 * IDENTIFY again after a pause. It records every LOAD_EVENT it gets (`d.g`: the guild's
 * index, `d.n`: the event's number within the guild) and when each READY came.
 */
import { clock } from "./load/clock.ts";

/** GUILDS (1): the bench's events are an app's own, stated for every member. */
const INTENTS = 1;

export interface Received {
  /** The guild's index in the bench's plan. */
  g: number;
  /** The event's number within its guild. */
  n: number;
  at: number;
}

export class ClusterClient {
  readonly received: Received[] = [];
  /** When each READY arrived (a new session), and when each RESUMED did. */
  readonly readyAt: number[] = [];
  readonly resumedAt: number[] = [];
  /** When each READY's last GUILD_CREATE arrived. */
  readonly guildsAt: number[] = [];
  /** Set when the session was lost (op 9 after a RESUME): events before the next READY may be missed. */
  lostAt: number | undefined;
  #socket: WebSocket | undefined;
  #sessionId: string | undefined;
  #seq: number | null = null;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #closedByUs = false;
  #stopped = false;
  /** Guilds READY listed that have not had their GUILD_CREATE yet. */
  #guildsPending = 0;

  constructor(
    private readonly token: string,
    /** The gateway URL to use next (ws://host:port), asked again on every reconnect. */
    private readonly gatewayOf: (attempt: number) => string,
  ) {}

  /** READY, and a GUILD_CREATE for every guild it listed: events from now on reach it. */
  get ready(): boolean {
    return this.#sessionId !== undefined && this.#guildsPending === 0;
  }

  start(): void {
    this.#connect(0);
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#heartbeat);
    this.#closedByUs = true;
    this.#socket?.close(1000);
  }

  #connect(attempt: number): void {
    if (this.#stopped) return;
    const socket = new WebSocket(`${this.gatewayOf(attempt)}/?v=10&encoding=json`);
    this.#socket = socket;
    this.#closedByUs = false;
    socket.onmessage = (event) => this.#onFrame(socket, JSON.parse(String(event.data)) as { op: number; d: unknown; s: number | null; t: string | null });
    socket.onclose = () => {
      clearInterval(this.#heartbeat);
      if (socket !== this.#socket || this.#closedByUs || this.#stopped) return;
      // The node went away (killed, or cut us off): come back elsewhere, at once.
      setTimeout(() => this.#connect(attempt + 1), 10);
    };
  }

  #send(socket: WebSocket, payload: unknown): void {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(payload));
  }

  #identify(socket: WebSocket): void {
    this.#send(socket, { op: 2, d: { token: this.token, intents: INTENTS, properties: { os: "linux", browser: "bench", device: "bench" } } });
  }

  #onFrame(socket: WebSocket, frame: { op: number; d: unknown; s: number | null; t: string | null }): void {
    if (frame.s !== null) this.#seq = frame.s;
    switch (frame.op) {
      case 10: {
        const interval = (frame.d as { heartbeat_interval: number }).heartbeat_interval;
        clearInterval(this.#heartbeat);
        this.#heartbeat = setInterval(() => this.#send(socket, { op: 1, d: this.#seq }), interval);
        if (this.#sessionId) this.#send(socket, { op: 6, d: { token: this.token, session_id: this.#sessionId, seq: this.#seq } });
        else this.#identify(socket);
        return;
      }
      case 7:
        // As Discord asks: reconnect and RESUME (a close code other than 1000/1001 keeps the session).
        this.#closedByUs = true;
        socket.close(4000, "reconnect");
        setTimeout(() => this.#connect(1), 10);
        return;
      case 9:
        if (this.#sessionId) this.lostAt ??= clock();
        this.#sessionId = undefined;
        this.#seq = null;
        // As clients do: IDENTIFY again after 1-5 s (here 1 s: max_concurrency allows one per 5 s).
        setTimeout(() => this.#identify(socket), 1_000);
        return;
      case 0:
        if (frame.t === "READY") {
          const d = frame.d as { session_id: string; guilds: unknown[] };
          this.#sessionId = d.session_id;
          this.#guildsPending = d.guilds.length;
          this.readyAt.push(clock());
          if (this.#guildsPending === 0) this.guildsAt.push(clock());
        } else if (frame.t === "GUILD_CREATE") {
          if (--this.#guildsPending === 0) this.guildsAt.push(clock());
        }
        else if (frame.t === "RESUMED") this.resumedAt.push(clock());
        else if (frame.t === "LOAD_EVENT") {
          const d = frame.d as { g: number; n: number };
          this.received.push({ g: d.g, n: d.n, at: clock() });
        }
        return;
    }
  }
}

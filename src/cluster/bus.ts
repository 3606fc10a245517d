/**
 * The bus between the Workers of one process: a full mesh of MessagePorts, so every pair
 * of workers has its own FIFO link. Everything one worker sends another (pushes, requests,
 * answers) goes over that one link and arrives in the order it was sent; the guild layer
 * relies on that (an answer to a join arrives before the events that follow it).
 *
 * A batch is handled in order, pausing for a turn after any message whose handling may go
 * on asynchronously (an answer, a request), so nothing after it overtakes that work.
 *
 * Messages are plain data (structured clone): strings, numbers, arrays, small objects.
 * The hot message, one fanout per worker per event, is a few strings. Each link sends what
 * was queued in one event-loop turn as one batch (bench/bus.bench.ts: 273k single messages/s
 * through a link, 4.7M/s batched; a request's round trip stays ~37 µs).
 */

/** A message on the bus; `k` says what it is. */
export interface BusMessage {
  readonly k: string;
  readonly [field: string]: unknown;
}

/** What a worker does with messages from its peers. */
export interface BusHandlers {
  push(from: number, message: BusMessage): void;
  /** Answers a request; a thrown error goes back to the caller as a rejection. */
  request(from: number, message: BusMessage): unknown;
}

/** Errors cross the bus as their name and message; the caller rebuilds known ones. */
export interface BusError {
  readonly name: string;
  readonly message: string;
  readonly data?: Record<string, unknown>;
}

export class BusRequestError extends Error {
  constructor(readonly error: BusError) {
    super(error.message);
    this.name = error.name;
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** The minimal port shape (a web MessagePort, as Bun and Node have globally). */
export interface Port {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: Event) => void): void;
  /** Starts delivery (a port with an event listener waits for it). */
  start(): void;
  close(): void;
}

export class Bus {
  readonly self: number;
  readonly size: number;
  readonly #ports: (Port | null)[];
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #handlers: BusHandlers | null = null;
  /**
   * Messages received and not yet handled, in arrival order (and those that came before
   * `listen`). See `#drain` for why handling can pause.
   */
  #inbox: [number, BusMessage][] = [];
  #next = 0;
  #paused = false;
  /** Kinds of push whose handling finishes synchronously (see `#drain`). */
  readonly #inline: ReadonlySet<string>;
  /**
   * Per peer, what was sent since the last flush. A link carries a batch per event-loop
   * turn: the peer handles it in one task, so what it publishes for several events goes out
   * in one write per socket (uWS drains publishes once per turn).
   */
  readonly #outbox: BusMessage[][];
  #flushScheduled = false;

  /**
   * `ports[i]` links to worker i; `ports[self]` is null. One worker: `new Bus(0, [null])`.
   * `inline`: kinds of push whose handler starts no asynchronous work.
   */
  constructor(self: number, ports: readonly (Port | null)[], inline: Iterable<string> = []) {
    this.#inline = new Set(inline);
    this.self = self;
    this.size = ports.length;
    this.#ports = [...ports];
    this.#outbox = ports.map(() => []);
    ports.forEach((port, peer) => {
      if (!port) return;
      port.addEventListener("message", (event) => {
        for (const message of (event as MessageEvent).data as BusMessage[]) this.#inbox.push([peer, message]);
        this.#drain();
      });
      port.start();
    });
  }

  listen(handlers: BusHandlers): void {
    this.#handlers = handlers;
    this.#drain();
  }

  /** Every worker but this one. */
  peers(): number[] {
    const peers: number[] = [];
    for (let i = 0; i < this.size; i++) if (i !== this.self) peers.push(i);
    return peers;
  }

  send(to: number, message: BusMessage): void {
    this.#post(to, message);
  }

  request<T>(to: number, message: BusMessage): Promise<T> {
    const id = ++this.#nextId;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#post(to, { k: "req", id, message });
    });
  }

  close(): void {
    for (const port of this.#ports) port?.close();
  }

  /** Queues a message for `to`; every link's queue goes out at the end of this event-loop turn, in order. */
  #post(to: number, message: BusMessage): void {
    this.#port(to);
    (this.#outbox[to] as BusMessage[]).push(message);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    this.#outbox.forEach((queue, peer) => {
      if (queue.length === 0) return;
      this.#outbox[peer] = [];
      this.#port(peer).postMessage(queue);
    });
  }

  #port(to: number): Port {
    const port = this.#ports[to];
    if (!port) throw new Error(`bus: no link from worker ${this.self} to ${to}`);
    return port;
  }

  /**
   * Handles the inbox in order. An answer resolves a promise, and a request or most pushes
   * may start async work (a join's answer is awaited, then the session takes its topic);
   * that work continues in microtasks, which run only when this task ends. A message later
   * in the same batch (an event for that topic) must not be handled before it, so after any
   * message that is not `inline` handling pauses until the next event-loop turn.
   */
  #drain(): void {
    const handlers = this.#handlers;
    if (!handlers || this.#paused) return;
    while (this.#next < this.#inbox.length) {
      const [from, message] = this.#inbox[this.#next++] as [number, BusMessage];
      this.#receive(handlers, from, message);
      if (this.#inline.has(message.k)) continue;
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

  #receive(handlers: BusHandlers, from: number, message: BusMessage): void {
    if (message.k === "res") {
      const pending = this.#pending.get(message.id as number);
      this.#pending.delete(message.id as number);
      if (message.error) pending?.reject(new BusRequestError(message.error as BusError));
      else pending?.resolve(message.value);
      return;
    }
    if (message.k !== "req") return handlers.push(from, message);
    let answer: BusMessage;
    try {
      answer = { k: "res", id: message.id, value: handlers.request(from, message.message as BusMessage) };
    } catch (error) {
      const { name, message: text } = error instanceof Error ? error : new Error(String(error));
      const data = error instanceof Error && "busData" in error ? (error.busData as Record<string, unknown>) : undefined;
      answer = { k: "res", id: message.id, error: { name, message: text, data } };
    }
    this.#post(from, answer);
  }
}

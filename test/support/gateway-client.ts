/**
 * A minimal raw gateway client for tests: a real WebSocket, every frame kept
 * in order, helpers to wait for an op, a dispatch or the close. With `etf`, it
 * speaks encoding=etf: it sends Erlang terms as erlpack's JS encoder writes them
 * (etf-client.ts) and reads the gateway's binary frames as terms.
 */
import zlib from "node:zlib";
import { decodeEtf } from "../../src/protocol/etf-decode.ts";
import { encodeClientEtf } from "./etf-client.ts";

export interface Frame {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

export class RawClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #socket: WebSocket;
  readonly #opened: Promise<void>;
  #waiters: (() => void)[] = [];
  #inflate: zlib.Inflate | null = null;
  /** Compressed messages inflate one after another, each up to its sync flush. */
  #inflating: Promise<void> = Promise.resolve();

  readonly #etf: boolean;

  constructor(url: string, options: { compress?: boolean; etf?: boolean } = {}) {
    this.#etf = options.etf ?? false;
    this.#socket = new WebSocket(url);
    this.#socket.binaryType = "arraybuffer";
    if (options.compress) {
      // One persistent inflate context for the connection, as real clients keep.
      this.#inflate = zlib.createInflate();
    }
    this.#opened = new Promise((resolve, reject) => {
      this.#socket.onopen = () => resolve();
      this.#socket.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
    this.closed = new Promise((resolve) => {
      this.#socket.onclose = (event) => {
        resolve({ code: event.code, reason: event.reason });
        this.#wake();
      };
    });
    this.#socket.onmessage = (event) => {
      if (typeof event.data === "string") return this.#push(event.data);
      const inflate = this.#inflate;
      const bytes = new Uint8Array(event.data as ArrayBuffer);
      if (!inflate) {
        if (!this.#etf) throw new Error("binary frame on an uncompressed JSON connection");
        return this.#push(bytes);
      }
      this.#inflating = this.#inflating.then(
        () =>
          new Promise<void>((resolve) => {
            const chunks: Buffer[] = [];
            const onData = (chunk: Buffer): number => chunks.push(chunk);
            inflate.on("data", onData);
            inflate.write(bytes);
            inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
              inflate.off("data", onData);
              const inflated = Buffer.concat(chunks);
              this.#push(this.#etf ? new Uint8Array(inflated) : inflated.toString("utf8"));
              resolve();
            });
          }),
      );
    };
  }

  opened(): Promise<void> {
    return this.#opened;
  }

  /** Sends a text frame of `payload` as is if a string; else `payload` as JSON text, or as ETF in a binary frame with `etf`. */
  send(payload: unknown): void {
    if (typeof payload === "string") return this.#socket.send(payload);
    this.#socket.send(this.#etf ? encodeClientEtf(payload) : JSON.stringify(payload));
  }

  /** Sends a binary frame: `payload` as is if bytes, else as UTF-8 JSON (as hikari sends everything). */
  sendBinary(payload: unknown): void {
    this.#socket.send(payload instanceof Uint8Array ? payload : new TextEncoder().encode(JSON.stringify(payload)));
  }

  close(code = 1000, reason = ""): void {
    this.#socket.close(code, reason);
  }

  get readyState(): number {
    return this.#socket.readyState;
  }

  /** Resolves with the first frame (from `from` on) that matches, or throws after `timeoutMs`. */
  async next(match: (frame: Frame) => boolean, timeoutMs = 5_000, from = 0): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found) return found;
      if (this.#socket.readyState === WebSocket.CLOSED) throw new Error("socket closed while waiting for a frame");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-3))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  op(op: number, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f.op === op, timeoutMs);
  }

  dispatch(t: string, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f.op === 0 && f.t === t, timeoutMs);
  }

  /** A text frame is JSON; a binary one (after inflating) an ETF term, with the gateway's atom keys. */
  #push(message: string | Uint8Array): void {
    if ((typeof message === "string") === this.#etf) throw new Error(`${this.#etf ? "text" : "binary"} frame on ${this.#etf ? "an ETF" : "a JSON"} connection`);
    this.frames.push((typeof message === "string" ? JSON.parse(message) : decodeEtf(message, { atomKeys: true })) as Frame);
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

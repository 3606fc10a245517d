/**
 * A minimal raw gateway client for tests: a real WebSocket, every frame kept
 * in order, helpers to wait for an op, a dispatch or the close. With `etf`, it
 * speaks encoding=etf: it sends Erlang terms as erlpack's JS encoder writes them
 * (etf-client.ts) and reads the gateway's binary frames as terms.
 */
import type { CompressionKind } from "../../src/protocol/compression.ts";
import { decodeEtf } from "../../src/protocol/etf-decode.ts";
import { encodeClientEtf } from "./etf-client.ts";
import { StreamDecompressor } from "./stream-decompressor.ts";

export interface Frame {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

export class RawClient {
  readonly frames: Frame[] = [];
  /** Every binary message as it came off the socket, still compressed if it was. */
  readonly binary: Uint8Array[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #socket: WebSocket;
  readonly #opened: Promise<void>;
  #waiters: (() => void)[] = [];
  /** The connection's one decompression context, as real clients keep, for `compress`. */
  readonly #decompressor: StreamDecompressor | null;

  readonly #etf: boolean;

  /** `compress` must match the URL's `compress=`: the client reads frames as that stream. */
  constructor(url: string, options: { compress?: CompressionKind; etf?: boolean } = {}) {
    this.#etf = options.etf ?? false;
    this.#socket = new WebSocket(url);
    this.#socket.binaryType = "arraybuffer";
    this.#decompressor = options.compress ? new StreamDecompressor(options.compress) : null;
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
      if (typeof event.data === "string") {
        if (this.#decompressor) throw new Error("text frame on a compressed connection");
        return this.#push(event.data);
      }
      const decompressor = this.#decompressor;
      const bytes = new Uint8Array(event.data as ArrayBuffer);
      this.binary.push(bytes);
      if (!decompressor) {
        if (!this.#etf) throw new Error("binary frame on an uncompressed JSON connection");
        return this.#push(bytes);
      }
      void decompressor.read(bytes).then((message) => this.#push(this.#etf ? new Uint8Array(message) : message.toString("utf8")));
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

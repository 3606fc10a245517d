/**
 * A WebSocket client over a bare TCP socket that can stop reading
 * (`pause()`), so the server's send buffer for it fills up. It sees the
 * close as the wire shows it: a close frame's code, or 1006 when the
 * connection ends without one.
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import type { Frame } from "./gateway-client.ts";

export class TcpWsClient {
  readonly frames: Frame[] = [];
  /** Resolves when the TCP connection has ended: the close frame's code, or 1006 without one. */
  readonly closed: Promise<{ code: number }>;
  readonly #socket: net.Socket;
  #buffer = Buffer.alloc(0);
  #upgraded = false;
  #closeCode: number | null = null;

  constructor(url: string) {
    const { hostname, port, pathname, search } = new URL(url);
    this.#socket = net.connect(Number(port), hostname);
    this.#socket.write(
      `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    this.#socket.on("data", (chunk: Buffer) => this.#read(chunk));
    this.closed = new Promise((resolve) => {
      this.#socket.on("close", () => resolve({ code: this.#closeCode ?? 1006 }));
    });
    this.#socket.on("error", () => {}); // a reset still ends in "close"
  }

  /** Sends one masked text frame (payload under 64 KiB). */
  send(payload: unknown): void {
    const data = Buffer.from(JSON.stringify(payload));
    if (data.length > 0xffff) throw new Error("frame too big for this client");
    const mask = randomBytes(4);
    const header = data.length < 126 ? Buffer.from([0x81, 0x80 | data.length]) : Buffer.from([0x81, 0x80 | 126, data.length >> 8, data.length & 0xff]);
    for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) ^ (mask[i % 4] as number);
    this.#socket.write(Buffer.concat([header, mask, data]));
  }

  /** Stops reading from the socket; the kernel buffers, then the server's, fill up. */
  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  close(): void {
    this.#socket.destroy();
  }

  /** Resolves with the first frame that matches, reading as needed. */
  async next(match: (frame: Frame) => boolean, timeoutMs = 5_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching frame within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  #read(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    if (!this.#upgraded) {
      const end = this.#buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      this.#upgraded = true;
      this.#buffer = this.#buffer.subarray(end + 4);
    }
    for (;;) {
      const frame = this.#buffer;
      if (frame.length < 2) return;
      let length = (frame[1] as number) & 0x7f;
      let offset = 2;
      if (length === 126) [length, offset] = frame.length < 4 ? [Infinity, 4] : [frame.readUInt16BE(2), 4];
      else if (length === 127) [length, offset] = frame.length < 10 ? [Infinity, 10] : [Number(frame.readBigUInt64BE(2)), 10];
      if (frame.length < offset + length) return;
      const payload = frame.subarray(offset, offset + length);
      const opcode = (frame[0] as number) & 0x0f;
      if (opcode === 0x1) this.frames.push(JSON.parse(payload.toString("utf8")) as Frame);
      else if (opcode === 0x8) this.#closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.#buffer = frame.subarray(offset + length);
    }
  }
}

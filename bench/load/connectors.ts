/**
 * The three ways a generator can hold a Gateway session's socket, behind one
 * small interface, so their cost per delivery can be compared with the same
 * session logic on top (`--client` in run.ts):
 *
 * - `bun` (default): Bun.connect, a bare TCP socket with one native callback
 *   per read; the WebSocket handshake and framing are done here, by hand.
 *   Binds `localAddress` (Bun accepts it, though its types do not list it).
 * - `net`: node:net under Bun; the same hand-made framing. Binds `localAddress`.
 * - `websocket`: Bun's WebSocket client; a MessageEvent and a decoded string
 *   per message. Cannot bind a source address (so at most ~28k sessions).
 *
 * Client frames are masked with a zero key (valid per RFC 6455): the payload
 * goes out as it is.
 */
import net from "node:net";
import { clock } from "./clock.ts";

export type ClientKind = "bun" | "net" | "websocket";
export const CLIENT_KINDS: readonly ClientKind[] = ["bun", "net", "websocket"];

/** Where a server listens. */
export interface Endpoint {
  host: string;
  port: number;
}

export interface WireTarget extends Endpoint {
  localAddress: string;
  /** Path and query, e.g. `/?v=10&encoding=json`. */
  path: string;
}

/** What a connector tells its session. `now` is read once per socket read, not per frame. */
export interface WireEvents {
  open(): void;
  /** One server message as bytes (opcode 1 text, 2 binary, 8 close). */
  frame(opcode: number, bytes: Buffer, start: number, end: number, now: number): void;
  /** One server message from the WebSocket client (text, or a Buffer for binary). */
  message(data: string | Buffer, now: number): void;
  /** The connection is gone, with the close code if one came. Called once. */
  closed(code: number | null): void;
  error(code: string): void;
}

export interface Wire {
  /** Sends one message: text for a string, binary for bytes (ETF). */
  send(message: string | Uint8Array): void;
  close(): void;
}

/**
 * How a load session speaks: its encoding and transport compression, named as `--mix`
 * takes them: json, etf, zlib (json + zlib-stream), zstd (json + zstd-stream), etf-zlib,
 * etf-zstd.
 */
export interface LoadWire {
  etf: boolean;
  compress: "zlib-stream" | "zstd-stream" | null;
}

export const LOAD_WIRES: Readonly<Record<string, LoadWire>> = {
  json: { etf: false, compress: null },
  etf: { etf: true, compress: null },
  zlib: { etf: false, compress: "zlib-stream" },
  zstd: { etf: false, compress: "zstd-stream" },
  "etf-zlib": { etf: true, compress: "zlib-stream" },
  "etf-zstd": { etf: true, compress: "zstd-stream" },
};

/** The connect path of a wire. */
export function wirePath(wire: LoadWire): string {
  return `/?v=10&encoding=${wire.etf ? "etf" : "json"}${wire.compress ? `&compress=${wire.compress}` : ""}`;
}

export function connectWire(kind: ClientKind, target: WireTarget, events: WireEvents): Wire {
  if (kind === "websocket") return connectWebSocket(target, events);
  return kind === "bun" ? connectBun(target, events) : connectNet(target, events);
}

/** A masked client frame with a zero mask key: text for a string, binary for bytes. */
export function clientFrame(message: string | Uint8Array): Buffer {
  const payload = Buffer.from(message);
  const first = typeof message === "string" ? 0x81 : 0x82;
  const header = payload.length < 126 ? Buffer.from([first, 0x80 | payload.length]) : Buffer.from([first, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, Buffer.alloc(4), payload]);
}

/** HTTP upgrade, then WebSocket frames, from whatever the kernel hands over in one read. */
class FrameReader {
  #pending: Buffer | null = null;
  #upgraded = false;
  closeCode: number | null = null;

  constructor(readonly events: WireEvents) {}

  read(chunk: Buffer): void {
    const now = clock();
    const buffer = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    let pos = 0;
    if (!this.#upgraded) {
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0) {
        this.#pending = Buffer.from(buffer);
        return;
      }
      if (buffer.toString("latin1", 0, 12) !== "HTTP/1.1 101") throw new Error(`http ${buffer.toString("latin1", 9, 12)}`);
      this.#upgraded = true;
      pos = end + 4;
      this.events.open();
    }
    const length = buffer.length;
    while (length - pos >= 2) {
      let size = buffer[pos + 1]! & 0x7f;
      let start = pos + 2;
      if (size === 126) {
        if (length - pos < 4) break;
        size = buffer.readUInt16BE(pos + 2);
        start = pos + 4;
      } else if (size === 127) {
        if (length - pos < 10) break;
        size = Number(buffer.readBigUInt64BE(pos + 2));
        start = pos + 10;
      }
      const end = start + size;
      if (end > length) break;
      const opcode = buffer[pos]! & 0x0f;
      if (opcode === 0x8) this.closeCode = size >= 2 ? buffer.readUInt16BE(start) : 1005;
      else this.events.frame(opcode, buffer, start, end, now);
      pos = end;
    }
    // A frame cut by the end of this read waits for the next one (copied: the chunk is not ours to keep).
    this.#pending = pos < length ? Buffer.from(buffer.subarray(pos)) : null;
  }
}

const upgradeRequest = (target: WireTarget): string =>
  `GET ${target.path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: bG9hZGdlbmxvYWRnZW5sbw==\r\nSec-WebSocket-Version: 13\r\n\r\n`;

interface BunLink {
  reader: FrameReader;
  socket: Bun.Socket<BunLink> | null;
  /** Bytes a short write left for the drain (client frames are small; this is rare). */
  unsent: Buffer | null;
  request: string;
  done: boolean;
}

function bunWrite(link: BunLink, bytes: Buffer): void {
  if (!link.socket) return;
  if (link.unsent) {
    link.unsent = Buffer.concat([link.unsent, bytes]);
    return;
  }
  const written = link.socket.write(bytes);
  if (written < bytes.length) link.unsent = bytes.subarray(Math.max(0, written));
}

function bunClosed(link: BunLink): void {
  if (link.done) return;
  link.done = true;
  link.socket = null;
  link.reader.events.closed(link.reader.closeCode);
}

/** One handler set for every socket (Bun's advice); the socket's data is its link. */
const bunHandlers: Bun.SocketHandler<BunLink> = {
  open(socket) {
    socket.data.socket = socket;
    socket.setNoDelay(true);
    bunWrite(socket.data, Buffer.from(socket.data.request));
  },
  data(socket, chunk) {
    try {
      socket.data.reader.read(chunk);
    } catch (error) {
      socket.data.reader.events.error((error as Error).message);
      socket.end();
    }
  },
  drain(socket) {
    const unsent = socket.data.unsent;
    socket.data.unsent = null;
    if (unsent) bunWrite(socket.data, unsent);
  },
  error(socket, error) {
    socket.data.reader.events.error((error as NodeJS.ErrnoException).code ?? error.message);
  },
  close(socket) {
    bunClosed(socket.data);
  },
};

function connectBun(target: WireTarget, events: WireEvents): Wire {
  const link: BunLink = { reader: new FrameReader(events), socket: null, unsent: null, request: upgradeRequest(target), done: false };
  const options = { hostname: target.host, port: target.port, localAddress: target.localAddress, data: link, socket: bunHandlers };
  Bun.connect<BunLink>(options as Bun.TCPSocketConnectOptions<BunLink>).catch((error: NodeJS.ErrnoException) => {
    events.error(error.code ?? error.message);
    bunClosed(link);
  });
  return { send: (message) => bunWrite(link, clientFrame(message)), close: () => link.socket?.terminate() };
}

function connectNet(target: WireTarget, events: WireEvents): Wire {
  const reader = new FrameReader(events);
  const socket = net.connect({ host: target.host, port: target.port, localAddress: target.localAddress, noDelay: true });
  socket.on("connect", () => socket.write(upgradeRequest(target)));
  socket.on("data", (chunk: Buffer) => {
    try {
      reader.read(chunk);
    } catch (error) {
      events.error((error as Error).message);
      socket.destroy();
    }
  });
  socket.on("error", (error: NodeJS.ErrnoException) => events.error(error.code ?? error.message));
  socket.on("close", () => events.closed(reader.closeCode));
  return { send: (message) => void socket.write(clientFrame(message)), close: () => socket.destroy() };
}

function connectWebSocket(target: WireTarget, events: WireEvents): Wire {
  const ws = new WebSocket(`ws://${target.host}:${target.port}${target.path}`);
  ws.binaryType = "nodebuffer";
  ws.onopen = () => events.open();
  ws.onmessage = (event) => events.message(event.data as string | Buffer, clock());
  ws.onerror = () => events.error("websocket error");
  ws.onclose = (event) => events.closed(event.code === 1006 ? null : event.code);
  return { send: (message) => ws.send(message), close: () => ws.close() };
}

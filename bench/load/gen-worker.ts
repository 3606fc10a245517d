/**
 * One load-generator process: holds up to a few thousand Gateway v10
 * sessions, bound to one 127.x source address, and measures every delivery.
 * Spawned by bench/load/fleet.ts with an IPC channel; it does nothing alone.
 * The socket layer is connectors.ts (Bun.connect with hand-made framing by
 * default: the cheapest per delivery, measured in bench/load/README.md).
 *
 * Per session: HTTP upgrade, HELLO -> IDENTIFY (intents as told), READY,
 * heartbeats at the HELLO interval (and on op 1), op 9 -> IDENTIFY again after
 * 1-5 s (as clients do). Each op 0 frame carrying `"t0":` in `d` is a
 * delivery; its latency is receipt time minus t0, both on the shared clock
 * (clock.ts), read once per socket read. The fast path reads t0 and the
 * event number `n` after it from the bytes and parses nothing else; a
 * session that gets an event number twice since the last reset counts a
 * duplicate (event-numbers.ts). Sessions speak the wire formats they are
 * dealt (`wires`, cycled: json, etf, each plain, zlib-stream or zstd-stream).
 * With zlib-stream each message is inflated as the raw deflate block it is
 * (sync-flushed, ending 00 00 FF FF, history-free as guildgate and the
 * baselines send them); with zstd-stream each message's blocks are decoded
 * as a frame of their own (guildgate's refer to nothing before them). ETF
 * frames are decoded whole (etf-decode.ts), so an ETF delivery costs the
 * generator more than a JSON one.
 */
import zlib from "node:zlib";
import { decodeEtf } from "../../src/protocol/etf-decode.ts";
import { encodeClientEtf } from "../../test/support/etf-client.ts";
import { clock } from "./clock.ts";
import { connectWire, wirePath, type ClientKind, type Endpoint, type LoadWire, type Wire } from "./connectors.ts";
import { EventSet, eventNumberAt } from "./event-numbers.ts";
import { Histogram, type HistogramData } from "./histogram.ts";

/** What the coordinator asks; see fleet.ts for the answers. */
export type WorkerCommand =
  | {
      type: "connect";
      client: ClientKind;
      /** Where sessions connect: the token at index i connects to `endpoints[sessionEndpoints[i]]`. */
      endpoints: Endpoint[];
      localAddress: string;
      tokens: string[];
      sessionEndpoints: number[];
      intents: number;
      /** The wire formats the sessions speak, dealt in turn (session i gets `wires[i % length]`). */
      wires: LoadWire[];
      /** Sessions between connect() and READY at once; tokens.length for a storm. */
      inFlight: number;
      timeoutMs: number;
    }
  | { type: "reset" }
  | { type: "report" }
  | { type: "count" }
  | { type: "close" };

export interface ConnectResult {
  type: "connected";
  ready: number;
  refusals: number;
  errors: Record<string, number>;
  closes: Record<string, number>;
  readyHist: HistogramData;
  /** Clock ms of the first connect() and the last READY. */
  firstStart: number;
  lastReady: number;
  rssBytes: number;
}

export interface DeliveryReport {
  type: "report";
  deliveries: number;
  /** Deliveries of an event number the session already had since the last reset. */
  duplicates: number;
  /** Deliveries without an event number after t0: not checked for duplicates. */
  unnumbered: number;
  /** Op 0 frames without t0 (GUILD_CREATE and the like). */
  otherDispatches: number;
  hist: HistogramData;
  firstReceipt: number;
  lastReceipt: number;
  /** Fewest and most deliveries on one session since the last reset. */
  minPerSession: number;
  maxPerSession: number;
  /** process.cpuUsage() since the last reset, µs. */
  cpuUserUs: number;
  cpuSystemUs: number;
  wallMs: number;
  ready: number;
  closes: Record<string, number>;
}

/** Deliveries since the last reset and sessions READY now: cheap enough to poll, also while connecting. */
export interface CountReport {
  type: "count";
  deliveries: number;
  ready: number;
}

const T0 = Buffer.from('"t0":');
/** Where `"t0":` sits when `d` starts with it: `{"op":0,"d":{"t0":` (guildgate, raw and naive all put op, d first). */
const T0_AT = 13;
const HEARTBEAT = { op: 1, d: null };
const INFLATE: zlib.ZlibOptions = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
/** guildgate's zstd-stream header (magic, no content size, 1 MiB window), and an empty last raw block that ends a frame. */
const ZSTD_HEADER_BYTES = 6;
const ZSTD_END = Buffer.from([0x01, 0x00, 0x00]);

class Session {
  wire: Wire | null = null;
  /** The stream's header, kept from its first message (zstd: to decode each message as a frame). */
  streamHeader: Buffer | null = null;
  ready = false;
  startedAt = 0;
  heartbeatMs = 0;
  heartbeatDue = Infinity;
  deliveries = 0;
  attempts = 0;
  /** The event numbers this session got since the last reset. */
  readonly seen = new EventSet();
  constructor(
    readonly token: string,
    readonly endpoint: Endpoint,
    readonly format: LoadWire,
  ) {}

  /** A payload as this session's encoding sends it. */
  encode(payload: unknown): string | Uint8Array {
    return this.format.etf ? encodeClientEtf(payload) : JSON.stringify(payload);
  }
}

let sessions: Session[] = [];
let plan: Extract<WorkerCommand, { type: "connect" }> | null = null;
const readyHist = new Histogram();
let hist = new Histogram();
let refusals = 0;
let deliveries = 0;
let duplicates = 0;
let unnumbered = 0;
let otherDispatches = 0;
let firstReceipt = 0;
let lastReceipt = 0;
let firstStart = 0;
let lastReady = 0;
let readyCount = 0;
let inFlight = 0;
let nextToStart = 0;
let deadline = Infinity;
let connecting = false;
/** Set by the close command: connections that end now are not retried. */
let stopping = false;
let cpuBase = process.cpuUsage();
let wallBase = clock();
const errors: Record<string, number> = {};
const closes: Record<string, number> = {};
const bump = (counts: Record<string, number>, key: string): void => void (counts[key] = (counts[key] ?? 0) + 1);

function send(message: ConnectResult | DeliveryReport | CountReport | { type: "closed" }): void {
  process.send?.(message);
}

function startNext(): void {
  if (!plan) return;
  while (inFlight < plan.inFlight && nextToStart < sessions.length) {
    inFlight++;
    open(sessions[nextToStart++]!);
  }
}

function open(session: Session): void {
  const target = plan!;
  session.attempts++;
  session.startedAt ||= clock();
  if (firstStart === 0) firstStart = session.startedAt;
  session.streamHeader = null;
  const wire = connectWire(target.client, { ...session.endpoint, localAddress: target.localAddress, path: wirePath(session.format) }, {
    open: () => {},
    frame: (opcode, bytes, start, end, now) => {
      if (opcode === 0x1) onMessage(session, bytes, start, end, now);
      else if (opcode === 0x2) onBinary(session, bytes, start, end, now);
    },
    message: (data, now) => {
      if (typeof data !== "string") onBinary(session, data, 0, data.length, now);
      else onText(session, data, now);
    },
    closed: (code) => {
      if (code !== null) bump(closes, String(code));
      if (session.wire !== wire) return;
      session.wire = null;
      if (session.ready) {
        session.ready = false;
        readyCount--;
      } else {
        retryOrGiveUp(session);
      }
    },
    error: (code) => bump(errors, code),
  });
  session.wire = wire;
}

/** Not READY yet: retry a refused or reset connection a few times, a second apart. */
function retryOrGiveUp(session: Session): void {
  if (stopping) return;
  if (session.attempts < 3 && clock() < deadline) setTimeout(() => open(session), 1_000);
  else doneStarting();
}

function doneStarting(): void {
  inFlight--;
  startNext();
  maybeConnected();
}

/** Answers the connect command once: when every session is READY or given up on, or at the timeout. */
function maybeConnected(force = false): void {
  if (!connecting || (!force && (nextToStart < sessions.length || inFlight > 0))) return;
  connecting = false;
  send({
    type: "connected",
    ready: readyCount,
    refusals,
    errors,
    closes,
    readyHist: readyHist.toJSON(),
    firstStart,
    lastReady,
    rssBytes: process.memoryUsage.rss(),
  });
}

function delivered(session: Session, t0: number, n: number, now: number): void {
  hist.recordMs(now - t0);
  deliveries++;
  session.deliveries++;
  if (n < 0) unnumbered++;
  else if (session.seen.add(n)) duplicates++;
  if (firstReceipt === 0) firstReceipt = now;
  lastReceipt = now;
}

/** A binary message: decompressed as its stream needs, then read as ETF or JSON. */
function onBinary(session: Session, buffer: Buffer, start: number, end: number, now: number): void {
  const bytes = decompress(session, buffer.subarray(start, end));
  if (session.format.etf) onEtf(session, bytes, now);
  else onMessage(session, bytes, 0, bytes.length, now);
}

function decompress(session: Session, message: Buffer): Buffer {
  const compress = session.format.compress;
  if (compress === null) return message;
  // The first message of a stream carries its header: zlib's 2 bytes, zstd's frame header.
  let blocks = message;
  if (session.streamHeader === null) {
    const length = compress === "zstd-stream" ? ZSTD_HEADER_BYTES : 2;
    session.streamHeader = Buffer.from(message.subarray(0, length));
    blocks = message.subarray(length);
  }
  if (compress === "zlib-stream") return zlib.inflateRawSync(blocks, INFLATE);
  return Buffer.from(Bun.zstdDecompressSync(Buffer.concat([session.streamHeader, blocks, ZSTD_END])));
}

/** One ETF gateway message: a timed delivery (d.t0) or a protocol frame. */
function onEtf(session: Session, bytes: Buffer, now: number): void {
  const frame = decodeEtf(bytes, { atomKeys: true }) as ProtocolFrame & { d: { t0?: number; n?: number } | null };
  const d = frame.d;
  if (d !== null && typeof d === "object" && typeof d.t0 === "number") delivered(session, d.t0, typeof d.n === "number" ? d.n : -1, now);
  else onFrame(session, frame, now);
}

/** One gateway message as bytes: a timed delivery (t0 read from the bytes) or a protocol frame. */
function onMessage(session: Session, buffer: Buffer, start: number, end: number, now: number): void {
  let at = start + T0_AT;
  if (!(buffer[at] === 0x22 && buffer[at + 1] === 0x74 && buffer[at + 2] === 0x30 && buffer[at + 3] === 0x22)) {
    const found = buffer.subarray(start, end).indexOf(T0);
    at = found < 0 ? -1 : start + found;
  }
  if (at < 0) return onProtocol(session, buffer.toString("utf8", start, end), now);
  let p = at + T0.length;
  let t0 = 0;
  let c = buffer[p]!;
  while (c >= 48 && c <= 57) {
    t0 = t0 * 10 + (c - 48);
    c = buffer[++p]!;
  }
  if (c === 46) {
    let scale = 0.1;
    c = buffer[++p]!;
    while (c >= 48 && c <= 57) {
      t0 += (c - 48) * scale;
      scale /= 10;
      c = buffer[++p]!;
    }
  }
  delivered(session, t0, eventNumberAt(buffer, p), now);
}

/** One gateway message from the WebSocket client, already a string. */
function onText(session: Session, text: string, now: number): void {
  const at = text.indexOf('"t0":');
  if (at < 0) return onProtocol(session, text, now);
  const nAt = text.indexOf('"n":', at);
  delivered(session, parseFloat(text.slice(at + 5, at + 32)), nAt < 0 ? -1 : parseInt(text.slice(nAt + 4, nAt + 20)), now);
}

interface ProtocolFrame {
  op: number;
  d: { heartbeat_interval?: number } | null;
  t: string | null;
}

function onProtocol(session: Session, text: string, now: number): void {
  onFrame(session, JSON.parse(text) as ProtocolFrame, now);
}

function identify(session: Session): string | Uint8Array {
  return session.encode({ op: 2, d: { token: session.token, intents: plan?.intents ?? 0, properties: { os: "linux", browser: "guildgate-load", device: "guildgate-load" } } });
}

function onFrame(session: Session, frame: ProtocolFrame, now: number): void {
  switch (frame.op) {
    case 10:
      session.heartbeatMs = frame.d?.heartbeat_interval ?? 41_250;
      session.heartbeatDue = now + session.heartbeatMs * Math.random();
      session.wire?.send(identify(session));
      return;
    case 1:
      session.wire?.send(session.encode(HEARTBEAT));
      return;
    case 9:
      refusals++;
      setTimeout(() => session.wire?.send(identify(session)), 1_000 + Math.random() * 4_000);
      return;
    case 0:
      if (frame.t !== "READY") {
        otherDispatches++;
        return;
      }
      session.ready = true;
      readyCount++;
      lastReady = now;
      readyHist.recordMs(now - session.startedAt);
      doneStarting();
      return;
  }
}

/** One sweep a second sends the heartbeats that are due; a timer per socket would cost more. */
const heartbeats = setInterval(() => {
  const now = clock();
  for (const session of sessions) {
    if (session.wire && session.heartbeatMs > 0 && now >= session.heartbeatDue) {
      session.heartbeatDue = now + session.heartbeatMs;
      session.wire.send(session.encode(HEARTBEAT));
    }
  }
}, 1_000);

function report(): DeliveryReport {
  const cpu = process.cpuUsage(cpuBase);
  let min = Infinity;
  let max = 0;
  for (const session of sessions) {
    if (!session.ready) continue;
    min = Math.min(min, session.deliveries);
    max = Math.max(max, session.deliveries);
  }
  return {
    type: "report",
    deliveries,
    duplicates,
    unnumbered,
    otherDispatches,
    hist: hist.toJSON(),
    firstReceipt,
    lastReceipt,
    minPerSession: min === Infinity ? 0 : min,
    maxPerSession: max,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    wallMs: clock() - wallBase,
    ready: readyCount,
    closes,
  };
}

process.on("message", (command: WorkerCommand) => {
  switch (command.type) {
    case "connect":
      plan = command;
      deadline = clock() + command.timeoutMs;
      sessions = command.tokens.map((token, i) => new Session(token, command.endpoints[command.sessionEndpoints[i]!]!, command.wires[i % command.wires.length]!));
      connecting = true;
      startNext();
      maybeConnected();
      setTimeout(() => maybeConnected(true), command.timeoutMs).unref();
      return;
    case "reset":
      hist = new Histogram();
      deliveries = duplicates = unnumbered = otherDispatches = firstReceipt = lastReceipt = 0;
      for (const session of sessions) {
        session.deliveries = 0;
        session.seen.clear();
      }
      cpuBase = process.cpuUsage();
      wallBase = clock();
      return;
    case "report":
      send(report());
      return;
    case "count":
      send({ type: "count", deliveries, ready: readyCount });
      return;
    case "close":
      stopping = true;
      clearInterval(heartbeats);
      for (const session of sessions) {
        session.ready = false;
        session.wire?.close();
      }
      send({ type: "closed" });
      setTimeout(() => process.exit(0), 50);
      return;
  }
});

// A coordinator that goes away takes its generators with it.
process.on("disconnect", () => process.exit(0));

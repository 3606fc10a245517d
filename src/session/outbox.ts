/**
 * Frames leaving a worker. Every dispatch is stamped from the worker's counter and built once.
 * A dispatch to topics is kept in the resume log (as JSON) and published natively once per
 * topic and wire format that has subscribers: JSON text or ETF, each plain, deflated
 * (zlib-stream) or zstd-compressed (zstd-stream).
 * Each format's frame is built at most once per event, when a first topic has subscribers
 * in it, and never per recipient. A dispatch to one session is kept in the log too, unless
 * it is a large answer the client can ask for again; it and replays are written in the
 * socket's own format as they go out.
 */
import { encodeEtfFrame } from "../protocol/etf.ts";
import { encodeDispatch } from "../protocol/json-codec.ts";
import { compressFirstFrame, compressFrame } from "../protocol/compression.ts";
import type { Publisher, Socket } from "../transport/transport.ts";
import type { ResumeLog } from "./resume-log.ts";
import { SequenceCounter } from "./sequence-counter.ts";
import { WIRE_FORMATS, userOfTopic, wireTopic, type WireFormat } from "../protocol/topics.ts";
import type { Connection, Session } from "./session.ts";

export interface OutboxOptions {
  resumeLog: ResumeLog;
  /** The transport's native publish. */
  publisher: Publisher;
  /** The stamp before the first (default 0); tests start a worker near the limit. */
  sequenceStart?: number;
  /**
   * The sockets a user's topic reaches: its sessions' on shard 0 that are attached and ready.
   * No socket subscribes to a user's topic in the transport (a topic per user cost ~285 B of
   * native memory per session in uWS), so its frames go to these one by one.
   */
  userSockets(userId: string): Iterable<Socket<Connection>>;
  /**
   * The counter is nearly used up: called once per epoch, after the operation in progress,
   * to end every session of the epoch and call `restartEpoch`.
   */
  epochEnding(): void;
}

export class Outbox {
  readonly counter: SequenceCounter;
  /** Dispatches sent, by event type (one per event, not per recipient). */
  readonly dispatches = new Map<string, number>();
  /** Frames handed to the transport for delivery: the subscribers of every topic published to. */
  fanoutDeliveries = 0;
  readonly #options: OutboxOptions;
  #epochEnding = false;

  constructor(options: OutboxOptions) {
    this.#options = options;
    this.counter = new SequenceCounter(options.sequenceStart);
  }

  /** The next stamp; the first one within the epoch's headroom schedules its end. */
  stamp(): number {
    const s = this.counter.next();
    if (this.counter.nearLimit && !this.#epochEnding) {
      this.#epochEnding = true;
      queueMicrotask(() => this.#options.epochEnding());
    }
    return s;
  }

  /** A new epoch: the log is emptied and the next stamp is 1 (no session holds an old one). */
  restartEpoch(): void {
    this.#options.resumeLog.reset();
    this.counter.restart();
    this.#epochEnding = false;
  }

  /**
   * One event to the sessions holding any of `topics` (a guild event's classes): one frame,
   * one `s`, one resume-log entry, one native publish per topic (each session holds one
   * topic per guild, so nobody gets it twice); a user's topic, one send per socket of the
   * user. Sessions in `except` hold one of the topics but do not get this frame, now or on a
   * resume (the caller sends them their own). Returns its `s`.
   */
  publishTopics(topics: readonly string[], t: string, dJson: string, except: readonly Session[] = []): number {
    const s = this.stamp();
    const frame = encodeDispatch(t, s, dJson);
    const { resumeLog, publisher } = this.#options;
    if (except.length > 0) resumeLog.appendToTopics(s, topics, frame, except.map((session) => session.id));
    else if (topics.length === 1) resumeLog.append(s, topics[0] as string, frame);
    else resumeLog.appendToTopics(s, topics, frame);
    // Sessions left out stop hearing their topic for this one publish (JS is single-threaded: nothing else is published meanwhile).
    const muted: [Socket<Connection>, string][] = [];
    for (const session of except) {
      const socket = session.socket;
      if (!socket || socket.data.state !== "ready") continue;
      for (const topic of topics) if (session.topics.has(topic)) muted.push([socket, wireTopic(topic, socket.data)]);
    }
    for (const [socket, onWire] of muted) socket.unsubscribe(onWire);
    const encoded = new WireFrames(frame);
    for (const topic of topics) {
      const userId = userOfTopic(topic);
      if (userId !== undefined) {
        for (const socket of this.#options.userSockets(userId)) {
          this.send(socket, frame);
          this.fanoutDeliveries++;
        }
        continue;
      }
      for (const wire of WIRE_FORMATS) {
        const onWire = wireTopic(topic, wire);
        const subscribers = publisher.subscriberCount(onWire);
        if (subscribers === 0) continue;
        publisher.publish(onWire, encoded.get(wire));
        this.fanoutDeliveries += subscribers;
      }
    }
    for (const [socket, onWire] of muted) socket.subscribe(onWire);
    this.#count(t);
    return s;
  }

  /**
   * A dispatch for one session only (its own view changing), kept for its resume. With
   * `logged` false (large answers the client can ask for again: GUILD_CREATE, member chunks,
   * list SYNCs) it is not kept, and reaches the client only if it is attached and ready.
   * Returns the stamp if it went out to the socket, else 0.
   */
  sendTo(session: Session, t: string, dJson: string, logged: boolean): number {
    const s = this.stamp();
    const frame = encodeDispatch(t, s, dJson);
    if (logged) this.#options.resumeLog.appendDirect(s, session.id, frame);
    this.#count(t);
    if (!session.socket || session.socket.data.state !== "ready") return 0;
    this.send(session.socket, frame);
    return s;
  }

  /**
   * READY or RESUMED: stamped, sent to one session, and kept out of the resume log (a
   * client that missed READY has no session to resume, and a replayed RESUMED would arrive
   * twice).
   */
  lifecycle(session: Session, t: "READY" | "RESUMED", dJson: string): void {
    if (session.socket) this.send(session.socket, encodeDispatch(t, this.stamp(), dJson));
  }

  /** One frame (JSON text) to one socket, in its wire format: as ETF for etf, compressed for zlib-stream or zstd-stream. */
  send(socket: Socket<Connection>, frame: string): void {
    const connection = socket.data;
    const encoded = connection.etf ? encodeEtfFrame(frame) : frame;
    if (connection.compress === null) {
      socket.send(encoded);
    } else if (connection.streamStarted) {
      socket.send(compressFrame(connection.compress, encoded));
    } else {
      connection.streamStarted = true;
      socket.send(compressFirstFrame(connection.compress, encoded));
    }
  }

  /** Makes a session hold a topic (and its socket subscribe to it, if attached and ready). */
  hold(session: Session, topic: string): void {
    session.topics.add(topic);
    const socket = session.socket;
    if (socket && socket.data.state === "ready") socket.subscribe(wireTopic(topic, socket.data));
  }

  /** The reverse of `hold`. */
  release(session: Session, topic: string): void {
    session.topics.delete(topic);
    const socket = session.socket;
    if (socket) socket.unsubscribe(wireTopic(topic, socket.data));
  }

  #count(t: string): void {
    this.dispatches.set(t, (this.dispatches.get(t) ?? 0) + 1);
  }
}

/**
 * One frame (JSON text) in each wire format, each built on first use and kept: an event's
 * frames for its subscribers, a constant frame for every socket. Compressed frames are the
 * shared blocks for sockets past their first frame (protocol/compression.ts).
 */
export class WireFrames {
  readonly #json: string;
  #etf: Uint8Array | null = null;
  /** By slot: [zlib JSON, zstd JSON, zlib ETF, zstd ETF]. */
  readonly #compressed: (Uint8Array | undefined)[] = [];

  constructor(json: string) {
    this.#json = json;
  }

  get(wire: WireFormat): string | Uint8Array {
    const plain = wire.etf ? (this.#etf ??= encodeEtfFrame(this.#json)) : this.#json;
    if (wire.compress === null) return plain;
    const slot = (wire.etf ? 2 : 0) + (wire.compress === "zstd-stream" ? 1 : 0);
    return (this.#compressed[slot] ??= compressFrame(wire.compress, plain));
  }
}

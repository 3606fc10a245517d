/**
 * Frames leaving a worker. Every dispatch is stamped from the worker's counter and built once.
 * A dispatch to topics is kept in the resume log and published natively, once per topic,
 * plus once deflated for the topic's compressed subscribers. A dispatch to one session is
 * kept in the log too, unless it is a large answer the client can ask for again.
 */
import { encodeDispatch } from "../protocol/json-codec.ts";
import { deflateFirstFrame, deflateFrame } from "../protocol/zlib-shared.ts";
import type { Publisher, Socket } from "../transport/transport.ts";
import type { ResumeLog } from "./resume-log.ts";
import { SequenceCounter } from "./sequence-counter.ts";
import { userOfTopic, wireTopic } from "../protocol/topics.ts";
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
   * user. Returns its `s`.
   */
  publishTopics(topics: readonly string[], t: string, dJson: string): number {
    const s = this.stamp();
    const frame = encodeDispatch(t, s, dJson);
    const { resumeLog, publisher } = this.#options;
    if (topics.length === 1) resumeLog.append(s, topics[0] as string, frame);
    else resumeLog.appendToTopics(s, topics, frame);
    let deflated: Uint8Array | null = null;
    for (const topic of topics) {
      const userId = userOfTopic(topic);
      if (userId !== undefined) {
        for (const socket of this.#options.userSockets(userId)) {
          this.send(socket, frame);
          this.fanoutDeliveries++;
        }
        continue;
      }
      const plain = publisher.subscriberCount(topic);
      if (plain > 0) publisher.publish(topic, frame);
      const compressedTopic = wireTopic(topic, true);
      const compressed = publisher.subscriberCount(compressedTopic);
      if (compressed > 0) publisher.publish(compressedTopic, (deflated ??= deflateFrame(frame)));
      this.fanoutDeliveries += plain + compressed;
    }
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

  /** One frame to one socket, deflated when the socket asked for zlib-stream. */
  send(socket: Socket<Connection>, frame: string): void {
    const connection = socket.data;
    if (!connection.compressed) {
      socket.send(frame);
    } else if (connection.zlibStarted) {
      socket.send(deflateFrame(frame));
    } else {
      connection.zlibStarted = true;
      socket.send(deflateFirstFrame(frame));
    }
  }

  /** Makes a session hold a topic (and its socket subscribe to it, if attached and ready). */
  hold(session: Session, topic: string): void {
    session.topics.add(topic);
    const socket = session.socket;
    if (socket && socket.data.state === "ready") socket.subscribe(wireTopic(topic, socket.data.compressed));
  }

  /** The reverse of `hold`. */
  release(session: Session, topic: string): void {
    session.topics.delete(topic);
    const socket = session.socket;
    if (socket) socket.unsubscribe(wireTopic(topic, socket.data.compressed));
  }

  #count(t: string): void {
    this.dispatches.set(t, (this.dispatches.get(t) ?? 0) + 1);
  }
}

/**
 * A test double of the transport's socket (transport/transport.ts `Socket`): it records what
 * the session layer does to it, and a fake publisher delivers a topic's frames to the fake
 * sockets subscribed to it, as the transport's native publish does.
 */
import type { Publisher, Socket } from "../../src/transport/transport.ts";
import type { Connection } from "../../src/session/session.ts";

export class FakeSocket implements Socket<Connection> {
  readonly sent: (string | Uint8Array)[] = [];
  readonly topics = new Set<string>();
  closedWith: { code: number; reason: string } | null = null;
  buffered = 0;

  constructor(readonly data: Connection) {}

  send(frame: string | Uint8Array): number {
    this.sent.push(frame);
    return 1;
  }

  subscribe(topic: string): void {
    this.topics.add(topic);
  }

  unsubscribe(topic: string): void {
    this.topics.delete(topic);
  }

  close(code = 1000, reason = ""): void {
    this.closedWith = { code, reason };
  }

  getBufferedAmount(): number {
    return this.buffered;
  }

  cork<T>(fn: (socket: this) => T): T {
    return fn(this);
  }

  /** The text frames sent, parsed. */
  frames(): { op: number; d: unknown; s: number | null; t: string | null }[] {
    return this.sent.filter((frame): frame is string => typeof frame === "string").map((frame) => JSON.parse(frame));
  }
}

/** Native publish over fake sockets: each subscriber of a topic gets the frame once. */
export class FakePublisher implements Publisher {
  readonly sockets = new Set<FakeSocket>();
  readonly published: { topic: string; frame: string | Uint8Array }[] = [];

  publish(topic: string, frame: string | Uint8Array): void {
    this.published.push({ topic, frame });
    for (const socket of this.sockets) if (socket.topics.has(topic)) socket.send(frame);
  }

  subscriberCount(topic: string): number {
    let count = 0;
    for (const socket of this.sockets) if (socket.topics.has(topic)) count++;
    return count;
  }
}

/**
 * The bus between nodes, over NATS (the engine users already run; we do not build our own):
 * each peer subscribes to its own subject, and what one peer sends another in an event-loop
 * turn goes as one NATS message on that subject (bus-core.ts batches it). NATS keeps one
 * publisher's messages to one subject in order, so each link is FIFO, as the bus promises.
 * Replies travel the same way as pushes, so a reply and the events after it stay in order.
 *
 * Messages are JSON: bus messages are plain data by contract (bus.ts), and a bigint would
 * throw here rather than cross mangled.
 */
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { BusCore, DEFAULT_REQUEST_TIMEOUT_MS, type Envelope } from "./bus-core.ts";
import type { PeerId } from "./bus.ts";

export interface NatsBusOptions {
  /** A connection the caller owns (and closes). */
  connection: NatsConnection;
  /** Subject prefix shared by the cluster's nodes, e.g. "guildgate". */
  prefix: string;
  self: PeerId;
  /** The other peers right now (membership decides; read on every send). */
  peers(): readonly PeerId[];
  timeoutMs?: number;
}

/** What crosses NATS: the sender and a batch of envelopes. */
interface Packet {
  f: PeerId;
  b: Envelope[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The subject a peer listens on. */
export function peerSubject(prefix: string, peer: PeerId): string {
  return `${prefix}.peer.${peer}`;
}

export class NatsBus extends BusCore {
  readonly #options: NatsBusOptions;
  readonly #subscription: Subscription;

  constructor(options: NatsBusOptions) {
    super(options.self, options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.#options = options;
    this.#subscription = options.connection.subscribe(peerSubject(options.prefix, options.self), {
      callback: (error, message) => {
        if (error) return console.error(`guildgate: the bus subscription of ${options.self} failed:`, error);
        const packet = JSON.parse(decoder.decode(message.data)) as Packet;
        this.deliver(packet.f, packet.b);
      },
    });
  }

  /** Resolves once the subscription is known to the server (sends to this peer are not lost before). */
  ready(): Promise<void> {
    return this.#options.connection.flush();
  }

  peers(): readonly PeerId[] {
    return this.#options.peers();
  }

  protected reaches(to: PeerId): boolean {
    return to === this.self || this.#options.peers().includes(to);
  }

  protected write(to: PeerId, batch: Envelope[]): void {
    const packet: Packet = { f: this.self, b: batch };
    this.#options.connection.publish(peerSubject(this.#options.prefix, to), encoder.encode(JSON.stringify(packet)));
  }

  override close(): void {
    super.close();
    this.#subscription.unsubscribe();
  }
}

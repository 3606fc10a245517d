/**
 * The bus between nodes, over NATS (the engine users already run; we do not build our own):
 * each peer subscribes to its own subject, and what one peer sends another in one task
 * goes as one NATS message on that subject (bus-core.ts batches it). NATS keeps one
 * publisher's messages to one subject in order, so each link is FIFO, as the bus promises.
 * Replies travel the same way as pushes, so a reply and the events after it stay in order.
 *
 * Messages cross in the structured clone format (node:v8 serialize), the one MessagePorts use
 * between a process's workers: what one bus carries, the other carries the same (bigints,
 * an `undefined` in an argument list), where JSON would change or refuse it. It costs about
 * twice JSON's time per batch (~5 µs for a message event, measured), once per node per event.
 */
import { deserialize, serialize } from "node:v8";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { BusCore, DEFAULT_REQUEST_TIMEOUT_MS, type Envelope } from "./bus-core.ts";
import type { PeerId } from "./bus.ts";

export interface NatsBusOptions {
  /** A connection the caller owns (and closes). */
  connection: NatsConnection;
  /** Subject prefix shared by the cluster's nodes, e.g. "guildgate". */
  prefix: string;
  self: PeerId;
  /** The other peers right now (membership decides; read on every send; the same array until the view changes). */
  peers(): readonly PeerId[];
  timeoutMs?: number;
}

/** What crosses NATS: the sender and a batch of envelopes. */
interface Packet {
  f: PeerId;
  b: Envelope[];
}

/** The subject a peer listens on. */
export function peerSubject(prefix: string, peer: PeerId): string {
  return `${prefix}.peer.${peer}`;
}

/** How often the bus looks for peers the membership took out, ms. */
const PEER_CHECK_MS = 250;

export class NatsBus extends BusCore {
  readonly #options: NatsBusOptions;
  readonly #subscription: Subscription;
  readonly #peerCheck: ReturnType<typeof setInterval>;
  #knownPeers: readonly PeerId[];

  constructor(options: NatsBusOptions) {
    super(options.self, options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.#options = options;
    this.#subscription = options.connection.subscribe(peerSubject(options.prefix, options.self), {
      callback: (error, message) => {
        if (error) return console.error(`guildgate: the bus subscription of ${options.self} failed:`, error);
        const packet = deserialize(message.data) as Packet;
        this.deliver(packet.f, packet.b);
      },
    });
    // A peer that left (or was lost) will never answer: what waits on it fails at once. A new
    // view (a new array) that has a peer that said goodbye means it came back.
    this.#knownPeers = options.peers();
    this.#peerCheck = setInterval(() => {
      const peers = options.peers();
      if (peers === this.#knownPeers) return;
      const gone = this.#knownPeers.filter((peer) => !peers.includes(peer));
      this.#knownPeers = peers;
      if (gone.length > 0) this.lost(gone);
      this.returned(peers);
    }, PEER_CHECK_MS);
    this.#peerCheck.unref?.();
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
    this.#options.connection.publish(peerSubject(this.#options.prefix, to), serialize(packet));
  }

  override close(): void {
    clearInterval(this.#peerCheck);
    super.close();
    this.#subscription.unsubscribe();
  }
}

/**
 * The bus between the workers of one process: a full mesh of MessagePorts, so every pair of
 * workers has its own FIFO link (see bus-core.ts for what every bus shares). Messages cross
 * by structured clone.
 */
import { BusCore, DEFAULT_REQUEST_TIMEOUT_MS, type Envelope } from "./bus-core.ts";
import type { PeerId } from "./bus.ts";

/** The minimal port shape (a web MessagePort, as Bun and Node have globally). */
export interface Port {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: Event) => void): void;
  /** Starts delivery (a port with an event listener waits for it). */
  start(): void;
  close(): void;
}

export class PortBus extends BusCore {
  readonly #links: ReadonlyMap<PeerId, Port>;
  readonly #peers: readonly PeerId[];

  /** `links`: a port to each other peer. */
  constructor(self: PeerId, links: ReadonlyMap<PeerId, Port>, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS) {
    super(self, timeoutMs);
    this.#links = links;
    this.#peers = [...links.keys()];
    for (const [peer, port] of links) {
      port.addEventListener("message", (event) => this.deliver(peer, (event as MessageEvent).data as Envelope[]));
      port.start();
    }
  }

  peers(): readonly PeerId[] {
    return this.#peers;
  }

  protected reaches(to: PeerId): boolean {
    return to === this.self || this.#links.has(to);
  }

  protected write(to: PeerId, batch: Envelope[]): void {
    this.#links.get(to)?.postMessage(batch);
  }

  override close(): void {
    super.close();
    // A turn later, so the goodbyes posted just now leave first.
    setImmediate(() => {
      for (const port of this.#links.values()) port.close();
    });
  }
}

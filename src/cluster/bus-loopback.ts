/**
 * The bus of a lone worker: it is its own only peer. What it sends itself is delivered on the
 * next event-loop turn, in order, with every promise of bus.ts kept, so code that runs on a
 * lone worker runs as it would among many.
 */
import { BusCore, type Envelope } from "./bus-core.ts";
import type { PeerId } from "./bus.ts";

export class LoopbackBus extends BusCore {
  peers(): readonly PeerId[] {
    return [];
  }

  protected reaches(to: PeerId): boolean {
    return to === this.self;
  }

  protected write(to: PeerId, _batch: Envelope[]): void {
    throw new Error(`bus: ${this.self} has no peer ${to}`);
  }
}

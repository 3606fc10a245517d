/**
 * What every bus shares, seen from the links it writes (bus-core.ts): a turn's messages go as
 * one batch per peer, and batches that answer requests are written after the others.
 */
import { expect, test } from "bun:test";
import { BusCore, type Envelope } from "./bus-core.ts";
import type { PeerId } from "./bus.ts";

/** A bus whose links only record what is written to them, in order. */
class RecordingBus extends BusCore {
  readonly written: [PeerId, Envelope[]][] = [];

  peers(): readonly PeerId[] {
    return ["n/1", "n/2"];
  }

  protected reaches(): boolean {
    return true;
  }

  protected write(to: PeerId, batch: Envelope[]): void {
    this.written.push([to, batch]);
  }

  receive(from: PeerId, batch: Envelope[]): void {
    this.deliver(from, batch);
  }
}

test("an answer is written after the events sent to other peers in the same turn", async () => {
  const bus = new RecordingBus("n/0");
  // An owner answering a request from n/1 with an event for n/2: the event is sent first in
  // code, the answer is queued first here (its request arrived first), and still goes last.
  bus.listen({
    push: () => undefined,
    request: () => {
      bus.send("n/2", { k: "member-added", guildId: "1", userId: "2" });
      return true as never;
    },
  });
  bus.send("n/1", { k: "member-added", guildId: "1", userId: "0" });
  bus.receive("n/1", [{ e: "req", id: 1, m: { k: "identify-start", userId: "1", shardId: 0 } }]);
  await new Promise((resolve) => setImmediate(resolve));
  expect(bus.written.map(([to, batch]) => [to, batch.map((envelope) => envelope.e)])).toEqual([
    ["n/2", ["push"]],
    ["n/1", ["push", "res"]],
  ]);
  expect(bus.stats.batchesSent).toBe(2);
  bus.close();
});

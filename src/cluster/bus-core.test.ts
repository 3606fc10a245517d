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

test("owner dispatches that arrive in one batch are answered in one turn, in one batch, with their events", async () => {
  // An owner under load gets many events per batch: handled in one task, their events go on
  // as one batch per peer (and reach sockets in one turn), not one turn per event.
  const bus = new RecordingBus("n/0");
  const handled: string[] = [];
  bus.listen({
    push: () => undefined,
    request: (_from, request) => {
      if (request.k !== "owner" || request.op !== "dispatch") throw new Error(`unexpected ${request.k}`);
      handled.push(request.args[1]);
      bus.send("n/2", { k: "publish", t: request.args[1], parts: [] });
      return 1 as never;
    },
  });
  const events = ["A", "B", "C", "D"];
  bus.receive(
    "n/1",
    events.map((t, i) => ({ e: "req", id: i + 1, m: { k: "owner", op: "dispatch", args: ["1", t, {}] } })),
  );
  expect(handled).toEqual(events);
  await new Promise((resolve) => setImmediate(resolve));
  expect(bus.written.map(([to, batch]) => [to, batch.map((envelope) => envelope.e)])).toEqual([
    ["n/2", ["push", "push", "push", "push"]],
    ["n/1", ["res", "res", "res", "res"]],
  ]);
  bus.close();
});

test("a request that may go on asynchronously still holds the messages after it until the next turn", async () => {
  const bus = new RecordingBus("n/0");
  const seen: string[] = [];
  bus.listen({
    push: (_from, push) => void seen.push(push.k),
    request: (_from, request) => {
      seen.push(request.k);
      return Promise.resolve(true) as never;
    },
  });
  bus.receive("n/1", [
    { e: "req", id: 1, m: { k: "identify-start", userId: "1", shardId: 0 } },
    { e: "push", m: { k: "publish", t: "X", parts: [] } },
  ]);
  expect(seen).toEqual(["identify-start"]);
  await new Promise((resolve) => setImmediate(resolve));
  expect(seen).toEqual(["identify-start", "publish"]);
  bus.close();
});

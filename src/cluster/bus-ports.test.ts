import { expect, test } from "bun:test";
import { busContract } from "./bus.contract.ts";
import { PortBus } from "./bus-ports.ts";

function pair(timeoutMs: number): { a: PortBus; b: PortBus } {
  const { port1, port2 } = new MessageChannel();
  return { a: new PortBus("n/0", new Map([["n/1", port1]]), timeoutMs), b: new PortBus("n/1", new Map([["n/0", port2]]), timeoutMs) };
}

busContract("MessagePort mesh, two workers", pair);
busContract("MessagePort mesh, a worker to itself", (timeoutMs) => {
  const { a, b } = pair(timeoutMs);
  b.close();
  return { a, b: a };
});

test("what one task sends a peer crosses its link as one batch", async () => {
  const { a, b } = pair(2_000);
  b.listen({ push: () => undefined, request: () => true as never });
  a.listen({ push: () => undefined, request: () => true as never });
  const before = a.stats.batchesSent;
  for (let n = 0; n < 100; n++) a.send("n/1", { k: "member-added", guildId: "1", userId: String(n) });
  await a.request("n/1", { k: "identify-start", userId: "1", shardId: 0 });
  // The 100 pushes and the request went in one batch; the reply came back in another.
  expect(a.stats.batchesSent - before).toBe(1);
  expect(b.stats.received.get("member-added")).toBe(100);
  a.close();
  b.close();
});

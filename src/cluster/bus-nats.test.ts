import { afterAll, beforeAll, expect, test } from "bun:test";
import type { NatsConnection } from "@nats-io/transport-node";
import { startNatsServer, type NatsServer } from "../../scripts/nats-server.ts";
import { busContract } from "./bus.contract.ts";
import { NatsBus } from "./bus-nats.ts";

let server: NatsServer;
let connections: NatsConnection[] = [];
let pairs = 0;

beforeAll(async () => {
  server = await startNatsServer();
  connections = [await server.connect(), await server.connect()];
});

afterAll(async () => {
  for (const connection of connections) await connection.close();
  await server.stop();
});

/** Two nodes, each on its own NATS connection, as two processes would be. */
function pair(timeoutMs: number): { a: NatsBus; b: NatsBus; ready: () => Promise<void> } {
  // Each pair gets its own subjects, so a closed pair's late messages reach nobody.
  const prefix = `test${++pairs}`;
  const [first, second] = connections as [NatsConnection, NatsConnection];
  const a = new NatsBus({ connection: first, prefix, self: "a/0", peers: () => ["b/0"], timeoutMs });
  const b = new NatsBus({ connection: second, prefix, self: "b/0", peers: () => ["a/0"], timeoutMs });
  return { a, b, ready: async () => void (await Promise.all([a.ready(), b.ready()])) };
}

busContract("NATS, two nodes", pair);
busContract("NATS, a node to itself", (timeoutMs) => {
  const { a, b } = pair(timeoutMs);
  b.close();
  return { a, b: a, ready: () => a.ready() };
});

test("what one turn sends a peer crosses NATS as one message", async () => {
  const { a, b, ready } = pair(2_000);
  await ready();
  b.listen({ push: () => undefined, request: () => true as never });
  a.listen({ push: () => undefined, request: () => true as never });
  const before = a.stats.batchesSent;
  for (let n = 0; n < 100; n++) a.send("b/0", { k: "member-added", guildId: "1", userId: String(n) });
  await a.request("b/0", { k: "identify-start", userId: "1", shardId: 0 });
  expect(a.stats.batchesSent - before).toBe(1);
  expect(b.stats.received.get("member-added")).toBe(100);
  a.close();
  b.close();
});

test("a node that said goodbye and joins again under its id (a later view) is reached again", async () => {
  const prefix = `test${++pairs}`;
  const [first, second] = connections as [NatsConnection, NatsConnection];
  let view: readonly string[] = ["b/0"];
  const a = new NatsBus({ connection: first, prefix, self: "a/0", peers: () => view, timeoutMs: 2_000 });
  const answering = () => ({ push: () => undefined, request: () => true as never });
  const b = new NatsBus({ connection: second, prefix, self: "b/0", peers: () => ["a/0"], timeoutMs: 2_000 });
  a.listen(answering());
  b.listen(answering());
  await Promise.all([a.ready(), b.ready()]);
  b.close();
  await Bun.sleep(50);
  await expect(a.request("b/0", { k: "identify-start", userId: "1", shardId: 0 })).rejects.toMatchObject({ code: "peer-gone" });
  // b restarts: a new process under the same peer id, in a later view (a new array).
  const again = new NatsBus({ connection: second, prefix, self: "b/0", peers: () => ["a/0"], timeoutMs: 2_000 });
  again.listen(answering());
  await again.ready();
  view = ["b/0"];
  await Bun.sleep(400);
  expect(await a.request("b/0", { k: "identify-start", userId: "1", shardId: 0 })).toBe(true);
  a.close();
  again.close();
});

/**
 * Membership against a real nats-server with JetStream: every node sees the same views in
 * the same order; a node that stops beating is taken out by the others; a planned leave
 * takes the node out at once.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { NatsConnection } from "@nats-io/transport-node";
import { startNatsServer, type NatsServer } from "../../scripts/nats-server.ts";
import { Membership, NodeIdTakenError, type MembershipView } from "./membership.ts";

let server: NatsServer;
const connections: NatsConnection[] = [];
let clusters = 0;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  for (const connection of connections) await connection.close();
  await server.stop();
});

interface Node {
  id: string;
  views: MembershipView[];
  membership: Membership;
}

async function node(prefix: string, id: string, workers = 2, floor = 0): Promise<Node> {
  const connection = await server.connect();
  connections.push(connection);
  const views: MembershipView[] = [];
  const membership = await Membership.join({
    connection,
    prefix,
    self: { id, workers },
    heartbeatMs: 50,
    deadAfterMs: 300,
    floor,
    onView: (view) => void views.push(view),
  });
  return { id, views, membership };
}

const ids = (view: MembershipView | undefined): string[] => (view?.nodes ?? []).map((n) => n.id);

/** Waits until `done` holds, checking every 10 ms, for at most `ms`. */
async function until(done: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the views to agree");
    await Bun.sleep(10);
  }
}

test("nodes joining at once all end in the same view, having seen the same views in the same order", async () => {
  const prefix = `members${++clusters}`;
  const nodes = await Promise.all(["c", "a", "b"].map((id) => node(prefix, id)));
  await until(() => nodes.every((n) => ids(n.views.at(-1)).length === 3));
  const last = nodes.map((n) => n.views.at(-1));
  expect(new Set(last.map((view) => JSON.stringify(view))).size).toBe(1);
  expect(ids(last[0])).toEqual(["a", "b", "c"]);
  expect(last[0]?.nodes.every((n) => n.workers === 2)).toBe(true);
  // Each saw a suffix of one sequence: where two saw the same generation, it was the same view.
  const byGeneration = new Map<number, string>();
  for (const n of nodes) {
    for (const view of n.views) {
      const seen = byGeneration.get(view.generation);
      if (seen !== undefined) expect(JSON.stringify(view)).toBe(seen);
      byGeneration.set(view.generation, JSON.stringify(view));
    }
    const generations = n.views.map((view) => view.generation);
    expect([...generations].sort((x, y) => x - y)).toEqual(generations);
  }
  for (const n of nodes) n.membership.stop();
});

test("a node that stops beating is taken out by the others; a planned leave at once", async () => {
  const prefix = `members${++clusters}`;
  const [a, b, c] = [await node(prefix, "a"), await node(prefix, "b"), await node(prefix, "c")] as [Node, Node, Node];
  await until(() => [a, b, c].every((n) => ids(n.views.at(-1)).length === 3));
  c.membership.stop();
  await until(() => [a, b].every((n) => ids(n.views.at(-1)).join() === "a,b"));
  expect(a.views.at(-1)).toEqual(b.views.at(-1) as MembershipView);
  await b.membership.leave();
  b.membership.stop();
  await until(() => ids(a.views.at(-1)).join() === "a");
  a.membership.stop();
});

test("a new cluster numbers its first view above the store's highest fence", async () => {
  const prefix = `members${++clusters}`;
  const a = await node(prefix, "a", 1, 41);
  expect(a.views.at(-1)?.generation).toBe(42);
  a.membership.stop();
});

test("a second live process under a node's id is refused; a restart after it stopped gets a new view", async () => {
  const prefix = `members${++clusters}`;
  const a = await node(prefix, "a");
  await expect(node(prefix, "a")).rejects.toBeInstanceOf(NodeIdTakenError);
  a.membership.stop();
  const stoppedAt = a.views.at(-1)?.generation as number;
  await Bun.sleep(150);
  const again = await node(prefix, "a");
  const last = again.views.at(-1) as MembershipView;
  expect(ids(last)).toEqual(["a"]);
  expect(last.generation).toBeGreaterThan(stoppedAt);
  // A stopped node sees no more views.
  expect(a.views.at(-1)?.generation).toBe(stoppedAt);
  again.membership.stop();
});

test("a leaving node stays in the view, marked, as long as it beats; then it leaves", async () => {
  const prefix = `members${++clusters}`;
  const [a, b] = [await node(prefix, "a"), await node(prefix, "b")] as [Node, Node];
  await until(() => ids(a.views.at(-1)).length === 2);
  await b.membership.startLeaving();
  await until(() => a.views.at(-1)?.nodes.find((n) => n.id === "b")?.leaving === true);
  // Past the time a silent node is taken out, a leaving one that beats is still there.
  await Bun.sleep(500);
  expect(a.views.at(-1)?.nodes).toEqual([
    { id: "a", workers: 2, snowflakeProcess: 0 },
    { id: "b", workers: 2, snowflakeProcess: 1, leaving: true },
  ]);
  expect(b.views.at(-1)).toEqual(a.views.at(-1) as MembershipView);
  await b.membership.leave();
  b.membership.stop();
  await until(() => ids(a.views.at(-1)).join() === "a");
  a.membership.stop();
});

test("every node of a view has its own snowflake process id; a node that left frees its id for the next", async () => {
  const prefix = `members${++clusters}`;
  const [a, b, c] = [await node(prefix, "a"), await node(prefix, "b"), await node(prefix, "c")] as [Node, Node, Node];
  await until(() => ids(a.views.at(-1)).length === 3);
  const processes = (view: MembershipView | undefined) => Object.fromEntries((view?.nodes ?? []).map((n) => [n.id, n.snowflakeProcess]));
  expect(processes(a.views.at(-1))).toEqual({ a: 0, b: 1, c: 2 });
  await b.membership.leave();
  b.membership.stop();
  const d = await node(prefix, "d");
  expect(processes(d.views.at(-1))).toEqual({ a: 0, c: 2, d: 1 });
  for (const n of [a, c, d]) n.membership.stop();
});

/**
 * Membership against a real nats-server with JetStream: every node sees the same views in
 * the same order; a node that stops beating is taken out by the others; a planned leave
 * takes the node out at once.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { NatsConnection } from "@nats-io/transport-node";
import { startNatsServer, type NatsServer } from "../../test/support/nats.ts";
import { Membership, type MembershipView } from "./membership.ts";

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

async function node(prefix: string, id: string, workers = 2): Promise<Node> {
  const connection = await server.connect();
  connections.push(connection);
  const views: MembershipView[] = [];
  const membership = await Membership.join({
    connection,
    prefix,
    self: { id, workers },
    heartbeatMs: 50,
    deadAfterMs: 300,
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
  await until(() => ids(a.views.at(-1)).join() === "a");
  a.membership.stop();
});

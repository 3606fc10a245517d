import { expect, test } from "bun:test";
import { openHashRing } from "../native.ts";
import { NO_OWNER, ringOwner, ringPeers } from "./ring.ts";

test("an empty ring (a node before it joins) names no owner instead of failing; a set one names its nodes", () => {
  const ring = openHashRing(`test-ring-owner-${process.pid}`);
  const ownerOf = ringOwner(ring);
  expect(ownerOf("1234")).toBe(NO_OWNER);
  ring.setNodesAt(["a/0", "b/0"], 7);
  const owners = new Set(Array.from({ length: 50 }, (_, i) => ownerOf(String(4_194_304n * BigInt(i + 1)))));
  expect(owners).toEqual(new Set(["a/0", "b/0"]));
});

test("the peers are the ring's nodes but this one, re-read when its generation moves", () => {
  const ring = openHashRing(`test-ring-peers-${process.pid}`);
  ring.setNodesAt(["a/0", "b/0"], 1);
  const peers = ringPeers(ring, "a/0");
  const first = peers();
  expect(first).toEqual(["b/0"]);
  expect(peers()).toBe(first);
  ring.setNodesAt(["a/0", "b/0", "c/0"], 2);
  expect(peers()).toEqual(["b/0", "c/0"]);
});

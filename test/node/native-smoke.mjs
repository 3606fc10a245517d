// Run with `node --test test/node/native-smoke.mjs`. The addon and its façade load and work under Node 20, from the bundle that
// `bun build --target=node src/native.ts --outdir dist/node` writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SortedSet, openHashRing, openSemaphore, withPermit } from "../../dist/node/native.js";

test("SortedSet orders and indexes under Node", () => {
  const set = new SortedSet();
  assert.equal(set.add(1, "bob", 1), 0);
  assert.equal(set.add(0, "Zed", 2), 0);
  assert.equal(set.add(1, "Alice", 3), 1);
  assert.deepEqual([...set.slice(0, 10)], [2, 3, 1]);
  assert.equal(set.remove(3), 1);
  assert.equal(set.indexOf(3), -1);
});

test("HashRing finds the same owner for a snowflake alone and in a batch under Node", () => {
  const ring = openHashRing("node:smoke");
  ring.setNodes(["a", "b", "c"]);
  const owners = ring.findMany(new BigUint64Array([81384788765712384n]));
  assert.equal(ring.find("81384788765712384"), owners[0]);
  assert.equal(ring.generation, 1);
});

test("Semaphore and withPermit refuse at capacity under Node", () => {
  const sem = openSemaphore("node:smoke", 1);
  assert.equal(sem.tryAcquire(), true);
  assert.deepEqual(withPermit(sem, () => 1), { ok: false, overCapacity: true, max: 1 });
  sem.release();
  assert.deepEqual(withPermit(sem, () => 2), { ok: true, value: 2 });
  assert.equal(sem.count, 0);
});

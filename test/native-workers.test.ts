/**
 * The native Semaphore and HashRing are process-global: several Bun Workers
 * share one named counter and one named ring while the main thread swaps
 * ring generations under them. Each Worker's SortedSet calls go through that
 * thread's own call frame, at the same time as the others'.
 */
import { expect, test } from "bun:test";
import { openHashRing, openSemaphore } from "../src/native.ts";
import type { WorkerJob, WorkerReport } from "./fixtures/native-worker.ts";

const WORKERS = 4;
const MAX = 3;
const SIZES = [1, 2, 3, 5, 8];

test("Workers share one semaphore and one ring across generation swaps, and each keeps its own SortedSet frame", async () => {
  const semaphoreName = "test:workers:sem";
  const ringName = "test:workers:ring";
  const ring = openHashRing(ringName);
  ring.setNodes(["n0"], 64);
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const job: WorkerJob = {
    semaphore: semaphoreName,
    max: MAX,
    ring: ringName,
    iterations: 20_000,
    shared,
    generationSizes: SIZES,
  };
  const workers = Array.from({ length: WORKERS }, () => new Worker(new URL("./fixtures/native-worker.ts", import.meta.url)));
  const reports = workers.map(
    (worker) =>
      new Promise<WorkerReport>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<WorkerReport>) => resolve(event.data);
        worker.onerror = (event) => reject(new Error(event.message));
      }),
  );
  for (const worker of workers) worker.postMessage(job);

  // Swap generations until every Worker is done (bounded in count and time).
  const startGeneration = ring.generation;
  const deadline = Date.now() + 20_000;
  let swaps = 0;
  while (Atomics.load(shared, 1) < WORKERS && Date.now() < deadline && swaps < 1_000_000) {
    const size = SIZES[swaps % SIZES.length] as number;
    ring.setNodes(Array.from({ length: size }, (_, i) => `n${i}`), 64);
    swaps++;
    if (swaps % 50 === 0) await Bun.sleep(0);
  }
  const results = await Promise.all(reports);
  for (const worker of workers) worker.terminate();

  expect(ring.generation - startGeneration).toBe(swaps);
  expect(swaps).toBeGreaterThan(10);
  const total = results.reduce(
    (sum, r) => ({
      acquired: sum.acquired + r.acquired,
      overMax: sum.overMax + r.overMax,
      lookups: sum.lookups + r.lookups,
      badLookups: sum.badLookups + r.badLookups,
      listMismatches: sum.listMismatches + r.listMismatches,
    }),
    { acquired: 0, overMax: 0, lookups: 0, badLookups: 0, listMismatches: 0 },
  );
  expect(total.overMax).toBe(0);
  expect(total.badLookups).toBe(0);
  expect(total.listMismatches).toBe(0);
  expect(total.acquired).toBeGreaterThan(0);
  expect(total.lookups).toBe(WORKERS * job.iterations);
  expect(openSemaphore(semaphoreName, MAX).count).toBe(0);
});

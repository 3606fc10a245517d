import { expect, test } from "bun:test";
import { acceptedAt, addLatency, emptyLatency, LATENCY_BOUNDS_MS, LatencyHistogram, now } from "./ingress-latency.ts";

test("an observation lands in the first bucket whose bound holds it; above every bound, in the last", () => {
  const histogram = new LatencyHistogram();
  histogram.observeSince(now() + 1000); // in the future: clock skew counts as 0 ms
  histogram.observeSince(now() - 7); // 7 ms and a little: the 10 ms bucket
  histogram.observeSince(now() - 60_000);
  const { counts, count, sumMs } = histogram.snapshot();
  expect(counts).toHaveLength(LATENCY_BOUNDS_MS.length + 1);
  expect(counts[0]).toBe(1);
  expect(counts[LATENCY_BOUNDS_MS.indexOf(10)]).toBe(1);
  expect(counts.at(-1)).toBe(1);
  expect(count).toBe(3);
  expect(sumMs).toBeGreaterThanOrEqual(60_007);
});

test("snapshots add up bucket by bucket", () => {
  const total = emptyLatency();
  addLatency(total, { counts: [1, 2, ...new Array(LATENCY_BOUNDS_MS.length - 1).fill(0)], count: 3, sumMs: 0.3 });
  addLatency(total, { counts: [0, 1, ...new Array(LATENCY_BOUNDS_MS.length - 1).fill(0)], count: 1, sumMs: 0.2 });
  expect(total.counts.slice(0, 3)).toEqual([1, 3, 0]);
  expect(total.count).toBe(4);
  expect(total.sumMs).toBeCloseTo(0.5);
});

test("the accepted-at stamp follows the request's work across awaits", async () => {
  const seen = await acceptedAt.run(42, async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return acceptedAt.getStore();
  });
  expect(seen).toBe(42);
  expect(acceptedAt.getStore()).toBeUndefined();
});

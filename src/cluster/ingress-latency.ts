/**
 * Ingress-to-send latency: from the moment an HTTP request is accepted (api/http.ts stamps
 * it) to the moment the frames of an event it caused are handed to the transport on a
 * worker (cluster/delivery.ts observes it). The stamp travels with the request's async
 * work in an AsyncLocalStorage, into owner calls and `publish` pushes over the bus, so the
 * guild layer never sees it. One observation per event per delivering worker, never per
 * recipient, in a fixed-bucket histogram (a few array writes).
 *
 * Times are `performance.timeOrigin + performance.now()`: milliseconds since the epoch with
 * sub-millisecond resolution, comparable between the worker threads of one process.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** Upper bounds of the buckets, ms; one more bucket holds everything above the last. */
export const LATENCY_BOUNDS_MS: readonly number[] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500];

/** When the request that led to the current work was accepted (see `now`), if any. */
export const acceptedAt = new AsyncLocalStorage<number>();

/** Milliseconds since the epoch, sub-millisecond, comparable across this process's threads. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** A histogram as plain data (it crosses the bus): `counts[i]` is the bucket up to `LATENCY_BOUNDS_MS[i]`, the last one above them all. */
export interface LatencySnapshot {
  counts: number[];
  count: number;
  sumMs: number;
}

export function emptyLatency(): LatencySnapshot {
  return { counts: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0), count: 0, sumMs: 0 };
}

/** `into` plus `add`, bucket by bucket. */
export function addLatency(into: LatencySnapshot, add: LatencySnapshot): void {
  add.counts.forEach((n, i) => (into.counts[i] = (into.counts[i] ?? 0) + n));
  into.count += add.count;
  into.sumMs += add.sumMs;
}

export class LatencyHistogram {
  readonly #data = emptyLatency();

  /** Records the time since `since` (a `now()` stamp); a negative one (clock skew between threads) counts as 0. */
  observeSince(since: number): void {
    const ms = Math.max(0, now() - since);
    let i = 0;
    while (i < LATENCY_BOUNDS_MS.length && ms > (LATENCY_BOUNDS_MS[i] as number)) i++;
    this.#data.counts[i] = (this.#data.counts[i] as number) + 1;
    this.#data.count++;
    this.#data.sumMs += ms;
  }

  snapshot(): LatencySnapshot {
    return { counts: [...this.#data.counts], count: this.#data.count, sumMs: this.#data.sumMs };
  }
}

/**
 * A log-linear latency histogram in microseconds, small enough to ship over
 * IPC and merge: values below 128 µs are exact, above that each power of two
 * splits into 64 buckets (≤ 1.6% error), up to 2^31 µs (~36 min). Recording
 * is two integer ops and an increment, so a generator can record every
 * delivery instead of sampling.
 */

const LINEAR = 128;
const SUB = 64;
const MAX_SHIFT = 24;
const BUCKETS = LINEAR + MAX_SHIFT * SUB;

/** Bucket index of `us` (a non-negative integer number of microseconds). */
function indexOf(us: number): number {
  if (us < LINEAR) return us < 0 ? 0 : us;
  const shift = Math.min(31 - Math.clz32(us) - 6, MAX_SHIFT);
  return Math.min(LINEAR + (shift - 1) * SUB + ((us >>> shift) - SUB), BUCKETS - 1);
}

/** The lowest value (µs) that lands in bucket `index`. */
function lowerBound(index: number): number {
  if (index < LINEAR) return index;
  const shift = Math.floor((index - LINEAR) / SUB) + 1;
  return ((index - LINEAR) % SUB + SUB) * 2 ** shift;
}

/** Sparse wire form: [bucket index, count] pairs, plus the exact max. */
export interface HistogramData {
  buckets: [number, number][];
  max: number;
  count: number;
}

export class Histogram {
  readonly #counts = new Float64Array(BUCKETS);
  count = 0;
  /** Exact maximum, µs. */
  max = 0;

  /** Records one value, in milliseconds (fractions kept to the microsecond). */
  recordMs(ms: number): void {
    const us = Math.round(ms * 1000);
    this.#counts[indexOf(us)]! += 1;
    this.count++;
    if (us > this.max) this.max = us;
  }

  merge(data: HistogramData): void {
    for (const [index, count] of data.buckets) this.#counts[index]! += count;
    this.count += data.count;
    if (data.max > this.max) this.max = data.max;
  }

  toJSON(): HistogramData {
    const buckets: [number, number][] = [];
    this.#counts.forEach((count, index) => {
      if (count > 0) buckets.push([index, count]);
    });
    return { buckets, max: this.max, count: this.count };
  }

  /** The value (ms) at quantile q in [0, 1], as the lower bound of its bucket; the max at 1. */
  quantileMs(q: number): number {
    if (this.count === 0) return NaN;
    if (q >= 1) return this.max / 1000;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return Math.min(lowerBound(i), this.max) / 1000;
    }
    return this.max / 1000;
  }

  /** Counts in `bins` log-spaced bins from `loMs` to `hiMs`, for the report's chart. */
  bins(loMs: number, hiMs: number, bins: number): { edgesMs: number[]; counts: number[] } {
    const lo = Math.log(Math.max(loMs, 0.001));
    const step = (Math.log(hiMs) - lo) / bins;
    const edgesMs = Array.from({ length: bins + 1 }, (_, i) => Math.exp(lo + i * step));
    const counts = new Array<number>(bins).fill(0);
    this.#counts.forEach((count, index) => {
      if (count === 0) return;
      const ms = lowerBound(index) / 1000;
      const bin = Math.min(bins - 1, Math.max(0, Math.floor((Math.log(Math.max(ms, 0.001)) - lo) / step)));
      counts[bin]! += count;
    });
    return { edgesMs, counts };
  }
}

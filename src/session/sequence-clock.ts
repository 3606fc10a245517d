/**
 * The sequence stamp `s` of every dispatch a worker sends (DESIGN.md, "Shared frames,
 * monotonic stamps"): microseconds since 2025-01-01T00:00:00Z, strictly increasing per
 * clock instance. One stamp serves every recipient of a frame, so frames are built once.
 */

/** 2025-01-01T00:00:00Z in microseconds since the Unix epoch (1735689600000 ms). */
export const SEQUENCE_EPOCH_US = 1_735_689_600_000_000;

/** Wall clock in integer microseconds since the Unix epoch, from the monotonic timer. */
const wallClockUs = (): number => Math.floor((performance.timeOrigin + performance.now()) * 1000);

/**
 * Hands out stamps: the clock's reading in µs since `SEQUENCE_EPOCH_US`, or the previous
 * stamp + 1 when the clock ties or steps back. The first stamp is at least 1, so 0 can mean
 * "nothing received" to RESUME. Stamps stay safe integers until about year 2310.
 */
export class SequenceClock {
  readonly #now: () => number;
  #last = 0;

  /** `now` returns µs since the Unix epoch; defaults to `performance.timeOrigin + performance.now()`. */
  constructor(now: () => number = wallClockUs) {
    this.#now = now;
  }

  /** The latest stamp handed out, 0 before the first. */
  get last(): number {
    return this.#last;
  }

  /** Makes every later stamp greater than `stamp` (a stamp another worker gave a moving session). */
  observe(stamp: number): void {
    if (stamp > this.#last) this.#last = stamp;
  }

  /** The next stamp, in µs since 2025-01-01T00:00:00Z; always greater than the one before. */
  next(): number {
    const reading = Math.floor(this.#now()) - SEQUENCE_EPOCH_US;
    // A tie (two calls in one µs) or a clock stepped back still yields a larger stamp:
    // @discordjs/ws ignores an `s` that does not increase.
    this.#last = reading > this.#last ? reading : this.#last + 1;
    return this.#last;
  }
}

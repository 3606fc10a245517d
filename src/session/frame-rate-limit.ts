/**
 * Discord's client frame limit (DESIGN.md, "Wire protocol"): 120 frames per 60 s per
 * connection, counted in a fixed window that opens at the first frame and the first frame
 * after each window ends. The frame over the limit means close 4008 (RATE_LIMITED).
 */

/**
 * Counts one connection's frames. `limit` defaults to 120 frames, `windowMs` to 60 000 ms,
 * `now` (a clock in ms) to `performance.now`.
 */
/** One clock function for every instance (a default arrow would be a closure per socket). */
const monotonicNow = (): number => performance.now();

export class FrameRateLimit {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  #windowStart = 0;
  #count = 0;

  constructor(limit = 120, windowMs = 60_000, now: () => number = monotonicNow) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Counts a frame: true while the window holds at most `limit` frames, false from the one over it. */
  hit(): boolean {
    const t = this.#now();
    if (this.#count === 0 || t - this.#windowStart >= this.#windowMs) {
      this.#windowStart = t;
      this.#count = 0;
    }
    return ++this.#count <= this.#limit;
  }
}

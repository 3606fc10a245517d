/**
 * Discord's client frame limit (DESIGN.md, "Wire protocol"): 120 frames per 60 s per
 * connection, counted in a fixed window that opens at the first frame and the first frame
 * after each window ends. The frame over the limit means close 4008 (RATE_LIMITED).
 */

/** A connection's count (its socket data carries these two fields: no object per socket). */
export interface FrameWindow {
  /** When the connection's current window opened, on the limit's clock. */
  frameWindowStart: number;
  /** Frames in it; 0 before the first. */
  frameCount: number;
}

/** One clock function for every instance (a default arrow would be a closure per instance). */
const monotonicNow = (): number => performance.now();

/**
 * The limit, one for every connection of a gateway. `limit` defaults to 120 frames,
 * `windowMs` to 60 000 ms, `now` (a clock in ms) to `performance.now`.
 */
export class FrameRateLimit {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(limit = 120, windowMs = 60_000, now: () => number = monotonicNow) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Counts a frame of `window`'s connection: true while its window holds at most `limit` frames, false from the one over it. */
  hit(window: FrameWindow): boolean {
    const t = this.#now();
    if (window.frameCount === 0 || t - window.frameWindowStart >= this.#windowMs) {
      window.frameWindowStart = t;
      window.frameCount = 0;
    }
    return ++window.frameCount <= this.#limit;
  }
}

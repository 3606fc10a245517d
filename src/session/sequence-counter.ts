/**
 * The sequence stamp `s` of every dispatch a worker sends (DESIGN.md, "Shared frames,
 * monotonic stamps"): a per-worker counter from 1, strictly increasing. One stamp serves
 * every recipient of a frame, so frames are built once.
 *
 * Every `s` fits in a signed 32-bit integer: typed SDKs keep it in one (a Java SDK reads it
 * with `getInt("s")`, a C# one sends RESUME's `seq` as a `uint`), and a larger value
 * truncates to garbage there. So a counter, not a clock. When a worker's counter comes
 * within `EPOCH_HEADROOM` of the limit, the worker starts a new epoch (Gateway): its
 * sessions get INVALID_SESSION and IDENTIFY again, and the counter restarts at 1. It never
 * wraps silently; a stamp past the limit is refused with a RangeError.
 */

/** The largest `s` a client may see: 2^31 - 1, the largest signed 32-bit integer. */
export const MAX_SEQUENCE = 2 ** 31 - 1;

/**
 * Stamps left when a worker starts its next epoch. A new epoch waits for the operation in
 * progress to end; this is far more than one operation stamps (a resume replay, a session
 * moving in), so the limit itself is never reached.
 */
export const EPOCH_HEADROOM = 2 ** 20;

export class SequenceCounter {
  #last: number;

  /** `start`: the stamp before the first (0: the first is 1). Tests start near the limit. */
  constructor(start = 0) {
    if (!Number.isInteger(start) || start < 0 || start >= MAX_SEQUENCE) {
      throw new RangeError(`SequenceCounter: start must be an integer from 0 to ${MAX_SEQUENCE - 1}, got ${start}`);
    }
    this.#last = start;
  }

  /** The latest stamp handed out, 0 before the first. */
  get last(): number {
    return this.#last;
  }

  /** Whether this epoch is nearly used up: the worker should start the next one. */
  get nearLimit(): boolean {
    return this.#last >= MAX_SEQUENCE - EPOCH_HEADROOM;
  }

  /**
   * Makes every later stamp greater than `stamp` (a stamp another worker gave a session that
   * moves here, or the last one before a restart), so the session's `s` keeps increasing.
   */
  observe(stamp: number): void {
    if (!(stamp <= MAX_SEQUENCE)) throw new RangeError(`SequenceCounter: stamp ${stamp} is past ${MAX_SEQUENCE}`);
    if (stamp > this.#last) this.#last = stamp;
  }

  /** The next stamp; always greater than the one before within an epoch. */
  next(): number {
    if (this.#last >= MAX_SEQUENCE) throw new RangeError(`SequenceCounter: the epoch is used up (${MAX_SEQUENCE})`);
    return ++this.#last;
  }

  /** Starts a new epoch: the next stamp is 1 again. Only once no session holds a stamp of this one. */
  restart(): void {
    this.#last = 0;
  }
}

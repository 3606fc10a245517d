/**
 * Discord's `session_start_limit.max_concurrency` (DESIGN.md, "Limited concurrency"): per
 * user and bucket (`shard_id % maxConcurrency`), at most one IDENTIFY per 5 s window. A
 * refused IDENTIFY is answered at once (op 9 or a close), never queued.
 *
 * Memory stays bounded by the identifies of the last window: every start also goes into a
 * FIFO by expiry, and each call first forgets the windows that have passed. With a fixed
 * window and a monotonic clock, expiries arrive in order, so that sweep is O(1) amortised.
 */

/** Compact the expiry queue once this many leading slots are spent (and they are half of it). */
const COMPACT_AFTER = 1024;

/**
 * IDENTIFY starts per (user id, bucket). `maxConcurrency` defaults to 1 (one bucket),
 * `windowMs` to 5000 ms, `now` (a monotonic clock in ms) to `performance.now`.
 */
export class IdentifyLimit {
  readonly #maxConcurrency: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  /**
   * "bucket:userId" (just the user id with one bucket: no string per IDENTIFY beside the id
   * the session keeps anyway) -> end of its window, in ms on `now`'s clock.
   */
  readonly #windowEnds = new Map<string, number>();
  #queueKeys: string[] = [];
  #queueEnds: number[] = [];
  #queueHead = 0;

  constructor(maxConcurrency = 1, windowMs = 5000, now: () => number = () => performance.now()) {
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
      throw new RangeError(`IdentifyLimit: maxConcurrency must be an integer >= 1, got ${maxConcurrency}`);
    }
    this.#maxConcurrency = maxConcurrency;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Number of (user, bucket) windows still open. */
  get size(): number {
    this.#sweep(this.#now());
    return this.#windowEnds.size;
  }

  /**
   * Starts an IDENTIFY for `userId` on shard `shardId` if its bucket's window is free, and
   * opens a new window; false if one is still open. Throws RangeError for a shard id that is
   * not a non-negative integer.
   */
  tryStart(userId: string, shardId: number): boolean {
    const t = this.#now();
    this.#sweep(t);
    const key = this.#key(userId, shardId);
    if (this.#windowEnds.has(key)) return false;
    const end = t + this.#windowMs;
    this.#windowEnds.set(key, end);
    this.#queueKeys.push(key);
    this.#queueEnds.push(end);
    return true;
  }

  /** Milliseconds until `userId` may identify on shard `shardId` again; 0 if it may now. */
  resetAfterMs(userId: string, shardId: number): number {
    const end = this.#windowEnds.get(this.#key(userId, shardId));
    return end === undefined ? 0 : Math.max(0, end - this.#now());
  }

  #key(userId: string, shardId: number): string {
    if (!Number.isInteger(shardId) || shardId < 0) {
      throw new RangeError(`IdentifyLimit: shard id must be an integer >= 0, got ${shardId}`);
    }
    return this.#maxConcurrency === 1 ? userId : `${shardId % this.#maxConcurrency}:${userId}`;
  }

  /** Forgets every window that ended at or before `t`. */
  #sweep(t: number): void {
    const keys = this.#queueKeys;
    const ends = this.#queueEnds;
    let head = this.#queueHead;
    while (head < ends.length && (ends[head] as number) <= t) {
      const key = keys[head] as string;
      // Only delete the window this entry opened; guards against a clock that stepped back.
      if (this.#windowEnds.get(key) === ends[head]) this.#windowEnds.delete(key);
      head++;
    }
    if (head === this.#queueHead) return;
    if (head === ends.length) {
      this.#queueKeys = [];
      this.#queueEnds = [];
      head = 0;
    } else if (head >= COMPACT_AFTER && head * 2 >= ends.length) {
      this.#queueKeys = keys.slice(head);
      this.#queueEnds = ends.slice(head);
      head = 0;
    }
    this.#queueHead = head;
  }
}

/**
 * Snowflake ids as Discord makes them: ms since 2015-01-01 << 22 | worker << 17
 * | process << 12 | increment. Strictly increasing per generator, even when
 * the clock stalls or steps back (the increment borrows from the next ms).
 */
import { DISCORD_EPOCH_MS } from "../protocol/timestamp.ts";

const DISCORD_EPOCH = BigInt(DISCORD_EPOCH_MS);

export class SnowflakeGenerator {
  readonly #worker: number;
  readonly #now: () => number;
  #prefix = 0n;
  #last = 0n;

  /** `worker` and `process` are 0–31 (in a cluster, `process` is the node's: cluster/membership.ts). */
  constructor(worker: number, process: number, now: () => number = Date.now) {
    if (!isFiveBits(worker)) throw new RangeError("worker and process must be 0-31");
    this.#worker = worker;
    this.#now = now;
    this.setProcess(process);
  }

  /** The node's process id changed (the cluster gave it another); ids stay increasing. */
  setProcess(process: number): void {
    if (!isFiveBits(process)) throw new RangeError("worker and process must be 0-31");
    this.#prefix = (BigInt(this.#worker) << 17n) | (BigInt(process) << 12n);
  }

  next(): string {
    const fromClock = ((BigInt(this.#now()) - DISCORD_EPOCH) << 22n) | this.#prefix;
    const id = fromClock > this.#last ? fromClock : this.#last + 1n;
    this.#last = id;
    return id.toString();
  }
}

function isFiveBits(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n < 32;
}

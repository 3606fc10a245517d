/**
 * One guild's operations, one at a time, in the order they arrive, as a Discord guild
 * process takes its messages. An operation on an idle guild runs at once, synchronously,
 * and answers its value (the fanout path gains no promise); one that goes on asynchronously
 * (a load, a write waiting for its commit) answers a promise and keeps the guild busy until
 * it settles, and operations arriving meanwhile wait their turn.
 *
 * A call made from inside a running operation (the owner telling a session, whose worker is
 * this one, and the bus running that session's next call at once) runs at once too, as a
 * nested call, like a re-entrant lock: waiting for the operation that makes it would never end.
 */

/** A value, or the promise of it when the operation had to wait. */
export type MaybePromise<T> = T | Promise<T>;

export class GuildQueue {
  /** Operations whose asynchronous part is in flight (more than one only for nested calls). */
  #pending = 0;
  /** Operations running synchronously now (nested calls make it > 1). */
  #depth = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #onIdle: () => void;

  /** `onIdle` runs whenever the last waiting operation has finished (after an asynchronous one). */
  constructor(onIdle: () => void = () => {}) {
    this.#onIdle = onIdle;
  }

  /** No operation is running or waiting. */
  get idle(): boolean {
    return this.#pending === 0 && this.#depth === 0 && this.#waiting.length === 0;
  }

  /** Runs `operation` now if the guild is idle (or from inside a running one), else after those before it. */
  run<T>(operation: () => MaybePromise<T>): MaybePromise<T> {
    if (this.#depth > 0 || (this.#pending === 0 && this.#waiting.length === 0)) return this.#exec(operation);
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push(() => {
        try {
          resolve(this.#exec(operation));
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  /**
   * Runs the synchronous step of an operation that resumes after its asynchronous part (a
   * write applied once committed): calls it makes to this guild run at once, as nested calls.
   */
  within<T>(step: () => T): T {
    this.#depth++;
    try {
      return step();
    } finally {
      this.#depth--;
    }
  }

  #exec<T>(operation: () => MaybePromise<T>): MaybePromise<T> {
    const result = this.within(operation);
    if (!(result instanceof Promise)) return result;
    this.#pending++;
    return result.finally(() => {
      this.#pending--;
      this.#drain();
    });
  }

  #drain(): void {
    while (this.#pending === 0 && this.#waiting.length > 0) (this.#waiting.shift() as () => void)();
    if (this.idle) this.#onIdle();
  }
}

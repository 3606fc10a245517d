/**
 * At most `perTurn` callers go on in one event-loop turn; the rest wait, in arrival order, for
 * later turns. IDENTIFY takes a place before its work: a connect storm's IDENTIFYs all arrive
 * in a few poll iterations, and doing them all in one would keep the loop from accepting new
 * connections for that long, so the kernel's accept queue (512, fixed in Bun.serve) overflows
 * and clients wait out SYN retransmits (1 s, 3 s).
 */
export class TurnBudget {
  readonly #perTurn: number;
  #used = 0;
  readonly #waiting: (() => void)[] = [];
  #next = 0;
  #scheduled = false;

  constructor(perTurn: number) {
    this.#perTurn = perTurn;
  }

  /** Undefined: go on now; else a promise that resolves in the turn that has room. */
  take(): Promise<void> | undefined {
    this.#schedule();
    if (this.#used < this.#perTurn && this.#next === this.#waiting.length) {
      this.#used++;
      return undefined;
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // A new turn: its count starts at what it lets go on of those waiting. The turn after any
    // turn that let some go on is watched too, so a count never outlives its turn.
    setImmediate(() => {
      this.#scheduled = false;
      this.#used = 0;
      while (this.#used < this.#perTurn && this.#next < this.#waiting.length) {
        this.#used++;
        (this.#waiting[this.#next++] as () => void)();
      }
      if (this.#next === this.#waiting.length) {
        this.#waiting.length = 0;
        this.#next = 0;
      }
      if (this.#used > 0) this.#schedule();
    });
  }
}

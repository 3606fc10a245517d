/**
 * A progress line for long runs (the load harness, the soak): what phase the run is in and
 * its counters, written to stderr once a second, so stdout keeps only the results. On a
 * terminal the line is rewritten in place; into a file or a pipe, a line is written every
 * `LOG_EVERY_MS` instead, so logs stay short.
 */

const TICK_MS = 1_000;
const LOG_EVERY_MS = 2_000;

/** Counters shown after the phase, in insertion order: `name value`, or `name done/total`. */
export type Counters = Record<string, number | [done: number, total: number]>;

export class Progress {
  readonly #label: string;
  readonly #start = performance.now();
  readonly #tty = Boolean(process.stderr.isTTY);
  #phase = "start";
  #counters: Counters = {};
  #sample: (() => Promise<Counters>) | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastLog = -Infinity;
  #sampling = false;

  constructor(label: string) {
    this.#label = label;
  }

  /** Starts writing; `sample` (optional) is asked for fresh counters before each line. */
  start(sample?: () => Promise<Counters>): this {
    this.#sample = sample;
    this.#timer = setInterval(() => void this.#tick(), TICK_MS);
    this.#timer.unref?.();
    return this;
  }

  /** Enters a phase; its counters start empty. */
  phase(name: string): void {
    this.#phase = name;
    this.#counters = {};
    this.#lastLog = -Infinity;
  }

  /** Sets counters of the current phase. */
  set(counters: Counters): void {
    Object.assign(this.#counters, counters);
  }

  /** Stops writing (and ends the terminal's line). */
  stop(): void {
    clearInterval(this.#timer);
    if (this.#tty) process.stderr.write("\n");
  }

  /** The line as it would be written now. */
  line(): string {
    const seconds = ((performance.now() - this.#start) / 1000).toFixed(0);
    const counters = Object.entries(this.#counters).map(([name, value]) =>
      Array.isArray(value) ? `${name} ${value[0].toLocaleString("en")}/${value[1].toLocaleString("en")}` : `${name} ${value.toLocaleString("en")}`,
    );
    return `[${this.#label} ${seconds}s] ${this.#phase}${counters.length ? `: ${counters.join(", ")}` : ""}`;
  }

  async #tick(): Promise<void> {
    if (this.#sampling) return;
    this.#sampling = true;
    try {
      if (this.#sample) this.set(await this.#sample().catch(() => ({})));
    } finally {
      this.#sampling = false;
    }
    const now = performance.now();
    if (this.#tty) process.stderr.write(`\r\x1b[2K${this.line()}`);
    else if (now - this.#lastLog >= LOG_EVERY_MS) {
      this.#lastLog = now;
      process.stderr.write(`${this.line()}\n`);
    }
  }
}

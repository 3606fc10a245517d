/**
 * An SDK program run as a child process: it writes one JSON object per line on stdout for
 * what it sees (`{"event": ...}`), and takes one JSON command per line on stdin. Lines are
 * kept in order, so a test can wait for one and then look at everything before or after it.
 */

/** One line the SDK program wrote. */
export interface SdkLine {
  event: string;
  [field: string]: unknown;
}

/** Each wait for a line. SDK reconnects back off about a second; everything else is faster. */
const WAIT_MS = 20_000;
/** stderr lines kept for a failure's message. */
const STDERR_LINES = 40;

export class SdkProcess {
  readonly lines: SdkLine[] = [];
  /** Every stderr line that speaks of rate limits (an SDK's warning about missing or odd headers, or a 429). */
  readonly rateLimitNotices: string[] = [];
  readonly #child: Bun.Subprocess<"pipe", "pipe", "pipe">;
  readonly #stderr: string[] = [];
  #waiters: (() => void)[] = [];
  #exited = false;

  constructor(command: string[], env: Record<string, string>) {
    this.#child = Bun.spawn(command, { env: { ...process.env, ...env }, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    void this.#read(this.#child.stdout, (line) => this.#push(line));
    void this.#read(this.#child.stderr, (line) => {
      this.#stderr.push(line);
      if (/rate.?limit/i.test(line)) this.rateLimitNotices.push(line);
      if (this.#stderr.length > STDERR_LINES) this.#stderr.shift();
    });
    void this.#child.exited.then(() => {
      this.#exited = true;
      this.#wake();
    });
  }

  /** Sends one command (a line of JSON) to the program. */
  send(command: Record<string, string>): void {
    this.#child.stdin.write(`${JSON.stringify(command)}\n`);
    this.#child.stdin.flush();
  }

  /** The first line from index `from` on that matches; rejects after WAIT_MS or if the program exits. */
  async next(match: (line: SdkLine) => boolean, what: string, from = 0): Promise<SdkLine> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = this.lines.slice(from).find(match);
      if (found) return found;
      if (this.#exited || Date.now() > deadline) {
        const why = this.#exited ? `the program exited (${this.#child.exitCode})` : `timed out after ${WAIT_MS} ms`;
        throw new Error(`${why} waiting for ${what}.\nLines: ${JSON.stringify(this.lines)}\nstderr, last lines:\n${this.#stderr.join("\n")}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()) + 1);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Lines of one kind, from index `from` on. */
  linesOf(event: string, from = 0): SdkLine[] {
    return this.lines.slice(from).filter((line) => line.event === event);
  }

  /** Asks the program to quit (stdin closes); kills it if it has not exited within 5 s. */
  async stop(): Promise<void> {
    if (!this.#exited) {
      this.send({ cmd: "quit" });
      this.#child.stdin.end();
    }
    const killer = setTimeout(() => this.#child.kill("SIGKILL"), 5_000);
    await this.#child.exited;
    clearTimeout(killer);
  }

  #push(text: string): void {
    let line: SdkLine;
    try {
      line = JSON.parse(text) as SdkLine;
    } catch {
      line = { event: "text", text };
    }
    this.lines.push(line);
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  async #read(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of stream) {
      buffered += decoder.decode(chunk, { stream: true });
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const part of parts) if (part.trim() !== "") onLine(part);
    }
    if (buffered.trim() !== "") onLine(buffered);
  }
}

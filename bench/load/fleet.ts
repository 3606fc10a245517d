/**
 * The generator processes as one: spawns `gen-worker.ts` children over IPC,
 * deals them sessions (at most MAX_PER_WORKER each; the open-file limit here
 * is 20,000 per process) and each session one of the server's endpoints
 * (round-robin: a cluster's nodes, or several baseline processes), gives
 * each child a fresh 127.x source address per connect (bind() with port 0
 * takes ports per address, and the last run's TIME_WAIT sockets still hold
 * theirs), and merges what they answer.
 */
import { resolve } from "node:path";
import type { Subprocess } from "bun";
import { Histogram } from "./histogram.ts";
import type { ClientKind, Endpoint, LoadWire } from "./connectors.ts";
import type { ConnectResult, CountReport, DeliveryReport, WorkerCommand } from "./gen-worker.ts";

/** Children hold at most this many sockets each (limit 20,000 fds; headroom for the runtime). */
export const MAX_PER_WORKER = 9_000;

/**
 * Source addresses 127.x.y.z from a random start, never reused within one
 * coordinator run, and unlikely to meet the TIME_WAIT ports of a recent run.
 */
let addressesUsed = Math.floor(Math.random() * 254 * 254 * 200);
function freshAddress(): string {
  const n = addressesUsed++;
  return `127.${1 + (Math.floor(n / (254 * 254)) % 200)}.${1 + (Math.floor(n / 254) % 254)}.${1 + (n % 254)}`;
}

/** One generator's sessions: its tokens and, for each, the index of the endpoint it connects to. */
export interface Share {
  tokens: string[];
  sessionEndpoints: number[];
}

/**
 * Deals sessions to generators and endpoints: session i goes to generator i % generators and
 * connects to endpoint i % endpoints, so every endpoint holds a like share of the sessions.
 */
export function dealSessions(tokens: readonly string[], generators: number, endpoints: number): Share[] {
  const shares: Share[] = Array.from({ length: generators }, () => ({ tokens: [], sessionEndpoints: [] }));
  tokens.forEach((token, i) => {
    const share = shares[i % generators] as Share;
    share.tokens.push(token);
    share.sessionEndpoints.push(i % endpoints);
  });
  return shares;
}

/** The children's connect answers, merged. */
export interface ConnectSummary extends Pick<ConnectResult, "ready" | "refusals" | "errors" | "closes"> {
  sessions: number;
  /** Connect() of the first session to READY of the last, ms. */
  allReadyMs: number;
  readyHist: Histogram;
  generatorRssBytes: number;
}

export interface DeliverySummary {
  deliveries: number;
  /** Deliveries of an event a session already had (gen-worker.ts). */
  duplicates: number;
  /** Deliveries without an event number, which could not be checked for duplicates. */
  unnumbered: number;
  otherDispatches: number;
  hist: Histogram;
  firstReceipt: number;
  lastReceipt: number;
  minPerSession: number;
  maxPerSession: number;
  /** Generator CPU since reset, summed over children, seconds: user (JS, runtime) and system (the kernel: reads, epoll). */
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  wallMs: number;
  ready: number;
  closes: Record<string, number>;
}

type Answer = ConnectResult | DeliveryReport | CountReport | { type: "closed" };

/** The answer each command gets. */
const ANSWER_TYPE: Record<WorkerCommand["type"], Answer["type"] | undefined> = {
  connect: "connected",
  report: "report",
  count: "count",
  close: "closed",
  reset: undefined,
};

class Child {
  /**
   * Asks waiting for their answer. A child answers each kind of command in order, but a
   * quick one (count) may overtake a slow one (connect), so an answer goes to the oldest ask
   * of its type.
   */
  readonly #waiters: { type: Answer["type"]; answer: (answer: Answer) => void; fail: (error: Error) => void }[] = [];
  readonly process: Subprocess;

  constructor() {
    this.process = Bun.spawn([process.execPath, resolve(import.meta.dir, "gen-worker.ts")], {
      stdio: ["ignore", "inherit", "inherit"],
      serialization: "json",
      ipc: (message: Answer) => {
        const index = this.#waiters.findIndex((waiter) => waiter.type === message.type);
        if (index >= 0) this.#waiters.splice(index, 1)[0]?.answer(message);
      },
      // A generator that dies fails what waits on it at once, not at the timeout.
      onExit: (_, code) => {
        for (const waiter of this.#waiters.splice(0)) waiter.fail(new Error(`generator exited with code ${code}`));
      },
    });
  }

  /** Sends a command and waits for its one answer. */
  ask<T extends Answer>(command: WorkerCommand, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolveAnswer, reject) => {
      const timer = setTimeout(() => reject(new Error(`generator ${this.process.pid} did not answer ${command.type} in ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push({
        type: ANSWER_TYPE[command.type] as Answer["type"],
        answer: (answer) => {
          clearTimeout(timer);
          resolveAnswer(answer as T);
        },
        fail: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.process.send(command);
    });
  }

  tell(command: WorkerCommand): void {
    this.process.send(command);
  }
}

function mergeCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, count] of Object.entries(from)) into[key] = (into[key] ?? 0) + count;
}

export class Fleet {
  readonly #children: Child[];

  private constructor(children: Child[]) {
    this.#children = children;
  }

  /** Enough children for `sessions` (at least `minWorkers`), none holding more than MAX_PER_WORKER. */
  static start(sessions: number, minWorkers = 2): Fleet {
    const count = Math.max(minWorkers, Math.ceil(sessions / MAX_PER_WORKER));
    return new Fleet(Array.from({ length: count }, () => new Child()));
  }

  get pids(): number[] {
    return this.#children.map((child) => child.process.pid);
  }

  /** Connects every token's session (dealt round-robin over the children and the endpoints) and waits for all to be READY or given up. */
  async connect(
    endpoints: readonly Endpoint[],
    tokens: string[],
    options: { client: ClientKind; intents: number; wires: LoadWire[]; inFlight: number; timeoutMs: number },
  ): Promise<ConnectSummary> {
    const shares = dealSessions(tokens, this.#children.length, endpoints.length);
    const inFlight = Math.max(1, Math.ceil(options.inFlight / this.#children.length));
    const answers = await Promise.all(
      this.#children.map((child, i) =>
        child.ask<ConnectResult>(
          { type: "connect", ...options, endpoints: [...endpoints], ...shares[i]!, localAddress: freshAddress(), inFlight },
          options.timeoutMs + 10_000,
        ),
      ),
    );
    const summary: ConnectSummary = {
      sessions: tokens.length,
      ready: 0,
      refusals: 0,
      errors: {},
      closes: {},
      allReadyMs: 0,
      readyHist: new Histogram(),
      generatorRssBytes: 0,
    };
    const firstStart = Math.min(...answers.map((a) => a.firstStart));
    for (const answer of answers) {
      summary.ready += answer.ready;
      summary.refusals += answer.refusals;
      mergeCounts(summary.errors, answer.errors);
      mergeCounts(summary.closes, answer.closes);
      summary.readyHist.merge(answer.readyHist);
      summary.allReadyMs = Math.max(summary.allReadyMs, answer.lastReady - firstStart);
      summary.generatorRssBytes += answer.rssBytes;
    }
    return summary;
  }

  /** Zeroes the delivery counters and CPU baselines in every child. */
  reset(): void {
    for (const child of this.#children) child.tell({ type: "reset" });
  }

  /** Deliveries since the last reset, all children. */
  async count(): Promise<number> {
    return (await this.progress()).deliveries;
  }

  /** Deliveries since the last reset and sessions READY now, all children; answered also while they connect. */
  async progress(): Promise<{ deliveries: number; ready: number }> {
    const answers = await Promise.all(this.#children.map((child) => child.ask<CountReport>({ type: "count" }, 10_000)));
    return { deliveries: answers.reduce((sum, a) => sum + a.deliveries, 0), ready: answers.reduce((sum, a) => sum + a.ready, 0) };
  }

  async report(): Promise<DeliverySummary> {
    const answers = await Promise.all(this.#children.map((child) => child.ask<DeliveryReport>({ type: "report" }, 10_000)));
    const summary: DeliverySummary = {
      deliveries: 0,
      duplicates: 0,
      unnumbered: 0,
      otherDispatches: 0,
      hist: new Histogram(),
      firstReceipt: Infinity,
      lastReceipt: 0,
      minPerSession: Infinity,
      maxPerSession: 0,
      cpuUserSeconds: 0,
      cpuSystemSeconds: 0,
      wallMs: 0,
      ready: 0,
      closes: {},
    };
    for (const answer of answers) {
      summary.deliveries += answer.deliveries;
      summary.duplicates += answer.duplicates;
      summary.unnumbered += answer.unnumbered;
      summary.otherDispatches += answer.otherDispatches;
      summary.hist.merge(answer.hist);
      if (answer.firstReceipt > 0) summary.firstReceipt = Math.min(summary.firstReceipt, answer.firstReceipt);
      summary.lastReceipt = Math.max(summary.lastReceipt, answer.lastReceipt);
      summary.minPerSession = Math.min(summary.minPerSession, answer.minPerSession);
      summary.maxPerSession = Math.max(summary.maxPerSession, answer.maxPerSession);
      summary.cpuUserSeconds += answer.cpuUserUs / 1e6;
      summary.cpuSystemSeconds += answer.cpuSystemUs / 1e6;
      summary.wallMs = Math.max(summary.wallMs, answer.wallMs);
      summary.ready += answer.ready;
      mergeCounts(summary.closes, answer.closes);
    }
    return summary;
  }

  /** Closes every session and ends the children. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#children.map((child) => child.ask({ type: "close" }, 10_000)));
    for (const child of this.#children) child.process.kill();
    await Promise.all(this.#children.map((child) => child.process.exited));
  }
}

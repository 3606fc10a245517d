/**
 * The measured phases of one run, each bounded in time:
 *
 * - `connectPhase`: every session connects and identifies (`inFlight` at
 *   once: 1,000 for a gentle ramp, all of them for a storm); time to READY,
 *   refusals, and the server's RSS growth per session.
 * - `throughputPhase`: events posted as fast as the server answers, `window`
 *   in flight; deliveries per second = deliveries / (first ingress -> last
 *   receipt), with the latency of every delivery under that load, and the
 *   deliveries counted every `TIMELINE_MS` (throughput over time).
 * - `latencyPhase`: isolated events, each posted once the previous one has
 *   reached every session; p50/p99/max ingress-to-client.
 * - `serverCostPhase`: server CPU per delivery with the generators running
 *   and stopped, to tell whose limit a figure is.
 * - `idlePhase`: CPU while the sessions only heartbeat.
 *
 * CPU is read from /proc for the server and the generator processes, and
 * for the whole machine, so a run disturbed by other work on the box shows
 * it ("other" CPU). The server is every process of the target: N nodes or
 * baseline processes, and a cluster's nats-server (also shown on its own);
 * a cluster's PostgreSQL is shown on its own and not counted as the server.
 *
 * Deliveries are checked for exactly once: the generator counts, per
 * session, an event number it already had as a duplicate; `lost` is what
 * was expected less the distinct deliveries.
 */
import { clock } from "./clock.ts";
import type { ClientKind, LoadWire } from "./connectors.ts";
import type { ConnectSummary, DeliverySummary, Fleet } from "./fleet.ts";
import type { Histogram } from "./histogram.ts";
import { countNatsMessages, type NatsPerEvent } from "./nats-varz.ts";
import { cpuOf, machineBusySeconds, processTreeCpuSeconds, rssOf } from "./proc.ts";
import type { Target } from "./targets.ts";

/** One event aimed at a guild, with how many sessions should get it. */
export interface PlannedEvent {
  guildId: string;
  expected: number;
}

/** CPU used during a phase, in cores (1 = one core busy for the whole phase). */
export interface CpuShare {
  /** Every server process: the nodes or baseline processes, and a cluster's nats-server. */
  server: number;
  /** A cluster's nats-server alone (counted in `server` too). */
  nats?: number;
  /** A cluster's PostgreSQL (not in `server`). */
  postgres?: number;
  generator: number;
  /** This process: the HTTP client posting events, the polling. */
  coordinator: number;
  /** Everything else on the machine: other people's work, interrupts. */
  other: number;
}

/** CPU seconds so far of each group of processes a phase reports. */
interface CpuSeconds {
  server: number;
  nats: number;
  postgres: number;
  generator: number;
}

function cpuNow(target: Target, generatorPids: number[]): CpuSeconds {
  return {
    server: cpuOf(target.serverPids),
    nats: target.natsPid ? cpuOf([target.natsPid]) : 0,
    postgres: target.postgresPid ? processTreeCpuSeconds(target.postgresPid) : 0,
    generator: cpuOf(generatorPids),
  };
}

class CpuMeter {
  readonly #target: Target;
  readonly #generators: number[];
  readonly #start = clock();
  readonly #cpuStart: CpuSeconds;
  readonly #machineStart = machineBusySeconds();
  readonly #selfStart = process.cpuUsage();

  constructor(target: Target, generatorPids: number[]) {
    this.#target = target;
    this.#generators = generatorPids;
    this.#cpuStart = cpuNow(target, generatorPids);
  }

  read(): CpuShare {
    const wall = (clock() - this.#start) / 1000;
    const now = cpuNow(this.#target, this.#generators);
    const used = (key: keyof CpuSeconds): number => now[key] - this.#cpuStart[key];
    const [server, nats, postgres, generator] = [used("server"), used("nats"), used("postgres"), used("generator")];
    const self = process.cpuUsage(this.#selfStart);
    const coordinator = (self.user + self.system) / 1e6;
    const machine = machineBusySeconds() - this.#machineStart;
    const round = (seconds: number): number => Number((Math.max(0, seconds) / wall).toFixed(2));
    return {
      server: round(server),
      ...(this.#target.natsPid ? { nats: round(nats) } : {}),
      ...(this.#target.postgresPid ? { postgres: round(postgres) } : {}),
      generator: round(generator),
      coordinator: round(coordinator),
      other: round(machine - server - postgres - generator - coordinator),
    };
  }
}

export interface ConnectResult {
  summary: ConnectSummary;
  /** Server RSS growth per READY session after a 2 s settle, bytes (all server processes). */
  rssPerSessionBytes: number;
  /** RSS of all server processes together (a cluster's nats-server included), bytes. */
  serverRssBytes: number;
  cpu: CpuShare;
  /** A cluster: the sessions each node holds after the settle (GET /cluster). */
  sessionsPerNode?: number[];
}

export async function connectPhase(
  fleet: Fleet,
  target: Target,
  tokens: string[],
  options: { client: ClientKind; intents: number; wires: LoadWire[]; inFlight: number; timeoutMs: number },
): Promise<ConnectResult> {
  await Bun.sleep(1_000);
  const rssBefore = rssOf(target.serverPids);
  const meter = new CpuMeter(target, fleet.pids);
  const summary = await fleet.connect(target.endpoints, tokens, options);
  const cpu = meter.read();
  await Bun.sleep(2_000);
  const rssAfter = rssOf(target.serverPids);
  const sessionsPerNode = await target.sessionsPerNode?.();
  return {
    summary,
    rssPerSessionBytes: summary.ready > 0 ? (rssAfter - rssBefore) / summary.ready : NaN,
    serverRssBytes: rssAfter,
    cpu,
    ...(sessionsPerNode ? { sessionsPerNode } : {}),
  };
}

/** `{t, d}` with the ingress time first in `d`, where the generator looks for it. */
function eventBody(n: number, padding: string): string {
  return `{"t":"LOAD_EVENT","intents":0,"permissions":"0","d":{"t0":${clock()},"n":${n},"content":"${padding}"}}`;
}

/** Polls the fleet until `expected` deliveries arrived, none arrived for `quietMs`, or `deadline`. */
async function waitForDeliveries(fleet: Fleet, expected: number, deadline: number, quietMs: number, pollMs: number): Promise<number> {
  let seen = await fleet.count();
  let lastChange = clock();
  while (seen < expected && clock() < deadline && clock() - lastChange < quietMs) {
    await Bun.sleep(pollMs);
    const now = await fleet.count();
    if (now !== seen) lastChange = clock();
    seen = now;
  }
  return seen;
}

export interface DeliveryResult {
  events: number;
  expected: number;
  deliveries: number;
  /** Deliveries of an event the session already had. */
  duplicates: number;
  /** Expected less the distinct deliveries: (session, event) pairs that never arrived. */
  lost: number;
  /** Every session got every event meant for it once and no event twice: deliveries == expected, each carried its number, no duplicate. */
  exactlyOnce: boolean;
  /** Deliveries / (first ingress -> last receipt). */
  deliveriesPerSec: number;
  spanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  hist: Histogram;
  cpu: CpuShare;
  /** Fewest and most timed deliveries one session got. */
  perSession: [number, number];
  /** Throughput phase: deliveries so far, every TIMELINE_MS from the first ingress. */
  timeline?: [ms: number, deliveries: number][];
  /** A cluster: NATS messages per event over the phase, from nats-server's /varz. */
  nats?: NatsPerEvent;
}

/** How often the throughput phase counts deliveries for its timeline, ms. */
const TIMELINE_MS = 100;

function deliveryResult(events: PlannedEvent[], firstIngress: number, report: DeliverySummary, cpu: CpuShare): DeliveryResult {
  const expected = events.reduce((sum, e) => sum + e.expected, 0);
  const spanMs = report.lastReceipt - firstIngress;
  return {
    events: events.length,
    expected,
    deliveries: report.deliveries,
    duplicates: report.duplicates,
    lost: expected - (report.deliveries - report.duplicates),
    exactlyOnce: report.deliveries === expected && report.duplicates === 0 && report.unnumbered === 0,
    deliveriesPerSec: Math.round((report.deliveries * 1000) / spanMs),
    spanMs: Math.round(spanMs),
    p50Ms: report.hist.quantileMs(0.5),
    p99Ms: report.hist.quantileMs(0.99),
    maxMs: report.hist.quantileMs(1),
    hist: report.hist,
    cpu,
    perSession: [report.minPerSession, report.maxPerSession],
  };
}

export async function throughputPhase(
  fleet: Fleet,
  target: Target,
  events: PlannedEvent[],
  options: { window: number; padding: string; timeoutMs: number; onSent?: (sent: number) => void },
): Promise<DeliveryResult> {
  const natsCount = target.natsMonitorUrl ? await countNatsMessages(target.natsMonitorUrl) : undefined;
  fleet.reset();
  const meter = new CpuMeter(target, fleet.pids);
  const deadline = clock() + options.timeoutMs;
  const firstIngress = clock();
  const timeline: [number, number][] = [[0, 0]];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await Bun.sleep(TIMELINE_MS);
      timeline.push([Math.round(clock() - firstIngress), await fleet.count()]);
    }
  })();
  let next = 0;
  let sent = 0;
  await Promise.all(
    Array.from({ length: options.window }, async () => {
      while (next < events.length && clock() < deadline) {
        const n = next++;
        await target.dispatch((events[n] as PlannedEvent).guildId, eventBody(n, options.padding));
        options.onSent?.(++sent);
      }
    }),
  );
  const expected = events.reduce((sum, e) => sum + e.expected, 0);
  await waitForDeliveries(fleet, expected, deadline, 3_000, 20);
  sampling = false;
  await sampler;
  const cpu = meter.read();
  const nats = await natsCount?.(sent);
  return { ...deliveryResult(events, firstIngress, await fleet.report(), cpu), timeline, ...(nats ? { nats } : {}) };
}

export async function latencyPhase(
  fleet: Fleet,
  target: Target,
  events: PlannedEvent[],
  options: { padding: string; gapMs: number; timeoutMs: number; onSent?: (sent: number) => void },
): Promise<DeliveryResult> {
  const natsCount = target.natsMonitorUrl ? await countNatsMessages(target.natsMonitorUrl) : undefined;
  fleet.reset();
  const meter = new CpuMeter(target, fleet.pids);
  const deadline = clock() + options.timeoutMs;
  const firstIngress = clock();
  let expected = 0;
  let sent = 0;
  for (const [n, event] of events.entries()) {
    if (clock() > deadline) break;
    await target.dispatch(event.guildId, eventBody(n, options.padding));
    options.onSent?.(++sent);
    expected += event.expected;
    await waitForDeliveries(fleet, expected, Math.min(deadline, clock() + 5_000), 1_000, 2);
    await Bun.sleep(options.gapMs);
  }
  const cpu = meter.read();
  const nats = await natsCount?.(sent);
  return { ...deliveryResult(events, firstIngress, await fleet.report(), cpu), ...(nats ? { nats } : {}) };
}

/** Posts a few untimed events and waits for them: JIT, buffers and caches warm before measuring. */
export async function warmUp(fleet: Fleet, target: Target, events: PlannedEvent[], padding: string): Promise<void> {
  fleet.reset();
  let expected = 0;
  for (const [n, event] of events.entries()) {
    await target.dispatch(event.guildId, eventBody(n, padding));
    expected += event.expected;
  }
  await waitForDeliveries(fleet, expected, clock() + 10_000, 2_000, 20);
}

/** CPU while every session sits idle (heartbeats only) for `ms`. */
export async function idlePhase(fleet: Fleet, target: Target, ms: number): Promise<CpuShare> {
  const meter = new CpuMeter(target, fleet.pids);
  await Bun.sleep(ms);
  return meter.read();
}

/** Server CPU per delivery, with the generators reading as usual and with them stopped (SIGSTOP), µs. */
export interface ServerCost {
  readingUsPerDelivery: number;
  /** The same per event (readers running): what one event costs the server whatever its audience. */
  readingUsPerEvent: number;
  /** What fanout costs the server with no reader running on the box. */
  pausedUsPerDelivery: number;
}

/** Waits until the server's CPU counter (all its processes) stops moving (3 polls 20 ms apart), at most 3 s; returns its value. */
async function settledCpu(pids: readonly number[]): Promise<number> {
  let last = cpuOf(pids);
  let still = 0;
  const deadline = clock() + 3_000;
  while (still < 3 && clock() < deadline) {
    await Bun.sleep(20);
    const now = cpuOf(pids);
    still = now === last ? still + 1 : 0;
    last = now;
  }
  return last;
}

/**
 * Alternates samples with the generator processes running and stopped, and
 * reads the server's CPU for each. If stopping the readers barely lowers the
 * server's cost, the generator is not what limits the server: the cost is the
 * server's own sends (on loopback the kernel's TCP work for both ends is
 * charged to the sender). A sample is enough events, one at a time, for
 * ~15k deliveries, since /proc counts CPU in 10 ms ticks.
 */
export async function serverCostPhase(fleet: Fleet, target: Target, events: PlannedEvent[], padding: string, samples = 6): Promise<ServerCost> {
  const reading: number[] = [];
  const readingPerEvent: number[] = [];
  const paused: number[] = [];
  let delivered = 0;
  let n = 0;
  fleet.reset();
  for (let sample = 0; sample < samples; sample++) {
    const stop = sample % 2 === 1;
    if (stop) for (const pid of fleet.pids) process.kill(pid, "SIGSTOP");
    let expected = 0;
    let sent = 0;
    try {
      const before = await settledCpu(target.serverPids);
      while (expected < 15_000) {
        const event = events[n++ % events.length] as PlannedEvent;
        await target.dispatch(event.guildId, eventBody(n, padding));
        expected += event.expected;
        sent++;
      }
      const after = await settledCpu(target.serverPids);
      (stop ? paused : reading).push(((after - before) * 1e6) / expected);
      if (!stop) readingPerEvent.push(((after - before) * 1e6) / sent);
    } finally {
      if (stop) for (const pid of fleet.pids) process.kill(pid, "SIGCONT");
    }
    delivered += expected;
    await waitForDeliveries(fleet, delivered, clock() + 10_000, 1_000, 5);
  }
  const middle = (values: number[]): number => Number((values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN).toFixed(2));
  return { readingUsPerDelivery: middle(reading), readingUsPerEvent: middle(readingPerEvent), pausedUsPerDelivery: middle(paused) };
}

/**
 * The load harness: one command per scenario, guildgate and its baselines
 * side by side in the same run, so every figure can be read as a ratio.
 *
 *   npm run load -- fanout|guilds|storm|idle [--sessions 1000,5000,15000]
 *     [--events N] [--latency-events N] [--runs 1] [--targets raw,naive,guildgate,guildgate@1]
 *     [--window 16] [--compress | --mix json,etf,zlib,zstd] [--client bun|net|websocket] [--payload-bytes 64] [--workers N]
 *     [--nodes N] [--identify-in-flight N] [--heartbeat-interval-ms 41250] [--timeout-s 300] [--out bench/load/results]
 *
 * --mix deals the sessions wire formats in turn (json, etf, zlib, zstd, etf-zlib, etf-zstd:
 * connectors.ts); --compress is `--mix zlib`. The baselines serve only json and zlib.
 *
 * --nodes N (default 1) makes every target N server processes with the sessions spread over
 * them: guildgate as N cluster nodes behind one nats-server (one worker each unless
 * guildgate@W or --workers says otherwise), raw and naive as N processes that each publish
 * every event to their own sessions (targets.ts).
 *
 * Each run starts its server afresh (guildgate from dist/guildgate: build it
 * first with `npm run build`), sets up users and guilds, connects every
 * session through the generator processes (fleet.ts) and runs the
 * scenario's phases (measure.ts). With --runs R every figure is the median
 * of R runs. Output: a table on stdout, `<out>/<scenario>.json` and
 * `<out>/<scenario>.html` (self-contained, inline SVG). Loopback only; every
 * run is bounded by --timeout-s and fails with the phase it was in.
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { CLIENT_KINDS, LOAD_WIRES, type ClientKind } from "./connectors.ts";
import { Fleet } from "./fleet.ts";
import { clock } from "./clock.ts";
import { connectPhase, idlePhase, latencyPhase, serverCostPhase, throughputPhase, warmUp, type PlannedEvent } from "./measure.ts";
import { printTable, writeHtml, writeJson, type RunRecord, type ScenarioResult, type Variant } from "./report.ts";
import { SCENARIOS, scenarios, type Scenario, type ScenarioName } from "./scenarios.ts";
import { Progress, type Counters } from "../progress.ts";
import { MAX_NODES } from "../../src/cluster/membership.ts";
import { parseTargetSpec, startTarget, TARGETS, type MembershipPlan, type Target, type TargetSpec } from "./targets.ts";

/** GUILDS (1) | GUILD_MESSAGES (512). */
const INTENTS = 513;
/** Sessions between connect() and READY at once outside a storm. */
const CONNECT_IN_FLIGHT = 1_000;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sessions: { type: "string" },
    events: { type: "string" },
    "latency-events": { type: "string" },
    runs: { type: "string", default: "1" },
    targets: { type: "string" },
    window: { type: "string", default: "16" },
    compress: { type: "boolean", default: false },
    mix: { type: "string" },
    client: { type: "string", default: "bun" },
    "payload-bytes": { type: "string", default: "64" },
    workers: { type: "string" },
    nodes: { type: "string", default: "1" },
    "identify-in-flight": { type: "string" },
    "heartbeat-interval-ms": { type: "string", default: "41250" },
    "timeout-s": { type: "string", default: "300" },
    out: { type: "string", default: resolve(import.meta.dir, "results") },
  },
});

const name = positionals[0] as ScenarioName | undefined;
if (!name || !SCENARIOS.includes(name)) {
  console.error(`usage: npm run load -- ${SCENARIOS.join("|")} [--sessions N,N] [--events N] [--runs N] [--targets ${TARGETS.join(",")}]`);
  process.exit(2);
}
const scenario: Scenario = scenarios[name];
const integer = (text: string | undefined, flag: string): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${flag} must be a positive integer, not ${text}`);
  return n;
};
const options = {
  sessions: values.sessions ? values.sessions.split(",").map((s) => integer(s, "sessions") as number) : scenario.sessions,
  targets: (values.targets ? values.targets.split(",") : scenario.targets).map(parseTargetSpec),
  events: integer(values.events, "events"),
  latencyEvents: integer(values["latency-events"], "latency-events"),
  runs: integer(values.runs, "runs") as number,
  window: integer(values.window, "window") as number,
  wires: (values.mix ?? (values.compress ? "zlib" : "json")).split(",").map((name) => {
    const wire = LOAD_WIRES[name];
    if (!wire) throw new Error(`--mix takes ${Object.keys(LOAD_WIRES).join(", ")}, not ${name}`);
    return wire;
  }),
  client: values.client as ClientKind,
  padding: "x".repeat(integer(values["payload-bytes"], "payload-bytes") as number),
  workers: integer(values.workers, "workers"),
  nodes: integer(values.nodes, "nodes") as number,
  // A storm runs the gateway's own default (256), so refusals show; elsewhere connecting must not be refused.
  identifyInFlight: integer(values["identify-in-flight"], "identify-in-flight") ?? (scenario.kind === "storm" ? 16_384 : 100_000),
  heartbeatIntervalMs: integer(values["heartbeat-interval-ms"], "heartbeat-interval-ms") as number,
  timeoutMs: (integer(values["timeout-s"], "timeout-s") as number) * 1000,
  out: values.out as string,
};

if (!CLIENT_KINDS.includes(options.client)) throw new Error(`--client must be one of ${CLIENT_KINDS.join(", ")}`);
if (options.nodes > MAX_NODES) throw new Error(`--nodes must be at most ${MAX_NODES}, not ${options.nodes}`);

/** The phase a run is in, for the timeout's message and the progress line. */
let phase = "start";
/** The progress line on stderr: the phase, sessions READY and events sent, live. */
const progress = new Progress(`load ${name}`);
/** The fleet of the run in progress, polled for the progress line. */
let running: { fleet: Fleet; sessions: number } | undefined;
progress.start(async (): Promise<Counters> => {
  if (!running) return {};
  const { ready, deliveries } = await running.fleet.progress();
  return { "sessions READY": [ready, running.sessions], deliveries };
});
const enter = (name: string, what: string): void => {
  phase = name;
  progress.phase(`${what}: ${name}`);
};

/** What the progress line says is running. */
let current = "";
const label = (sessions: number): string => `${current} at ${sessions} sessions`;

async function runOnce(target: Target, fleet: Fleet, plan: MembershipPlan): Promise<RunRecord> {
  enter("setup", label(plan.sessions));
  const setupStart = clock();
  const { tokens, guildIds } = await target.setup(plan);
  const record: RunRecord = { setupMs: Math.round(clock() - setupStart), connect: null, throughput: null, latency: null, serverCost: null, idleCpu: null };
  enter("connect", label(plan.sessions));
  const inFlight = scenario.kind === "storm" ? plan.sessions : CONNECT_IN_FLIGHT;
  record.connect = await connectPhase(fleet, target, tokens, { client: options.client, intents: INTENTS, wires: options.wires, inFlight, timeoutMs: 90_000 });
  if (record.connect.summary.ready < plan.sessions) {
    console.error(`  ${target.name}: only ${record.connect.summary.ready} of ${plan.sessions} sessions READY`, record.connect.summary.errors);
  }
  if (scenario.kind === "idle") {
    enter("idle", label(plan.sessions));
    record.idleCpu = await idlePhase(fleet, target, 5_000);
  }
  if (scenario.kind !== "deliveries") return record;
  const toEvents = (indexes: number[]): PlannedEvent[] =>
    indexes.map((g) => ({ guildId: guildIds[g] as string, expected: (plan.guilds[g] as number[]).length }));
  enter("warm-up", label(plan.sessions));
  await warmUp(fleet, target, toEvents(scenario.latencyEvents(plan, 3)), options.padding);
  enter("throughput", label(plan.sessions));
  const throughputEvents = toEvents(scenario.throughputEvents(plan, options.events));
  record.throughput = await throughputPhase(fleet, target, throughputEvents, {
    window: options.window,
    padding: options.padding,
    timeoutMs: 90_000,
    onSent: (sent) => progress.set({ "events sent": [sent, throughputEvents.length] }),
  });
  enter("latency", label(plan.sessions));
  const latencyEvents = toEvents(scenario.latencyEvents(plan, options.latencyEvents));
  record.latency = await latencyPhase(fleet, target, latencyEvents, {
    padding: options.padding,
    gapMs: 20,
    timeoutMs: 60_000,
    onSent: (sent) => progress.set({ "events sent": [sent, latencyEvents.length] }),
  });
  enter("server cost", label(plan.sessions));
  record.serverCost = await serverCostPhase(fleet, target, toEvents(scenario.latencyEvents(plan)), options.padding);
  return record;
}

/** One run with a fresh server and fresh generators, bounded by --timeout-s. */
async function runBounded(spec: TargetSpec, sessions: number): Promise<RunRecord> {
  enter("start", label(sessions));
  const plan = scenario.plan(sessions);
  const target = await startTarget(spec.name, {
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    identifyInFlight: options.identifyInFlight,
    workers: spec.workers ?? options.workers,
    nodes: options.nodes,
  });
  const fleet = Fleet.start(sessions);
  running = { fleet, sessions };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${spec.label} at ${sessions} sessions timed out after ${options.timeoutMs / 1000} s in phase ${phase}`)), options.timeoutMs);
  });
  try {
    return await Promise.race([runOnce(target, fleet, plan), timeout]);
  } finally {
    clearTimeout(timer);
    // The server goes first, so the TIME_WAIT sockets land on its side, not on the generators' ports.
    running = undefined;
    await target.stop();
    await fleet.close();
  }
}

const result: ScenarioResult = {
  scenario: scenario.name,
  summary: scenario.summary,
  started: new Date().toISOString(),
  command: `npm run load -- ${process.argv.slice(2).join(" ")}`,
  nodes: options.nodes,
  machine: { cores: navigator.hardwareConcurrency, bun: Bun.version, loadAverageAtStart: (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ") },
  options: { ...options, targets: options.targets.map((t) => t.label), padding: options.padding.length },
  variants: [],
};

console.log(`${scenario.name}: ${scenario.summary}`);
for (const sessions of options.sessions) {
  for (const spec of options.targets) {
    const variant: Variant = { target: spec.label, sessions, runs: [], errors: [] };
    for (let run = 1; run <= options.runs; run++) {
      current = `${spec.label} run ${run}/${options.runs}`;
      const started = clock();
      try {
        const record = await runBounded(spec, sessions);
        variant.runs.push(record);
        const tp = record.throughput ? ` ${Math.round(record.throughput.deliveriesPerSec / 1000)}k deliveries/s` : "";
        const lat = record.latency ? `, p99 ${record.latency.p99Ms.toFixed(1)} ms` : "";
        const once = [record.throughput, record.latency].every((phase) => !phase || phase.exactlyOnce) ? "" : ", NOT exactly once";
        const nats = record.throughput?.nats ? `, NATS ${record.throughput.nats.inPerEvent.toFixed(2)} in / ${record.throughput.nats.outPerEvent.toFixed(2)} out per event` : "";
        const perNode = record.connect?.sessionsPerNode ? ` (${record.connect.sessionsPerNode.join(" / ")} on the nodes)` : "";
        console.log(`  ${spec.label} ${sessions} run ${run}: READY ${record.connect?.summary.ready}${perNode}${tp}${lat}${once}${nats} (${((clock() - started) / 1000).toFixed(0)} s)`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        variant.errors.push(message);
        console.error(`  ${spec.label} ${sessions} run ${run} failed: ${message}`);
      }
    }
    result.variants.push(variant);
  }
}

progress.stop();
mkdirSync(options.out, { recursive: true });
printTable(result);
const jsonPath = writeJson(result, options.out);
const htmlPath = writeHtml(result, options.out);
console.log(`\n${jsonPath}\n${htmlPath}`);

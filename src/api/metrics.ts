/**
 * `GET /metrics` in the Prometheus text format (version 0.0.4): sessions,
 * connections, dispatches by event type, fanout deliveries, resume outcomes,
 * IDENTIFY and guild-load refusals, guilds loaded, handling time per guild
 * operation (count, sum, max, as Discord instrumented its guild loop), the
 * ingress-to-send latency histogram, the resume log's size, bus batches, HTTP requests
 * answered 500, and process memory, for this node (its workers' counters summed; in a cluster
 * each node is scraped on its own), every series labelled with the node's id. Unauthenticated,
 * as scrapers expect; it carries counts only.
 */
import type { GuildsStats } from "../guild/guilds.ts";
import type { GatewayStats } from "../session/gateway.ts";
import { methodNotAllowed } from "./errors.ts";
import { addLatency, emptyLatency, LATENCY_BOUNDS_MS, type LatencySnapshot } from "../cluster/ingress-latency.ts";

/** A sample: what follows the family's name (a suffix such as `_sum`, then its `{labels}`), and its value. */
type Sample = [labels: string, value: number];

/** `base` (e.g. `node="a"`) put first into a sample's labels. */
function withLabel(labels: string, base: string): string {
  const open = labels.indexOf("{");
  return open < 0 ? `${labels}{${base}}` : `${labels.slice(0, open)}{${base},${labels.slice(open + 1)}`;
}

/** Label values are event names and fixed words; escape anyway, as the format requires. */
function label(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/** This node's families; `total` is its workers' stats merged (mergeStats). */
export function renderMetrics(node: string, total: WorkerStats, memory: Pick<NodeJS.MemoryUsage, "rss">): string {
  const { gateway: stats, guilds, httpInternalErrors, ingressLatency: latency, bus } = total;
  const base = `node="${label(node)}"`;
  const family = (name: string, type: "counter" | "gauge" | "histogram", help: string, samples: readonly Sample[]): string => {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
    for (const [labels, value] of samples) lines.push(`${name}${withLabel(labels, base)} ${value}`);
    return lines.join("\n");
  };
  /** A latency histogram in seconds: cumulative `_bucket`s by `le`, then `_sum` and `_count`. */
  const latencyFamily = (name: string, help: string, latency: LatencySnapshot): string => {
    let cumulative = 0;
    const buckets: Sample[] = latency.counts.map((n, i) => {
      cumulative += n;
      const bound = LATENCY_BOUNDS_MS[i];
      return [`_bucket{le="${bound === undefined ? "+Inf" : bound / 1000}"}`, cumulative];
    });
    return family(name, "histogram", help, [...buckets, ["_sum", latency.sumMs / 1000], ["_count", latency.count]]);
  };
  const dispatches: Sample[] = [...stats.dispatches].map(([t, n]) => [`{t="${label(t)}"}`, n]);
  const handling = [...guilds.handling];
  const timing = (pick: (t: { count: number; sumMs: number; maxMs: number }) => number): Sample[] =>
    handling.map(([op, t]) => [`{op="${label(op)}"}`, pick(t)]);
  return (
    [
      family("guildgate_connections", "gauge", "Open WebSocket connections.", [["", stats.connections]]),
      family("guildgate_sessions", "gauge", "Sessions, attached or waiting to be resumed.", [["", stats.sessions]]),
      family("guildgate_dispatches_total", "counter", "Dispatches published, by event type (once per event).", dispatches),
      family("guildgate_fanout_deliveries_total", "counter", "Frames handed to sockets by native publish.", [
        ["", stats.fanoutDeliveries],
      ]),
      family("guildgate_guilds_loaded", "gauge", "Guilds held in memory by their owner.", [["", guilds.loaded]]),
      family("guildgate_guild_load_refused_total", "counter", "Guild loads refused by the load semaphore.", [
        ["", guilds.loadRefused],
      ]),
      family("guildgate_guild_handling_count", "counter", "Guild operations handled, by operation.", timing((t) => t.count)),
      family("guildgate_guild_handling_seconds_sum", "counter", "Time spent handling guild operations.", timing((t) => t.sumMs / 1000)),
      family("guildgate_guild_handling_seconds_max", "gauge", "Longest guild operation, by operation.", timing((t) => t.maxMs / 1000)),
      family("guildgate_resumes_total", "counter", "RESUME outcomes.", [
        ['{outcome="ok"}', stats.resumes.ok],
        ['{outcome="invalid"}', stats.resumes.invalid],
      ]),
      family("guildgate_identify_refused_total", "counter", "IDENTIFYs answered with INVALID_SESSION.", [
        ['{reason="in_flight"}', stats.identifyRefused.inFlight],
        ['{reason="max_concurrency"}', stats.identifyRefused.rateLimited],
      ]),
      family("guildgate_sequence_epochs_total", "counter", "Epochs of s finished (their sessions had to IDENTIFY again).", [
        ["", stats.sequenceEpochs],
      ]),
      latencyFamily(
        "guildgate_ingress_to_send_seconds",
        "From an HTTP request accepted to its event's frames handed to the transport, once per event per worker.",
        latency,
      ),
      family("guildgate_resume_log_bytes", "gauge", "Bytes held by the resume log.", [["", stats.resumeLog.bytes]]),
      family("guildgate_resume_log_entries", "gauge", "Frames held by the resume log.", [["", stats.resumeLog.entries]]),
      family("guildgate_http_internal_errors_total", "counter", "HTTP requests answered 500 after an unexpected exception.", [
        ["", httpInternalErrors],
      ]),
      family(
        "guildgate_bus_batches_total",
        "counter",
        "Bus batches between workers, by direction: one NATS message each in a cluster, one MessagePort message otherwise.",
        [
          ['{direction="sent"}', bus.batchesSent],
          ['{direction="received"}', bus.batchesReceived],
        ],
      ),
      family("process_resident_memory_bytes", "gauge", "Resident set size.", [["", memory.rss]]),
      family("process_heap_used_bytes", "gauge", "JS heap in use, summed over workers.", [["", total.heapUsed]]),
    ].join("\n") + "\n"
  );
}

/** One worker's counters (plain data: they cross the bus). */
export interface WorkerStats {
  /** The worker's peer id (`{node}/{worker}`); "all" for a merged total. */
  peer: string;
  gateway: GatewayStats;
  guilds: GuildsStats;
  /** HTTP requests answered 500 after an unexpected exception. */
  httpInternalErrors: number;
  heapUsed: number;
  /** Ingress-to-send latency of the events this worker delivered (cluster/ingress-latency.ts). */
  ingressLatency: LatencySnapshot;
  /** Batches this worker's bus wrote and took in (cluster/bus.ts BusStats). */
  bus: { batchesSent: number; batchesReceived: number };
}

/** The whole process: counters summed over workers, maxima kept, the JS heaps added up. */
export function mergeStats(workers: readonly WorkerStats[]): WorkerStats {
  const dispatches = new Map<string, number>();
  const handling = new Map<string, { count: number; sumMs: number; maxMs: number }>();
  const total: WorkerStats = {
    peer: "all",
    gateway: {
      connections: 0,
      sessions: 0,
      dispatches,
      fanoutDeliveries: 0,
      resumes: { ok: 0, invalid: 0 },
      sequenceEpochs: 0,
      identifyRefused: { inFlight: 0, rateLimited: 0 },
      resumeLog: { bytes: 0, entries: 0 },
    },
    guilds: { loaded: 0, loadRefused: 0, handling },
    httpInternalErrors: 0,
    heapUsed: 0,
    ingressLatency: emptyLatency(),
    bus: { batchesSent: 0, batchesReceived: 0 },
  };
  const g = total.gateway;
  for (const { gateway, guilds, httpInternalErrors, heapUsed, ingressLatency, bus } of workers) {
    addLatency(total.ingressLatency, ingressLatency);
    total.bus.batchesSent += bus.batchesSent;
    total.bus.batchesReceived += bus.batchesReceived;
    g.connections += gateway.connections;
    g.sessions += gateway.sessions;
    g.fanoutDeliveries += gateway.fanoutDeliveries;
    g.resumes.ok += gateway.resumes.ok;
    g.resumes.invalid += gateway.resumes.invalid;
    g.sequenceEpochs += gateway.sequenceEpochs;
    g.identifyRefused.inFlight += gateway.identifyRefused.inFlight;
    g.identifyRefused.rateLimited += gateway.identifyRefused.rateLimited;
    g.resumeLog.bytes += gateway.resumeLog.bytes;
    g.resumeLog.entries += gateway.resumeLog.entries;
    for (const [t, n] of gateway.dispatches) dispatches.set(t, (dispatches.get(t) ?? 0) + n);
    total.guilds.loaded += guilds.loaded;
    total.guilds.loadRefused += guilds.loadRefused;
    for (const [op, t] of guilds.handling) {
      const sum = handling.get(op) ?? { count: 0, sumMs: 0, maxMs: 0 };
      handling.set(op, { count: sum.count + t.count, sumMs: sum.sumMs + t.sumMs, maxMs: Math.max(sum.maxMs, t.maxMs) });
    }
    total.httpInternalErrors += httpInternalErrors;
    total.heapUsed += heapUsed;
  }
  return total;
}

/** The /metrics route: `gather` answers the stats of this node's workers (this one's and its siblings'). */
export function createMetricsRoute(node: string, gather: () => Promise<WorkerStats[]>): (request: Request, url: URL) => Promise<Response | undefined> {
  return async (request, url) => {
    if (url.pathname !== "/metrics") return undefined;
    if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed("GET, HEAD");
    return new Response(renderMetrics(node, mergeStats(await gather()), process.memoryUsage()), {
      headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
    });
  };
}

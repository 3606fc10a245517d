import { expect, test } from "bun:test";
import { mergeStats, renderMetrics } from "./metrics.ts";
import { emptyLatency, LATENCY_BOUNDS_MS } from "../cluster/ingress-latency.ts";

/** A latency histogram with `n` observations of 0.3 ms and `n` of 20 s. */
function latency(n: number) {
  const counts = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  counts[LATENCY_BOUNDS_MS.indexOf(0.5)] = n;
  counts[LATENCY_BOUNDS_MS.length] = n;
  return { counts, count: 2 * n, sumMs: n * 20_000.3 };
}

test("renders every family in the Prometheus text format, labelled with the node, with escaped labels", () => {
  const text = renderMetrics(
    "eu-1",
    {
      peer: "all",
      gateway: {
        connections: 3,
        sessions: 4,
        dispatches: new Map([
          ["MESSAGE_CREATE", 7],
          ['ODD"NAME', 1],
        ]),
        fanoutDeliveries: 42,
        resumes: { ok: 2, invalid: 1 },
        sequenceEpochs: 1,
        identifyRefused: { inFlight: 5, rateLimited: 6 },
        resumeLog: { bytes: 1024, entries: 9 },
      },
      guilds: { loaded: 2, loadRefused: 1, handling: new Map([["MESSAGE_CREATE", { count: 4, sumMs: 10, maxMs: 5 }]]) },
      httpInternalErrors: 3,
      heapUsed: 500,
      ingressLatency: latency(1),
      bus: { batchesSent: 11, batchesReceived: 12 },
    },
    { rss: 1000 },
  );
  const samples = text.split("\n").filter((line) => line && !line.startsWith("#"));
  const n = 'node="eu-1"';
  expect(samples).toEqual([
    `guildgate_connections{${n}} 3`,
    `guildgate_sessions{${n}} 4`,
    `guildgate_dispatches_total{${n},t="MESSAGE_CREATE"} 7`,
    `guildgate_dispatches_total{${n},t="ODD\\"NAME"} 1`,
    `guildgate_fanout_deliveries_total{${n}} 42`,
    `guildgate_guilds_loaded{${n}} 2`,
    `guildgate_guild_load_refused_total{${n}} 1`,
    `guildgate_guild_handling_count{${n},op="MESSAGE_CREATE"} 4`,
    `guildgate_guild_handling_seconds_sum{${n},op="MESSAGE_CREATE"} 0.01`,
    `guildgate_guild_handling_seconds_max{${n},op="MESSAGE_CREATE"} 0.005`,
    `guildgate_resumes_total{${n},outcome="ok"} 2`,
    `guildgate_resumes_total{${n},outcome="invalid"} 1`,
    `guildgate_identify_refused_total{${n},reason="in_flight"} 5`,
    `guildgate_identify_refused_total{${n},reason="max_concurrency"} 6`,
    `guildgate_sequence_epochs_total{${n}} 1`,
    `guildgate_ingress_to_send_seconds_bucket{${n},le="0.0001"} 0`,
    `guildgate_ingress_to_send_seconds_bucket{${n},le="0.00025"} 0`,
    ...["0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5"].map(
      (le) => `guildgate_ingress_to_send_seconds_bucket{${n},le="${le}"} 1`,
    ),
    `guildgate_ingress_to_send_seconds_bucket{${n},le="+Inf"} 2`,
    `guildgate_ingress_to_send_seconds_sum{${n}} 20.0003`,
    `guildgate_ingress_to_send_seconds_count{${n}} 2`,
    `guildgate_resume_log_bytes{${n}} 1024`,
    `guildgate_resume_log_entries{${n}} 9`,
    `guildgate_http_internal_errors_total{${n}} 3`,
    `guildgate_bus_batches_total{${n},direction="sent"} 11`,
    `guildgate_bus_batches_total{${n},direction="received"} 12`,
    `process_resident_memory_bytes{${n}} 1000`,
    `process_heap_used_bytes{${n}} 500`,
  ]);
  expect(text).toContain("# TYPE guildgate_dispatches_total counter");
  expect(text.endsWith("\n")).toBe(true);
});

test("mergeStats sums every worker's counters and keeps the largest maximum", () => {
  const worker = (n: number) => ({
    peer: `node/${n}`,
    gateway: {
      connections: n,
      sessions: n,
      dispatches: new Map([["MESSAGE_CREATE", n]]),
      fanoutDeliveries: 10 * n,
      resumes: { ok: n, invalid: 0 },
      sequenceEpochs: n,
      identifyRefused: { inFlight: 0, rateLimited: n },
      resumeLog: { bytes: 100 * n, entries: n },
    },
    guilds: { loaded: n, loadRefused: 0, handling: new Map([["join", { count: n, sumMs: n, maxMs: n }]]) },
    httpInternalErrors: n,
    heapUsed: 1000 * n,
    ingressLatency: latency(n),
    bus: { batchesSent: n, batchesReceived: 2 * n },
  });
  const total = mergeStats([worker(1), worker(2)]);
  expect(total.gateway.sessions).toBe(3);
  expect(total.gateway.dispatches.get("MESSAGE_CREATE")).toBe(3);
  expect(total.gateway.fanoutDeliveries).toBe(30);
  expect(total.gateway.sequenceEpochs).toBe(3);
  expect(total.guilds.handling.get("join")).toEqual({ count: 3, sumMs: 3, maxMs: 2 });
  expect(total.httpInternalErrors).toBe(3);
  expect(total.heapUsed).toBe(3000);
  expect(total.ingressLatency).toEqual(latency(3));
  expect(total.bus).toEqual({ batchesSent: 3, batchesReceived: 6 });
  expect(emptyLatency().counts).toHaveLength(LATENCY_BOUNDS_MS.length + 1);
});

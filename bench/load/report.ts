/**
 * What a scenario run leaves behind: a table on stdout, `<scenario>.json`
 * (every run in full, medians per variant, the bars) and `<scenario>.html`
 * (self-contained: the table, the bars, inline-SVG latency histograms and
 * throughput over time; no scripts, no CDN). Figures are medians over the
 * runs of a variant.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Histogram } from "./histogram.ts";
import type { ConnectResult, CpuShare, DeliveryResult, ServerCost } from "./measure.ts";
import type { ScenarioName } from "./scenarios.ts";

export interface RunRecord {
  setupMs: number;
  connect: ConnectResult | null;
  throughput: DeliveryResult | null;
  latency: DeliveryResult | null;
  serverCost: ServerCost | null;
  idleCpu: CpuShare | null;
}

export interface Variant {
  /** The target's label: raw, naive, guildgate, guildgate@N. */
  target: string;
  sessions: number;
  runs: RunRecord[];
  errors: string[];
}

export interface ScenarioResult {
  scenario: ScenarioName;
  summary: string;
  started: string;
  command: string;
  /** Server processes per target (--nodes): guildgate cluster nodes, baseline processes. */
  nodes: number;
  machine: Record<string, unknown>;
  options: Record<string, unknown>;
  variants: Variant[];
}

interface Bar {
  bar: string;
  value: string;
  pass: boolean | null;
}

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** The figures of one run, flat, so each can be a median over runs. */
function metrics(run: RunRecord): Record<string, number> {
  const m: Record<string, number> = { setup_s: run.setupMs / 1000 };
  if (run.connect) {
    const c = run.connect.summary;
    Object.assign(m, {
      ready: c.ready,
      refusals: c.refusals,
      connect_errors: sum(c.errors),
      closes: sum(c.closes),
      all_ready_ms: c.allReadyMs,
      ready_p50_ms: c.readyHist.quantileMs(0.5),
      ready_p99_ms: c.readyHist.quantileMs(0.99),
      rss_per_session_bytes: run.connect.rssPerSessionBytes,
      server_rss_mb: run.connect.serverRssBytes / 2 ** 20,
      connect_server_cpu: run.connect.cpu.server,
      connect_generator_cpu: run.connect.cpu.generator,
    });
  }
  if (run.throughput) {
    const t = run.throughput;
    Object.assign(m, {
      deliveries_per_sec: t.deliveriesPerSec,
      lost: t.lost,
      duplicates: t.duplicates,
      load_p50_ms: t.p50Ms,
      load_p99_ms: t.p99Ms,
      load_max_ms: t.maxMs,
      server_cpu: t.cpu.server,
      ...(t.cpu.nats === undefined ? {} : { nats_cpu: t.cpu.nats }),
      ...(t.cpu.postgres === undefined ? {} : { postgres_cpu: t.cpu.postgres }),
      ...(t.nats ? { nats_in_per_event: t.nats.inPerEvent, nats_out_per_event: t.nats.outPerEvent } : {}),
      generator_cpu: t.cpu.generator,
      coordinator_cpu: t.cpu.coordinator,
      other_cpu: t.cpu.other,
    });
  }
  if (run.latency) {
    Object.assign(m, {
      p50_ms: run.latency.p50Ms,
      p99_ms: run.latency.p99Ms,
      max_ms: run.latency.maxMs,
      latency_lost: run.latency.lost,
      latency_duplicates: run.latency.duplicates,
      ...(run.latency.nats ? { nats_in_per_isolated_event: run.latency.nats.inPerEvent, nats_out_per_isolated_event: run.latency.nats.outPerEvent } : {}),
    });
  }
  if (run.serverCost) {
    m.server_us_per_delivery = run.serverCost.readingUsPerDelivery;
    m.server_us_per_event = run.serverCost.readingUsPerEvent;
    m.server_us_per_delivery_paused = run.serverCost.pausedUsPerDelivery;
  }
  if (run.idleCpu) m.idle_server_cpu = run.idleCpu.server;
  return m;
}

function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function medians(variant: Variant): Record<string, number> {
  const all = variant.runs.map(metrics);
  const keys = new Set(all.flatMap((m) => Object.keys(m)));
  return Object.fromEntries([...keys].map((key) => [key, median(all.map((m) => m[key] ?? NaN))]));
}

function merged(variant: Variant, pick: (run: RunRecord) => Histogram | undefined): Histogram {
  const hist = new Histogram();
  for (const run of variant.runs) {
    const h = pick(run);
    if (h) hist.merge(h.toJSON());
  }
  return hist;
}

/** deliveries/s of another target at the same size, for ratios. */
function ratio(result: ScenarioResult, variant: Variant, other: "raw" | "naive"): number {
  const base = result.variants.find((v) => v.target === other && v.sessions === variant.sessions);
  return base ? medians(variant).deliveries_per_sec! / medians(base).deliveries_per_sec! : NaN;
}

/** Whether every timed event of every run reached each of its sessions once: no loss, no duplicate. */
function exactlyOnceBar(variant: Variant): Bar {
  const phases = variant.runs.flatMap((run) => [run.throughput, run.latency]).filter((phase) => phase !== null);
  const lost = phases.reduce((sum, phase) => sum + phase.lost, 0);
  const duplicates = phases.reduce((sum, phase) => sum + phase.duplicates, 0);
  const deliveries = phases.reduce((sum, phase) => sum + phase.deliveries, 0);
  return {
    bar: `every event reached every session exactly once (deliveries == events × sessions, no event twice on a session; ${variant.runs.length} run(s), throughput and latency phases)`,
    value: `${deliveries} deliveries, ${lost} lost, ${duplicates} duplicates`,
    pass: phases.length > 0 && phases.every((phase) => phase.exactlyOnce),
  };
}

/** Issue 11's bars for a cluster of `nodes`: against the raw baseline of as many processes, exactly once, NATS messages per event. */
function clusterBars(result: ScenarioResult, gg: Variant, largest: number): Bar[] {
  const m = medians(gg);
  const vsRaw = ratio(result, gg, "raw");
  const natsWorst = Math.max(m.nats_in_per_event ?? NaN, m.nats_out_per_event ?? NaN);
  return [
    {
      bar: `deliveries/s ≥ 70% of ${result.nodes} raw processes (${largest} sessions over ${result.nodes} nodes, one guild)`,
      value: Number.isFinite(vsRaw) ? `${(vsRaw * 100).toFixed(0)}%` : "no raw run",
      pass: Number.isFinite(vsRaw) ? vsRaw >= 0.7 : null,
    },
    exactlyOnceBar(gg),
    {
      bar: `NATS messages per event ≤ ${result.nodes} nodes (/varz in_msgs and out_msgs over the throughput phase, net of the idle rate)`,
      value: Number.isFinite(natsWorst) ? `${f2(m.nats_in_per_event)} in, ${f2(m.nats_out_per_event)} out` : "not read",
      pass: Number.isFinite(natsWorst) ? natsWorst <= result.nodes : null,
    },
    { bar: `ingress-to-client latency reported (isolated events)`, value: `p50 ${f1(m.p50_ms)} ms, p99 ${f1(m.p99_ms)} ms`, pass: Number.isFinite(m.p99_ms ?? NaN) },
  ];
}

function bars(result: ScenarioResult): Bar[] {
  if (result.scenario !== "fanout") return [];
  const largest = Math.max(...result.variants.map((v) => v.sessions));
  const gg = result.variants.find((v) => v.target === "guildgate" && v.sessions === largest && v.runs.length > 0);
  if (!gg) return [{ bar: `guildgate at ${largest} sessions`, value: "pending (no guildgate run)", pass: null }];
  if (result.nodes > 1) return clusterBars(result, gg, largest);
  const m = medians(gg);
  const vsRaw = ratio(result, gg, "raw");
  const vsNaive = ratio(result, gg, "naive");
  return [
    { bar: `deliveries/s ≥ 80% of raw (${largest} sessions, one guild)`, value: Number.isFinite(vsRaw) ? `${(vsRaw * 100).toFixed(0)}%` : "no raw run", pass: Number.isFinite(vsRaw) ? vsRaw >= 0.8 : null },
    { bar: `deliveries/s ≥ 10× naive`, value: Number.isFinite(vsNaive) ? `${vsNaive.toFixed(1)}×` : "no naive run", pass: Number.isFinite(vsNaive) ? vsNaive >= 10 : null },
    { bar: `p99 ingress-to-client ≤ 50 ms (isolated events)`, value: `${m.p99_ms!.toFixed(1)} ms`, pass: m.p99_ms! <= 50 },
    exactlyOnceBar(gg),
  ];
}

type Column = [header: string, cell: (m: Record<string, number>, variant: Variant) => string];

const fixed = (digits: number) => (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "-" : n.toFixed(digits));
const f0 = fixed(0);
const f1 = fixed(1);
const f2 = fixed(2);
const kilo = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "-" : `${(n / 1000).toFixed(0)}k`);

function columns(result: ScenarioResult): Column[] {
  const head: Column[] = [
    ["target", (_, v) => v.target],
    ["sessions", (_, v) => String(v.sessions)],
    ["runs", (_, v) => `${v.runs.length}${v.errors.length ? ` (${v.errors.length} failed)` : ""}`],
  ];
  switch (result.scenario) {
    case "fanout":
    case "guilds":
      return [
        ...head,
        ["deliveries/s", (m) => kilo(m.deliveries_per_sec)],
        ["×raw", (_, v) => f2(ratio(result, v, "raw"))],
        ["×naive", (_, v) => f1(ratio(result, v, "naive"))],
        ["p50 ms", (m) => f1(m.p50_ms)],
        ["p99 ms", (m) => f1(m.p99_ms)],
        ["max ms", (m) => f1(m.max_ms)],
        ["p99 loaded", (m) => f0(m.load_p99_ms)],
        ["lost", (m) => f0((m.lost ?? 0) + (m.latency_lost ?? 0))],
        ["dup", (m) => f0((m.duplicates ?? 0) + (m.latency_duplicates ?? 0))],
        ["srv cpu", (m) => f2(m.server_cpu)],
        ...clusterColumns(result),
        ["gen cpu", (m) => f2(m.generator_cpu)],
        ["coord cpu", (m) => f2(m.coordinator_cpu)],
        ["other cpu", (m) => f2(m.other_cpu)],
        ["srv µs/dlv", (m) => f1(m.server_us_per_delivery)],
        ["srv µs/event", (m) => f0(m.server_us_per_event)],
        ["…readers stopped", (m) => f1(m.server_us_per_delivery_paused)],
        ["READY all ms", (m) => f0(m.all_ready_ms)],
        ["B/session", (m) => f0(m.rss_per_session_bytes)],
      ];
    case "storm":
      return [
        ...head,
        ["READY", (m) => f0(m.ready)],
        ["all READY ms", (m) => f0(m.all_ready_ms)],
        ["p50 ms", (m) => f0(m.ready_p50_ms)],
        ["p99 ms", (m) => f0(m.ready_p99_ms)],
        ["refusals (op 9)", (m) => f0(m.refusals)],
        ["conn errors", (m) => f0(m.connect_errors)],
        ["closes", (m) => f0(m.closes)],
        ["srv cpu", (m) => f2(m.connect_server_cpu)],
        ["gen cpu", (m) => f2(m.connect_generator_cpu)],
      ];
    case "idle":
      return [
        ...head,
        ["READY", (m) => f0(m.ready)],
        ["B/session", (m) => f0(m.rss_per_session_bytes)],
        ["×raw", (_, v) => f2(medians(v).rss_per_session_bytes! / rawRss(result, v))],
        ["server RSS MB", (m) => f0(m.server_rss_mb)],
        ["idle srv cpu", (m) => f2(m.idle_server_cpu)],
        ["all READY ms", (m) => f0(m.all_ready_ms)],
      ];
  }
}

/**
 * A cluster's own figures, when a variant has them: NATS (also in "srv cpu") and PostgreSQL
 * CPU, NATS messages per event in the throughput phase and for isolated events.
 */
function clusterColumns(result: ScenarioResult): Column[] {
  const has = (key: string): boolean => result.variants.some((v) => medians(v)[key] !== undefined);
  const all: [string, Column][] = [
    ["nats_cpu", ["nats cpu", (m) => f2(m.nats_cpu)]],
    ["postgres_cpu", ["pg cpu", (m) => f2(m.postgres_cpu)]],
    ["nats_in_per_event", ["NATS in/ev", (m) => f2(m.nats_in_per_event)]],
    ["nats_out_per_event", ["NATS out/ev", (m) => f2(m.nats_out_per_event)]],
    ["nats_in_per_isolated_event", ["…isolated in/out", (m) => `${f2(m.nats_in_per_isolated_event)}/${f2(m.nats_out_per_isolated_event)}`]],
  ];
  return all.filter(([key]) => has(key)).map(([, column]) => column);
}

function rawRss(result: ScenarioResult, variant: Variant): number {
  const raw = result.variants.find((v) => v.target === "raw" && v.sessions === variant.sessions);
  return raw ? medians(raw).rss_per_session_bytes! : NaN;
}

function rows(result: ScenarioResult): string[][] {
  const cols = columns(result);
  return [cols.map(([header]) => header), ...result.variants.map((v) => cols.map(([, cell]) => cell(medians(v), v)))];
}

export function printTable(result: ScenarioResult): void {
  const table = rows(result);
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const note = result.scenario === "fanout" || result.scenario === "guilds" ? `; latency = isolated events, "p99 loaded" = under the throughput phase; "srv µs/dlv" = server CPU per delivery, isolated events, "srv µs/event" the same per event` : "";
  const nodes = result.nodes > 1 ? `; each target is ${result.nodes} processes (guildgate: ${result.nodes} nodes + nats-server, whose cpu is in "srv cpu" and shown as "nats cpu")` : "";
  console.log(`\n${result.scenario} (medians of ${Math.max(...result.variants.map((v) => v.runs.length))} run(s); cpu in cores, of 2${note}${nodes})`);
  for (const row of table) console.log(row.map((cell, i) => (i < 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "));
  for (const bar of bars(result)) console.log(`${bar.pass === null ? "PENDING" : bar.pass ? "PASS" : "FAIL"}  ${bar.bar}: ${bar.value}`);
  for (const v of result.variants) for (const error of v.errors) console.log(`error: ${error}`);
}

export function writeJson(result: ScenarioResult, dir: string): string {
  const path = join(dir, `${result.scenario}.json`);
  const variants = result.variants.map((v) => ({ ...v, median: medians(v) }));
  writeFileSync(path, JSON.stringify({ ...result, variants, bars: bars(result) }, null, 1));
  return path;
}

const COLORS: Record<string, string> = { raw: "#1f77b4", naive: "#d62728", guildgate: "#2ca02c" };
const EXTRA_COLORS = ["#ff7f0e", "#9467bd", "#8c564b", "#e377c2"];
function color(label: string): string {
  return (COLORS[label] ??= EXTRA_COLORS[Object.keys(COLORS).length % EXTRA_COLORS.length] as string);
}
const escape = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Step lines of each series' share per log-spaced bin, on one log-x axis. */
function histogramSvg(title: string, unit: string, series: { label: string; hist: Histogram }[]): string {
  const present = series.filter((s) => s.hist.count > 0);
  if (present.length === 0) return "";
  const [w, left, bottom, top] = [720, 50, 40, 30 + 16 * present.length];
  const h = top + 200 + bottom;
  const lo = Math.max(0.05, Math.min(...present.map((s) => s.hist.quantileMs(0.001))) * 0.8);
  const hi = Math.max(...present.map((s) => s.hist.max / 1000)) * 1.25;
  const binCount = 48;
  const binned = present.map((s) => ({ ...s, ...s.hist.bins(lo, hi, binCount) }));
  const peak = Math.max(...binned.flatMap((s) => s.counts.map((c) => c / s.hist.count)));
  const x = (ms: number): number => left + ((Math.log(ms) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * (w - left - 10);
  const y = (share: number): number => h - bottom - (share / peak) * (h - bottom - top);
  const ticks: string[] = [];
  for (let decade = Math.floor(Math.log10(lo)); decade <= Math.ceil(Math.log10(hi)); decade++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** decade;
      if (v < lo || v > hi) continue;
      ticks.push(`<line x1="${x(v)}" y1="${top}" x2="${x(v)}" y2="${h - bottom}" stroke="#eee"/><text x="${x(v)}" y="${h - bottom + 14}" font-size="10" text-anchor="middle">${v}</text>`);
    }
  }
  const lines = binned.map((s) => {
    const points = s.counts.flatMap((c, i) => [`${x(s.edgesMs[i]!)},${y(c / s.hist.count)}`, `${x(s.edgesMs[i + 1]!)},${y(c / s.hist.count)}`]);
    return `<polyline fill="none" stroke="${color(s.label)}" stroke-width="1.8" points="${points.join(" ")}"/>`;
  });
  const legend = present.map(
    (s, i) =>
      `<rect x="${left}" y="${24 + i * 16}" width="10" height="10" fill="${color(s.label)}"/><text x="${left + 15}" y="${33 + i * 16}" font-size="11">${s.label}: p50 ${s.hist.quantileMs(0.5).toFixed(1)}, p99 ${s.hist.quantileMs(0.99).toFixed(1)}, max ${(s.hist.max / 1000).toFixed(1)} ${unit}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">
<text x="${left}" y="16" font-size="13" font-weight="bold">${escape(title)}</text>${ticks.join("")}
<line x1="${left}" y1="${h - bottom}" x2="${w - 10}" y2="${h - bottom}" stroke="#333"/><line x1="${left}" y1="${top}" x2="${left}" y2="${h - bottom}" stroke="#333"/>
<text x="${(w + left) / 2}" y="${h - 8}" font-size="11" text-anchor="middle">${unit} (log scale)</text>
<text x="14" y="${(h - bottom + top) / 2}" font-size="11" transform="rotate(-90 14 ${(h - bottom + top) / 2})" text-anchor="middle">share per bin</text>
${lines.join("\n")}${legend.join("")}</svg>`;
}

/** Deliveries per second over the throughput phase, one line per series, from its delivery counts over time. */
function throughputSvg(title: string, series: { label: string; timeline: [number, number][] }[]): string {
  const present = series.filter((s) => s.timeline.length > 1);
  if (present.length === 0) return "";
  const rates = present.map((s) => ({
    label: s.label,
    // One step per interval: [start s, end s, deliveries/s in it].
    points: s.timeline.slice(1).map(([ms, n], i) => {
      const [msBefore, nBefore] = s.timeline[i] as [number, number];
      return [msBefore / 1000, ms / 1000, ((n - nBefore) * 1000) / Math.max(1, ms - msBefore)] as const;
    }),
  }));
  const [w, left, bottom, top] = [720, 70, 40, 30 + 16 * present.length];
  const h = top + 200 + bottom;
  const maxT = Math.max(...rates.flatMap((r) => r.points.map(([, end]) => end)), 0.001);
  const maxRate = Math.max(...rates.flatMap((r) => r.points.map(([, , rate]) => rate)), 1);
  const x = (t: number): number => left + (t / maxT) * (w - left - 10);
  const y = (rate: number): number => h - bottom - (rate / maxRate) * (h - bottom - top);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(
    (f) =>
      `<line x1="${left}" y1="${y(f * maxRate)}" x2="${w - 10}" y2="${y(f * maxRate)}" stroke="#eee"/><text x="${left - 6}" y="${y(f * maxRate) + 4}" font-size="10" text-anchor="end">${kilo(f * maxRate)}</text>` +
      `<text x="${x(f * maxT)}" y="${h - bottom + 14}" font-size="10" text-anchor="middle">${(f * maxT).toFixed(maxT < 2 ? 2 : 1)}</text>`,
  );
  const lines = rates.map(
    (r) => `<polyline fill="none" stroke="${color(r.label)}" stroke-width="1.8" points="${r.points.map(([start, end, rate]) => `${x(start)},${y(rate)} ${x(end)},${y(rate)}`).join(" ")}"/>`,
  );
  const legend = rates.map(
    (r, i) =>
      `<rect x="${left}" y="${24 + i * 16}" width="10" height="10" fill="${color(r.label)}"/><text x="${left + 15}" y="${33 + i * 16}" font-size="11">${escape(r.label)}: peak ${kilo(Math.max(...r.points.map(([, , rate]) => rate)))}/s</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">
<text x="${left}" y="16" font-size="13" font-weight="bold">${escape(title)}</text>${ticks.join("")}
<line x1="${left}" y1="${h - bottom}" x2="${w - 10}" y2="${h - bottom}" stroke="#333"/><line x1="${left}" y1="${top}" x2="${left}" y2="${h - bottom}" stroke="#333"/>
<text x="${(w + left) / 2}" y="${h - 8}" font-size="11" text-anchor="middle">seconds since the first event</text>
<text x="14" y="${(h - bottom + top) / 2}" font-size="11" transform="rotate(-90 14 ${(h - bottom + top) / 2})" text-anchor="middle">deliveries/s</text>
${lines.join("\n")}${legend.join("")}</svg>`;
}

/** Horizontal bars, one per variant, for a figure without a distribution (idle bytes per session). */
function barSvg(title: string, items: { label: string; target: string; value: number }[], unit: string): string {
  const [w, rowH, left] = [720, 22, 200];
  const peak = Math.max(...items.map((i) => i.value).filter(Number.isFinite), 1);
  const rowsSvg = items.map((item, i) => {
    const width = Number.isFinite(item.value) ? (item.value / peak) * (w - left - 120) : 0;
    return `<text x="${left - 8}" y="${34 + i * rowH}" font-size="11" text-anchor="end">${escape(item.label)}</text><rect x="${left}" y="${22 + i * rowH}" width="${width}" height="${rowH - 6}" fill="${color(item.target)}"/><text x="${left + width + 6}" y="${34 + i * rowH}" font-size="11">${f0(item.value)} ${unit}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${30 + items.length * rowH}" font-family="sans-serif"><text x="10" y="14" font-size="13" font-weight="bold">${escape(title)}</text>${rowsSvg.join("")}</svg>`;
}

function charts(result: ScenarioResult): string[] {
  const sizes = [...new Set(result.variants.map((v) => v.sessions))];
  const at = (size: number) => result.variants.filter((v) => v.sessions === size);
  switch (result.scenario) {
    case "fanout":
    case "guilds":
      return sizes.flatMap((size) => [
        throughputSvg(
          `throughput over time (first run), ${size} sessions`,
          at(size).map((v) => ({ label: v.target, timeline: v.runs.find((r) => r.throughput?.timeline)?.throughput?.timeline ?? [] })),
        ),
        histogramSvg(`ingress → client latency, isolated events, ${size} sessions`, "ms", at(size).map((v) => ({ label: v.target, hist: merged(v, (r) => r.latency?.hist) }))),
        histogramSvg(`ingress → client latency under the throughput phase, ${size} sessions`, "ms", at(size).map((v) => ({ label: v.target, hist: merged(v, (r) => r.throughput?.hist) }))),
      ]);
    case "storm":
      return sizes.map((size) =>
        histogramSvg(`connect() → READY, ${size} sessions at once`, "ms", at(size).map((v) => ({ label: v.target, hist: merged(v, (r) => r.connect?.summary.readyHist) }))),
      );
    case "idle":
      return [barSvg("server RSS per idle session", result.variants.map((v) => ({ label: `${v.target} ${v.sessions}`, target: v.target, value: medians(v).rss_per_session_bytes! })), "B")];
  }
}

export function writeHtml(result: ScenarioResult, dir: string): string {
  const path = join(dir, `${result.scenario}.html`);
  const table = rows(result);
  const tableHtml = `<table><tr>${table[0]!.map((c) => `<th>${escape(c)}</th>`).join("")}</tr>${table
    .slice(1)
    .map((row) => `<tr>${row.map((c) => `<td>${escape(c)}</td>`).join("")}</tr>`)
    .join("")}</table>`;
  const barList = bars(result)
    .map((b) => `<li class="${b.pass === null ? "pending" : b.pass ? "pass" : "fail"}">${b.pass === null ? "PENDING" : b.pass ? "PASS" : "FAIL"} — ${escape(b.bar)}: <b>${escape(b.value)}</b></li>`)
    .join("");
  const errors = result.variants.flatMap((v) => v.errors).map((e) => `<li>${escape(e)}</li>`).join("");
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>guildgate load: ${result.scenario}</title>
<style>body{font-family:sans-serif;margin:24px;max-width:1100px}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}.pass{color:#197a19}.fail{color:#b11}.pending{color:#888}svg{display:block;margin:18px 0}code{background:#f4f4f4;padding:1px 4px}</style></head><body>
<h1>guildgate load: ${escape(result.scenario)}</h1><p>${escape(result.summary)}</p>
<p><code>${escape(result.command)}</code> — started ${escape(result.started)}; ${escape(JSON.stringify(result.machine))}</p>
<p>Medians over runs.${result.nodes > 1 ? ` Each target is ${result.nodes} processes: guildgate ${result.nodes} cluster nodes behind one nats-server (its CPU counted in the server's and shown as “nats cpu”; PostgreSQL's shown as “pg cpu”, not counted), raw and naive ${result.nodes} processes that each publish every event to their own sessions.` : ""} CPU in cores (this machine has 2; server, generator and everything else). Latency: ingress (before the HTTP POST) to receipt at the client, isolated events; “p99 loaded” under the throughput phase.</p>
${tableHtml}${barList ? `<ul>${barList}</ul>` : ""}${errors ? `<h3>Errors</h3><ul>${errors}</ul>` : ""}
${charts(result).join("\n")}
<details><summary>options</summary><pre>${escape(JSON.stringify(result.options, null, 1))}</pre></details>
</body></html>`;
  writeFileSync(path, html);
  return path;
}

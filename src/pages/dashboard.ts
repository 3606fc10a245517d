/**
 * The dashboard at `/dashboard`: logs in with the ingress secret once (`POST /dashboard/login`
 * sets an HttpOnly cookie), then reads the server-sent events of `/dashboard/events` and draws
 * what each worker reports: sessions, connections, guilds loaded, deliveries/s (from the
 * difference of two snapshots), guild operations (messages among them), resume outcomes and the ingress-to-send
 * latency histogram. Charts are uPlot (pinned in package.json, bundled into the binary).
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { DashboardSnapshot, DashboardWorker, LatencyCounts } from "./snapshot-types.ts";

/** Points kept on the time charts: five minutes at one snapshot a second. */
const WINDOW = 300;
const COLORS = ["#5865f2", "#23a55a", "#f0b232", "#f23f43", "#8e44ad", "#16a085", "#d35400", "#2c3e50"];

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const sum = (workers: readonly DashboardWorker[], pick: (w: DashboardWorker) => number): number => workers.reduce((n, w) => n + pick(w), 0);

/** The bucket bound under which a fraction `q` of the observations fall, as text. */
function quantile(latency: LatencyCounts, bounds: readonly number[], q: number): string {
  if (latency.count === 0) return "–";
  let seen = 0;
  for (let i = 0; i < latency.counts.length; i++) {
    seen += latency.counts[i] ?? 0;
    if (seen >= q * latency.count) return i < bounds.length ? `≤${bounds[i]} ms` : `>${bounds.at(-1)} ms`;
  }
  return "–";
}

function mergedLatency(workers: readonly DashboardWorker[]): LatencyCounts {
  const counts = workers[0]?.latency.counts.map((_, i) => sum(workers, (w) => w.latency.counts[i] ?? 0)) ?? [];
  return { counts, count: sum(workers, (w) => w.latency.count), sumMs: sum(workers, (w) => w.latency.sumMs) };
}

function lineChart(target: HTMLElement, peers: readonly string[]): uPlot {
  const series: uPlot.Series[] = [{}, ...peers.map((peer, i) => ({ label: peer, stroke: COLORS[i % COLORS.length], width: 2 }))];
  return new uPlot({ width: Math.max(360, target.clientWidth), height: 200, series, scales: { x: { time: true } } }, [[], ...peers.map(() => [])], target);
}

function latencyChart(target: HTMLElement, bounds: readonly number[]): uPlot {
  const labels = [...bounds.map((b) => `≤${b}`), `>${bounds.at(-1)}`];
  return new uPlot(
    {
      width: Math.max(360, target.clientWidth),
      height: 200,
      scales: { x: { time: false } },
      axes: [{ values: (_u, ticks) => ticks.map((t) => labels[t] ?? "") }, {}],
      series: [{}, { label: "events", fill: "#5865f299", stroke: "#5865f2", paths: uPlot.paths.bars?.({ size: [0.8, 60] }), points: { show: false } }],
    },
    [labels.map((_, i) => i), labels.map(() => 0)],
    target,
  );
}

class Dashboard {
  readonly #times: number[] = [];
  readonly #rates: number[][];
  readonly #sessions: number[][];
  readonly #rateChart: uPlot;
  readonly #sessionChart: uPlot;
  readonly #latencyChart: uPlot;
  #last: DashboardSnapshot | undefined;

  constructor(first: DashboardSnapshot) {
    const peers = first.workers.map((w) => w.peer);
    this.#rates = peers.map(() => []);
    this.#sessions = peers.map(() => []);
    this.#rateChart = lineChart($("chart-rate"), peers);
    this.#sessionChart = lineChart($("chart-sessions"), peers);
    this.#latencyChart = latencyChart($("chart-latency"), first.latencyBoundsMs);
  }

  update(snapshot: DashboardSnapshot): void {
    const { workers, latencyBoundsMs: bounds } = snapshot;
    const last = this.#last;
    const seconds = last ? Math.max(0.001, (snapshot.at - last.at) / 1000) : 1;
    const rates = workers.map((w, i) => (last ? Math.max(0, w.fanoutDeliveries - (last.workers[i]?.fanoutDeliveries ?? 0)) / seconds : 0));
    this.#last = snapshot;
    this.#times.push(snapshot.at / 1000);
    workers.forEach((w, i) => {
      this.#rates[i]?.push(rates[i] ?? 0);
      this.#sessions[i]?.push(w.sessions);
    });
    if (this.#times.length > WINDOW) for (const column of [this.#times, ...this.#rates, ...this.#sessions]) column.shift();
    this.#rateChart.setData([this.#times, ...this.#rates]);
    this.#sessionChart.setData([this.#times, ...this.#sessions]);
    const latency = mergedLatency(workers);
    this.#latencyChart.setData([latency.counts.map((_, i) => i), latency.counts]);

    const handled = new Map<string, number>();
    for (const w of workers) for (const [op, n] of Object.entries(w.handled)) handled.set(op, (handled.get(op) ?? 0) + n);
    $("kpi-sessions").textContent = String(sum(workers, (w) => w.sessions));
    $("kpi-connections").textContent = String(sum(workers, (w) => w.connections));
    $("kpi-guilds").textContent = String(sum(workers, (w) => w.guildsLoaded));
    $("kpi-rate").textContent = rates.reduce((a, b) => a + b, 0).toFixed(0);
    $("kpi-operations").textContent = String([...handled.values()].reduce((a, b) => a + b, 0));
    $("kpi-messages").textContent = String(handled.get("MESSAGE_CREATE") ?? 0);
    $("kpi-resumes").textContent = `${sum(workers, (w) => w.resumes.ok)} / ${sum(workers, (w) => w.resumes.invalid)}`;
    $("kpi-latency").textContent = `${quantile(latency, bounds, 0.5)} / ${quantile(latency, bounds, 0.99)}`;
    $("workers").querySelector("tbody")?.replaceChildren(
      ...workers.map((w, i) =>
        row(
          w.peer,
          w.connections,
          w.sessions,
          w.guildsLoaded,
          (rates[i] ?? 0).toFixed(0),
          Object.values(w.dispatches).reduce((a, b) => a + b, 0),
          `${w.resumes.ok} / ${w.resumes.invalid}`,
          `${quantile(w.latency, bounds, 0.5)} / ${quantile(w.latency, bounds, 0.99)}`,
        ),
      ),
    );
    $("events")
      .querySelector("tbody")
      ?.replaceChildren(...[...handled].sort((a, b) => b[1] - a[1]).map(([op, n]) => row(op, n)));
    $("live").textContent = `live · ${new Date(snapshot.at).toLocaleTimeString()}`;
  }
}

function row(...cells: (string | number)[]): HTMLTableRowElement {
  const tr = document.createElement("tr");
  for (const cell of cells) tr.append(Object.assign(document.createElement("td"), { textContent: String(cell) }));
  return tr;
}

function showLogin(error = ""): void {
  $("app").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = error;
}

let dashboard: Dashboard | undefined;

/** Reads the events stream until it ends, then opens the next; a 401 shows the login. */
async function follow(): Promise<void> {
  const response = await fetch("/dashboard/events").catch(() => undefined);
  if (response?.status === 401) return showLogin();
  if (response?.ok && response.body) {
    $("login").hidden = true;
    $("app").hidden = false;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      buffer += value;
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const data = buffer
          .slice(0, end)
          .split("\n")
          .filter((line) => line.startsWith("data: "))
          .map((line) => line.slice(6))
          .join("\n");
        buffer = buffer.slice(end + 2);
        if (!data) continue;
        const snapshot = JSON.parse(data) as DashboardSnapshot;
        dashboard ??= new Dashboard(snapshot);
        dashboard.update(snapshot);
      }
    }
  }
  $("live").textContent = "reconnecting…";
  setTimeout(() => void follow(), 1000);
}

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = (event.target as HTMLFormElement).elements.namedItem("secret") as HTMLInputElement;
  void (async () => {
    const response = await fetch("/dashboard/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ secret: input.value }),
    });
    input.value = "";
    if (!response.ok) return showLogin("Wrong secret: that is not the ingress secret.");
    void follow();
  })();
});

$("logout").addEventListener("click", () => {
  void fetch("/dashboard/logout", { method: "POST" }).then(() => location.reload());
});

void follow();

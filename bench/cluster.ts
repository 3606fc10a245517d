/**
 * What the cluster promises when its membership changes, measured under a steady stream of
 * events (issue 11's bars), on nodes of the compiled binary (scripts/local-cluster.ts):
 *
 *   bun bench/cluster.ts join|loss|rolling [--guilds 1000] [--sessions 300] [--rate 300] [--logs DIR]
 *
 * - join: 3 nodes own the guilds; a 4th joins. Which guilds moved (the ring, before and
 *   after), and from the join to every moved guild delivering again (each gets one event
 *   right after the join; the time its last session has it).
 * - loss: kill -9 one of 3 nodes. Detection (until another node's view leaves it out), its
 *   guilds delivering again to the other nodes' sessions (as above, from the kill), its
 *   clients READY again elsewhere.
 * - rolling: SIGTERM each of 3 nodes in turn, starting it again before the next; its
 *   sessions get op 7 and RESUME on another node.
 *
 * Every event is numbered within its guild and posted only after the guild's previous one
 * was answered, so each guild's events have one order. Every run ends with the check at the
 * clients: every event answered 2xx reached every session of its guild (every session that
 * kept its session: one lost with a killed node counts from its new READY and GUILD_CREATEs),
 * once, in order.
 * A lost event is described (its guild, number and session) for the first few, to look up in
 * the nodes' logs (--logs DIR keeps them). Loopback only; bounded by the counts above and
 * --timeout-s.
 */
import { parseArgs } from "node:util";
import { peerId } from "../src/cluster/bus.ts";
import { openHashRing } from "../src/native.ts";
import { startLocalCluster, type LocalCluster } from "../scripts/local-cluster.ts";
import { ClusterClient } from "./cluster-client.ts";
import { clock } from "./load/clock.ts";
import { pool } from "./load/targets.ts";
import { Progress } from "./progress.ts";

const SCENARIOS = ["join", "loss", "rolling"] as const;
type Scenario = (typeof SCENARIOS)[number];
/** Members per guild: consecutive sessions, so each session is in about guilds × this / sessions guilds. */
const MEMBERS_PER_GUILD = 3;
/** Posts in flight at once (never two of one guild). */
const WINDOW = 16;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    guilds: { type: "string", default: "1000" },
    sessions: { type: "string", default: "300" },
    rate: { type: "string", default: "300" },
    "timeout-s": { type: "string", default: "240" },
    logs: { type: "string" },
  },
});
const scenario = positionals[0] as Scenario;
if (!SCENARIOS.includes(scenario)) {
  console.error(`usage: bun bench/cluster.ts ${SCENARIOS.join("|")} [--guilds 1000] [--sessions 300] [--rate 300]`);
  process.exit(2);
}
const GUILDS = Number(values.guilds);
const SESSIONS = Number(values.sessions);
const RATE = Number(values.rate);
const DEADLINE = Date.now() + Number(values["timeout-s"]) * 1000;

type Json = Record<string, unknown>;

class Bench {
  readonly progress = new Progress(`cluster ${scenario}`);
  /** Nodes that are up, by index (the poster and reconnecting clients use them). */
  readonly up = new Set<number>();
  guildIds: string[] = [];
  userIds: string[] = [];
  /** guild index -> its members' session indexes. */
  members: number[][] = [];
  clients: ClusterClient[] = [];
  /** Per guild: the numbers of the events answered 2xx, and when each was posted. */
  readonly acked: { n: number; postedAt: number }[][] = [];
  readonly nextNumber: number[] = [];
  posted = 0;
  failed = 0;
  #posting = false;
  #inFlight = new Set<number>();
  #cursor = 0;

  constructor(readonly cluster: LocalCluster) {}

  base(node: number): string {
    return this.cluster.nodes[node]?.base as string;
  }

  /** An up node, chosen round-robin by `i`. */
  anyNode(i: number): number {
    const up = [...this.up];
    return up[i % up.length] as number;
  }

  async api(method: string, path: string, body: unknown = {}, node = 0): Promise<Json> {
    const response = await fetch(`${this.base(node)}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.cluster.ingressSecret}`, "content-type": "application/json" },
      body: method === "GET" ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as Json;
  }

  async setup(): Promise<void> {
    this.progress.phase("setup");
    const users = new Array<{ id: string; token: string }>(SESSIONS);
    await pool(SESSIONS, 32, async (i) => {
      const { id } = (await this.api("POST", "/internal/users", { username: `bench${i}`, bot: true }, i % this.up.size)) as { id: string };
      users[i] = { id, token: (await this.api("POST", `/internal/users/${id}/token`, {}, i % this.up.size)).token as string };
    });
    this.userIds = users.map((u) => u.id);
    this.members = Array.from({ length: GUILDS }, (_, g) => Array.from({ length: MEMBERS_PER_GUILD }, (_, m) => (g * MEMBERS_PER_GUILD + m) % SESSIONS));
    this.guildIds = new Array<string>(GUILDS);
    await pool(GUILDS, 32, async (g) => {
      const [owner, ...rest] = this.members[g] as number[];
      const node = g % this.up.size;
      const { id } = (await this.api("POST", "/internal/guilds", { name: `bench ${g}`, owner_id: users[owner as number]?.id }, node)) as { id: string };
      for (const member of rest) await this.api("PUT", `/internal/guilds/${id}/members/${users[member]?.id}`, {}, node);
      this.guildIds[g] = id;
      this.progress.set({ guilds: [g + 1, GUILDS] });
    });
    for (let g = 0; g < GUILDS; g++) {
      this.acked.push([]);
      this.nextNumber.push(0);
    }
    this.progress.phase("connect");
    this.clients = users.map((user, i) => new ClusterClient(user.token, (attempt) => `ws${this.base(this.anyNode(i + attempt)).slice(4)}`));
    for (const client of this.clients) client.start();
    await this.until(() => this.clients.every((c) => c.ready), "every session READY", () => ({ ready: [this.clients.filter((c) => c.ready).length, SESSIONS] }));
  }

  /** Waits until `done`, checking every 20 ms; fails at the run's deadline naming what it waited for. */
  async until(done: () => boolean, what: string, counters?: () => Record<string, number | [number, number]>): Promise<void> {
    while (!done()) {
      if (Date.now() > DEADLINE) throw new Error(`timed out waiting for ${what}`);
      if (counters) this.progress.set(counters());
      await Bun.sleep(20);
    }
  }

  /** Posts guild `g`'s next event through an up node; remembers it if answered 2xx. */
  async post(g: number): Promise<void> {
    this.#inFlight.add(g);
    const n = this.nextNumber[g] as number;
    this.nextNumber[g] = n + 1;
    const postedAt = clock();
    const body = JSON.stringify({ t: "LOAD_EVENT", intents: 0, permissions: "0", d: { g, n } });
    try {
      const response = await fetch(`${this.base(this.anyNode(this.posted))}/internal/guilds/${this.guildIds[g]}/dispatch`, {
        method: "POST",
        headers: { authorization: `Bearer ${this.cluster.ingressSecret}`, "content-type": "application/json" },
        body,
      });
      await response.arrayBuffer();
      if (response.status < 300) this.acked[g]?.push({ n, postedAt });
      else this.failed++;
    } catch {
      // The node went away mid-request: not answered, so not promised.
      this.failed++;
    }
    this.posted++;
    this.#inFlight.delete(g);
  }

  /** The steady stream: RATE events/s over the guilds in turn, WINDOW in flight, never two of one guild. */
  startStream(): Promise<void> {
    this.#posting = true;
    const started = clock();
    return pool(WINDOW, WINDOW, async () => {
      while (this.#posting && Date.now() < DEADLINE) {
        const due = started + (this.posted / RATE) * 1000;
        if (clock() < due) await Bun.sleep(due - clock());
        let g = this.#cursor++ % GUILDS;
        while (this.#inFlight.has(g)) g = this.#cursor++ % GUILDS;
        await this.post(g);
        this.progress.set({ posted: this.posted, failed: this.failed });
      }
    });
  }

  stopStream(): void {
    this.#posting = false;
  }

  /**
   * One event to each of `guilds` (waiting for any of theirs in flight), posted at once; for
   * each, the time from `from` until every session of the guild that `counts` had one of its
   * events posted after `from`.
   */
  async deliveringAgain(guilds: readonly number[], from: number, counts: (session: number) => boolean = () => true): Promise<number[]> {
    await pool(guilds.length, 32, async (i) => {
      const g = guilds[i] as number;
      await this.until(() => !this.#inFlight.has(g), "a guild's post in flight");
      await this.post(g);
    });
    const firstAfter = (g: number): number | undefined => {
      const number = this.acked[g]?.find((event) => event.postedAt >= from)?.n;
      if (number === undefined) return undefined;
      let last = 0;
      for (const session of this.members[g] as number[]) {
        if (!counts(session)) continue;
        const got = (this.clients[session] as ClusterClient).received.find((r) => r.g === g && r.n >= number);
        if (!got) return undefined;
        last = Math.max(last, got.at);
      }
      return last - from;
    };
    await this.until(() => guilds.every((g) => firstAfter(g) !== undefined), "the guilds to deliver again", () => ({
      delivering: [guilds.filter((g) => firstAfter(g) !== undefined).length, guilds.length],
    }));
    return guilds.map((g) => firstAfter(g) as number);
  }

  /** The guild ring over these nodes' workers (one each here), to see which guilds move. */
  owners(nodes: readonly number[]): number[] {
    const ring = openHashRing(`bench-cluster-${process.pid}-${nodes.join("-")}`);
    ring.setNodes(nodes.map((i) => peerId(this.cluster.nodes[i]?.id as string, 0)));
    return this.guildIds.map((id) => nodes[ring.find(id)] as number);
  }

  /** Polls node `node`'s GET /cluster until its view holds `count` nodes; when it did. */
  async viewOf(node: number, count: number): Promise<number> {
    for (;;) {
      const view = (await this.api("GET", "/cluster", undefined, node).catch(() => undefined)) as { nodes: { leaving: boolean }[] } | undefined;
      if (view && view.nodes.filter((n) => !n.leaving).length === count) return clock();
      if (Date.now() > DEADLINE) throw new Error(`node ${node + 1} never saw ${count} nodes`);
      await Bun.sleep(10);
    }
  }

  /**
   * Every event answered 2xx, at every session of its guild that did not lose its session
   * (one that did: from its last READY), once and in order. Counts what is wrong.
   */
  check(): { checked: number; lost: number; duplicated: number; outOfOrder: number; sessionsLost: number; lostSamples: string[] } {
    const samples: string[] = [];
    let checked = 0;
    let lost = 0;
    let duplicated = 0;
    let outOfOrder = 0;
    this.members.forEach((sessions, g) => {
      for (const session of sessions) {
        const client = this.clients[session] as ClusterClient;
        const since = client.lostAt === undefined ? 0 : (client.guildsAt.at(-1) as number);
        const numbers = client.received.filter((r) => r.g === g && r.at >= since).map((r) => r.n);
        for (let i = 1; i < numbers.length; i++) {
          if (numbers[i] === numbers[i - 1]) duplicated++;
          else if ((numbers[i] as number) < (numbers[i - 1] as number)) outOfOrder++;
        }
        const got = new Set(numbers);
        for (const event of this.acked[g] ?? []) {
          if (event.postedAt < since) continue;
          checked++;
          if (!got.has(event.n) && lost++ < 5) {
            samples.push(`guild ${this.guildIds[g]} event ${event.n} (posted at ${event.postedAt.toFixed(0)}) missed by user ${this.userIds[session]}, who got ${numbers.join(",")}`);
          }
        }
      }
    });
    return { checked, lost, duplicated, outOfOrder, sessionsLost: this.clients.filter((c) => c.lostAt !== undefined).length, lostSamples: samples };
  }

  /** Lets the stream run, then stops it and waits until what was answered has arrived. */
  async settle(stream: Promise<void>): Promise<void> {
    await Bun.sleep(2_000);
    this.stopStream();
    await stream;
    this.progress.phase("settle");
    await Bun.sleep(2_000);
  }
}

const ms = (values: readonly number[]): string => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return `p50 ${at(0.5).toFixed(0)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms (${sorted.length})`;
};

async function main(): Promise<void> {
  const nodes = scenario === "join" ? 4 : 3;
  const cluster = await startLocalCluster({ nodes, workers: 1, initial: 3, logDir: values.logs });
  const bench = new Bench(cluster);
  for (let i = 0; i < 3; i++) bench.up.add(i);
  bench.progress.start();
  const report: Record<string, unknown> = { scenario, guilds: GUILDS, sessions: SESSIONS, rate: RATE };
  try {
    await bench.setup();
    bench.progress.phase("stream");
    const stream = bench.startStream();
    await Bun.sleep(3_000);
    if (scenario === "join") {
      const before = bench.owners([0, 1, 2]);
      bench.progress.phase("join");
      const started = clock();
      await cluster.start(3);
      const joined = await bench.viewOf(0, 4);
      bench.up.add(3);
      const after = bench.owners([0, 1, 2, 3]);
      const moved = before.flatMap((owner, g) => (owner !== after[g] ? [g] : []));
      report.moved = `${moved.length} of ${GUILDS} guilds`;
      report.joinTook = `${(joined - started).toFixed(0)} ms from start to the view with it`;
      report.movedDeliveringAgain = ms(await bench.deliveringAgain(moved, joined));
    } else if (scenario === "loss") {
      const victim = 2;
      const owned = bench.owners([0, 1, 2]).flatMap((owner, g) => (owner === victim ? [g] : []));
      bench.progress.phase("kill -9");
      const killed = clock();
      bench.up.delete(victim);
      // To the sessions on the other nodes (the killed node's own come back below).
      const deliveringAgain = bench.deliveringAgain(owned, killed, (session) => session % 3 !== victim);
      await cluster.kill(victim);
      const detected = await bench.viewOf(0, 2);
      report.detection = `${(detected - killed).toFixed(0)} ms`;
      report.guildsDeliveringAgain = ms(await deliveringAgain);
      const victims = bench.clients.filter((_, i) => i % 3 === victim);
      await bench.until(() => victims.every((c) => (c.readyAt.at(-1) ?? 0) > killed), "the killed node's clients READY again");
      report.clientsReadyAgain = ms(victims.map((c) => (c.readyAt.at(-1) as number) - killed));
    } else {
      const drains: number[] = [];
      for (let victim = 0; victim < 3; victim++) {
        bench.progress.phase(`SIGTERM node ${victim + 1}`);
        bench.up.delete(victim);
        const stopped = clock();
        const code = await cluster.stop(victim);
        drains.push(clock() - stopped);
        if (code !== 0) throw new Error(`node ${victim + 1} exited ${code} on SIGTERM`);
        await cluster.start(victim);
        bench.up.add(victim);
        await bench.viewOf((victim + 1) % 3, 3);
        await Bun.sleep(1_000);
      }
      report.drains = ms(drains);
      report.resumes = bench.clients.reduce((sum, c) => sum + c.resumedAt.length, 0);
    }
    await bench.settle(stream);
    Object.assign(report, { posted: bench.posted, notAnswered2xx: bench.failed }, bench.check());
  } finally {
    bench.progress.stop();
    for (const client of bench.clients) client.stop();
    await cluster.close();
  }
  console.log(JSON.stringify(report, null, 2));
}

await main();

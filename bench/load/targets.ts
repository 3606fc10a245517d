/**
 * The servers under load, behind one interface so every scenario drives them
 * the same way: `guildgate` (the compiled binary, dist/guildgate, set up
 * through its real ingress API) and the two baselines from
 * baseline-server.ts (`raw`, `naive`). Each starts on port 0; `setup` makes
 * the users, guilds and memberships of a plan and returns one IDENTIFY token
 * per session; `dispatch` posts one event to a guild and resolves on the 202.
 *
 * With `nodes` N > 1 a target is N processes, and sessions are spread over
 * their endpoints (fleet.ts): guildgate is N cluster nodes behind one
 * nats-server with a private PostgreSQL (scripts/local-cluster.ts), and an
 * event is posted to one node, the next node for the next event (any node
 * takes ingress for any guild); a baseline is N independent processes that
 * each know only their own sessions, so an event is posted to all N, which
 * each publish the same frame to their own sessions.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { startLocalCluster } from "../../scripts/local-cluster.ts";
import type { Endpoint } from "./connectors.ts";

export type TargetName = "raw" | "naive" | "guildgate";
export const TARGETS: readonly TargetName[] = ["raw", "naive", "guildgate"];

/** A target as the command line names it: `raw`, `naive`, `guildgate`, or `guildgate@N` for N workers. */
export interface TargetSpec {
  label: string;
  name: TargetName;
  workers?: number;
}

export function parseTargetSpec(label: string): TargetSpec {
  const [name, workers] = label.split("@") as [TargetName, string | undefined];
  if (!TARGETS.includes(name)) throw new Error(`unknown target ${label}: one of ${TARGETS.join(", ")} (guildgate@N for N workers)`);
  if (workers === undefined) return { label, name };
  const n = Number(workers);
  if (name !== "guildgate" || !Number.isSafeInteger(n) || n < 1) throw new Error(`bad target ${label}: only guildgate takes @workers`);
  return { label, name, workers: n };
}

/** Who is in which guild: `guilds[g]` lists session indexes; its first one owns the guild. */
export interface MembershipPlan {
  sessions: number;
  guilds: number[][];
}

export interface TargetOptions {
  heartbeatIntervalMs: number;
  /** guildgate: --identify-in-flight (its default is 16384). */
  identifyInFlight: number;
  /** guildgate: --workers (per node; its default is one per core but one, and 1 with several nodes). */
  workers?: number;
  /** Server processes: guildgate cluster nodes, or baseline processes. */
  nodes: number;
}

export interface Target {
  readonly name: TargetName;
  /** Where sessions connect, one per server process; session i goes to endpoint i % length (fleet.ts). */
  readonly endpoints: readonly Endpoint[];
  /** The processes whose CPU and memory are the server's: every node or baseline process, and a cluster's nats-server. */
  readonly serverPids: readonly number[];
  /** A cluster's nats-server: one of serverPids, also reported on its own. */
  readonly natsPid?: number;
  /** A cluster's nats-server monitoring endpoint (`/varz`), for NATS messages per event. */
  readonly natsMonitorUrl?: string;
  /** A cluster's private PostgreSQL (the postmaster; its backends are its children): reported on its own, not in the server's figures. */
  readonly postgresPid?: number;
  /** A cluster: the sessions each node holds, from `GET /cluster`, in node order. */
  sessionsPerNode?(): Promise<number[]>;
  /** Creates the plan's users and guilds; returns the tokens (one per session) and the guild ids. */
  setup(plan: MembershipPlan): Promise<{ tokens: string[]; guildIds: string[] }>;
  /** Posts `{t, d}` (already JSON) to every session of `guildId`. */
  dispatch(guildId: string, body: string): Promise<void>;
  stop(): Promise<void>;
}

const INGRESS = "load-ingress-secret";
const TOKEN_SECRET = "load-token-secret-0123456789abcdef";
const LISTENING = /listening on http:\/\/([\d.]+):(\d+)/;
/** Setup requests in flight at once: enough to hide the round trip, few enough not to swamp the server. */
const SETUP_CONCURRENCY = 32;

async function waitForListening(child: Subprocess<"ignore", "pipe", "inherit">): Promise<Endpoint> {
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let output = "";
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const match = LISTENING.exec(output);
    if (match) {
      // Keep draining stdout so the server never blocks on a full pipe.
      void (async () => {
        while (!(await reader.read()).done);
      })();
      return { host: match[1] as string, port: Number(match[2]) };
    }
    const { value, done } = await reader.read();
    if (done) break;
    output += decoder.decode(value);
  }
  child.kill();
  throw new Error(`server did not print "listening on": ${output}`);
}

/** Runs `task(i)` for i in [0, n) with at most `limit` in flight. */
export async function pool(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

async function post(url: string, body: string, headers: Record<string, string>, method = "POST"): Promise<Response> {
  const response = await fetch(url, { method, headers, body });
  if (response.status >= 300) throw new Error(`${method} ${url} answered ${response.status}: ${await response.text()}`);
  return response;
}

const endpointOf = (base: string): Endpoint => {
  const url = new URL(base);
  return { host: url.hostname, port: Number(url.port) };
};

/** One server process on port 0 (guildgate alone, or a baseline), once it listens. */
async function spawnListening(command: string[]): Promise<{ child: Subprocess<"ignore", "pipe", "inherit">; endpoint: Endpoint }> {
  const child = Bun.spawn(command, { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  return { child, endpoint: await waitForListening(child) };
}

const adminHeaders = (secret: string): Record<string, string> => ({ authorization: `Bearer ${secret}`, "content-type": "application/json" });

async function dispatchTo(base: string, guildId: string, body: string, admin: Record<string, string>): Promise<void> {
  await (await post(`${base}/internal/guilds/${guildId}/dispatch`, body, admin)).arrayBuffer();
}

/** guildgate: users, guilds, members and tokens through the ingress API of `base`. */
async function setupGuildgate(base: string, admin: Record<string, string>, plan: MembershipPlan): Promise<{ tokens: string[]; guildIds: string[] }> {
  const userIds = new Array<string>(plan.sessions);
  await pool(plan.sessions, SETUP_CONCURRENCY, async (i) => {
    const response = await post(`${base}/internal/users`, JSON.stringify({ username: `load${i}`, bot: true }), admin);
    userIds[i] = ((await response.json()) as { id: string }).id;
  });
  const guildIds: string[] = [];
  for (const [g, sessions] of plan.guilds.entries()) {
    const owner = userIds[sessions[0] as number] as string;
    const response = await post(`${base}/internal/guilds`, JSON.stringify({ name: `load guild ${g}`, owner_id: owner }), admin);
    const guildId = ((await response.json()) as { id: string }).id;
    guildIds.push(guildId);
    await pool(sessions.length - 1, SETUP_CONCURRENCY, async (i) => {
      const user = userIds[sessions[i + 1] as number] as string;
      await (await post(`${base}/internal/guilds/${guildId}/members/${user}`, "{}", admin, "PUT")).arrayBuffer();
    });
  }
  const tokens = new Array<string>(plan.sessions);
  await pool(plan.sessions, SETUP_CONCURRENCY, async (i) => {
    const response = await post(`${base}/internal/users/${userIds[i]}/token`, "{}", admin);
    tokens[i] = ((await response.json()) as { token: string }).token;
  });
  return { tokens, guildIds };
}

const guildgateFlags = (options: TargetOptions): string[] => ["--heartbeat-interval-ms", String(options.heartbeatIntervalMs), "--identify-in-flight", String(options.identifyInFlight)];

/** guildgate as one process, without a cluster: its data in a temp dir (SQLite). */
async function startGuildgate(options: TargetOptions): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), "guildgate-load-"));
  const { child, endpoint } = await spawnListening([
    resolve(import.meta.dir, "../../dist/guildgate"),
    ...["--port", "0", "--data-dir", dataDir, "--ingress-secret", INGRESS, "--token-secret", TOKEN_SECRET],
    ...guildgateFlags(options),
    ...(options.workers ? ["--workers", String(options.workers)] : []),
  ]);
  const base = `http://${endpoint.host}:${endpoint.port}`;
  const admin = adminHeaders(INGRESS);
  return {
    name: "guildgate",
    endpoints: [endpoint],
    serverPids: [child.pid],
    setup: (plan) => setupGuildgate(base, admin, plan),
    dispatch: (guildId, body) => dispatchTo(base, guildId, body, admin),
    async stop() {
      child.kill("SIGKILL");
      await child.exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * guildgate as `nodes` cluster nodes (one worker each unless told: see README), a
 * nats-server and a PostgreSQL. Setup goes through the first node; events go to each node
 * in turn.
 */
async function startGuildgateCluster(options: TargetOptions): Promise<Target> {
  const cluster = await startLocalCluster({ nodes: options.nodes, workers: options.workers ?? 1, flags: guildgateFlags(options) });
  const bases = cluster.nodes.map((node) => node.base);
  const admin = adminHeaders(cluster.ingressSecret);
  let next = 0;
  return {
    name: "guildgate",
    endpoints: bases.map(endpointOf),
    serverPids: [...cluster.nodes.map((node) => node.child?.pid as number), cluster.nats.pid],
    natsPid: cluster.nats.pid,
    natsMonitorUrl: cluster.nats.monitorUrl,
    postgresPid: cluster.postgresPid,
    async sessionsPerNode() {
      const response = await fetch(`${bases[0]}/cluster`, { headers: admin });
      if (!response.ok) throw new Error(`GET /cluster answered ${response.status}: ${await response.text()}`);
      const view = (await response.json()) as { nodes: { id: string; sessions: number }[] };
      return cluster.nodes.map((node) => view.nodes.find((n) => n.id === node.id)?.sessions ?? 0);
    },
    setup: (plan) => setupGuildgate(bases[0] as string, admin, plan),
    dispatch: (guildId, body) => dispatchTo(bases[next++ % bases.length] as string, guildId, body, admin),
    async stop() {
      // Killed, not stopped: a node stopped by SIGTERM would first move its sessions to the others.
      for (let i = 0; i < bases.length; i++) await cluster.kill(i);
      await cluster.close();
    },
  };
}

/**
 * `nodes` baseline processes. Each is told the whole membership, holds only the sessions
 * that connect to it, and gets every event: each publishes the same frame to its own sessions.
 */
async function startBaselines(name: "raw" | "naive", options: TargetOptions): Promise<Target> {
  const command = [process.execPath, resolve(import.meta.dir, "baseline-server.ts"), name, "--heartbeat-interval-ms", String(options.heartbeatIntervalMs)];
  const servers = await Promise.all(Array.from({ length: options.nodes }, () => spawnListening(command)));
  const bases = servers.map(({ endpoint }) => `http://${endpoint.host}:${endpoint.port}`);
  const admin = adminHeaders(INGRESS);

  /** One request says who is in which guild; the token is the user id. */
  const setup = async (plan: MembershipPlan): Promise<{ tokens: string[]; guildIds: string[] }> => {
    const members: Record<string, string[]> = {};
    plan.guilds.forEach((sessions, guild) => {
      for (const session of sessions) (members[String(session + 1)] ??= []).push(String(guild));
    });
    const body = JSON.stringify({ members });
    await Promise.all(bases.map((base) => post(`${base}/setup`, body, admin)));
    return { tokens: Array.from({ length: plan.sessions }, (_, i) => String(i + 1)), guildIds: plan.guilds.map((_, g) => String(g)) };
  };

  return {
    name,
    endpoints: servers.map(({ endpoint }) => endpoint),
    serverPids: servers.map(({ child }) => child.pid),
    setup,
    dispatch: async (guildId, body) => void (await Promise.all(bases.map((base) => dispatchTo(base, guildId, body, admin)))),
    async stop() {
      for (const { child } of servers) child.kill("SIGKILL");
      await Promise.all(servers.map(({ child }) => child.exited));
    },
  };
}

export function startTarget(name: TargetName, options: TargetOptions): Promise<Target> {
  if (name !== "guildgate") return startBaselines(name, options);
  return options.nodes > 1 ? startGuildgateCluster(options) : startGuildgate(options);
}

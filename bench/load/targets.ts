/**
 * The servers under load, behind one interface so every scenario drives them
 * the same way: `guildgate` (the compiled binary, dist/guildgate, set up
 * through its real ingress API) and the two baselines from
 * baseline-server.ts (`raw`, `naive`). Each starts as its own process on
 * port 0; `setup` makes the users, guilds and memberships of a plan and
 * returns one IDENTIFY token per session; `dispatch` posts one event to a
 * guild and resolves on the 202.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

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
  /** guildgate: --workers (its default is the number of cores). */
  workers?: number;
}

export interface Target {
  readonly name: TargetName;
  readonly pid: number;
  readonly host: string;
  readonly port: number;
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

async function waitForListening(child: Subprocess<"ignore", "pipe", "inherit">): Promise<{ host: string; port: number }> {
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

export async function startTarget(name: TargetName, options: TargetOptions): Promise<Target> {
  const dataDir = name === "guildgate" ? mkdtempSync(join(tmpdir(), "guildgate-load-")) : null;
  const command =
    name === "guildgate"
      ? [
          resolve(import.meta.dir, "../../dist/guildgate"),
          ...["--port", "0", "--data-dir", dataDir as string, "--ingress-secret", INGRESS, "--token-secret", TOKEN_SECRET],
          ...["--heartbeat-interval-ms", String(options.heartbeatIntervalMs), "--identify-in-flight", String(options.identifyInFlight)],
          ...(options.workers ? ["--workers", String(options.workers)] : []),
        ]
      : [process.execPath, resolve(import.meta.dir, "baseline-server.ts"), name, "--heartbeat-interval-ms", String(options.heartbeatIntervalMs)];
  const child = Bun.spawn(command, { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  const { host, port } = await waitForListening(child);
  const base = `http://${host}:${port}`;
  const admin = { authorization: `Bearer ${INGRESS}`, "content-type": "application/json" };

  const dispatch = async (guildId: string, body: string): Promise<void> => {
    await (await post(`${base}/internal/guilds/${guildId}/dispatch`, body, admin)).arrayBuffer();
  };
  const stop = async (): Promise<void> => {
    child.kill("SIGKILL");
    await child.exited;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };

  /** Baselines: one request says who is in which guild; the token is the user id. */
  const setupBaseline = async (plan: MembershipPlan): Promise<{ tokens: string[]; guildIds: string[] }> => {
    const members: Record<string, string[]> = {};
    plan.guilds.forEach((sessions, guild) => {
      for (const session of sessions) (members[String(session + 1)] ??= []).push(String(guild));
    });
    await post(`${base}/setup`, JSON.stringify({ members }), admin);
    return { tokens: Array.from({ length: plan.sessions }, (_, i) => String(i + 1)), guildIds: plan.guilds.map((_, g) => String(g)) };
  };

  /** guildgate: users, guilds, members and tokens through the ingress API. */
  const setupGuildgate = async (plan: MembershipPlan): Promise<{ tokens: string[]; guildIds: string[] }> => {
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
  };

  return { name, pid: child.pid, host, port, setup: name === "guildgate" ? setupGuildgate : setupBaseline, dispatch, stop };
}

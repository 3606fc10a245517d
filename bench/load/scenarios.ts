/**
 * The four scenarios: who is in which guild, which events go where, and
 * which phases run. Defaults are sized to finish in a few minutes on two
 * cores; every count can be overridden from the command line (run.ts).
 *
 * - fanout: one guild holding every session (1k, 5k, 15k), events to it.
 * - guilds: every session in 5 guilds of mixed sizes: 1 guild of N, 2 of
 *   N/2, 4 of N/4, 8 of N/8, 16 of N/16 (31 guilds); events round-robin.
 * - storm: N sessions connect and IDENTIFY at once; time to READY.
 * - idle: N sessions connect and idle; server RSS per session.
 */
import type { MembershipPlan } from "./targets.ts";

export type ScenarioName = "fanout" | "guilds" | "storm" | "idle";
export const SCENARIOS: readonly ScenarioName[] = ["fanout", "guilds", "storm", "idle"];

export interface Scenario {
  name: ScenarioName;
  summary: string;
  sessions: number[];
  /** Target labels (see parseTargetSpec). */
  targets: string[];
  /** deliveries: connect, throughput, latency. storm: connect all at once. idle: connect, settle, RSS. */
  kind: "deliveries" | "storm" | "idle";
  plan(sessions: number): MembershipPlan;
  /** Guild index of each throughput-phase event (`count` from --events when given). */
  throughputEvents(plan: MembershipPlan, count?: number): number[];
  /** Guild index of each isolated latency-phase event. */
  latencyEvents(plan: MembershipPlan, count?: number): number[];
}

/** Enough deliveries per throughput phase for a steady rate, few enough to finish in seconds. */
const TARGET_DELIVERIES = 1_500_000;

const oneGuild = (sessions: number): MembershipPlan => ({ sessions, guilds: [Array.from({ length: sessions }, (_, i) => i)] });

/** Five levels, each a partition of all sessions into 2^level guilds; each level starts a third further round. */
function mixedGuilds(sessions: number): MembershipPlan {
  const guilds: number[][] = [];
  let cursor = 0;
  for (let level = 0; level < 5; level++) {
    const count = 2 ** level;
    for (let k = 0; k < count; k++) {
      const size = Math.floor((sessions * (k + 1)) / count) - Math.floor((sessions * k) / count);
      guilds.push(Array.from({ length: size }, (_, i) => (cursor + i) % sessions));
      cursor += size;
    }
    cursor += Math.floor(sessions / 3);
  }
  return { sessions, guilds };
}

const roundRobin = (plan: MembershipPlan, count: number): number[] => Array.from({ length: count }, (_, i) => i % plan.guilds.length);

const noEvents = (): number[] => [];

export const scenarios: Record<ScenarioName, Scenario> = {
  fanout: {
    name: "fanout",
    summary: "one guild holding every session; each event goes to all of them",
    sessions: [1_000, 5_000, 15_000],
    targets: ["raw", "naive", "guildgate"],
    kind: "deliveries",
    plan: oneGuild,
    throughputEvents: (plan, count) => roundRobin(plan, count ?? Math.min(300, Math.max(30, Math.round(TARGET_DELIVERIES / plan.sessions)))),
    latencyEvents: (plan, count) => roundRobin(plan, count ?? 20),
  },
  guilds: {
    name: "guilds",
    summary: "every session in 5 guilds of mixed sizes (1 of N, 2 of N/2, 4 of N/4, 8 of N/8, 16 of N/16); events round-robin over the 31 guilds",
    sessions: [5_000],
    targets: ["raw", "naive", "guildgate"],
    kind: "deliveries",
    plan: mixedGuilds,
    // One round of 31 events reaches 5N sessions.
    throughputEvents: (plan, count) => roundRobin(plan, count ?? plan.guilds.length * Math.max(1, Math.ceil(TARGET_DELIVERIES / (5 * plan.sessions)))),
    latencyEvents: (plan, count) => roundRobin(plan, count ?? plan.guilds.length),
  },
  storm: {
    name: "storm",
    summary: "every session connects and IDENTIFYs at once",
    sessions: [15_000],
    targets: ["raw", "guildgate"],
    kind: "storm",
    plan: oneGuild,
    throughputEvents: noEvents,
    latencyEvents: noEvents,
  },
  idle: {
    name: "idle",
    summary: "sessions connect, identify and idle; server RSS growth per session",
    sessions: [15_000],
    targets: ["raw", "naive", "guildgate"],
    kind: "idle",
    plan: oneGuild,
    throughputEvents: noEvents,
    latencyEvents: noEvents,
  },
};

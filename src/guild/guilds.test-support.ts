/**
 * Test support for `Guilds`: a seeded PRNG and `SimWorkers`, an in-memory stand-in for the
 * worker side that does what `SessionGuilds` (src/session/session-guilds.ts) does on each
 * worker, without sockets, for sessions spread over several workers. Each simulated session
 * lives on one worker and holds one topic per guild, set from `Guilds.join`, moved by
 * `moveMember`, dropped by `memberRemoved`. `publish(worker, t, parts)` delivers once per
 * listed topic to every session on that worker holding it (as the transport's native publish
 * does); `sendToMember`, `moveMember`, `memberAdded` and `memberRemoved` reach every worker
 * (as `ClusterDelivery` sends them), so they act on the member's sessions wherever they are.
 * Every delivery is recorded with the parsed `d`.
 */
import type { GuildDelivery, Guilds, Joiner, PublishPart } from "./guilds.ts";
import { eventRule, guildTopic, parseVariant, variantReceives } from "./audience.ts";
import { ONLINE } from "./presence.ts";
import type { GuildStore } from "../store/guild-store.ts";
import { prng } from "../../test/support/prng.ts";

export { prng };


export type Rnd = () => number;

export const pickOf = <T>(rnd: Rnd, list: readonly T[]): T => {
  const v = list[Math.floor(rnd() * list.length)];
  if (v === undefined) throw new Error("pickOf: empty list");
  return v;
};

export const subset = <T>(rnd: Rnd, list: readonly T[], p: number): T[] => list.filter(() => rnd() < p);

export const intBetween = (rnd: Rnd, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

/** One event as a simulated session received it. */
export interface Delivered {
  guildId: string;
  t: string;
  d: Record<string, unknown>;
  /** "topic" (publish), "direct" (sendToMember) or "worker" (GUILD_CREATE/GUILD_DELETE). */
  via: "topic" | "direct" | "worker";
}

export interface SimSession {
  readonly id: number;
  /** The worker holding it (changes when it resumes on another). */
  worker: number;
  readonly userId: string;
  readonly intents: number;
  readonly bot: boolean;
  /** Guild id -> what `Guilds.join` (or `activate`) gave it. */
  readonly guilds: Map<string, { variant: string; topic: string }>;
  /** Everything delivered to it since the checker last drained it. */
  inbox: Delivered[];
  /** Guilds in which it subscribed (op 14), so it is no longer passive. */
  readonly activated: Set<string>;
}

/** `g:{guild}:{class}:{variant}` -> guild id. */
const guildOfTopic = (topic: string): string => topic.split(":")[1] as string;

export class SimWorkers implements GuildDelivery {
  readonly #store: GuildStore;
  #guilds: Guilds | null = null;
  #nextId = 1;
  readonly sessions = new Map<number, SimSession>();
  /** Every `publish` call since the checker last cleared it. */
  publishes: { worker: number; t: string; topics: string[] }[] = [];
  readonly #byUser = new Map<string, Set<SimSession>>();

  constructor(store: GuildStore) {
    this.#store = store;
  }

  bind(guilds: Guilds): void {
    this.#guilds = guilds;
  }

  get #owner(): Guilds {
    if (!this.#guilds) throw new Error("SimWorkers: bind(guilds) was not called");
    return this.#guilds;
  }

  sessionsOf(userId: string): ReadonlySet<SimSession> {
    return this.#byUser.get(userId) ?? new Set();
  }

  /** A session through READY on `worker`: it joins every guild its user is a member of (shard [0, 1]). */
  connect(userId: string, intents: number, bot: boolean, worker: number): SimSession {
    const session: SimSession = { id: this.#nextId++, worker, userId, intents, bot, guilds: new Map(), inbox: [], activated: new Set() };
    this.sessions.set(session.id, session);
    let mine = this.#byUser.get(userId);
    if (!mine) this.#byUser.set(userId, (mine = new Set()));
    mine.add(session);
    for (const guildId of this.#store.guildsOfUser(userId)) this.#join(session, guildId);
    return session;
  }

  /** The session ended (SessionGuilds.ended). */
  end(session: SimSession): void {
    for (const [guildId, { variant }] of session.guilds) this.#owner.leave(guildId, session.userId, variant, session.worker);
    session.guilds.clear();
    this.sessions.delete(session.id);
    this.#byUser.get(session.userId)?.delete(session);
  }

  /** Op 14 for a guild (SessionGuilds.#activate); true if the session was passive there. */
  activate(session: SimSession, guildId: string): boolean {
    const joined = session.guilds.get(guildId);
    if (!joined) return false;
    const active = this.#owner.activate(guildId, session.userId, joined.variant, session.intents, session.worker);
    if (!active) return false;
    joined.variant = active.variant;
    joined.topic = active.topic;
    session.activated.add(guildId);
    return true;
  }

  /** The session resumed on another worker: its holds there move with it (`Guilds.moveSession`). */
  moveToWorker(session: SimSession, worker: number): void {
    const from = session.worker;
    for (const [guildId, { variant }] of session.guilds) this.#owner.moveSession(guildId, session.userId, variant, from, worker);
    session.worker = worker;
  }

  // GuildDelivery

  publish(worker: number, t: string, parts: readonly PublishPart[]): void {
    this.publishes.push({ worker, t, topics: parts.flatMap((part) => part.topics) });
    for (const { topics, dJson } of parts) {
      const d = JSON.parse(dJson) as Record<string, unknown>;
      // One native publish per topic: a topic listed twice would deliver twice, and is caught.
      for (const topic of topics) {
        const guildId = guildOfTopic(topic);
        for (const session of this.sessions.values()) {
          if (session.worker === worker && session.guilds.get(guildId)?.topic === topic) session.inbox.push({ guildId, t, d, via: "topic" });
        }
      }
    }
  }

  sendToMember(guildId: string, userId: string, t: string, dJson: string): void {
    const d = JSON.parse(dJson) as Record<string, unknown>;
    for (const session of this.sessionsOf(userId)) {
      const joined = session.guilds.get(guildId);
      if (joined && variantReceives(parseVariant(joined.variant), eventRule(t, true))) session.inbox.push({ guildId, t, d, via: "direct" });
    }
  }

  sendToSelf(guildId: string, userId: string, t: string, dJson: string): void {
    const d = JSON.parse(dJson) as Record<string, unknown>;
    for (const session of this.sessionsOf(userId)) {
      const joined = session.guilds.get(guildId);
      if (joined && !variantReceives(parseVariant(joined.variant), eventRule(t, false))) session.inbox.push({ guildId, t, d, via: "direct" });
    }
  }

  moveMember(guildId: string, userId: string, classId: number): void {
    for (const session of this.sessionsOf(userId)) {
      const joined = session.guilds.get(guildId);
      if (joined) joined.topic = classId < 0 ? "" : guildTopic(guildId, classId, joined.variant);
    }
  }

  memberAdded(guildId: string, userId: string): void {
    for (const session of this.sessionsOf(userId)) if (!session.guilds.has(guildId)) this.#join(session, guildId);
  }

  memberRemoved(guildId: string, userId: string): void {
    for (const session of this.sessionsOf(userId)) {
      const joined = session.guilds.get(guildId);
      if (!joined) continue;
      session.guilds.delete(guildId);
      session.activated.delete(guildId);
      this.#owner.leave(guildId, userId, joined.variant, session.worker);
      session.inbox.push({ guildId, t: "GUILD_DELETE", d: { id: guildId }, via: "worker" });
    }
  }

  #join(session: SimSession, guildId: string): void {
    const joiner: Joiner = {
      worker: session.worker,
      userId: session.userId,
      intents: session.intents,
      bot: session.bot,
      presence: ONLINE,
      largeThreshold: 250,
    };
    const joined = this.#owner.join(guildId, joiner);
    if (!joined) return;
    session.guilds.set(guildId, { variant: joined.variant, topic: joined.topic });
    session.inbox.push({ guildId, t: "GUILD_CREATE", d: JSON.parse(joined.guildCreate) as Record<string, unknown>, via: "worker" });
  }
}

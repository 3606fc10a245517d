/**
 * Test support for `Guilds`: a seeded PRNG and `SimWorkers`, an in-memory stand-in for the
 * worker side that does what `SessionGuilds` (src/session/session-guilds.ts) does on each
 * worker, without sockets, for sessions spread over several workers. Each simulated session
 * lives on one worker and holds one topic per guild, set from `Guilds.join`, moved by
 * `moveMember`, dropped by `memberRemoved`, and the member-list chunks it subscribed to (op 14),
 * dropped by `dropList`. `publish(worker, t, parts)` delivers once per listed topic to every
 * session on that worker holding it (as the transport's native publish does); `sendToMember`,
 * `moveMember`, `memberAdded`, `memberRemoved` and `dropList` reach every worker (as
 * `ClusterDelivery` sends them), so they act on the member's sessions wherever they are.
 * Every delivery is recorded with the parsed `d`.
 */
import type { GuildDelivery, Guilds, Holder, Joined, Joiner, PublishPart, WorkerId } from "./guilds.ts";
import { guildTopic, listTopic, parseTopic } from "../protocol/topics.ts";
import { knownRule, parseVariant, variantReceives } from "./audience.ts";
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
  /** "topic" (publish), "direct" (sendToMember, a list SYNC answering op 14) or "worker" (GUILD_CREATE/GUILD_DELETE). */
  via: "topic" | "direct" | "worker";
}

export interface SimSession {
  readonly id: number;
  /** The worker holding it (changes when it resumes on another). */
  worker: WorkerId;
  readonly userId: string;
  readonly intents: number;
  readonly bot: boolean;
  /** Guild id -> what `Guilds.join` (or `activate`) gave it, and the member-list chunks it holds by list id. */
  readonly guilds: Map<string, { variant: string; topic: string; lists: Map<string, number[]> }>;
  /** Everything delivered to it since the checker last drained it. */
  inbox: Delivered[];
  /** Guilds in which it subscribed (op 14), so it is no longer passive. */
  readonly activated: Set<string>;
}

/** A guild or member-list topic's guild. */
const guildOfTopic = (topic: string): string => {
  const parsed = parseTopic(topic);
  return parsed?.kind === "guild" || parsed?.kind === "list" ? parsed.guildId : "";
};

export class SimWorkers implements GuildDelivery {
  readonly #store: GuildStore;
  #guilds: Guilds | null = null;
  #nextId = 1;
  readonly sessions = new Map<number, SimSession>();
  /** Every `publish` call since the checker last cleared it. */
  publishes: { worker: WorkerId; t: string; topics: string[] }[] = [];
  /** `dropList` calls so far (members let go of a list they can no longer view). */
  listDrops = 0;
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
  async connect(userId: string, intents: number, bot: boolean, worker: WorkerId): Promise<SimSession> {
    const session: SimSession = { id: this.#nextId++, worker, userId, intents, bot, guilds: new Map(), inbox: [], activated: new Set() };
    this.sessions.set(session.id, session);
    let mine = this.#byUser.get(userId);
    if (!mine) this.#byUser.set(userId, (mine = new Set()));
    mine.add(session);
    for (const guildId of await this.#store.guildsOfUser(userId)) await this.#join(session, guildId);
    return session;
  }

  /** The session ended (SessionGuilds.ended). */
  async end(session: SimSession): Promise<void> {
    for (const [guildId, joined] of session.guilds) {
      await this.#dropLists(session, guildId);
      await this.#owner.leave(guildId, session.userId, joined.variant, session.worker);
    }
    session.guilds.clear();
    this.sessions.delete(session.id);
    this.#byUser.get(session.userId)?.delete(session);
  }

  /** Op 14 for a guild (SessionGuilds.#activate); true if the session was passive there. */
  async activate(session: SimSession, guildId: string): Promise<boolean> {
    const joined = session.guilds.get(guildId);
    if (!joined) return false;
    const active = await this.#owner.activate(guildId, session.userId, joined.variant, session.intents, session.worker);
    if (!active) return false;
    joined.variant = active.variant;
    joined.topic = active.topic;
    session.activated.add(guildId);
    return true;
  }

  /**
   * Op 14 with one channel (SessionGuilds.#subscribe): the session turns active, lets go of
   * the lists it held in the guild and holds `chunks` of the channel's list, if it may view
   * it. The SYNC answer is recorded as a direct delivery. True if it holds them now.
   */
  async subscribeList(session: SimSession, guildId: string, channelId: string, chunks: number[]): Promise<boolean> {
    await this.activate(session, guildId);
    const joined = session.guilds.get(guildId);
    if (!joined) return false;
    await this.#dropLists(session, guildId);
    const subscribed = await this.#owner.subscribeList(guildId, session.userId, channelId, chunks, session.worker);
    if (!subscribed) return false;
    session.inbox.push({ guildId, t: "GUILD_MEMBER_LIST_UPDATE", d: JSON.parse(subscribed.dJson) as Record<string, unknown>, via: "direct" });
    joined.lists.set(subscribed.listId, [...chunks]);
    return true;
  }

  /** The session resumed on another worker: its holds there move with it (`Guilds.moveSession`, `moveListHold`). */
  async moveToWorker(session: SimSession, worker: WorkerId): Promise<void> {
    const from = session.worker;
    for (const [guildId, joined] of session.guilds) {
      await this.#owner.moveSession(guildId, session.userId, joined.variant, from, worker, () => {});
      for (const [listId, chunks] of joined.lists) {
        const kept: number[] = [];
        for (const chunk of chunks) await this.#owner.moveListHold(guildId, listId, session.userId, chunk, from, worker, (held) => held && void kept.push(chunk));
        if (kept.length > 0) joined.lists.set(listId, kept);
        else joined.lists.delete(listId);
      }
    }
    session.worker = worker;
  }

  // GuildDelivery

  publish(worker: WorkerId, t: string, parts: readonly PublishPart[]): void {
    this.publishes.push({ worker, t, topics: parts.flatMap((part) => part.topics) });
    for (const { topics, dJson, contentFor } of parts) {
      const d = JSON.parse(dJson) as Record<string, unknown>;
      // The author's and the mentioned users' sessions get the content instead (as SessionDelivery sends it).
      const own = contentFor && (JSON.parse(contentFor.dJson) as Record<string, unknown>);
      // One native publish per topic: a topic listed twice would deliver twice, and is caught.
      for (const topic of topics) {
        const guildId = guildOfTopic(topic);
        for (const session of this.sessions.values()) {
          if (session.worker !== worker || !this.#holds(session, guildId, topic)) continue;
          session.inbox.push({ guildId, t, d: own && contentFor.userIds.includes(session.userId) ? own : d, via: "topic" });
        }
      }
    }
  }

  sendToMember(guildId: string, userId: string, t: string, dJson: string): void {
    const d = JSON.parse(dJson) as Record<string, unknown>;
    for (const session of this.sessionsOf(userId)) {
      const joined = session.guilds.get(guildId);
      if (joined && variantReceives(parseVariant(joined.variant), knownRule(t))) session.inbox.push({ guildId, t, d, via: "direct" });
    }
  }

  sendToSelf(guildId: string, userId: string, t: string, dJson: string): void {
    const d = JSON.parse(dJson) as Record<string, unknown>;
    for (const session of this.sessionsOf(userId)) {
      const joined = session.guilds.get(guildId);
      if (joined && !variantReceives(parseVariant(joined.variant), knownRule(t))) session.inbox.push({ guildId, t, d, via: "direct" });
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

  rehome(worker: WorkerId, guildId: string, moves: readonly (readonly [string, number])[]): void {
    for (const [userId, classId] of moves) {
      for (const session of this.sessionsOf(userId)) {
        const joined = session.guilds.get(guildId);
        if (!joined || session.worker !== worker) continue;
        joined.lists.clear();
        joined.topic = guildTopic(guildId, classId, joined.variant);
      }
    }
  }

  /** The sessions in a guild, as a new owner asks every worker (SessionGuilds.holdersOf). */
  holdersOf(guildId: string): Holder[] {
    const holders: Holder[] = [];
    for (const session of this.sessions.values()) {
      const joined = session.guilds.get(guildId);
      if (joined) holders.push({ worker: session.worker, userId: session.userId, variant: joined.variant, presence: ONLINE });
    }
    return holders;
  }

  dropList(guildId: string, userId: string, listId: string): void {
    this.listDrops++;
    for (const session of this.sessionsOf(userId)) session.guilds.get(guildId)?.lists.delete(listId);
  }

  memberRemoved(guildId: string, userId: string): void {
    for (const session of this.sessionsOf(userId)) {
      const joined = session.guilds.get(guildId);
      if (!joined) continue;
      void this.#dropLists(session, guildId);
      session.guilds.delete(guildId);
      session.activated.delete(guildId);
      // The owner is removing the member: this runs inside its operation, so the leave runs at once.
      void this.#owner.leave(guildId, userId, joined.variant, session.worker);
      session.inbox.push({ guildId, t: "GUILD_DELETE", d: { id: guildId }, via: "worker" });
    }
  }

  /** Joins the guild: at once from inside an owner's operation (memberAdded), else once the guild has loaded. */
  #join(session: SimSession, guildId: string): void | Promise<void> {
    const joiner: Joiner = {
      worker: session.worker,
      userId: session.userId,
      intents: session.intents,
      bot: session.bot,
      presence: ONLINE,
      largeThreshold: 250,
    };
    const joining = this.#owner.join(guildId, joiner);
    const joinedAs = (joined: Joined | undefined): void => {
      if (!joined) return;
      session.guilds.set(guildId, { variant: joined.variant, topic: joined.topic, lists: new Map() });
      session.inbox.push({ guildId, t: "GUILD_CREATE", d: JSON.parse(joined.guildCreate) as Record<string, unknown>, via: "worker" });
    };
    return joining instanceof Promise ? joining.then(joinedAs) : joinedAs(joining);
  }

  /** Whether the session holds `topic`: its guild topic, or a member-list chunk it subscribed to. */
  #holds(session: SimSession, guildId: string, topic: string): boolean {
    const joined = session.guilds.get(guildId);
    if (!joined) return false;
    if (joined.topic === topic) return true;
    for (const [listId, chunks] of joined.lists) if (chunks.some((chunk) => listTopic(guildId, listId, chunk) === topic)) return true;
    return false;
  }

  /** Lets go of every list chunk the session holds in the guild (SessionGuilds.#dropLists). */
  #dropLists(session: SimSession, guildId: string): Promise<unknown> {
    const joined = session.guilds.get(guildId);
    // Each call is made now (inside an owner's operation it runs at once); they settle together.
    const calls = [...(joined?.lists ?? [])].map(([listId, chunks]) => this.#owner.unsubscribeList(guildId, listId, session.userId, chunks, session.worker));
    joined?.lists.clear();
    return Promise.all(calls);
  }
}

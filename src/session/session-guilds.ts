/**
 * Sessions in guilds: the glue between the gateway (sessions, sockets, frames) and the
 * guild owner (`Guilds`). For the gateway it is the `SessionHooks`: which guilds a new
 * session is in, joining them after READY, leaving them when the session ends, and the
 * guild ops (3, 14, 37). For the owner it is the `GuildDelivery`: publishing to topics and
 * moving a member's sessions when its class or membership changes.
 *
 * The owner may be another worker: calls to it go through `Owners` (cluster/owner-api.ts) and
 * answer asynchronously; its calls here arrive in its order (cluster/delivery.ts).
 */
import type { Owners } from "../cluster/owner-api.ts";
import type { GuildDelivery, Joiner, PublishPart, WorkerId } from "../guild/guilds.ts";
import { GuildUnavailableError } from "../guild/guilds.ts";
import { guildTopic, knownRule, parseVariant, variantReceives, type EventRule } from "../guild/audience.ts";
import { Op } from "../protocol/opcodes.ts";
import type { ClientPayload } from "../protocol/validate.ts";
import type { GuildMembersRequest } from "../protocol/validate-members.ts";
import type { GuildSubscription } from "../protocol/payloads.ts";
import { CHUNK_SIZE, normalizeRanges } from "../protocol/validate-subscriptions.ts";
import { listTopic } from "../guild/member-lists.ts";
import type { GuildStore } from "../store/guild-store.ts";
import type { Gateway, SessionHooks } from "./gateway.ts";
import type { Session, SessionGuild } from "./session.ts";

/** A guild that could not be loaded (semaphore full) is retried after this long, ms. */
const UNAVAILABLE_RETRY_MS = 1_000;
/** Op 8 requests a session may make per window; more get a RATE_LIMITED dispatch. */
const MEMBER_REQUESTS_PER_WINDOW = 10;
const MEMBER_REQUEST_WINDOW_MS = 10_000;

export class SessionGuilds implements Omit<SessionHooks, "resumeElsewhere">, GuildDelivery {
  readonly #gateway: Gateway;
  readonly #store: GuildStore;
  readonly #worker: WorkerId;
  readonly #owners: Owners;
  /** Op 8 budget per session: window start (ms) and requests in it. */
  readonly #memberRequests = new WeakMap<Session, { since: number; count: number }>();

  /** `worker`: this worker's peer id; `owners`: the guild owners' operations, wherever they run. */
  constructor(gateway: Gateway, store: GuildStore, owners: Owners, worker: WorkerId) {
    this.#gateway = gateway;
    this.#store = store;
    this.#owners = owners;
    this.#worker = worker;
  }

  /** Logs a failed call to an owner; the session goes on without that guild operation. */
  #report = (error: unknown): void => {
    console.error("guildgate: a guild operation failed:", error);
  };

  // SessionHooks

  async guildIdsFor(userId: string, [shardId, shardCount]: readonly [number, number]): Promise<string[]> {
    return (await this.#store.guildsOfUser(userId)).filter((id) => shardOf(id, shardCount) === shardId);
  }

  ready(session: Session, guildIds: readonly string[]): void {
    for (const guildId of guildIds) this.#join(session, guildId);
  }

  ended(session: Session): void {
    for (const [guildId, joined] of session.guilds) {
      this.#dropLists(session, guildId, joined);
      this.#owners.leave(guildId, session.user.id, joined.variant, this.#worker).catch(this.#report);
    }
    session.guilds.clear();
  }

  op(session: Session, payload: ClientPayload): void {
    switch (payload.op) {
      case Op.PRESENCE_UPDATE:
        for (const guildId of session.guilds.keys()) {
          this.#owners.setPresence(guildId, session.user.id, session.presence).catch(this.#report);
        }
        return;
      case Op.LAZY_REQUEST:
        return this.#subscribe(session, payload.d.guild_id, payload.d);
      case Op.GUILD_SUBSCRIPTIONS_BULK:
        for (const [guildId, sub] of Object.entries(payload.d.subscriptions)) this.#subscribe(session, guildId, sub);
        return;
      case Op.REQUEST_GUILD_MEMBERS:
        return this.#requestMembers(session, payload.d);
      case Op.REQUEST_SOUNDBOARD_SOUNDS:
        // No guild here has soundboard sounds (GUILD_CREATE says so too).
        for (const guildId of payload.d.guild_ids) {
          if (session.guilds.has(guildId)) this.#answer(session, "SOUNDBOARD_SOUNDS", { soundboard_sounds: [], guild_id: guildId });
        }
        return;
      case Op.REQUEST_CHANNEL_INFO:
        // Ephemeral data is voice channel status and start time; without voice, no channel has any.
        if (session.guilds.has(payload.d.guild_id)) this.#answer(session, "CHANNEL_INFO", { guild_id: payload.d.guild_id, channels: [] });
        return;
      default:
      // Voice (op 4) has no voice servers to talk to: accepted and ignored.
    }
  }

  /** The answer to a request, to the session alone; not logged: a client that drops before it arrives asks again. */
  #answer(session: Session, t: string, d: unknown): void {
    this.#gateway.sendTo(session, t, JSON.stringify(d), false);
  }

  // GuildDelivery

  publish(_worker: WorkerId, t: string, parts: readonly PublishPart[]): void {
    for (const { topics, dJson } of parts) this.#gateway.publishTopics(topics, t, dJson);
  }

  sendToMember(guildId: string, userId: string, t: string, dJson: string): void {
    this.#sendToSessions(guildId, userId, t, dJson, knownRule(t), true);
  }

  sendToSelf(guildId: string, userId: string, t: string, dJson: string): void {
    this.#sendToSessions(guildId, userId, t, dJson, knownRule(t), false);
  }

  /** `t` to the user's sessions in the guild whose variant does (or, for `receives` false, does not) take it. */
  #sendToSessions(guildId: string, userId: string, t: string, dJson: string, rule: EventRule, receives: boolean): void {
    for (const session of this.#gateway.sessionsOf(userId)) {
      const joined = session.guilds.get(guildId);
      if (joined && variantReceives(parseVariant(joined.variant), rule) === receives) this.#gateway.sendTo(session, t, dJson);
    }
  }

  /** `classId` -1: hold no topic of the guild for now (the owner is telling classes about a change). */
  moveMember(guildId: string, userId: string, classId: number): void {
    for (const session of this.#gateway.sessionsOf(userId)) {
      const joined = session.guilds.get(guildId);
      if (!joined) continue;
      if (joined.topic !== "") this.#gateway.release(session, joined.topic);
      joined.topic = classId < 0 ? "" : guildTopic(guildId, classId, joined.variant);
      if (joined.topic !== "") this.#gateway.hold(session, joined.topic);
    }
  }

  memberAdded(guildId: string, userId: string): void {
    for (const session of this.#gateway.sessionsOf(userId)) {
      const [shardId, shardCount] = session.shard;
      if (!session.guilds.has(guildId) && shardOf(guildId, shardCount) === shardId) this.#join(session, guildId);
    }
  }

  memberRemoved(guildId: string, userId: string): void {
    for (const session of this.#gateway.sessionsOf(userId)) {
      const joined = session.guilds.get(guildId);
      if (!joined) continue;
      session.guilds.delete(guildId);
      this.#dropLists(session, guildId, joined);
      this.#gateway.release(session, joined.topic);
      this.#owners.leave(guildId, userId, joined.variant, this.#worker).catch(this.#report);
      this.#gateway.sendTo(session, "GUILD_DELETE", JSON.stringify({ id: guildId }));
    }
  }

  dropList(guildId: string, userId: string, listId: string): void {
    for (const session of this.#gateway.sessionsOf(userId)) {
      const joined = session.guilds.get(guildId);
      const chunks = joined?.lists?.get(listId);
      if (!chunks) continue;
      for (const chunk of chunks) this.#gateway.release(session, listTopic(guildId, listId, chunk));
      joined?.lists?.delete(listId);
    }
  }

  /**
   * A session restored after a restart takes its guild holds again, quietly: it resumes, so
   * it gets no GUILD_CREATE. Member-list chunks are not kept; clients send op 14 again.
   * Resolves once each guild's owner has answered (a guild that cannot load now is retried).
   */
  rejoin(session: Session): Promise<void> {
    const held = [...session.guilds].map(([guildId, joined]) => [guildId, joined.announcedAt] as const);
    session.guilds.clear();
    const joins = held.map(([guildId, announcedAt]) => this.#joinAsync(session, guildId, announcedAt).catch(this.#report));
    return Promise.all(joins).then(() => undefined);
  }

  /**
   * After RESUMED: GUILD_CREATEs are not kept in the resume log (one per session per guild
   * would fill it), so each one the client may have missed (sent after `seq`, or never) is
   * sent again, fresh, as Discord does when a guild becomes available.
   */
  resumed(session: Session, seq: number): void {
    for (const [guildId, joined] of session.guilds) {
      if (joined.announcedAt !== 0 && joined.announcedAt <= seq) continue;
      this.#owners
        .guildCreate(guildId, session.user.id, session.intents, session.largeThreshold)
        .then((guildCreate) => {
          if (guildCreate && session.guilds.get(guildId) === joined) {
            joined.announcedAt = this.#gateway.sendTo(session, "GUILD_CREATE", guildCreate, false);
          }
        })
        .catch(this.#report);
    }
  }

  /** `announcedAt` given: the session has (or is owed) its GUILD_CREATE already; none is sent. */
  #join(session: Session, guildId: string, announcedAt?: number): void {
    this.#joinAsync(session, guildId, announcedAt).catch(this.#report);
  }

  /** Whether the session still lives on this worker (not ended, not moved away). */
  #alive(session: Session): boolean {
    return this.#gateway.holds(session);
  }

  async #joinAsync(session: Session, guildId: string, announcedAt: number | undefined): Promise<void> {
    const joiner: Joiner = {
      worker: this.#worker,
      userId: session.user.id,
      intents: session.intents,
      bot: session.user.bot,
      presence: session.presence,
      largeThreshold: session.largeThreshold,
    };
    let joined;
    try {
      joined = await this.#owners.join(guildId, joiner);
    } catch (error) {
      if (!(error instanceof GuildUnavailableError)) throw error;
      // Bail early, retry later: the READY stub stays unavailable until the guild loads.
      const retry = setTimeout(() => {
        if (this.#alive(session) && !session.guilds.has(guildId)) this.#join(session, guildId, announcedAt);
      }, UNAVAILABLE_RETRY_MS);
      retry.unref?.();
      return;
    }
    if (!joined) return;
    if (!this.#alive(session) || session.guilds.has(guildId)) {
      // Ended (or joined twice) while the owner answered: give the hold back.
      await this.#owners.leave(guildId, session.user.id, joined.variant, this.#worker);
      return;
    }
    // Not logged: a client that misses it (not attached, or drops before) gets it again on RESUME.
    const sent = announcedAt ?? this.#gateway.sendTo(session, "GUILD_CREATE", joined.guildCreate, false);
    session.guilds.set(guildId, { variant: joined.variant, topic: joined.topic, announcedAt: sent });
    this.#gateway.hold(session, joined.topic);
  }

  #requestMembers(session: Session, request: GuildMembersRequest): void {
    const now = Date.now();
    let budget = this.#memberRequests.get(session);
    if (!budget || now - budget.since >= MEMBER_REQUEST_WINDOW_MS) {
      budget = { since: now, count: 0 };
      this.#memberRequests.set(session, budget);
    }
    if (++budget.count > MEMBER_REQUESTS_PER_WINDOW) {
      const meta: Record<string, string> = { guild_id: request.guild_id };
      if (request.nonce !== undefined) meta.nonce = request.nonce;
      const retryAfter = (budget.since + MEMBER_REQUEST_WINDOW_MS - now) / 1000;
      this.#gateway.sendTo(session, "RATE_LIMITED", JSON.stringify({ opcode: Op.REQUEST_GUILD_MEMBERS, retry_after: retryAfter, meta }));
      return;
    }
    if (!session.guilds.has(request.guild_id)) return;
    this.#owners
      .requestMembers(request.guild_id, session.user.id, request, session.intents)
      .then((chunks) => {
        // Not logged: a client that drops before they arrive asks again (its request times out).
        for (const chunk of chunks ?? []) this.#gateway.sendTo(session, "GUILD_MEMBERS_CHUNK", chunk, false);
      })
      .catch(this.#report);
  }

  /**
   * Op 14 (or one guild of op 37): a passive session becomes active, and the member-list
   * ranges asked for replace those held before: each channel's list gets a SYNC for its
   * chunks, and the session holds those chunks' topics from then on.
   */
  #subscribe(session: Session, guildId: string, sub: GuildSubscription): void {
    this.#activate(session, guildId);
    const joined = session.guilds.get(guildId);
    if (!joined || sub.channels === undefined) return;
    this.#dropLists(session, guildId, joined);
    for (const [channelId, ranges] of Object.entries(sub.channels)) {
      const chunks = normalizeRanges(ranges).map(([start]) => start / CHUNK_SIZE);
      this.#owners
        .subscribeList(guildId, session.user.id, channelId, chunks, this.#worker)
        .then((subscribed) => {
          if (!subscribed) return;
          if (!this.#alive(session) || session.guilds.get(guildId) !== joined) {
            this.#owners.unsubscribeList(guildId, subscribed.listId, session.user.id, chunks, this.#worker).catch(this.#report);
            return;
          }
          // Not logged (a SYNC per session would fill the log): clients send op 14 again after a RESUME.
          this.#gateway.sendTo(session, "GUILD_MEMBER_LIST_UPDATE", subscribed.dJson, false);
          const held = (joined.lists ??= new Map()).get(subscribed.listId) ?? [];
          const added = chunks.filter((chunk) => !held.includes(chunk));
          joined.lists.set(subscribed.listId, [...held, ...added]);
          for (const chunk of added) this.#gateway.hold(session, listTopic(guildId, subscribed.listId, chunk));
          // A chunk held already (two channels sharing a list): the owner counted it twice.
          const repeated = chunks.filter((chunk) => held.includes(chunk));
          if (repeated.length > 0) {
            this.#owners.unsubscribeList(guildId, subscribed.listId, session.user.id, repeated, this.#worker).catch(this.#report);
          }
        })
        .catch(this.#report);
    }
  }

  /** Lets go of every member-list chunk the session holds in the guild. */
  #dropLists(session: Session, guildId: string, joined: SessionGuild): void {
    for (const [listId, chunks] of joined.lists ?? []) {
      for (const chunk of chunks) this.#gateway.release(session, listTopic(guildId, listId, chunk));
      this.#owners.unsubscribeList(guildId, listId, session.user.id, chunks, this.#worker).catch(this.#report);
    }
    joined.lists?.clear();
  }

  #activate(session: Session, guildId: string): void {
    const joined = session.guilds.get(guildId);
    if (!joined?.variant.endsWith("p")) return;
    const passive = joined.variant;
    this.#owners
      .activate(guildId, session.user.id, passive, session.intents, this.#worker)
      .then((active) => {
        if (!active) return;
        if (this.#alive(session) && session.guilds.get(guildId) === joined && joined.variant === passive) {
          this.#switch(session, joined, active);
        } else {
          this.#owners.leave(guildId, session.user.id, active.variant, this.#worker).catch(this.#report);
        }
      })
      .catch(this.#report);
  }

  #switch(session: Session, joined: SessionGuild, active: { topic: string; variant: string }): void {
    this.#gateway.release(session, joined.topic);
    joined.variant = active.variant;
    joined.topic = active.topic;
    this.#gateway.hold(session, joined.topic);
  }
}

/** Discord's shard of a guild: `(guild_id >> 22) % num_shards`. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

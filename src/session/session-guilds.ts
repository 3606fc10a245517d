/**
 * Sessions in guilds, the session side: which guilds a new session is in, joining them after
 * READY (GUILD_CREATE and the topic to hold), leaving them when the session ends, the
 * GUILD_CREATEs a resumed session missed, and the guild ops (3, 4, 8, 14, 31, 37, 43). What the
 * owner tells the sessions is session-delivery.ts.
 *
 * The owner may be another worker: calls to it go through `Owners` (cluster/owner-api.ts) and
 * answer asynchronously.
 */
import type { Owners } from "../cluster/owner-api.ts";
import type { Joiner, WorkerId } from "../guild/guilds.ts";
import { GuildUnavailableError } from "../guild/guilds.ts";
import { Op } from "../protocol/opcodes.ts";
import { listTopic } from "../protocol/topics.ts";
import type { ClientPayload } from "../protocol/validate.ts";
import type { GuildMembersRequest } from "../protocol/validate-members.ts";
import type { GuildSubscription } from "../protocol/payloads.ts";
import { CHUNK_SIZE, normalizeRanges } from "../protocol/validate-subscriptions.ts";
import type { GuildStore } from "../store/guild-store.ts";
import type { Session, SessionGuild } from "./session.ts";
import type { Sessions } from "./sessions.ts";

/** A guild that could not be loaded (semaphore full) is retried after this long, ms. */
const UNAVAILABLE_RETRY_MS = 1_000;
/** Op 8 requests a session may make per window; more get a RATE_LIMITED dispatch. */
const MEMBER_REQUESTS_PER_WINDOW = 10;
const MEMBER_REQUEST_WINDOW_MS = 10_000;

export interface SessionGuildsOptions {
  sessions: Sessions;
  store: GuildStore;
  /** The guild owners' operations, wherever they run. */
  owners: Owners;
  /** This worker's peer id (the owner counts each session's hold by the worker holding it). */
  worker: WorkerId;
}

export class SessionGuilds {
  readonly #sessions: Sessions;
  readonly #store: GuildStore;
  readonly #worker: WorkerId;
  readonly #owners: Owners;
  /** Op 8 budget per session: window start (ms) and requests in it. */
  readonly #memberRequests = new WeakMap<Session, { since: number; count: number }>();

  constructor(options: SessionGuildsOptions) {
    this.#sessions = options.sessions;
    this.#store = options.store;
    this.#owners = options.owners;
    this.#worker = options.worker;
    // A session that ends lets its guilds go.
    options.sessions.whenEnded((session) => this.#leaveAll(session));
  }

  /** Logs a failed call to an owner; the session goes on without that guild operation. */
  #report = (error: unknown): void => {
    console.error("guildgate: a guild operation failed:", error);
  };

  /** The guilds READY lists for a new session of `userId` on `shard` (as unavailable stubs). */
  async guildIdsFor(userId: string, [shardId, shardCount]: readonly [number, number]): Promise<string[]> {
    return (await this.#store.guildsOfUser(userId)).filter((id) => shardOf(id, shardCount) === shardId);
  }

  /** After READY: the session joins its guilds (GUILD_CREATE, topics). */
  joinAll(session: Session, guildIds: readonly string[]): void {
    for (const guildId of guildIds) this.join(session, guildId);
  }

  /** The session leaves a guild it is in (the member left, or the guild is gone); false if it was not in it. */
  leave(session: Session, guildId: string): boolean {
    const joined = session.guilds.get(guildId);
    if (!joined) return false;
    session.guilds.delete(guildId);
    this.#dropLists(session, guildId, joined);
    this.#sessions.release(session, joined.topic);
    this.#owners.leave(guildId, session.user.id, joined.variant, this.#worker).catch(this.#report);
    return true;
  }

  /** The session ended for good: every guild lets it go. */
  #leaveAll(session: Session): void {
    for (const [guildId, joined] of session.guilds) {
      this.#dropLists(session, guildId, joined);
      this.#owners.leave(guildId, session.user.id, joined.variant, this.#worker).catch(this.#report);
    }
    session.guilds.clear();
  }

  /** Ops 3, 4, 8, 14, 31, 37 and 43 from a ready session. */
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
      case Op.VOICE_STATE_UPDATE: {
        // The member's voice state in a guild it is in; there is no voice server (no VOICE_SERVER_UPDATE).
        const { guild_id: guildId, channel_id: channelId, self_mute: selfMute, self_deaf: selfDeaf } = payload.d;
        const joined = session.guilds.get(guildId);
        if (!joined) return;
        const request = { sessionId: session.id, channelId, selfMute, selfDeaf };
        joined.voice = channelId === null ? undefined : request;
        this.#owners.setVoiceState(guildId, session.user.id, request).catch(this.#report);
        return;
      }
    }
  }

  /** The answer to a request, to the session alone; not logged: a client that drops before it arrives asks again. */
  #answer(session: Session, t: string, d: unknown): void {
    this.#sessions.sendTo(session, t, JSON.stringify(d), false);
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
            joined.announcedAt = this.#sessions.sendTo(session, "GUILD_CREATE", guildCreate, false);
          }
        })
        .catch(this.#report);
    }
  }

  /**
   * The session joins a guild its user is a member of. `announcedAt` given: the session has
   * (or is owed) its GUILD_CREATE already; none is sent.
   */
  join(session: Session, guildId: string, announcedAt?: number): void {
    this.#joinAsync(session, guildId, announcedAt).catch(this.#report);
  }

  /** Whether the session still lives on this worker (not ended, not moved away). */
  #alive(session: Session): boolean {
    return this.#sessions.has(session);
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
        if (this.#alive(session) && !session.guilds.has(guildId)) this.join(session, guildId, announcedAt);
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
    const sent = announcedAt ?? this.#sessions.sendTo(session, "GUILD_CREATE", joined.guildCreate, false);
    session.guilds.set(guildId, { variant: joined.variant, topic: joined.topic, announcedAt: sent });
    this.#sessions.hold(session, joined.topic);
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
      this.#sessions.sendTo(session, "RATE_LIMITED", JSON.stringify({ opcode: Op.REQUEST_GUILD_MEMBERS, retry_after: retryAfter, meta }));
      return;
    }
    if (!session.guilds.has(request.guild_id)) return;
    this.#owners
      .requestMembers(request.guild_id, session.user.id, request, session.intents)
      .then((chunks) => {
        // Not logged: a client that drops before they arrive asks again (its request times out).
        for (const chunk of chunks ?? []) this.#sessions.sendTo(session, "GUILD_MEMBERS_CHUNK", chunk, false);
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
          this.#sessions.sendTo(session, "GUILD_MEMBER_LIST_UPDATE", subscribed.dJson, false);
          const held = (joined.lists ??= new Map()).get(subscribed.listId) ?? [];
          const added = chunks.filter((chunk) => !held.includes(chunk));
          joined.lists.set(subscribed.listId, [...held, ...added]);
          for (const chunk of added) this.#sessions.hold(session, listTopic(guildId, subscribed.listId, chunk));
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
      for (const chunk of chunks) this.#sessions.release(session, listTopic(guildId, listId, chunk));
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
    this.#sessions.release(session, joined.topic);
    joined.variant = active.variant;
    joined.topic = active.topic;
    this.#sessions.hold(session, joined.topic);
  }
}

/** Discord's shard of a guild: `(guild_id >> 22) % num_shards`. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

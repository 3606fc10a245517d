/**
 * Sessions in guilds: the glue between the gateway (sessions, sockets, frames) and the
 * guild owner (`Guilds`). For the gateway it is the `SessionHooks`: which guilds a new
 * session is in, joining them after READY, leaving them when the session ends, and the
 * guild ops (3, 14, 37). For the owner it is the `GuildDelivery`: publishing to topics and
 * moving a member's sessions when its class or membership changes.
 *
 * Everything runs in-process today; with Workers, the owner's calls arrive over the bus.
 */
import type { GuildDelivery, Guilds, Joiner, PublishPart } from "../guild/guilds.ts";
import { GuildUnavailableError } from "../guild/guilds.ts";
import { guildTopic } from "../guild/audience.ts";
import { Op } from "../protocol/opcodes.ts";
import type { ClientPayload } from "../protocol/validate.ts";
import type { GuildMembersRequest } from "../protocol/validate-members.ts";
import type { GuildStore } from "../store/guild-store.ts";
import type { Gateway, SessionHooks } from "./gateway.ts";
import type { Session } from "./session.ts";

/** A guild that could not be loaded (semaphore full) is retried after this long, ms. */
const UNAVAILABLE_RETRY_MS = 1_000;
/** Op 8 requests a session may make per window; more get a RATE_LIMITED dispatch. */
const MEMBER_REQUESTS_PER_WINDOW = 10;
const MEMBER_REQUEST_WINDOW_MS = 10_000;

export class SessionGuilds implements SessionHooks, GuildDelivery {
  readonly #gateway: Gateway;
  readonly #store: GuildStore;
  readonly #worker: number;
  #guilds: Guilds | null = null;
  /** Op 8 budget per session: window start (ms) and requests in it. */
  readonly #memberRequests = new WeakMap<Session, { since: number; count: number }>();

  constructor(gateway: Gateway, store: GuildStore, worker: number) {
    this.#gateway = gateway;
    this.#store = store;
    this.#worker = worker;
  }

  /** Wires the owner (it needs this object as its delivery, so it is made after). */
  bind(guilds: Guilds): void {
    this.#guilds = guilds;
  }

  get #owner(): Guilds {
    if (!this.#guilds) throw new Error("SessionGuilds: bind(guilds) was not called");
    return this.#guilds;
  }

  // SessionHooks

  guildIdsFor(userId: string, [shardId, shardCount]: readonly [number, number]): string[] {
    return this.#store.guildsOfUser(userId).filter((id) => shardOf(id, shardCount) === shardId);
  }

  ready(session: Session, guildIds: readonly string[]): void {
    for (const guildId of guildIds) this.#join(session, guildId);
  }

  ended(session: Session): void {
    for (const [guildId, { variant }] of session.guilds) this.#owner.leave(guildId, session.user.id, variant, this.#worker);
    session.guilds.clear();
  }

  op(session: Session, payload: ClientPayload): void {
    switch (payload.op) {
      case Op.PRESENCE_UPDATE:
        for (const guildId of session.guilds.keys()) this.#owner.setPresence(guildId, session.user.id, session.presence);
        return;
      case Op.LAZY_REQUEST:
        return this.#activate(session, payload.d.guild_id);
      case Op.GUILD_SUBSCRIPTIONS_BULK:
        for (const guildId of Object.keys(payload.d.subscriptions)) this.#activate(session, guildId);
        return;
      case Op.REQUEST_GUILD_MEMBERS:
        return this.#requestMembers(session, payload.d);
      default:
      // Voice (op 4) has no voice servers to talk to: accepted and ignored.
    }
  }

  // GuildDelivery

  publish(_worker: number, t: string, parts: readonly PublishPart[]): void {
    for (const { topics, dJson } of parts) this.#gateway.publishTopics(topics, t, dJson);
  }

  sendToMember(guildId: string, userId: string, t: string, dJson: string): void {
    for (const session of this.#gateway.sessionsOf(userId)) {
      if (session.guilds.has(guildId)) this.#gateway.sendTo(session, t, dJson);
    }
  }

  moveMember(guildId: string, userId: string, classId: number): void {
    for (const session of this.#gateway.sessionsOf(userId)) {
      const joined = session.guilds.get(guildId);
      if (!joined) continue;
      this.#gateway.release(session, joined.topic);
      joined.topic = guildTopic(guildId, classId, joined.variant);
      this.#gateway.hold(session, joined.topic);
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
      this.#gateway.release(session, joined.topic);
      this.#owner.leave(guildId, userId, joined.variant, this.#worker);
      this.#gateway.sendTo(session, "GUILD_DELETE", JSON.stringify({ id: guildId }));
    }
  }

  #join(session: Session, guildId: string): void {
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
      joined = this.#owner.join(guildId, joiner);
    } catch (error) {
      if (!(error instanceof GuildUnavailableError)) throw error;
      // Bail early, retry later: the READY stub stays unavailable until the guild loads.
      const retry = setTimeout(() => {
        if (this.#gateway.sessionsOf(session.user.id).has(session) && !session.guilds.has(guildId)) {
          this.#join(session, guildId);
        }
      }, UNAVAILABLE_RETRY_MS);
      retry.unref?.();
      return;
    }
    if (!joined) return;
    session.guilds.set(guildId, { variant: joined.variant, topic: joined.topic });
    this.#gateway.sendTo(session, "GUILD_CREATE", joined.guildCreate);
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
    const chunks = this.#owner.requestMembers(request.guild_id, session.user.id, request, session.intents) ?? [];
    for (const chunk of chunks) this.#gateway.sendTo(session, "GUILD_MEMBERS_CHUNK", chunk);
  }

  #activate(session: Session, guildId: string): void {
    const joined = session.guilds.get(guildId);
    if (!joined) return;
    const active = this.#owner.activate(guildId, session.user.id, joined.variant, session.intents, this.#worker);
    if (!active) return;
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

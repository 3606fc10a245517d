/**
 * The guilds this worker owns (DESIGN.md, "One event, end to end"): each is loaded from the
 * store on first use, under a native semaphore shared by every Worker, and then every change
 * to it and every event in it goes through here, in order. For each event the owner decides
 * the audience from its live topics, serialises `d` once and hands the topics to the
 * delivery side (the workers' transports), never a list of sessions.
 *
 * Changes to roles, channels and members also change what members can see: the owner
 * compares each class's visible channels before and after, sends CHANNEL_CREATE/DELETE for
 * what appeared or vanished, and moves members whose class changed to their new topic.
 */
import type { Guild, GuildStore, Member, StoredChannel, StoredRole, User } from "../store/guild-store.ts";
import { withPermit, type Semaphore } from "../native.ts";
import { knownRule, statedRule, variantOf, withoutContent, type StatedAudience } from "./audience.ts";
import { GuildCreateCache } from "./guild-create.ts";
import { channelJson, guildJson, memberJson, roleJson } from "./guild-json.ts";
import { GuildState } from "./guild-state.ts";
import { memberChunks } from "./member-chunks.ts";
import type { ListChanges } from "./member-lists.ts";
import type { GuildMembersRequest } from "../protocol/validate-members.ts";
import { OwnedGuild, type Audience } from "./owned-guild.ts";
import type { ClassMove } from "./permission-classes.ts";
import { announceViewChanges, type ChannelViews } from "./view-changes.ts";
import { OFFLINE, presenceJson, samePresence, type Presence } from "./presence.ts";
import {
  messageFrom,
  patchedChannel,
  patchedGuild,
  patchedMember,
  patchedRole,
  type ChannelPatch,
  type GuildPatch,
  type MemberPatch,
  type MessageRequest,
  type RolePatch,
} from "./patches.ts";
import { badField, Refusal } from "./refusal.ts";
import { userObject } from "./user-json.ts";

/**
 * A worker that holds sessions: its peer id on the bus (`{node}/{worker}`, cluster/bus.ts).
 * The guild layer only compares and passes these.
 */
export type WorkerId = string;

/** Topics on one worker that get the same `d`. */
export interface PublishPart {
  readonly topics: readonly string[];
  readonly dJson: string;
}

/**
 * What the owner needs from the workers that hold sessions (cluster/delivery.ts carries it
 * to each worker, in-process or over the bus). Every call reaches each worker in the order
 * the owner made it.
 */
export interface GuildDelivery {
  /** One event for one worker (Manifold: one call per worker per event): the topics there and their `d`. */
  publish(worker: WorkerId, t: string, parts: readonly PublishPart[]): void;
  /** An event for one member's sessions in this guild only (its own view changed). */
  sendToMember(guildId: string, userId: string, t: string, dJson: string): void;
  /**
   * An event about the member itself (its own GUILD_MEMBER_UPDATE) for those of its sessions
   * whose topic does not carry it (no GUILD_MEMBERS, or passive): Discord always sends it.
   */
  sendToSelf(guildId: string, userId: string, t: string, dJson: string): void;
  /** A member's class changed: its sessions in the guild move to that class's topic (-1: to none, for now). */
  moveMember(guildId: string, userId: string, classId: number): void;
  /** The user became a member: its sessions on the guild's shard join it (GUILD_CREATE). */
  memberAdded(guildId: string, userId: string): void;
  /** The user is no longer a member, or the guild is gone: its sessions leave it (GUILD_DELETE). */
  memberRemoved(guildId: string, userId: string): void;
  /**
   * The member can no longer view a member list: its sessions let go of the list's chunk
   * topics (the owner already counts them out). Sent before any later update of the list.
   */
  dropList(guildId: string, userId: string, listId: string): void;
}

export interface GuildsOptions {
  store: GuildStore;
  delivery: GuildDelivery;
  /** Bounds guild loads in flight across Workers; over it, a join is refused at once. */
  loadSemaphore: Semaphore;
  /** Above this many members, user (non-bot) sessions are passive until they subscribe. */
  passiveThreshold: number;
}

/** A session joining a guild: what to tell it and the topic to hold. */
export interface Joined {
  topic: string;
  variant: string;
  /** GUILD_CREATE's `d`, serialised. */
  guildCreate: string;
}

/** Who joins: a session's user and what it asked for. */
export interface Joiner {
  /** The worker holding the session. */
  worker: WorkerId;
  userId: string;
  intents: number;
  bot: boolean;
  presence: Presence;
  largeThreshold: number;
}

/** The guild could not be loaded now (too many loads in flight); the caller may retry. */
export class GuildUnavailableError extends Error {
  override name = "GuildUnavailableError";

  constructor(
    readonly guildId: string,
    readonly max: number,
  ) {
    super(`guild ${guildId} is unavailable: ${max} guild loads are in flight`);
  }

  /** What crosses the bus, to rebuild this error on the caller's worker. */
  get busData(): Record<string, unknown> {
    return { guildId: this.guildId, max: this.max };
  }
}

/** Time spent handling one kind of owner operation (as Discord instrumented its guild loop). */
export interface Timing {
  count: number;
  sumMs: number;
  maxMs: number;
}

export interface GuildsStats {
  loaded: number;
  loadRefused: number;
  handling: ReadonlyMap<string, Timing>;
}

export class Guilds {
  readonly #options: GuildsOptions;
  readonly #owned = new Map<string, OwnedGuild>();
  readonly #createCaches = new WeakMap<OwnedGuild, GuildCreateCache>();
  readonly #timings = new Map<string, Timing>();
  #loadRefused = 0;

  constructor(options: GuildsOptions) {
    this.#options = options;
  }

  stats(): GuildsStats {
    return { loaded: this.#owned.size, loadRefused: this.#loadRefused, handling: this.#timings };
  }

  // Sessions.

  /** A session joins a guild it is a member of; undefined if it is not (or there is no guild). */
  join(guildId: string, joiner: Joiner): Joined | undefined {
    return this.#timed("join", () => {
      const guild = this.#get(guildId);
      if (!guild?.state.member(joiner.userId)) return undefined;
      const passive = !joiner.bot && guild.state.memberCount > this.#options.passiveThreshold;
      const variant = variantOf(joiner.intents, passive);
      const topic = guild.attach(joiner.userId, variant, joiner.worker);
      const guildCreate = this.#createCache(guild).build(joiner.userId, joiner.intents, joiner.largeThreshold);
      if (guild.sessionsOf(joiner.userId) === 1) this.#setPresence(guild, joiner.userId, joiner.presence);
      return { topic, variant, guildCreate };
    });
  }

  /** A fresh GUILD_CREATE for a member's session already in the guild (one it missed). */
  guildCreate(guildId: string, userId: string, intents: number, largeThreshold: number): string | undefined {
    const guild = this.#owned.get(guildId);
    if (!guild || guild.classes.classOf(userId) === undefined) return undefined;
    return this.#createCache(guild).build(userId, intents, largeThreshold);
  }

  /** A session leaves (it ended, or the member left); its user goes offline with its last session. */
  leave(guildId: string, userId: string, variant: string, worker: WorkerId): void {
    const guild = this.#owned.get(guildId);
    if (!guild) return;
    this.#timed("leave", () => {
      guild.detach(userId, variant, worker);
      if (guild.sessionsOf(userId) === 0) this.#setPresence(guild, userId, OFFLINE);
    });
  }

  /** A passive session subscribed (op 14/37): the topic it holds from now on. */
  activate(guildId: string, userId: string, variant: string, intents: number, worker: WorkerId): { topic: string; variant: string } | undefined {
    const guild = this.#owned.get(guildId);
    if (!guild || !variant.endsWith("p")) return undefined;
    const active = variantOf(intents, false);
    guild.detach(userId, variant, worker);
    return { topic: guild.attach(userId, active, worker), variant: active };
  }

  /** A resumed session moved from worker `from` to `to`: later events for it go to `to`. */
  moveSession(guildId: string, userId: string, variant: string, from: WorkerId, to: WorkerId): boolean {
    return this.#owned.get(guildId)?.moveSession(userId, variant, from, to) ?? false;
  }

  /**
   * Op 14: a member's session asks for `chunks` of the member list of `channelId`. Returns
   * the list id (the session holds `ml:{guild}:{list}:{chunk}` topics) and the SYNC update,
   * or undefined if it cannot view the channel.
   */
  subscribeList(guildId: string, userId: string, channelId: string, chunks: number[], worker: WorkerId): { listId: string; dJson: string } | undefined {
    const guild = this.#owned.get(guildId);
    if (!guild) return undefined;
    return this.#timed("LAZY_REQUEST", () => {
      const subscribed = guild.lists.subscribe(channelId, userId, chunks, worker);
      if (!subscribed) return undefined;
      this.#deliverLists(guild, { drops: [], updates: subscribed.flushed });
      return { listId: subscribed.listId, dJson: subscribed.dJson };
    });
  }

  unsubscribeList(guildId: string, listId: string, userId: string, chunks: number[], worker: WorkerId): void {
    this.#owned.get(guildId)?.lists.unsubscribe(listId, userId, chunks, worker);
  }

  /**
   * A session holding a member-list chunk moved from worker `from` to `to`; false if the
   * member no longer holds it (let go of meanwhile: the session must drop the chunk's topic).
   */
  moveListHold(guildId: string, listId: string, userId: string, chunk: number, from: WorkerId, to: WorkerId): boolean {
    return this.#owned.get(guildId)?.lists.moveHolder(listId, userId, chunk, from, to) ?? false;
  }

  /** A session's presence changed (op 3). */
  setPresence(guildId: string, userId: string, presence: Presence): void {
    const guild = this.#owned.get(guildId);
    if (guild && guild.sessionsOf(userId) > 0) this.#timed("PRESENCE_UPDATE", () => this.#setPresence(guild, userId, presence));
  }

  /** Op 8: the GUILD_MEMBERS_CHUNK `d`s for a member's session; undefined if it is not a member. */
  requestMembers(guildId: string, userId: string, request: GuildMembersRequest, intents: number): string[] | undefined {
    const guild = this.#owned.get(guildId);
    if (!guild?.state.member(userId)) return undefined;
    return this.#timed("REQUEST_GUILD_MEMBERS", () => memberChunks(guild.state, guild.presences, request, intents));
  }

  // Events.

  /**
   * Publishes an event to the guild: to the classes that can view `channelId` when given, by
   * the event's rule (Discord's, or for an app's own event the audience its sender states).
   * Returns how many topics it went to; undefined if there is no such guild.
   */
  dispatch(guildId: string, t: string, d: unknown, channelId?: string, stated?: StatedAudience): number | undefined {
    const guild = this.#get(guildId);
    if (!guild) return undefined;
    const rule = stated ? statedRule(stated) : knownRule(t);
    return this.#timed(t, () => this.#deliver(guild.audience(rule, channelId), t, d));
  }

  // Requests from ingress and REST: each applies its patch to the guild as it is now, here on
  // its owner, in the same step that writes it and tells the sessions (patches.ts).

  /** PATCH of a guild: the guild as it is now. */
  updateGuild(guildId: string, patch: GuildPatch): Guild {
    const owned = this.#require(guildId);
    const guild = patchedGuild(owned.state, patch);
    this.putGuild(guild);
    return guild;
  }

  /** A new role; `roleId` is the new role's id (checked unique by the caller). */
  createRole(guildId: string, roleId: string, patch: RolePatch): StoredRole {
    const owned = this.#require(guildId);
    const empty: StoredRole = { id: roleId, guildId, name: "", permissions: 0n, position: 1, hoist: false, color: 0, mentionable: false };
    if (owned.state.role(roleId)) throw new Refusal("conflict", `Conflict: role ${roleId} exists`);
    const role = patchedRole(empty, patch);
    this.putRole(role);
    return role;
  }

  patchRole(guildId: string, roleId: string, patch: RolePatch): StoredRole {
    const owned = this.#require(guildId);
    const current = owned.state.role(roleId);
    if (!current) throw new Refusal("unknown-role", "Unknown Role");
    const role = patchedRole(current, patch);
    this.putRole(role);
    return role;
  }

  /** A new channel; `channelId` is the new channel's id (checked unique by the caller). */
  createChannel(guildId: string, channelId: string, patch: ChannelPatch): StoredChannel {
    const owned = this.#require(guildId);
    if (owned.state.channelRecord(channelId)) throw new Refusal("conflict", `Conflict: channel ${channelId} exists`);
    const empty: StoredChannel = { id: channelId, guildId, type: 0, name: "", position: 0, parentId: null, overwrites: [], topic: null };
    const channel = patchedChannel(owned.state, empty, patch);
    this.putChannel(channel);
    return channel;
  }

  patchChannel(guildId: string, channelId: string, patch: ChannelPatch): StoredChannel {
    const owned = this.#require(guildId);
    const current = owned.state.channelRecord(channelId);
    if (!current) throw new Refusal("unknown-channel", "Unknown Channel");
    const channel = patchedChannel(owned.state, current, patch);
    this.putChannel(channel);
    return channel;
  }

  /** PUT of a member: adds the user, or changes its roles or nick. */
  setMember(guildId: string, userId: string, patch: MemberPatch, now: number): { member: Member; user: User; created: boolean } {
    const owned = this.#require(guildId);
    const user = owned.state.user(userId) ?? this.#options.store.getUser(userId);
    if (!user) throw new Refusal("unknown-user", "Unknown User");
    const created = owned.state.member(userId) === undefined;
    const member = patchedMember(owned.state, userId, patch, now);
    this.putMember(member, user);
    return { member, user, created };
  }

  /** A member posts a message (`POST /channels/:id/messages`): checked and dispatched in one step. */
  createMessage(guildId: string, channelId: string, author: User, request: MessageRequest): Record<string, unknown> {
    const owned = this.#require(guildId);
    const message = messageFrom(owned.state, channelId, author, request);
    this.#timed("MESSAGE_CREATE", () => this.#deliver(owned.audience(knownRule("MESSAGE_CREATE"), channelId), "MESSAGE_CREATE", message));
    return message;
  }

  // State changes. Each writes the store, then memory, then tells the sessions.

  /** Creates a guild with its @everyone role; the owner becomes a member when `owner` is given. */
  createGuild(guild: Guild, everyone: StoredRole, owner: User | undefined, joinedAt: number): void {
    const { store } = this.#options;
    store.putGuild(guild);
    store.putRole(everyone);
    if (owner) store.putMember({ guildId: guild.id, userId: owner.id, roleIds: [], nick: null, joinedAt });
    if (owner) this.#options.delivery.memberAdded(guild.id, owner.id);
  }

  putGuild(guild: Guild): void {
    const owned = this.#require(guild.id);
    this.#timed("GUILD_UPDATE", () =>
      this.#viewChanges(owned, () => {
        const ownerChanged = owned.state.record.ownerId !== guild.ownerId;
        owned.state.putGuild(guild);
        this.#publish(owned, "GUILD_UPDATE", guildJson(guild, owned.state.roles()));
        return ownerChanged ? owned.classes.invalidateRoles().moved : [];
      }),
    );
    this.#deliverLists(owned, owned.lists.guildChanged());
  }

  deleteGuild(guildId: string): void {
    const owned = this.#get(guildId);
    this.#options.store.deleteGuild(guildId);
    if (!owned) return;
    this.#owned.delete(guildId);
    for (const userId of [...owned.connectedUserIds()]) this.#options.delivery.memberRemoved(guildId, userId);
  }

  putRole(role: StoredRole): void {
    const owned = this.#require(role.guildId);
    const t = owned.state.role(role.id) ? "GUILD_ROLE_UPDATE" : "GUILD_ROLE_CREATE";
    this.#timed(t, () =>
      this.#viewChanges(owned, () => {
        owned.state.putRole(role);
        this.#publish(owned, t, { guild_id: role.guildId, role: roleJson(role) });
        return owned.classes.invalidateRoles().moved;
      }),
    );
    this.#deliverLists(owned, owned.lists.roleChanged(role.id));
  }

  deleteRole(guildId: string, roleId: string): void {
    const owned = this.#require(guildId);
    if (!owned.state.role(roleId)) throw new Refusal("unknown-role", "Unknown Role");
    if (roleId === guildId) throw badField("role_id", "is @everyone, which cannot be deleted");
    this.#timed("GUILD_ROLE_DELETE", () =>
      this.#viewChanges(owned, () => {
        const changed = owned.state.deleteRole(roleId);
        this.#publish(owned, "GUILD_ROLE_DELETE", { guild_id: guildId, role_id: roleId });
        const moves = [...owned.classes.invalidateRoles().moved];
        for (const member of changed) {
          this.#publishMemberUpdate(owned, member);
          if (owned.classes.classOf(member.userId) !== undefined) moves.push(...owned.classes.track(member).moved);
        }
        return moves;
      }),
    );
    this.#deliverLists(owned, owned.lists.roleChanged(roleId));
  }

  /** Creates or updates a channel: CHANNEL_CREATE/DELETE where visibility changed, CHANNEL_UPDATE elsewhere. */
  putChannel(channel: StoredChannel): void {
    const owned = this.#require(channel.guildId);
    const existed = owned.state.channelRecord(channel.id) !== undefined;
    this.#timed(existed ? "CHANNEL_UPDATE" : "CHANNEL_CREATE", () => {
      const before = this.#viewChanges(owned, () => {
        owned.state.putChannel(channel);
        return owned.classes.invalidateChannel(channel.id).moved;
      });
      if (!existed) return;
      // Every class that sees it now gets the update, except those just told CHANNEL_CREATE.
      const kept = new Set(owned.classes.classIds());
      for (const [classId, view] of before) {
        if (owned.classes.serialOf(classId) === view.serial && !view.visible.has(channel.id)) kept.delete(classId);
      }
      this.#deliver(owned.audience(knownRule("CHANNEL_UPDATE"), channel.id, kept), "CHANNEL_UPDATE", channelJson(channel));
    });
    this.#deliverLists(owned, owned.lists.channelChanged(channel.id));
  }

  deleteChannel(guildId: string, channelId: string): void {
    const owned = this.#require(guildId);
    if (!owned.state.channelRecord(channelId)) throw new Refusal("unknown-channel", "Unknown Channel");
    this.#timed("CHANNEL_DELETE", () =>
      this.#viewChanges(owned, () => {
        owned.state.deleteChannel(channelId);
        return owned.classes.invalidateChannel(channelId).moved;
      }),
    );
    this.#deliverLists(owned, owned.lists.channelChanged(channelId));
  }

  /** Adds or updates a member (GUILD_MEMBER_ADD/UPDATE); a new member's sessions join the guild. */
  putMember(member: Member, user: User): void {
    const owned = this.#require(member.guildId);
    const existed = owned.state.member(member.userId) !== undefined;
    if (!existed) {
      this.#timed("GUILD_MEMBER_ADD", () => {
        owned.state.putMember(member, user);
        this.#publish(owned, "GUILD_MEMBER_ADD", memberJson(member, user, member.guildId));
        this.#deliverLists(owned, owned.lists.memberChanged(member.userId));
      });
      this.#options.delivery.memberAdded(member.guildId, member.userId);
      return;
    }
    this.#timed("GUILD_MEMBER_UPDATE", () =>
      this.#viewChanges(owned, () => {
        owned.state.putMember(member, user);
        this.#publishMemberUpdate(owned, member);
        return owned.classes.classOf(member.userId) === undefined ? [] : owned.classes.track(member).moved;
      }),
    );
    this.#deliverLists(owned, owned.lists.memberChanged(member.userId));
  }

  /** Removes a member (GUILD_MEMBER_REMOVE); its sessions leave the guild. Not the guild's owner. */
  deleteMember(guildId: string, userId: string): void {
    const owned = this.#require(guildId);
    const user = owned.state.user(userId);
    if (!owned.state.member(userId) || !user) throw new Refusal("unknown-member", "Unknown Member");
    if (userId === owned.state.record.ownerId) throw badField("user_id", "is the guild owner; transfer ownership first");
    this.#timed("GUILD_MEMBER_REMOVE", () => {
      this.#options.delivery.memberRemoved(guildId, userId);
      owned.state.deleteMember(userId);
      this.#publish(owned, "GUILD_MEMBER_REMOVE", { guild_id: guildId, user: userObject(user) });
      this.#deliverLists(owned, owned.lists.memberChanged(userId));
    });
  }

  // Internals.

  /** The owned guild, loaded on first use; undefined if the store has no such guild. */
  #get(guildId: string): OwnedGuild | undefined {
    const owned = this.#owned.get(guildId);
    if (owned) return owned;
    const loaded = withPermit(this.#options.loadSemaphore, () => GuildState.load(this.#options.store, guildId));
    if (!loaded.ok) {
      this.#loadRefused++;
      throw new GuildUnavailableError(guildId, loaded.max);
    }
    if (!loaded.value) return undefined;
    const guild = new OwnedGuild(loaded.value);
    this.#owned.set(guildId, guild);
    return guild;
  }

  #require(guildId: string): OwnedGuild {
    const owned = this.#get(guildId);
    if (!owned) throw new Refusal("unknown-guild", "Unknown Guild");
    return owned;
  }

  #createCache(guild: OwnedGuild): GuildCreateCache {
    let cache = this.#createCaches.get(guild);
    if (!cache) {
      cache = new GuildCreateCache(guild);
      this.#createCaches.set(guild, cache);
    }
    return cache;
  }

  /** A guild-wide event guildgate makes from its state. */
  #publish(guild: OwnedGuild, t: string, d: unknown): number {
    return this.#deliver(guild.audience(knownRule(t)), t, d);
  }

  /** Serialises `d` once (and once without content if needed) and sends one message per worker. */
  #deliver(audiences: ReadonlyMap<WorkerId, Audience>, t: string, d: unknown): number {
    let full: string | undefined;
    let stripped: string | undefined;
    let topics = 0;
    for (const [worker, audience] of audiences) {
      const parts: PublishPart[] = [];
      if (audience.full.length > 0) parts.push({ topics: audience.full, dJson: (full ??= JSON.stringify(d)) });
      if (audience.stripped.length > 0) {
        stripped ??= JSON.stringify(withoutContent(d as Record<string, unknown>));
        parts.push({ topics: audience.stripped, dJson: stripped });
      }
      topics += audience.full.length + audience.stripped.length;
      if (parts.length > 0) this.#options.delivery.publish(worker, t, parts);
    }
    return topics;
  }

  /** Runs a change that may alter who sees which channel; see view-changes.ts. */
  #viewChanges(guild: OwnedGuild, change: () => readonly ClassMove[]): ChannelViews {
    return announceViewChanges(guild, change, {
      toClass: (classId, t, d) => void this.#deliver(guild.topicsOfClass(classId, knownRule(t)), t, d),
      toMember: (userId, t, d) => this.#options.delivery.sendToMember(guild.id, userId, t, JSON.stringify(d)),
      moveMember: (userId, classId) => this.#options.delivery.moveMember(guild.id, userId, classId),
    });
  }

  /** Member-list changes: the drops first, then one publish per (worker, chunk topic). */
  #deliverLists(guild: OwnedGuild, { drops, updates }: ListChanges): void {
    for (const { userId, listId } of drops) this.#options.delivery.dropList(guild.id, userId, listId);
    for (const { worker, topic, dJson } of updates) {
      this.#options.delivery.publish(worker, "GUILD_MEMBER_LIST_UPDATE", [{ topics: [topic], dJson }]);
    }
  }

  #publishMemberUpdate(guild: OwnedGuild, member: Member): void {
    const user = guild.state.user(member.userId);
    if (!user) return;
    const d = memberJson(member, user, guild.id);
    this.#publish(guild, "GUILD_MEMBER_UPDATE", d);
    this.#options.delivery.sendToSelf(guild.id, member.userId, "GUILD_MEMBER_UPDATE", JSON.stringify(d));
  }

  #setPresence(guild: OwnedGuild, userId: string, presence: Presence): void {
    if (samePresence(guild.presences.set(userId, presence), presence)) return;
    this.#publish(guild, "PRESENCE_UPDATE", presenceJson(userId, presence, guild.id));
    this.#deliverLists(guild, guild.lists.memberChanged(userId));
  }

  #timed<T>(name: string, fn: () => T): T {
    const start = performance.now();
    try {
      return fn();
    } finally {
      const ms = performance.now() - start;
      const timing = this.#timings.get(name);
      if (timing) {
        timing.count++;
        timing.sumMs += ms;
        if (ms > timing.maxMs) timing.maxMs = ms;
      } else {
        this.#timings.set(name, { count: 1, sumMs: ms, maxMs: ms });
      }
    }
  }
}

/**
 * Permission classes (DESIGN.md, "Permission classes"): members with the same role set and
 * no member overwrite in any channel see the same channels, so a class is an interned role
 * set, and VIEW_CHANNEL is computed once per (channel, class) with Discord's algorithm
 * (`permissions.ts`) and cached. The owner, and any member with a member overwrite in some
 * channel, gets a singleton class of its own. Class ids are small dense integers, reused
 * after a class loses its last member, so per-channel caches are flat byte arrays.
 *
 * Every mutation returns a `PermissionUpdate`: the members that moved to another class (the
 * guild layer moves their sessions to the new `g:{guild}:{class}:{variant}` topic) and the
 * (channel, class) answers that flipped. Flips are reported for answers this object gave
 * before (through `canView` or `viewersOf`) and that are now different; an answer never
 * given cannot have been acted on, so it is not reported.
 */

import {
  type Channel,
  type GuildPermissionState,
  type MemberRoles,
  canView as memberCanView,
  channelPermissions,
  computeBasePermissions,
} from "./permissions.ts";

/** Where `PermissionClasses` reads the guild's current state; it keeps no copy of it. */
export interface PermissionSource {
  /** The guild's id, owner and roles as they are now. */
  guild(): GuildPermissionState;
  /** A channel as it is now, or undefined once deleted. */
  channel(channelId: string): Channel | undefined;
  /** Every channel of the guild (read once, at construction, to find member overwrites). */
  channels(): Iterable<Channel>;
}

/** A member that changed class. `from` is -1 when it was not tracked, `to` -1 when it left. */
export interface ClassMove {
  userId: string;
  from: number;
  to: number;
}

/** A VIEW_CHANNEL answer, given before, that flipped: `canView` is the new answer. */
export interface VisibilityChange {
  channelId: string;
  classId: number;
  canView: boolean;
}

/** What a mutation changed (see the module doc). */
export interface PermissionUpdate {
  moved: readonly ClassMove[];
  visibility: readonly VisibilityChange[];
}

interface ClassEntry {
  key: string;
  /** Unique for the object's lifetime, unlike the id, which is reused. */
  serial: number;
  /** The member the algorithm is run for: the member itself, or `userId: ""` for a role set. */
  rep: MemberRoles;
  members: Set<string>;
}

interface Tracked {
  classId: number;
  roleIds: readonly string[];
}

interface ChannelCache {
  /** Per class id: UNKNOWN, HIDDEN or VISIBLE. */
  state: Uint8Array;
  /** Sorted ids of the classes that may view, once every live class is known; else null. */
  viewers: number[] | null;
}

interface Known {
  channelId: string;
  classId: number;
  serial: number;
  visible: boolean;
}

const UNKNOWN = 0;
const HIDDEN = 1;
const VISIBLE = 2;
const NO_CLASS = -1;
const EMPTY: readonly number[] = Object.freeze([]);

/** Most members have no role but @everyone: they share one empty list. */
const NO_ROLES: readonly string[] = Object.freeze([]);

const sortedRoles = (member: MemberRoles, guildId: string): readonly string[] =>
  member.roleIds.length === 0 ? NO_ROLES : [...new Set(member.roleIds)].filter((id) => id !== guildId).sort();

const roleSetKey = (roleIds: readonly string[]): string => `r:${roleIds.join(",")}`;

const sameRoles = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((id, i) => id === b[i]);

const insertSorted = (list: number[], value: number): void => {
  let i = list.length;
  while (i > 0 && (list[i - 1] ?? 0) > value) i--;
  list.splice(i, 0, value);
};

/**
 * The permission classes of one guild's tracked members (those with sessions here), with
 * VIEW_CHANNEL cached per (channel, class). Call `track` when a member joins or its roles
 * change, `untrack` when it leaves, `invalidateChannel` when a channel's overwrites change
 * (or it is created or deleted), and `invalidateRoles` when role permissions, roles or the
 * owner change. Classes with no tracked member are dropped, so memory follows the members.
 */
export class PermissionClasses {
  readonly #source: PermissionSource;
  readonly #classes: (ClassEntry | undefined)[] = [];
  readonly #freeIds: number[] = [];
  readonly #byKey = new Map<string, number>();
  readonly #members = new Map<string, Tracked>();
  readonly #caches = new Map<string, ChannelCache>();
  /** Per channel, the users with a member overwrite there. */
  readonly #memberOverwrites = new Map<string, Set<string>>();
  /** Per user, how many channels have a member overwrite for it. */
  readonly #overwriteCounts = new Map<string, number>();
  #serial = 0;
  #live = 0;
  /** The owner the classes were keyed with (the owner is a singleton class). */
  #ownerId: string;

  /** Reads every channel once to index member overwrites. */
  constructor(source: PermissionSource) {
    this.#source = source;
    this.#ownerId = source.guild().ownerId;
    for (const channel of source.channels()) this.#indexChannel(channel.id, channel);
  }

  /** Number of live classes (each has at least one tracked member). */
  get classCount(): number {
    return this.#live;
  }

  /** The class of a tracked member, or undefined if it is not tracked. */
  classOf(userId: string): number | undefined {
    return this.#members.get(userId)?.classId;
  }

  /** Ids of the live classes, ascending. */
  classIds(): number[] {
    const ids: number[] = [];
    for (let id = 0; id < this.#classes.length; id++) if (this.#classes[id] !== undefined) ids.push(id);
    return ids;
  }

  /** A number unique to this class for the object's lifetime (ids are reused; serials never), or -1. */
  serialOf(classId: number): number {
    return this.#classes[classId]?.serial ?? -1;
  }

  /** The user ids in a class (empty for an unknown id). */
  membersOf(classId: number): ReadonlySet<string> {
    return this.#classes[classId]?.members ?? new Set<string>();
  }

  /**
   * The tracked members whose role set (as last tracked) holds `roleId`, found by class:
   * the cost follows the classes and the members found, not every tracked member.
   */
  membersWithRole(roleId: string): string[] {
    const found: string[] = [];
    for (const entry of this.#classes) {
      if (entry?.rep.roleIds.includes(roleId)) found.push(...entry.members);
    }
    return found;
  }

  /**
   * Adds a member, or takes its new role set. A role-set change moves it to another class,
   * except in a singleton class, whose given answers are then recomputed instead.
   */
  track(member: MemberRoles): PermissionUpdate {
    const guild = this.#source.guild();
    const roleIds = sortedRoles(member, guild.id);
    const tracked = this.#members.get(member.userId);
    const classId = this.#classFor(member.userId, roleIds, guild);
    const moved: ClassMove[] = [];
    let visibility: readonly VisibilityChange[] = [];
    if (tracked === undefined) {
      this.#members.set(member.userId, { classId, roleIds });
      moved.push({ userId: member.userId, from: NO_CLASS, to: classId });
    } else if (tracked.classId !== classId) {
      const from = tracked.classId;
      this.#members.set(member.userId, { classId, roleIds });
      this.#leave(from, member.userId);
      moved.push({ userId: member.userId, from, to: classId });
    } else if (!sameRoles(tracked.roleIds, roleIds)) {
      // Same singleton class (keyed by user), new roles: its answers may flip.
      this.#members.set(member.userId, { classId, roleIds });
      const entry = this.#entry(classId);
      entry.rep = { userId: member.userId, roleIds };
      visibility = this.#recompute(this.#forget((_, id) => id === classId));
    }
    return { moved, visibility };
  }

  /**
   * Tracks members not tracked yet, all at once (a first load): as `track` for each, without
   * reporting them as moves.
   */
  trackMany(members: Iterable<MemberRoles>): void {
    const guild = this.#source.guild();
    // Members with the same role ids (as given) share one sorted list and key: role sets repeat.
    const sets = new Map<string, { roleIds: readonly string[]; key: string }>();
    for (const member of members) {
      if (this.#members.has(member.userId)) continue;
      const given = member.roleIds.join(",");
      let set = sets.get(given);
      if (set === undefined) {
        const roleIds = sortedRoles(member, guild.id);
        sets.set(given, (set = { roleIds, key: roleSetKey(roleIds) }));
      }
      this.#members.set(member.userId, { classId: this.#classFor(member.userId, set.roleIds, guild, set.key), roleIds: set.roleIds });
    }
  }

  /** Same as `track`: a member's role set changed. */
  memberChanged(member: MemberRoles): PermissionUpdate {
    return this.track(member);
  }

  /** Stops tracking a member; its class goes when it was the last one. */
  untrack(userId: string): PermissionUpdate {
    const tracked = this.#members.get(userId);
    if (tracked === undefined) return { moved: [], visibility: [] };
    this.#members.delete(userId);
    this.#leave(tracked.classId, userId);
    return { moved: [{ userId, from: tracked.classId, to: NO_CLASS }], visibility: [] };
  }

  /** Whether members of `classId` may view `channelId` (false for unknown ids). Cached. */
  canView(classId: number, channelId: string): boolean {
    const entry = this.#classes[classId];
    if (entry === undefined) return false;
    const cache = this.#cacheOf(channelId);
    if (cache === undefined) return false;
    return this.#answer(cache, classId, entry, channelId);
  }

  /**
   * Whether members of `classId` have every one of `permissions`: in `channelId` when given,
   * else guild-wide. Not cached: only the rarer events that need more than VIEW_CHANNEL ask.
   */
  has(classId: number, permissions: bigint, channelId?: string): boolean {
    const entry = this.#classes[classId];
    if (entry === undefined) return false;
    const guild = this.#source.guild();
    let granted: bigint;
    if (channelId === undefined) granted = computeBasePermissions(entry.rep, guild);
    else {
      const channel = this.#source.channel(channelId);
      if (channel === undefined) return false;
      granted = channelPermissions(guild, entry.rep, channel);
    }
    return (granted & permissions) === permissions;
  }

  /** Sorted ids of the classes that may view `channelId` (empty for an unknown channel). Cached. */
  viewersOf(channelId: string): readonly number[] {
    const cache = this.#cacheOf(channelId);
    if (cache === undefined) return EMPTY;
    if (cache.viewers !== null) return cache.viewers;
    const viewers: number[] = [];
    for (let id = 0; id < this.#classes.length; id++) {
      const entry = this.#classes[id];
      if (entry !== undefined && this.#answer(cache, id, entry, channelId)) viewers.push(id);
    }
    cache.viewers = viewers;
    return viewers;
  }

  /**
   * A channel's overwrites changed, or it was created or deleted. Members whose "has a member
   * overwrite somewhere" status flipped move class; given answers for the channel are
   * recomputed (a deleted channel's become false).
   */
  invalidateChannel(channelId: string): PermissionUpdate {
    const known = this.#forget((cid) => cid === channelId);
    this.#caches.delete(channelId);
    const flipped = this.#indexChannel(channelId, this.#source.channel(channelId));
    const guild = this.#source.guild();
    const moved: ClassMove[] = [];
    for (const userId of flipped) this.#rekey(userId, guild, moved);
    return { moved, visibility: this.#recompute(known) };
  }

  /**
   * Role permissions changed, a role was created or deleted, or the owner changed. The old
   * and new owner re-keyed (the owner is a singleton; no other key depends on roles'
   * permissions) and every given answer recomputed. Members whose role ids changed must also
   * be passed to `track`.
   */
  invalidateRoles(): PermissionUpdate {
    const known = this.#forget(() => true);
    const guild = this.#source.guild();
    const moved: ClassMove[] = [];
    if (guild.ownerId !== this.#ownerId) {
      const before = this.#ownerId;
      this.#ownerId = guild.ownerId;
      this.#rekey(before, guild, moved);
      this.#rekey(guild.ownerId, guild, moved);
    }
    return { moved, visibility: this.#recompute(known) };
  }

  #entry(classId: number): ClassEntry {
    const entry = this.#classes[classId];
    if (entry === undefined) throw new Error(`PermissionClasses: no class ${classId}`);
    return entry;
  }

  /** The class key: the user's own for the owner and members with a member overwrite, else the role set's (`roleKey` if known). */
  #keyFor(userId: string, roleIds: readonly string[], guild: GuildPermissionState, roleKey?: string): string {
    if (userId === guild.ownerId || (this.#overwriteCounts.get(userId) ?? 0) > 0) {
      return `u:${userId}`;
    }
    return roleKey ?? roleSetKey(roleIds);
  }

  /** The class for this key, created (and its member added) as needed. */
  #classFor(userId: string, roleIds: readonly string[], guild: GuildPermissionState, roleKey?: string): number {
    const key = this.#keyFor(userId, roleIds, guild, roleKey);
    const existing = this.#byKey.get(key);
    if (existing !== undefined) {
      this.#entry(existing).members.add(userId);
      return existing;
    }
    const id = this.#freeIds.pop() ?? this.#classes.length;
    const rep = key.startsWith("u:") ? { userId, roleIds } : { userId: "", roleIds };
    const entry: ClassEntry = { key, serial: ++this.#serial, rep, members: new Set([userId]) };
    this.#classes[id] = entry;
    this.#byKey.set(key, id);
    this.#live++;
    // Keep complete viewer lists complete.
    for (const [channelId, cache] of this.#caches) {
      if (cache.viewers !== null && this.#answer(cache, id, entry, channelId)) {
        insertSorted(cache.viewers, id);
      }
    }
    return id;
  }

  #leave(classId: number, userId: string): void {
    const entry = this.#entry(classId);
    entry.members.delete(userId);
    if (entry.members.size > 0) return;
    this.#classes[classId] = undefined;
    this.#byKey.delete(entry.key);
    this.#freeIds.push(classId);
    this.#live--;
    for (const cache of this.#caches.values()) {
      if (classId < cache.state.length) {
        const at = cache.viewers?.indexOf(classId) ?? -1;
        if (at >= 0) cache.viewers?.splice(at, 1);
        cache.state[classId] = UNKNOWN;
      }
    }
  }

  /** Moves a tracked member if its key changed (owner or member-overwrite status). */
  #rekey(userId: string, guild: GuildPermissionState, moved: ClassMove[]): void {
    const tracked = this.#members.get(userId);
    if (tracked === undefined) return;
    const from = tracked.classId;
    if (this.#keyFor(userId, tracked.roleIds, guild) === this.#entry(from).key) return;
    const to = this.#classFor(userId, tracked.roleIds, guild);
    tracked.classId = to;
    this.#leave(from, userId);
    moved.push({ userId, from, to });
  }

  #cacheOf(channelId: string): ChannelCache | undefined {
    const cached = this.#caches.get(channelId);
    if (cached !== undefined) return cached;
    if (this.#source.channel(channelId) === undefined) return undefined;
    const cache: ChannelCache = {
      state: new Uint8Array(Math.max(8, this.#classes.length)),
      viewers: null,
    };
    this.#caches.set(channelId, cache);
    return cache;
  }

  #answer(cache: ChannelCache, classId: number, entry: ClassEntry, channelId: string): boolean {
    if (classId >= cache.state.length) {
      const grown = new Uint8Array(Math.max(classId + 1, cache.state.length * 2));
      grown.set(cache.state);
      cache.state = grown;
    }
    const state = cache.state[classId];
    if (state !== UNKNOWN) return state === VISIBLE;
    const channel = this.#source.channel(channelId);
    const visible =
      channel !== undefined && memberCanView(this.#source.guild(), entry.rep, channel);
    cache.state[classId] = visible ? VISIBLE : HIDDEN;
    return visible;
  }

  /** Removes the given answers matching `match` from the caches, returning them. */
  #forget(match: (channelId: string, classId: number) => boolean): Known[] {
    const known: Known[] = [];
    for (const [channelId, cache] of this.#caches) {
      const { state } = cache;
      let touched = false;
      for (let id = 0; id < state.length; id++) {
        const value = state[id];
        if (value === UNKNOWN || !match(channelId, id)) continue;
        const serial = this.#entry(id).serial;
        known.push({ channelId, classId: id, serial, visible: value === VISIBLE });
        state[id] = UNKNOWN;
        touched = true;
      }
      if (touched) cache.viewers = null;
    }
    return known;
  }

  /** Answers `known` again for the classes still alive; returns those that flipped. */
  #recompute(known: readonly Known[]): VisibilityChange[] {
    const changes: VisibilityChange[] = [];
    for (const { channelId, classId, serial, visible } of known) {
      const entry = this.#classes[classId];
      if (entry === undefined || entry.serial !== serial) continue;
      const cache = this.#cacheOf(channelId);
      const now = cache !== undefined && this.#answer(cache, classId, entry, channelId);
      if (now !== visible) changes.push({ channelId, classId, canView: now });
    }
    return changes;
  }

  /** Re-reads a channel's member overwrites; returns the users whose count crossed zero. */
  #indexChannel(channelId: string, channel: Channel | undefined): string[] {
    const before = this.#memberOverwrites.get(channelId) ?? new Set<string>();
    const after = new Set<string>();
    for (const overwrite of channel?.overwrites ?? []) {
      if (overwrite.type === 1) after.add(overwrite.id);
    }
    const flipped: string[] = [];
    for (const userId of before) {
      if (after.has(userId)) continue;
      const count = (this.#overwriteCounts.get(userId) ?? 1) - 1;
      if (count > 0) this.#overwriteCounts.set(userId, count);
      else {
        this.#overwriteCounts.delete(userId);
        flipped.push(userId);
      }
    }
    for (const userId of after) {
      if (before.has(userId)) continue;
      const count = (this.#overwriteCounts.get(userId) ?? 0) + 1;
      this.#overwriteCounts.set(userId, count);
      if (count === 1) flipped.push(userId);
    }
    if (after.size > 0) this.#memberOverwrites.set(channelId, after);
    else this.#memberOverwrites.delete(channelId);
    return flipped;
  }
}

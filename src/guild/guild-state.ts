/**
 * One guild's state in memory on its owner: the guild record, roles, channels and members
 * (with their users), as the store holds them. It is the `PermissionSource` of the guild's
 * `PermissionClasses`, so permission answers always read the current state. It never writes
 * the store: the owner (guilds.ts) commits a change to the store first and applies it here
 * once committed, so memory never holds what a restart would lose.
 */
import type { Channel, GuildPermissionState, Role } from "./permissions.ts";
import type { PermissionSource } from "./permission-classes.ts";
import type { Guild, GuildStore, Member, MemberWithUser, StoredChannel, StoredRole, User } from "../store/guild-store.ts";
import type { StoredThreadMember } from "../store/thread-records.ts";

/** A thread channel: a channel record with its thread fields. */
export type ThreadChannel = StoredChannel & { readonly thread: NonNullable<StoredChannel["thread"]> };

/** Members are read from the store in pages of this many. */
const LOAD_PAGE = 1000;

export class GuildState implements PermissionSource {
  #guild: Guild;
  /** The ring generation its owner claimed it at: the fencing token of every write (guild-store.ts). */
  #generation: number;
  readonly #roles = new Map<string, StoredRole>();
  /** Channels that are not threads: what permissions, classes, lists and GUILD_CREATE's `channels` cover. */
  readonly #channels = new Map<string, StoredChannel>();
  /** Threads, apart: a thread has its parent's permissions, and its own audience. */
  readonly #threads = new Map<string, ThreadChannel>();
  /** The threads not archived: what a join lists (archived ones may be many, and are read only on request). */
  readonly #activeThreads = new Map<string, ThreadChannel>();
  /** Per thread, who joined it, by user id. */
  readonly #threadMembers = new Map<string, Map<string, StoredThreadMember>>();
  readonly #members = new Map<string, Member>();
  readonly #users = new Map<string, User>();
  /** Bumped on every change: cached payloads built from an older version are stale. */
  #version = 0;

  private constructor(guild: Guild, generation: number) {
    this.#guild = guild;
    this.#generation = generation;
  }

  get generation(): number {
    return this.#generation;
  }

  /** Its owner renewed its claim at a later generation (guild-store.ts `renewClaim`). */
  renewed(generation: number): void {
    this.#generation = generation;
  }

  /**
   * Claims the guild for an owner at ring `generation` (rejecting with `GuildFencedError` if a
   * later owner has it), then reads it and everything in it from the store; undefined if there
   * is no such guild.
   */
  static async load(store: GuildStore, guildId: string, generation: number): Promise<GuildState | undefined> {
    if (!(await store.getGuild(guildId))) return undefined;
    await store.claimGuild(guildId, generation);
    // Read after the claim: every write of an earlier owner either landed before it or is refused.
    const [guild, roles, channels, threadMembers] = await Promise.all([
      store.getGuild(guildId),
      store.listRoles(guildId),
      store.listChannels(guildId),
      store.listThreadMembers(guildId),
    ]);
    if (!guild) return undefined;
    const state = GuildState.of(guild, generation, roles, channels, []);
    for (const member of threadMembers) state.putThreadMember(member);
    let after: string | undefined;
    for (;;) {
      const page = await store.listMembersWithUsers(guildId, LOAD_PAGE, after);
      for (const member of page) state.#addMember(member);
      if (page.length < LOAD_PAGE) break;
      after = page[page.length - 1]?.member.userId;
    }
    return state;
  }

  /** A guild's state from its records (a guild just created by its owner). */
  static of(
    guild: Guild,
    generation: number,
    roles: readonly StoredRole[],
    channels: readonly StoredChannel[],
    members: readonly MemberWithUser[],
  ): GuildState {
    const state = new GuildState(guild, generation);
    for (const role of roles) state.#roles.set(role.id, role);
    for (const channel of channels) state.putChannel(channel);
    for (const member of members) state.#addMember(member);
    return state;
  }

  get id(): string {
    return this.#guild.id;
  }

  get record(): Guild {
    return this.#guild;
  }

  get version(): number {
    return this.#version;
  }

  get memberCount(): number {
    return this.#members.size;
  }

  roles(): IterableIterator<StoredRole> {
    return this.#roles.values();
  }

  role(id: string): StoredRole | undefined {
    return this.#roles.get(id);
  }

  allChannels(): IterableIterator<StoredChannel> {
    return this.#channels.values();
  }

  member(userId: string): Member | undefined {
    return this.#members.get(userId);
  }

  members(): IterableIterator<Member> {
    return this.#members.values();
  }

  user(userId: string): User | undefined {
    return this.#users.get(userId);
  }

  // PermissionSource
  guild(): GuildPermissionState {
    return { id: this.#guild.id, ownerId: this.#guild.ownerId, roles: this.#roles as ReadonlyMap<string, Role> };
  }

  channel(channelId: string): Channel | undefined {
    return this.channelRecord(channelId);
  }

  channels(): Iterable<Channel> {
    return this.#channels.values();
  }

  channelRecord(channelId: string): StoredChannel | undefined {
    return this.#channels.get(channelId);
  }

  /** The members that have the role, as they are without it (what deleting the role writes). */
  membersWithout(roleId: string): Member[] {
    const changed: Member[] = [];
    for (const member of this.#members.values()) {
      if (member.roleIds.includes(roleId)) changed.push({ ...member, roleIds: member.roleIds.filter((id) => id !== roleId) });
    }
    return changed;
  }

  // Changes, applied once the store has committed them.
  putGuild(guild: Guild): void {
    this.#guild = guild;
    this.#version++;
  }

  putRole(role: StoredRole): void {
    this.#roles.set(role.id, role);
    this.#version++;
  }

  /** Removes the role; `changed` are its members without it (`membersWithout`). */
  deleteRole(roleId: string, changed: readonly Member[]): void {
    this.#roles.delete(roleId);
    for (const member of changed) this.#members.set(member.userId, member);
    this.#version++;
  }

  /** A channel, or a thread (kept apart; a thread's change leaves `version` as it was: GUILD_CREATE builds its threads per join). */
  putChannel(channel: StoredChannel): void {
    if (isThread(channel)) {
      this.#threads.set(channel.id, channel);
      if (channel.thread.archived) this.#activeThreads.delete(channel.id);
      else this.#activeThreads.set(channel.id, channel);
      return;
    }
    this.#channels.set(channel.id, channel);
    this.#version++;
  }

  /** Removes a channel, or a thread with its members. */
  deleteChannel(channelId: string): void {
    if (this.#threads.delete(channelId)) {
      this.#activeThreads.delete(channelId);
      this.#threadMembers.delete(channelId);
      return;
    }
    this.#channels.delete(channelId);
    this.#version++;
  }

  thread(threadId: string): ThreadChannel | undefined {
    return this.#threads.get(threadId);
  }

  /** Every thread, active and archived. */
  threads(): IterableIterator<ThreadChannel> {
    return this.#threads.values();
  }

  /** The threads not archived. */
  activeThreads(): IterableIterator<ThreadChannel> {
    return this.#activeThreads.values();
  }

  /** Who joined the thread, by user id (empty if nobody). */
  threadMembers(threadId: string): ReadonlyMap<string, StoredThreadMember> {
    return this.#threadMembers.get(threadId) ?? NO_MEMBERS;
  }

  putThreadMember(member: StoredThreadMember): void {
    let members = this.#threadMembers.get(member.threadId);
    if (!members) this.#threadMembers.set(member.threadId, (members = new Map()));
    members.set(member.userId, member);
  }

  deleteThreadMember(threadId: string, userId: string): void {
    const members = this.#threadMembers.get(threadId);
    members?.delete(userId);
    if (members?.size === 0) this.#threadMembers.delete(threadId);
  }

  /** Adds or replaces a member; `user` must be its user. */
  putMember(member: Member, user: User): void {
    this.#users.set(user.id, user);
    this.#members.set(member.userId, member);
    this.#version++;
  }

  deleteMember(userId: string): void {
    this.#members.delete(userId);
    this.#users.delete(userId);
    this.#version++;
  }

  /** A member with its user (a member whose user is gone is never loaded: it cannot connect or be shown). */
  #addMember({ member, user }: MemberWithUser): void {
    // One guild id string for every member (each store row brings its own copy).
    this.#members.set(member.userId, { ...member, guildId: this.#guild.id });
    this.#users.set(user.id, user);
  }
}

const NO_MEMBERS: ReadonlyMap<string, StoredThreadMember> = new Map();

function isThread(channel: StoredChannel): channel is ThreadChannel {
  return channel.thread !== undefined;
}

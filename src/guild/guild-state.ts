/**
 * One guild's state in memory on its owner: the guild record, roles, channels and members
 * (with their users), as the store holds them. It is the `PermissionSource` of the guild's
 * `PermissionClasses`, so permission answers always read the current state. Writes go to
 * the store first and then here, so memory never holds what a restart would lose.
 */
import type { Channel, GuildPermissionState, Role } from "./permissions.ts";
import type { PermissionSource } from "./permission-classes.ts";
import type { Guild, GuildStore, Member, StoredChannel, StoredRole, User } from "../store/guild-store.ts";

/** Members are read from the store in pages of this many. */
const LOAD_PAGE = 1000;

export class GuildState implements PermissionSource {
  #guild: Guild;
  readonly #store: GuildStore;
  readonly #roles = new Map<string, StoredRole>();
  readonly #channels = new Map<string, StoredChannel>();
  readonly #members = new Map<string, Member>();
  readonly #users = new Map<string, User>();
  /** Bumped on every change: cached payloads built from an older version are stale. */
  #version = 0;

  private constructor(store: GuildStore, guild: Guild) {
    this.#store = store;
    this.#guild = guild;
  }

  /** Reads the guild and everything in it from the store; undefined if there is no such guild. */
  static load(store: GuildStore, guildId: string): GuildState | undefined {
    const guild = store.getGuild(guildId);
    if (!guild) return undefined;
    const state = new GuildState(store, guild);
    for (const role of store.listRoles(guildId)) state.#roles.set(role.id, role);
    for (const channel of store.listChannels(guildId)) state.#channels.set(channel.id, channel);
    let after: string | undefined;
    for (;;) {
      const page = store.listMembers(guildId, LOAD_PAGE, after);
      for (const member of page) state.#addMember(member);
      if (page.length < LOAD_PAGE) break;
      after = page[page.length - 1]?.userId;
    }
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

  // Writes: store first, then memory.
  putGuild(guild: Guild): void {
    this.#store.putGuild(guild);
    this.#guild = guild;
    this.#version++;
  }

  putRole(role: StoredRole): void {
    this.#store.putRole(role);
    this.#roles.set(role.id, role);
    this.#version++;
  }

  /** Removes the role, and it from every member that had it (the store too). Returns the members changed. */
  deleteRole(roleId: string): Member[] {
    this.#store.deleteRole(roleId);
    this.#roles.delete(roleId);
    const changed: Member[] = [];
    for (const member of this.#members.values()) {
      if (!member.roleIds.includes(roleId)) continue;
      const updated = { ...member, roleIds: member.roleIds.filter((id) => id !== roleId) };
      this.#store.putMember(updated);
      this.#members.set(member.userId, updated);
      changed.push(updated);
    }
    this.#version++;
    return changed;
  }

  putChannel(channel: StoredChannel): void {
    this.#store.putChannel(channel);
    this.#channels.set(channel.id, channel);
    this.#version++;
  }

  deleteChannel(channelId: string): void {
    this.#store.deleteChannel(channelId);
    this.#channels.delete(channelId);
    this.#version++;
  }

  /** Adds or replaces a member; `user` must be its user. */
  putMember(member: Member, user: User): void {
    this.#store.putMember(member);
    this.#users.set(user.id, user);
    this.#members.set(member.userId, member);
    this.#version++;
  }

  deleteMember(userId: string): void {
    this.#store.deleteMember(this.#guild.id, userId);
    this.#members.delete(userId);
    this.#users.delete(userId);
    this.#version++;
  }

  #addMember(member: Member): void {
    const user = this.#store.getUser(member.userId);
    // A member whose user was deleted cannot connect or be shown; it stays in the store only.
    if (!user) return;
    // One guild id string for every member (each store row brings its own copy).
    this.#members.set(member.userId, { ...member, guildId: this.#guild.id });
    this.#users.set(user.id, user);
  }
}

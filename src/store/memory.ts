/**
 * An in-memory `GuildStore` for tests: nothing survives `close()`. The `list*`
 * methods filter and sort on every call (O(n log n)), which is fine at test sizes
 * and keeps this store an obviously-correct model for the SQLite one.
 */
import {
  assertValidChannel,
  assertValidGuild,
  assertValidMember,
  assertValidPage,
  assertValidRole,
  assertValidUser,
  copyChannel,
  copyGuild,
  copyMember,
  copyRole,
  type Guild,
  type GuildStore,
  type Member,
  type StoredChannel,
  type StoredRole,
  type User,
} from "./guild-store.ts";

/** Canonical snowflakes order as numbers when compared by length, then by text. */
function compareSnowflakes(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** By position, then numeric id: the order of `listRoles` and `listChannels`. */
function byPosition(a: { position: number; id: string }, b: { position: number; id: string }): number {
  return a.position - b.position || compareSnowflakes(a.id, b.id);
}

/** Only the `User` fields, so extra properties on an argument never leak back out. */
function copyUser(user: User): User {
  const { id, username, globalName, avatar, bot, privilegedIntents, createdAt, tokenGeneration } = user;
  return { id, username, globalName, avatar, bot, privilegedIntents, createdAt, tokenGeneration };
}

/** The keys greater than `after`, ascending, at most `limit`. */
function pageKeys(keys: Iterable<string>, limit: number, after: string | undefined): string[] {
  return [...keys]
    .filter((id) => after === undefined || compareSnowflakes(id, after) > 0)
    .sort(compareSnowflakes)
    .slice(0, limit);
}

/** `GuildStore` over Maps; records are copied in and out. */
export class MemoryGuildStore implements GuildStore {
  readonly #users = new Map<string, User>();
  readonly #guilds = new Map<string, Guild>();
  readonly #roles = new Map<string, StoredRole>();
  readonly #channels = new Map<string, StoredChannel>();
  /** guild id → user id → member. */
  readonly #members = new Map<string, Map<string, Member>>();

  getUser(id: string): User | undefined {
    const user = this.#users.get(id);
    return user && copyUser(user);
  }

  putUser(user: User): void {
    assertValidUser(user);
    const stored = this.#users.get(user.id)?.tokenGeneration ?? 0;
    this.#users.set(user.id, { ...copyUser(user), tokenGeneration: Math.max(stored, user.tokenGeneration) });
  }

  bumpTokenGeneration(id: string): number | undefined {
    const user = this.#users.get(id);
    if (!user) return undefined;
    if (user.tokenGeneration >= Number.MAX_SAFE_INTEGER) throw new RangeError(`user ${id}: tokenGeneration is at its maximum`);
    const tokenGeneration = user.tokenGeneration + 1;
    this.#users.set(id, { ...user, tokenGeneration });
    return tokenGeneration;
  }

  deleteUser(id: string): boolean {
    return this.#users.delete(id);
  }

  listUsers(limit: number, after?: string): User[] {
    assertValidPage(limit, after);
    return pageKeys(this.#users.keys(), limit, after).map((id) => copyUser(this.#users.get(id) as User));
  }

  getGuild(id: string): Guild | undefined {
    const guild = this.#guilds.get(id);
    return guild && copyGuild(guild);
  }

  putGuild(guild: Guild): void {
    assertValidGuild(guild);
    this.#guilds.set(guild.id, copyGuild(guild));
  }

  deleteGuild(id: string): boolean {
    for (const [roleId, role] of this.#roles) if (role.guildId === id) this.#roles.delete(roleId);
    for (const [channelId, channel] of this.#channels) if (channel.guildId === id) this.#channels.delete(channelId);
    this.#members.delete(id);
    return this.#guilds.delete(id);
  }

  listGuilds(limit: number, after?: string): Guild[] {
    assertValidPage(limit, after);
    return pageKeys(this.#guilds.keys(), limit, after).map((id) => copyGuild(this.#guilds.get(id) as Guild));
  }

  getRole(id: string): StoredRole | undefined {
    const role = this.#roles.get(id);
    return role && copyRole(role);
  }

  putRole(role: StoredRole): void {
    assertValidRole(role);
    this.#roles.set(role.id, copyRole(role));
  }

  deleteRole(id: string): boolean {
    return this.#roles.delete(id);
  }

  listRoles(guildId: string): StoredRole[] {
    return [...this.#roles.values()].filter((role) => role.guildId === guildId).sort(byPosition).map(copyRole);
  }

  getChannel(id: string): StoredChannel | undefined {
    const channel = this.#channels.get(id);
    return channel && copyChannel(channel);
  }

  putChannel(channel: StoredChannel): void {
    assertValidChannel(channel);
    this.#channels.set(channel.id, copyChannel(channel));
  }

  deleteChannel(id: string): boolean {
    return this.#channels.delete(id);
  }

  listChannels(guildId: string): StoredChannel[] {
    return [...this.#channels.values()]
      .filter((channel) => channel.guildId === guildId)
      .sort(byPosition)
      .map(copyChannel);
  }

  getMember(guildId: string, userId: string): Member | undefined {
    const member = this.#members.get(guildId)?.get(userId);
    return member && copyMember(member);
  }

  putMember(member: Member): void {
    assertValidMember(member);
    let members = this.#members.get(member.guildId);
    if (!members) this.#members.set(member.guildId, (members = new Map()));
    members.set(member.userId, copyMember(member));
  }

  deleteMember(guildId: string, userId: string): boolean {
    const members = this.#members.get(guildId);
    if (!members?.delete(userId)) return false;
    if (members.size === 0) this.#members.delete(guildId);
    return true;
  }

  listMembers(guildId: string, limit: number, after?: string): Member[] {
    assertValidPage(limit, after);
    const members = this.#members.get(guildId);
    if (!members) return [];
    return pageKeys(members.keys(), limit, after).map((userId) => copyMember(members.get(userId) as Member));
  }

  countMembers(guildId: string): number {
    return this.#members.get(guildId)?.size ?? 0;
  }

  guildsOfUser(userId: string): string[] {
    const guildIds: string[] = [];
    for (const [guildId, members] of this.#members) if (members.has(userId)) guildIds.push(guildId);
    return guildIds.sort(compareSnowflakes);
  }

  close(): void {
    for (const map of [this.#users, this.#guilds, this.#roles, this.#channels, this.#members]) map.clear();
  }
}

/**
 * The default `GuildStore`: one bun:sqlite file, `<dataDir>/guildgate.sqlite`.
 * - WAL with `synchronous=NORMAL`: readers never block the writer, and a commit
 *   costs no fsync (it is durable at the next checkpoint; a power cut can lose
 *   the last commits but never corrupts the file).
 * - `busy_timeout` of 5 s, because every Worker of a node opens the same file.
 * - The schema is the `migrations` array, applied in order inside one
 *   `BEGIN IMMEDIATE` transaction and counted by `PRAGMA user_version`, so two
 *   Workers starting together migrate once. A file from a newer build is refused.
 * - Statements are prepared once per store and reused.
 * - bun:sqlite is synchronous: each method does its work before it returns its promise
 *   (so a `batch` holds the calls made inside it).
 * - A guild's fence (`guild_owners`) is raised and checked in the same transaction as the
 *   guild's writes.
 */
import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  assertValidGuildWrite,
  assertValidPage,
  assertValidUser,
  GuildFencedError,
  type Guild,
  type GuildStore,
  type GuildWrite,
  type Member,
  type MemberWithUser,
  type StoredChannel,
  type StoredRole,
  type User,
} from "./guild-store.ts";
import { decodeOverwrites, decodeRoleIds, encodeOverwrites, encodeRoleIds } from "./json-columns.ts";
import type { MessagePage, ReactionCount, StoredAttachment, StoredMessage } from "./message-records.ts";
import { ATTACHMENTS_MIGRATION, MESSAGES_MIGRATION, SqliteMessages } from "./sqlite-messages.ts";
import { COMMAND_PERMISSIONS_MIGRATION, COMMANDS_MIGRATION, SqliteCommands } from "./sqlite-commands.ts";
import type { CommandChange, StoredCommand, StoredCommandPermissions } from "./command-records.ts";
import { decodeThread, encodeThread, threadMemberFromRow, type StoredThreadMember, type ThreadMemberRow } from "./thread-records.ts";
import { DM_CHANNELS_MIGRATION, SqliteDmChannels } from "./sqlite-dm-channels.ts";
import { GROUP_DMS_MIGRATION, SqliteGroupDms } from "./sqlite-group-dms.ts";
import { INTERACTIONS_MIGRATION, SqliteInteractions } from "./sqlite-interactions.ts";
import type { ShownModal, StoredInteraction } from "./interaction-records.ts";
import { listPrivateChannels, PRIVATE_CHANNELS_MIGRATION } from "./sqlite-private-channels.ts";
import type { PrivateChannelEntry } from "./private-channels.ts";
import type { GroupDmChannel } from "./group-dm-channels.ts";
import type { DmChannel } from "./dm-channels.ts";

/** The store's file name inside the data dir. */
export const STORE_FILE = "guildgate.sqlite";

/**
 * Schema steps; step i moves `user_version` from i to i + 1. Append only: never
 * edit a step that has shipped.
 */
export const migrations: readonly string[] = [
  // `id_order` left-pads ids to 20 digits (u64 max), so text order is numeric
  // order and `listUsers` pages with one index range scan.
  `CREATE TABLE users (
     id TEXT PRIMARY KEY NOT NULL,
     username TEXT NOT NULL,
     global_name TEXT,
     avatar TEXT,
     bot INTEGER NOT NULL,
     privileged_intents INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     id_order TEXT NOT NULL GENERATED ALWAYS AS (substr('0000000000000000000' || id, -20)) VIRTUAL
   ) WITHOUT ROWID;
   CREATE INDEX users_by_id_order ON users (id_order);`,
  // Guilds, roles, channels and members. Permission bitfields are u64, so they are
  // decimal TEXT. A channel's overwrites and a member's role ids are JSON arrays
  // in their row: always read and written whole, with the record. Cascades are
  // done by `deleteGuild` in a transaction, not by foreign keys.
  `CREATE TABLE guilds (
     id TEXT PRIMARY KEY NOT NULL,
     name TEXT NOT NULL,
     owner_id TEXT NOT NULL,
     icon TEXT,
     created_at INTEGER NOT NULL,
     id_order TEXT NOT NULL GENERATED ALWAYS AS (substr('0000000000000000000' || id, -20)) VIRTUAL
   ) WITHOUT ROWID;
   CREATE INDEX guilds_by_id_order ON guilds (id_order);
   CREATE TABLE roles (
     id TEXT PRIMARY KEY NOT NULL,
     guild_id TEXT NOT NULL,
     name TEXT NOT NULL,
     permissions TEXT NOT NULL,
     position INTEGER NOT NULL,
     hoist INTEGER NOT NULL,
     color INTEGER NOT NULL,
     mentionable INTEGER NOT NULL,
     id_order TEXT NOT NULL GENERATED ALWAYS AS (substr('0000000000000000000' || id, -20)) VIRTUAL
   ) WITHOUT ROWID;
   CREATE INDEX roles_by_guild ON roles (guild_id, position, id_order);
   CREATE TABLE channels (
     id TEXT PRIMARY KEY NOT NULL,
     guild_id TEXT NOT NULL,
     type INTEGER NOT NULL,
     name TEXT NOT NULL,
     position INTEGER NOT NULL,
     parent_id TEXT,
     overwrites TEXT NOT NULL,
     topic TEXT,
     id_order TEXT NOT NULL GENERATED ALWAYS AS (substr('0000000000000000000' || id, -20)) VIRTUAL
   ) WITHOUT ROWID;
   CREATE INDEX channels_by_guild ON channels (guild_id, position, id_order);
   CREATE TABLE members (
     guild_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     role_ids TEXT NOT NULL,
     nick TEXT,
     joined_at INTEGER NOT NULL,
     user_order TEXT NOT NULL GENERATED ALWAYS AS (substr('0000000000000000000' || user_id, -20)) VIRTUAL,
     guild_order TEXT NOT NULL GENERATED ALWAYS AS (substr('0000000000000000000' || guild_id, -20)) VIRTUAL,
     PRIMARY KEY (guild_id, user_id)
   ) WITHOUT ROWID;
   CREATE INDEX members_by_guild_user_order ON members (guild_id, user_order);
   CREATE INDEX members_by_user ON members (user_id, guild_order);`,
  // Token generations (session/auth.ts). Users from before get 0: the tokens minted
  // for them then were JWTs, which no longer verify anyway.
  `ALTER TABLE users ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;`,
  // Fences (guild-store.ts `claimGuild`): the ring generation of each guild's last owner.
  `CREATE TABLE guild_owners (
     guild_id TEXT PRIMARY KEY NOT NULL,
     generation INTEGER NOT NULL
   ) WITHOUT ROWID;`,
  // Messages and reactions (sqlite-messages.ts).
  MESSAGES_MIGRATION,
  // Attachments, a message's files (sqlite-messages.ts).
  ATTACHMENTS_MIGRATION,
  // Application commands (sqlite-commands.ts).
  COMMANDS_MIGRATION,
  // DM channels (sqlite-dm-channels.ts).
  DM_CHANNELS_MIGRATION,
  // Command permissions (sqlite-commands.ts).
  COMMAND_PERMISSIONS_MIGRATION,
  // Group DM channels (sqlite-group-dms.ts).
  GROUP_DMS_MIGRATION,
  // Threads: a thread channel's own fields, and who joined it (thread-records.ts).
  `ALTER TABLE channels ADD COLUMN thread TEXT;
   CREATE TABLE thread_members (
     thread_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     guild_id TEXT NOT NULL,
     joined_at INTEGER NOT NULL,
     flags INTEGER NOT NULL,
     thread_order TEXT NOT NULL GENERATED ALWAYS AS (substr('0000000000000000000' || thread_id, -20)) VIRTUAL,
     user_order TEXT NOT NULL GENERATED ALWAYS AS (substr('0000000000000000000' || user_id, -20)) VIRTUAL,
     PRIMARY KEY (thread_id, user_id)
   ) WITHOUT ROWID;
   CREATE INDEX thread_members_by_guild ON thread_members (guild_id, thread_order, user_order);`,
  // A user's private channels, indexed by recipient (sqlite-private-channels.ts).
  PRIVATE_CHANNELS_MIGRATION,
  // Interactions, so a guild's next owner can answer them (sqlite-interactions.ts).
  INTERACTIONS_MIGRATION,
];

/** A `users` row; a type alias, not an interface, so it fits bun:sqlite's binding type. */
type UserRow = {
  id: string;
  username: string;
  global_name: string | null;
  avatar: string | null;
  bot: number;
  privileged_intents: number;
  created_at: number;
  token_generation: number;
};

const USER_COLUMNS = "id, username, global_name, avatar, bot, privileged_intents, created_at, token_generation";
const ORDER_KEY = "substr('0000000000000000000' || $after, -20)";

function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    globalName: row.global_name,
    avatar: row.avatar,
    bot: row.bot !== 0,
    privilegedIntents: row.privileged_intents,
    createdAt: row.created_at,
    tokenGeneration: row.token_generation,
  };
}

type GuildRow = { id: string; name: string; owner_id: string; icon: string | null; created_at: number };
type RoleRow = {
  id: string;
  guild_id: string;
  name: string;
  permissions: string;
  position: number;
  hoist: number;
  color: number;
  mentionable: number;
};
type ChannelRow = {
  id: string;
  guild_id: string;
  type: number;
  name: string;
  position: number;
  parent_id: string | null;
  overwrites: string;
  topic: string | null;
  thread: string | null;
};
type MemberRow = { guild_id: string; user_id: string; role_ids: string; nick: string | null; joined_at: number };
/** A member row joined with its user's columns (`u_*`). */
type MemberUserRow = MemberRow & {
  u_username: string;
  u_global_name: string | null;
  u_avatar: string | null;
  u_bot: number;
  u_privileged_intents: number;
  u_created_at: number;
  u_token_generation: number;
};

const GUILD_COLUMNS = "id, name, owner_id, icon, created_at";
const ROLE_COLUMNS = "id, guild_id, name, permissions, position, hoist, color, mentionable";
const CHANNEL_COLUMNS = "id, guild_id, type, name, position, parent_id, overwrites, topic, thread";
const MEMBER_COLUMNS = "guild_id, user_id, role_ids, nick, joined_at";
const MEMBER_USER_COLUMNS = `m.guild_id, m.user_id, m.role_ids, m.nick, m.joined_at, u.username AS u_username,
  u.global_name AS u_global_name, u.avatar AS u_avatar, u.bot AS u_bot, u.privileged_intents AS u_privileged_intents,
  u.created_at AS u_created_at, u.token_generation AS u_token_generation`;

/** `$name` placeholders for a column list. */
const placeholders = (columns: string) => columns.replace(/(\w+)/g, "$$$1");

function toGuild(row: GuildRow): Guild {
  return { id: row.id, name: row.name, ownerId: row.owner_id, icon: row.icon, createdAt: row.created_at };
}

function toRole(row: RoleRow): StoredRole {
  return {
    id: row.id,
    guildId: row.guild_id,
    name: row.name,
    permissions: BigInt(row.permissions),
    position: row.position,
    hoist: row.hoist !== 0,
    color: row.color,
    mentionable: row.mentionable !== 0,
  };
}

function toChannel(row: ChannelRow): StoredChannel {
  const overwrites = decodeOverwrites(row.overwrites);
  return {
    id: row.id,
    guildId: row.guild_id,
    type: row.type,
    name: row.name,
    position: row.position,
    parentId: row.parent_id,
    overwrites,
    topic: row.topic,
    ...(row.thread !== null && { thread: decodeThread(row.thread) }),
  };
}

function toMember(row: MemberRow): Member {
  return {
    guildId: row.guild_id,
    userId: row.user_id,
    roleIds: decodeRoleIds(row.role_ids),
    nick: row.nick,
    joinedAt: row.joined_at,
  };
}

/** Opens (creating and migrating as needed) `<dataDir>/guildgate.sqlite`. */
export class SqliteGuildStore implements GuildStore {
  /** Path of the database file. */
  readonly path: string;
  readonly #db: Database;
  readonly #getUser: Statement<UserRow, [{ id: string }]>;
  readonly #putUser: Statement<unknown, [UserRow]>;
  readonly #bumpTokenGeneration: Statement<{ token_generation: number }, [{ id: string }]>;
  readonly #deleteUser: Statement<unknown, [{ id: string }]>;
  readonly #listUsers: Statement<UserRow, [{ limit: number }]>;
  readonly #listUsersAfter: Statement<UserRow, [{ limit: number; after: string }]>;
  readonly #getGuild: Statement<GuildRow, [{ id: string }]>;
  readonly #putGuild: Statement<unknown, [GuildRow]>;
  readonly #deleteGuild: Statement<unknown, [{ id: string }]>;
  readonly #deleteGuildRoles: Statement<unknown, [{ id: string }]>;
  readonly #deleteGuildChannels: Statement<unknown, [{ id: string }]>;
  readonly #deleteGuildMembers: Statement<unknown, [{ id: string }]>;
  readonly #listGuilds: Statement<GuildRow, [{ limit: number }]>;
  readonly #listGuildsAfter: Statement<GuildRow, [{ limit: number; after: string }]>;
  readonly #getRole: Statement<RoleRow, [{ id: string }]>;
  readonly #putRole: Statement<unknown, [RoleRow]>;
  readonly #deleteRole: Statement<unknown, [{ id: string }]>;
  readonly #listRoles: Statement<RoleRow, [{ guild_id: string }]>;
  readonly #getChannel: Statement<ChannelRow, [{ id: string }]>;
  readonly #putChannel: Statement<unknown, [ChannelRow]>;
  readonly #deleteChannel: Statement<unknown, [{ id: string }]>;
  readonly #listChannels: Statement<ChannelRow, [{ guild_id: string }]>;
  readonly #getMember: Statement<MemberRow, [{ guild_id: string; user_id: string }]>;
  readonly #putMember: Statement<unknown, [MemberRow]>;
  readonly #deleteMember: Statement<unknown, [{ guild_id: string; user_id: string }]>;
  readonly #listMembers: Statement<MemberRow, [{ guild_id: string; limit: number }]>;
  readonly #listMembersAfter: Statement<MemberRow, [{ guild_id: string; limit: number; after: string }]>;
  readonly #countMembers: Statement<{ count: number }, [{ guild_id: string }]>;
  readonly #guildsOfUser: Statement<{ guild_id: string }, [{ user_id: string }]>;
  readonly #listMembersWithUsers: Statement<MemberUserRow, [{ guild_id: string; limit: number }]>;
  readonly #listMembersWithUsersAfter: Statement<MemberUserRow, [{ guild_id: string; limit: number; after: string }]>;
  readonly #fence: Statement<{ generation: number }, [{ guild_id: string; generation: number }]>;
  readonly #renew: Statement<unknown, [{ guild_id: string; claimed: number; generation: number }]>;
  /** Every prepared statement, for `close`. */
  readonly #statements: Statement[] = [];
  readonly #messages: SqliteMessages<UserRow>;
  readonly #commands: SqliteCommands;
  readonly #dmChannels: SqliteDmChannels;
  readonly #groupDms: SqliteGroupDms;
  readonly #interactions: SqliteInteractions;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, STORE_FILE);
    this.#db = new Database(this.path, { create: true, strict: true });
    try {
      // First: every Worker opens the file at once, and the others must wait (not fail with
      // SQLITE_BUSY) while one sets WAL mode or recovers the WAL.
      this.#db.run("PRAGMA busy_timeout = 5000");
      this.#db.run("PRAGMA journal_mode = WAL");
      this.#db.run("PRAGMA synchronous = NORMAL");
      migrate(this.#db);
    } catch (error) {
      this.#db.close();
      throw error;
    }
    this.#getUser = this.#db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = $id`);
    this.#putUser = this.#db.prepare(
      `INSERT INTO users (${USER_COLUMNS}) VALUES (${placeholders(USER_COLUMNS)})
       ON CONFLICT (id) DO UPDATE SET
         username = excluded.username, global_name = excluded.global_name, avatar = excluded.avatar,
         bot = excluded.bot, privileged_intents = excluded.privileged_intents, created_at = excluded.created_at,
         token_generation = max(token_generation, excluded.token_generation)`,
    );
    this.#bumpTokenGeneration = this.#db.prepare(
      `UPDATE users SET token_generation = token_generation + 1
       WHERE id = $id AND token_generation < ${Number.MAX_SAFE_INTEGER} RETURNING token_generation`,
    );
    this.#deleteUser = this.#db.prepare("DELETE FROM users WHERE id = $id");
    this.#listUsers = this.#db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY id_order LIMIT $limit`);
    this.#listUsersAfter = this.#db.prepare(
      `SELECT ${USER_COLUMNS} FROM users WHERE id_order > ${ORDER_KEY} ORDER BY id_order LIMIT $limit`,
    );
    const db = this.#db;
    this.#getGuild = db.prepare(`SELECT ${GUILD_COLUMNS} FROM guilds WHERE id = $id`);
    this.#putGuild = db.prepare(
      `INSERT OR REPLACE INTO guilds (${GUILD_COLUMNS}) VALUES (${placeholders(GUILD_COLUMNS)})`,
    );
    this.#deleteGuild = db.prepare("DELETE FROM guilds WHERE id = $id");
    this.#deleteGuildRoles = db.prepare("DELETE FROM roles WHERE guild_id = $id");
    this.#deleteGuildChannels = db.prepare("DELETE FROM channels WHERE guild_id = $id");
    this.#deleteGuildMembers = db.prepare("DELETE FROM members WHERE guild_id = $id");
    this.#listGuilds = db.prepare(`SELECT ${GUILD_COLUMNS} FROM guilds ORDER BY id_order LIMIT $limit`);
    this.#listGuildsAfter = db.prepare(
      `SELECT ${GUILD_COLUMNS} FROM guilds WHERE id_order > ${ORDER_KEY} ORDER BY id_order LIMIT $limit`,
    );
    this.#getRole = db.prepare(`SELECT ${ROLE_COLUMNS} FROM roles WHERE id = $id`);
    this.#putRole = db.prepare(`INSERT OR REPLACE INTO roles (${ROLE_COLUMNS}) VALUES (${placeholders(ROLE_COLUMNS)})`);
    this.#deleteRole = db.prepare("DELETE FROM roles WHERE id = $id");
    this.#listRoles = db.prepare(
      `SELECT ${ROLE_COLUMNS} FROM roles WHERE guild_id = $guild_id ORDER BY position, id_order`,
    );
    this.#getChannel = db.prepare(`SELECT ${CHANNEL_COLUMNS} FROM channels WHERE id = $id`);
    this.#putChannel = db.prepare(
      `INSERT OR REPLACE INTO channels (${CHANNEL_COLUMNS}) VALUES (${placeholders(CHANNEL_COLUMNS)})`,
    );
    this.#deleteChannel = db.prepare("DELETE FROM channels WHERE id = $id");
    this.#listChannels = db.prepare(
      `SELECT ${CHANNEL_COLUMNS} FROM channels WHERE guild_id = $guild_id ORDER BY position, id_order`,
    );
    this.#getMember = db.prepare(
      `SELECT ${MEMBER_COLUMNS} FROM members WHERE guild_id = $guild_id AND user_id = $user_id`,
    );
    this.#putMember = db.prepare(
      `INSERT OR REPLACE INTO members (${MEMBER_COLUMNS}) VALUES (${placeholders(MEMBER_COLUMNS)})`,
    );
    this.#deleteMember = db.prepare("DELETE FROM members WHERE guild_id = $guild_id AND user_id = $user_id");
    this.#listMembers = db.prepare(
      `SELECT ${MEMBER_COLUMNS} FROM members WHERE guild_id = $guild_id ORDER BY user_order LIMIT $limit`,
    );
    this.#listMembersAfter = db.prepare(
      `SELECT ${MEMBER_COLUMNS} FROM members
       WHERE guild_id = $guild_id AND user_order > ${ORDER_KEY} ORDER BY user_order LIMIT $limit`,
    );
    this.#countMembers = db.prepare("SELECT count(*) AS count FROM members WHERE guild_id = $guild_id");
    this.#guildsOfUser = db.prepare("SELECT guild_id FROM members WHERE user_id = $user_id ORDER BY guild_order");
    const withUsers = `SELECT ${MEMBER_USER_COLUMNS} FROM members m JOIN users u ON u.id = m.user_id WHERE m.guild_id = $guild_id`;
    this.#listMembersWithUsers = db.prepare(`${withUsers} ORDER BY m.user_order LIMIT $limit`);
    this.#listMembersWithUsersAfter = db.prepare(`${withUsers} AND m.user_order > ${ORDER_KEY} ORDER BY m.user_order LIMIT $limit`);
    this.#fence = db.prepare(
      `INSERT INTO guild_owners (guild_id, generation) VALUES ($guild_id, $generation)
       ON CONFLICT (guild_id) DO UPDATE SET generation = max(generation, excluded.generation) RETURNING generation`,
    );
    this.#renew = db.prepare(`UPDATE guild_owners SET generation = $generation WHERE guild_id = $guild_id AND generation = $claimed`);
    this.#statements.push(
      this.#getUser,
      this.#putUser,
      this.#bumpTokenGeneration,
      this.#deleteUser,
      this.#listUsers,
      this.#listUsersAfter,
      this.#getGuild,
      this.#putGuild,
      this.#deleteGuild,
      this.#deleteGuildRoles,
      this.#deleteGuildChannels,
      this.#deleteGuildMembers,
      this.#listGuilds,
      this.#listGuildsAfter,
      this.#getRole,
      this.#putRole,
      this.#deleteRole,
      this.#listRoles,
      this.#getChannel,
      this.#putChannel,
      this.#deleteChannel,
      this.#listChannels,
      this.#getMember,
      this.#putMember,
      this.#deleteMember,
      this.#listMembers,
      this.#listMembersAfter,
      this.#countMembers,
      this.#guildsOfUser,
      this.#listMembersWithUsers,
      this.#listMembersWithUsersAfter,
      this.#fence,
    );
    this.#messages = new SqliteMessages(db, toUser);
    this.#commands = new SqliteCommands(db);
    this.#dmChannels = new SqliteDmChannels(db);
    this.#groupDms = new SqliteGroupDms(db);
    this.#interactions = new SqliteInteractions(db);
  }

  async openDmChannel(channel: DmChannel): Promise<DmChannel> {
    return this.#dmChannels.open(channel);
  }

  async getDmChannel(id: string): Promise<DmChannel | undefined> {
    return this.#dmChannels.get(id);
  }

  async getGroupDm(id: string): Promise<GroupDmChannel | undefined> {
    return this.#groupDms.get(id);
  }

  async getInteraction(unitId: string, id: string, now: number): Promise<StoredInteraction | undefined> {
    return this.#interactions.get(unitId, id, now);
  }

  async findShownModal(unitId: string, shown: ShownModal, now: number): Promise<StoredInteraction | undefined> {
    return this.#interactions.findShownModal(unitId, shown, now);
  }

  async listPrivateChannels(userId: string, limit: number): Promise<PrivateChannelEntry[]> {
    return listPrivateChannels(this.#db, userId, limit);
  }

  async getUser(id: string): Promise<User | undefined> {
    const row = this.#getUser.get({ id });
    return row ? toUser(row) : undefined;
  }

  async putUser(user: User): Promise<void> {
    assertValidUser(user);
    this.#putUser.run({
      id: user.id,
      username: user.username,
      global_name: user.globalName,
      avatar: user.avatar,
      bot: user.bot ? 1 : 0,
      privileged_intents: user.privilegedIntents,
      created_at: user.createdAt,
      token_generation: user.tokenGeneration,
    });
  }

  async bumpTokenGeneration(id: string): Promise<number | undefined> {
    const row = this.#bumpTokenGeneration.get({ id });
    if (row) return row.token_generation;
    if (this.#getUser.get({ id })) throw new RangeError(`user ${id}: tokenGeneration is at its maximum`);
    return undefined;
  }

  async deleteUser(id: string): Promise<boolean> {
    return this.#deleteUser.run({ id }).changes > 0;
  }

  async listUsers(limit: number, after?: string): Promise<User[]> {
    assertValidPage(limit, after);
    const rows = after === undefined ? this.#listUsers.all({ limit }) : this.#listUsersAfter.all({ limit, after });
    return rows.map(toUser);
  }

  async getUsers(ids: readonly string[]): Promise<User[]> {
    return this.#db
      .query<UserRow, [{ ids: string }]>(`SELECT ${USER_COLUMNS} FROM users WHERE id IN (SELECT value FROM json_each($ids)) ORDER BY id_order`)
      .all({ ids: JSON.stringify(ids) })
      .map(toUser);
  }

  async getGuild(id: string): Promise<Guild | undefined> {
    const row = this.#getGuild.get({ id });
    return row ? toGuild(row) : undefined;
  }

  #storeGuild(guild: Guild): void {
    this.#putGuild.run({
      id: guild.id,
      name: guild.name,
      owner_id: guild.ownerId,
      icon: guild.icon,
      created_at: guild.createdAt,
    });
  }

  /**
   * Runs `fn` in one transaction: the calls it makes on this store (each does its work before
   * it returns) commit once, for a bulk load.
   */
  batch<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }


  async listGuilds(limit: number, after?: string): Promise<Guild[]> {
    assertValidPage(limit, after);
    const rows = after === undefined ? this.#listGuilds.all({ limit }) : this.#listGuildsAfter.all({ limit, after });
    return rows.map(toGuild);
  }

  async getRole(id: string): Promise<StoredRole | undefined> {
    const row = this.#getRole.get({ id });
    return row ? toRole(row) : undefined;
  }

  #storeRole(role: StoredRole): void {
    this.#putRole.run({
      id: role.id,
      guild_id: role.guildId,
      name: role.name,
      permissions: role.permissions.toString(),
      position: role.position,
      hoist: role.hoist ? 1 : 0,
      color: role.color,
      mentionable: role.mentionable ? 1 : 0,
    });
  }


  async listRoles(guildId: string): Promise<StoredRole[]> {
    return this.#listRoles.all({ guild_id: guildId }).map(toRole);
  }

  async getChannel(id: string): Promise<StoredChannel | undefined> {
    const row = this.#getChannel.get({ id });
    return row ? toChannel(row) : undefined;
  }

  #storeChannel(channel: StoredChannel): void {
    this.#putChannel.run({
      id: channel.id,
      guild_id: channel.guildId,
      type: channel.type,
      name: channel.name,
      position: channel.position,
      parent_id: channel.parentId,
      overwrites: encodeOverwrites(channel.overwrites),
      topic: channel.topic,
      thread: encodeThread(channel.thread),
    });
  }


  async listThreadMembers(guildId: string): Promise<StoredThreadMember[]> {
    return this.#db
      .query<ThreadMemberRow, [{ guild_id: string }]>("SELECT guild_id, thread_id, user_id, joined_at, flags FROM thread_members WHERE guild_id = $guild_id ORDER BY thread_order, user_order")
      .all({ guild_id: guildId })
      .map(threadMemberFromRow);
  }

  async listChannels(guildId: string): Promise<StoredChannel[]> {
    return this.#listChannels.all({ guild_id: guildId }).map(toChannel);
  }

  async getMember(guildId: string, userId: string): Promise<Member | undefined> {
    const row = this.#getMember.get({ guild_id: guildId, user_id: userId });
    return row ? toMember(row) : undefined;
  }

  #storeMember(member: Member): void {
    this.#putMember.run({
      guild_id: member.guildId,
      user_id: member.userId,
      role_ids: encodeRoleIds(member.roleIds),
      nick: member.nick,
      joined_at: member.joinedAt,
    });
  }


  async listMembers(guildId: string, limit: number, after?: string): Promise<Member[]> {
    assertValidPage(limit, after);
    const rows =
      after === undefined
        ? this.#listMembers.all({ guild_id: guildId, limit })
        : this.#listMembersAfter.all({ guild_id: guildId, limit, after });
    return rows.map(toMember);
  }

  async countMembers(guildId: string): Promise<number> {
    return this.#countMembers.get({ guild_id: guildId })?.count ?? 0;
  }

  async guildsOfUser(userId: string): Promise<string[]> {
    return this.#guildsOfUser.all({ user_id: userId }).map((row) => row.guild_id);
  }

  async listMembersWithUsers(guildId: string, limit: number, after?: string): Promise<MemberWithUser[]> {
    assertValidPage(limit, after);
    const rows =
      after === undefined
        ? this.#listMembersWithUsers.all({ guild_id: guildId, limit })
        : this.#listMembersWithUsersAfter.all({ guild_id: guildId, limit, after });
    return rows.map((row) => ({
      member: toMember(row),
      user: toUser({
        id: row.user_id,
        username: row.u_username,
        global_name: row.u_global_name,
        avatar: row.u_avatar,
        bot: row.u_bot,
        privileged_intents: row.u_privileged_intents,
        created_at: row.u_created_at,
        token_generation: row.u_token_generation,
      }),
    }));
  }

  async getMessage(channelId: string, messageId: string): Promise<StoredMessage | undefined> {
    return this.#messages.getMessage(channelId, messageId);
  }

  async listMessages(channelId: string, page: MessagePage): Promise<StoredMessage[]> {
    return this.#messages.listMessages(channelId, page);
  }

  async listPinnedMessages(channelId: string, limit: number, pinnedBefore?: number): Promise<StoredMessage[]> {
    assertValidPage(limit, undefined);
    return this.#messages.listPinnedMessages(channelId, limit, pinnedBefore);
  }

  async countPinnedMessages(channelId: string): Promise<number> {
    return this.#messages.countPinnedMessages(channelId);
  }

  async findMessageByNonce(channelId: string, authorId: string, nonce: string): Promise<StoredMessage | undefined> {
    return this.#messages.findMessageByNonce(channelId, authorId, nonce);
  }

  async messageReactions(channelId: string, messageIds: readonly string[], viewerId: string): Promise<Map<string, ReactionCount[]>> {
    return this.#messages.messageReactions(channelId, messageIds, viewerId);
  }

  async listReactors(channelId: string, messageId: string, emojiKey: string, burst: boolean, limit: number, after?: string): Promise<User[]> {
    assertValidPage(limit, after);
    return this.#messages.listReactors(channelId, messageId, emojiKey, burst, limit, after);
  }

  async getAttachment(channelId: string, attachmentId: string): Promise<StoredAttachment | undefined> {
    return this.#messages.getAttachment(channelId, attachmentId);
  }

  listCommands(applicationId: string, guildId: string | null): Promise<StoredCommand[]> {
    return this.#commands.listCommands(applicationId, guildId);
  }

  changeCommands<T>(applicationId: string, guildId: string | null, change: (commands: StoredCommand[]) => CommandChange<T>): Promise<T> {
    return this.#commands.changeCommands(applicationId, guildId, change);
  }

  listCommandPermissions(applicationId: string, guildId: string): Promise<StoredCommandPermissions[]> {
    return this.#commands.listCommandPermissions(applicationId, guildId);
  }

  putCommandPermissions(record: StoredCommandPermissions): Promise<void> {
    return this.#commands.putCommandPermissions(record);
  }

  async highestFence(): Promise<number> {
    return this.#db.query<{ fence: number }, []>("SELECT COALESCE(MAX(generation), 0) AS fence FROM guild_owners").get()?.fence ?? 0;
  }

  async claimGuild(guildId: string, generation: number): Promise<void> {
    return this.writeGuild(guildId, generation, []);
  }

  async renewClaim(guildId: string, claimed: number, generation: number): Promise<boolean> {
    assertValidGuildWrite(guildId, generation, []);
    return this.#renew.run({ guild_id: guildId, claimed, generation }).changes === 1;
  }

  async writeGuild(guildId: string, generation: number, writes: readonly GuildWrite[]): Promise<void> {
    assertValidGuildWrite(guildId, generation, writes);
    this.#db.transaction(() => {
      const fence = this.#fence.get({ guild_id: guildId, generation })?.generation ?? generation;
      if (fence > generation) throw new GuildFencedError(guildId, generation, fence);
      for (const write of writes) this.#apply(guildId, write);
    }).immediate();
  }

  #apply(guildId: string, write: GuildWrite): void {
    switch (write.k) {
      case "guild":
        return this.#storeGuild(write.guild);
      case "role":
        return this.#storeRole(write.role);
      case "delete-role":
        return void this.#deleteRole.run({ id: write.roleId });
      case "channel":
        return this.#storeChannel(write.channel);
      case "thread-member": {
        const { guildId: guild_id, threadId: thread_id, userId: user_id, joinedAt: joined_at, flags } = write.member;
        this.#db
          .query("INSERT OR REPLACE INTO thread_members (thread_id, user_id, guild_id, joined_at, flags) VALUES ($thread_id, $user_id, $guild_id, $joined_at, $flags)")
          .run({ thread_id, user_id, guild_id, joined_at, flags });
        return;
      }
      case "delete-thread-member":
        return void this.#db.query("DELETE FROM thread_members WHERE thread_id = $thread_id AND user_id = $user_id").run({ thread_id: write.threadId, user_id: write.userId });
      case "delete-channel":
        this.#db.query("DELETE FROM thread_members WHERE thread_id = $id").run({ id: write.channelId });
        this.#messages.deleteChannel(write.channelId);
        return void this.#deleteChannel.run({ id: write.channelId });
      case "member":
        return this.#storeMember(write.member);
      case "delete-member":
        return void this.#deleteMember.run({ guild_id: guildId, user_id: write.userId });
      case "message":
        return this.#messages.putMessage(write.message);
      case "delete-messages":
        return this.#messages.deleteMessages(write.channelId, write.messageIds);
      case "reaction":
        return this.#messages.putReaction(guildId, write.reaction);
      case "attachment":
        return this.#messages.putAttachment(guildId, write.attachment);
      case "delete-attachments":
        return this.#messages.deleteAttachments(write.channelId, write.attachmentIds);
      case "delete-reactions":
        return this.#messages.deleteReactions(write.selector);
      case "group-dm":
        return this.#groupDms.put(write.channel);
      case "interaction":
        return this.#interactions.put(write.interaction, write.now);
      case "delete-group-dm":
        this.#interactions.deleteUnit(guildId);
        this.#messages.deleteChannel(guildId);
        return this.#groupDms.delete(guildId);
      case "delete-guild":
        this.#interactions.deleteUnit(guildId);
        this.#messages.deleteGuild(guildId);
        this.#commands.deleteGuild(guildId);
        this.#deleteGuildRoles.run({ id: guildId });
        this.#deleteGuildChannels.run({ id: guildId });
        this.#db.query("DELETE FROM thread_members WHERE guild_id = $id").run({ id: guildId });
        this.#deleteGuildMembers.run({ id: guildId });
        this.#deleteGuild.run({ id: guildId });
    }
  }

  async close(): Promise<void> {
    for (const statement of this.#statements) statement.finalize();
    this.#db.close();
  }
}

/** Applies the missing `migrations` steps in one immediate transaction. */
function migrate(db: Database): void {
  db.transaction(() => {
    const { user_version: version } = db.query<{ user_version: number }, []>("PRAGMA user_version").get() ?? {
      user_version: 0,
    };
    if (version > migrations.length) {
      throw new Error(`store schema version ${version} is newer than this build (${migrations.length})`);
    }
    if (version === migrations.length) return;
    for (const step of migrations.slice(version)) db.run(step);
    // PRAGMA takes no bound parameters; the value is our own integer.
    db.run(`PRAGMA user_version = ${migrations.length}`);
  }).immediate();
}

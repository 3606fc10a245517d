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
 */
import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { assertValidPage, assertValidUser, type GuildStore, type User } from "./guild-store.ts";

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
};

const USER_COLUMNS = "id, username, global_name, avatar, bot, privileged_intents, created_at";
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
  };
}

/** Opens (creating and migrating as needed) `<dataDir>/guildgate.sqlite`. */
export class SqliteGuildStore implements GuildStore {
  /** Path of the database file. */
  readonly path: string;
  readonly #db: Database;
  readonly #getUser: Statement<UserRow, [{ id: string }]>;
  readonly #putUser: Statement<unknown, [UserRow]>;
  readonly #deleteUser: Statement<unknown, [{ id: string }]>;
  readonly #listUsers: Statement<UserRow, [{ limit: number }]>;
  readonly #listUsersAfter: Statement<UserRow, [{ limit: number; after: string }]>;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, STORE_FILE);
    this.#db = new Database(this.path, { create: true, strict: true });
    try {
      this.#db.run("PRAGMA journal_mode = WAL");
      this.#db.run("PRAGMA synchronous = NORMAL");
      this.#db.run("PRAGMA busy_timeout = 5000");
      migrate(this.#db);
    } catch (error) {
      this.#db.close();
      throw error;
    }
    this.#getUser = this.#db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = $id`);
    this.#putUser = this.#db.prepare(
      `INSERT OR REPLACE INTO users (${USER_COLUMNS})
       VALUES ($id, $username, $global_name, $avatar, $bot, $privileged_intents, $created_at)`,
    );
    this.#deleteUser = this.#db.prepare("DELETE FROM users WHERE id = $id");
    this.#listUsers = this.#db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY id_order LIMIT $limit`);
    this.#listUsersAfter = this.#db.prepare(
      `SELECT ${USER_COLUMNS} FROM users WHERE id_order > ${ORDER_KEY} ORDER BY id_order LIMIT $limit`,
    );
  }

  getUser(id: string): User | undefined {
    const row = this.#getUser.get({ id });
    return row ? toUser(row) : undefined;
  }

  putUser(user: User): void {
    assertValidUser(user);
    this.#putUser.run({
      id: user.id,
      username: user.username,
      global_name: user.globalName,
      avatar: user.avatar,
      bot: user.bot ? 1 : 0,
      privileged_intents: user.privilegedIntents,
      created_at: user.createdAt,
    });
  }

  deleteUser(id: string): boolean {
    return this.#deleteUser.run({ id }).changes > 0;
  }

  listUsers(limit: number, after?: string): User[] {
    assertValidPage(limit, after);
    const rows = after === undefined ? this.#listUsers.all({ limit }) : this.#listUsersAfter.all({ limit, after });
    return rows.map(toUser);
  }

  close(): void {
    for (const statement of [this.#getUser, this.#putUser, this.#deleteUser, this.#listUsers, this.#listUsersAfter]) {
      statement.finalize();
    }
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

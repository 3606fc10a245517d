/**
 * Application commands in the SQLite store (sqlite.ts): its schema step and the two calls of
 * `CommandStore`. A change runs in one `BEGIN IMMEDIATE` transaction, so changes of a scope from
 * any worker or process on the file run one after another.
 */
import type { Database } from "bun:sqlite";
import {
  assertValidCommand,
  assertValidScope,
  byId,
  fromCommandRow,
  toCommandRow,
  type CommandChange,
  type CommandRow,
  type CommandStore,
  type StoredCommand,
} from "./command-records.ts";

/** The schema step that adds application commands (sqlite.ts appends it to its migrations). */
export const COMMANDS_MIGRATION = `CREATE TABLE application_commands (
     id TEXT PRIMARY KEY,
     application_id TEXT NOT NULL,
     guild_id TEXT NOT NULL,
     type INTEGER NOT NULL,
     name TEXT NOT NULL,
     version TEXT NOT NULL,
     data TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX application_commands_by_scope ON application_commands (application_id, guild_id);
   CREATE INDEX application_commands_by_guild ON application_commands (guild_id);`;

type Scope = { application_id: string; guild_id: string };

export class SqliteCommands implements CommandStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  #list(scope: Scope): StoredCommand[] {
    const rows = this.#db.query<CommandRow, [Scope]>("SELECT * FROM application_commands WHERE application_id = $application_id AND guild_id = $guild_id").all(scope);
    return byId(rows.map(fromCommandRow));
  }

  /** Removes the guild's commands of every application (sqlite.ts calls it inside a "delete-guild" batch). */
  deleteGuild(guildId: string): void {
    this.#db.query<unknown, [{ guild_id: string }]>("DELETE FROM application_commands WHERE guild_id = $guild_id").run({ guild_id: guildId });
  }

  async listCommands(applicationId: string, guildId: string | null): Promise<StoredCommand[]> {
    assertValidScope(applicationId, guildId);
    return this.#list({ application_id: applicationId, guild_id: guildId ?? "" });
  }

  async changeCommands<T>(applicationId: string, guildId: string | null, change: (commands: StoredCommand[]) => CommandChange<T>): Promise<T> {
    assertValidScope(applicationId, guildId);
    const scope = { application_id: applicationId, guild_id: guildId ?? "" };
    const put = this.#db.query<unknown, [CommandRow]>(
      `INSERT INTO application_commands (id, application_id, guild_id, type, name, version, data)
       VALUES ($id, $application_id, $guild_id, $type, $name, $version, $data)
       ON CONFLICT (id) DO UPDATE SET type = excluded.type, name = excluded.name, version = excluded.version, data = excluded.data
       WHERE application_commands.application_id = excluded.application_id AND application_commands.guild_id = excluded.guild_id`,
    );
    const remove = this.#db.query<unknown, [Scope & { id: string }]>("DELETE FROM application_commands WHERE id = $id AND application_id = $application_id AND guild_id = $guild_id");
    return this.#db
      .transaction(() => {
        const planned = change(this.#list(scope));
        for (const command of planned.put) assertValidCommand(command, applicationId, guildId);
        for (const id of planned.deleted) remove.run({ ...scope, id });
        for (const command of planned.put) put.run(toCommandRow(command));
        return planned.result;
      })
      .immediate();
  }
}

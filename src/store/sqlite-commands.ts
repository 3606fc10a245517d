/**
 * Application commands in the SQLite store (sqlite.ts): its schema step and the two calls of
 * `CommandStore`. A change runs in one `BEGIN IMMEDIATE` transaction, so changes of a scope from
 * any worker or process on the file run one after another.
 */
import type { Database } from "bun:sqlite";
import {
  assertValidCommand,
  assertValidCommandPermissions,
  assertValidScope,
  byId,
  byTarget,
  commandsLosingPermissions,
  fromCommandPermissionsRow,
  fromCommandRow,
  toCommandPermissionsRow,
  toCommandRow,
  type CommandChange,
  type CommandPermissionsRow,
  type CommandRow,
  type CommandStore,
  type StoredCommand,
  type StoredCommandPermissions,
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

/** The schema step that adds command permissions (sqlite.ts appends it to its migrations). */
export const COMMAND_PERMISSIONS_MIGRATION = `CREATE TABLE application_command_permissions (
     guild_id TEXT NOT NULL,
     application_id TEXT NOT NULL,
     target_id TEXT NOT NULL,
     permissions TEXT NOT NULL,
     PRIMARY KEY (guild_id, application_id, target_id)
   ) WITHOUT ROWID;
   CREATE INDEX application_command_permissions_by_target ON application_command_permissions (target_id);`;

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

  /** Removes the guild's commands and command permissions of every application (sqlite.ts calls it inside a "delete-guild" batch). */
  deleteGuild(guildId: string): void {
    this.#db.query<unknown, [{ guild_id: string }]>("DELETE FROM application_commands WHERE guild_id = $guild_id").run({ guild_id: guildId });
    this.#db.query<unknown, [{ guild_id: string }]>("DELETE FROM application_command_permissions WHERE guild_id = $guild_id").run({ guild_id: guildId });
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
    const endPermissions = this.#db.query<unknown, [{ application_id: string; target_id: string }]>(
      "DELETE FROM application_command_permissions WHERE target_id = $target_id AND application_id = $application_id",
    );
    return this.#db
      .transaction(() => {
        const before = this.#list(scope);
        const planned = change(this.#list(scope));
        for (const command of planned.put) assertValidCommand(command, applicationId, guildId);
        for (const id of planned.deleted) remove.run({ ...scope, id });
        for (const command of planned.put) put.run(toCommandRow(command));
        for (const id of commandsLosingPermissions(before, planned)) endPermissions.run({ application_id: applicationId, target_id: id });
        return planned.result;
      })
      .immediate();
  }

  async listCommandPermissions(applicationId: string, guildId: string): Promise<StoredCommandPermissions[]> {
    assertValidScope(applicationId, guildId);
    const rows = this.#db
      .query<CommandPermissionsRow, [{ application_id: string; guild_id: string }]>(
        "SELECT * FROM application_command_permissions WHERE guild_id = $guild_id AND application_id = $application_id",
      )
      .all({ application_id: applicationId, guild_id: guildId });
    return byTarget(rows.map(fromCommandPermissionsRow));
  }

  async putCommandPermissions(record: StoredCommandPermissions): Promise<void> {
    assertValidCommandPermissions(record);
    const row = toCommandPermissionsRow(record);
    if (record.permissions.length === 0) {
      this.#db
        .query<unknown, [Omit<CommandPermissionsRow, "permissions">]>(
          "DELETE FROM application_command_permissions WHERE guild_id = $guild_id AND application_id = $application_id AND target_id = $target_id",
        )
        .run({ guild_id: row.guild_id, application_id: row.application_id, target_id: row.target_id });
      return;
    }
    this.#db
      .query<unknown, [CommandPermissionsRow]>(
        `INSERT INTO application_command_permissions (guild_id, application_id, target_id, permissions)
         VALUES ($guild_id, $application_id, $target_id, $permissions)
         ON CONFLICT (guild_id, application_id, target_id) DO UPDATE SET permissions = excluded.permissions`,
      )
      .run(row);
  }
}

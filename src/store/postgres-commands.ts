/**
 * Application commands in the PostgreSQL store (postgres.ts): its schema step and the two calls
 * of `CommandStore`. A change holds a transaction-scoped advisory lock on its scope, so changes
 * of a scope from any node run one after another.
 */
import type { SQL } from "bun";
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

/** The schema step that adds application commands (postgres.ts appends it to its migrations). */
export const COMMANDS_MIGRATION = `CREATE TABLE application_commands (
     id text PRIMARY KEY,
     application_id text NOT NULL,
     guild_id text NOT NULL,
     type integer NOT NULL,
     name text NOT NULL,
     version text NOT NULL,
     data text NOT NULL
   );
   CREATE INDEX application_commands_by_scope ON application_commands (application_id, guild_id);
   CREATE INDEX application_commands_by_guild ON application_commands (guild_id);`;

/** The schema step that adds command permissions (postgres.ts appends it to its migrations). */
export const COMMAND_PERMISSIONS_MIGRATION = `CREATE TABLE application_command_permissions (
     guild_id text NOT NULL,
     application_id text NOT NULL,
     target_id text NOT NULL,
     permissions text NOT NULL,
     PRIMARY KEY (guild_id, application_id, target_id)
   );
   CREATE INDEX application_command_permissions_by_target ON application_command_permissions (target_id);`;

export class PostgresCommands implements CommandStore {
  readonly #sql: SQL;

  constructor(sql: SQL) {
    this.#sql = sql;
  }

  async listCommands(applicationId: string, guildId: string | null): Promise<StoredCommand[]> {
    assertValidScope(applicationId, guildId);
    return list(this.#sql, applicationId, guildId ?? "");
  }

  async changeCommands<T>(applicationId: string, guildId: string | null, change: (commands: StoredCommand[]) => CommandChange<T>): Promise<T> {
    assertValidScope(applicationId, guildId);
    const scope = guildId ?? "";
    return this.#sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext(${`application_commands/${applicationId}/${scope}`}))`;
      const before = await list(tx, applicationId, scope);
      const planned = change(await list(tx, applicationId, scope));
      for (const command of planned.put) assertValidCommand(command, applicationId, guildId);
      for (const id of commandsLosingPermissions(before, planned)) {
        await tx`DELETE FROM application_command_permissions WHERE target_id = ${id} AND application_id = ${applicationId}`;
      }
      for (const id of planned.deleted) await tx`DELETE FROM application_commands WHERE id = ${id} AND application_id = ${applicationId} AND guild_id = ${scope}`;
      for (const command of planned.put) {
        const row = toCommandRow(command);
        await tx`
          INSERT INTO application_commands (id, application_id, guild_id, type, name, version, data)
          VALUES (${row.id}, ${row.application_id}, ${row.guild_id}, ${row.type}, ${row.name}, ${row.version}, ${row.data})
          ON CONFLICT (id) DO UPDATE SET type = excluded.type, name = excluded.name, version = excluded.version, data = excluded.data
          WHERE application_commands.application_id = excluded.application_id AND application_commands.guild_id = excluded.guild_id`;
      }
      return planned.result;
    });
  }

  async listCommandPermissions(applicationId: string, guildId: string): Promise<StoredCommandPermissions[]> {
    assertValidScope(applicationId, guildId);
    const rows = await this.#sql<CommandPermissionsRow[]>`
      SELECT * FROM application_command_permissions WHERE guild_id = ${guildId} AND application_id = ${applicationId}`;
    return byTarget(rows.map(fromCommandPermissionsRow));
  }

  async putCommandPermissions(record: StoredCommandPermissions): Promise<void> {
    assertValidCommandPermissions(record);
    const row = toCommandPermissionsRow(record);
    if (record.permissions.length === 0) {
      await this.#sql`
        DELETE FROM application_command_permissions
        WHERE guild_id = ${row.guild_id} AND application_id = ${row.application_id} AND target_id = ${row.target_id}`;
      return;
    }
    await this.#sql`
      INSERT INTO application_command_permissions (guild_id, application_id, target_id, permissions)
      VALUES (${row.guild_id}, ${row.application_id}, ${row.target_id}, ${row.permissions})
      ON CONFLICT (guild_id, application_id, target_id) DO UPDATE SET permissions = excluded.permissions`;
  }
}

/** Removes the guild's commands and command permissions of every application (postgres.ts runs them inside a "delete-guild" batch). */
export function deleteGuildCommands(sql: SQL, guildId: string): Promise<unknown>[] {
  return [sql`DELETE FROM application_commands WHERE guild_id = ${guildId}`, sql`DELETE FROM application_command_permissions WHERE guild_id = ${guildId}`];
}

async function list(sql: SQL, applicationId: string, scope: string): Promise<StoredCommand[]> {
  const rows = await sql<CommandRow[]>`SELECT * FROM application_commands WHERE application_id = ${applicationId} AND guild_id = ${scope}`;
  return byId(rows.map(fromCommandRow));
}

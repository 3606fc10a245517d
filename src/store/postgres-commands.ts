/**
 * Application commands in the PostgreSQL store (postgres.ts): its schema step and the two calls
 * of `CommandStore`. A change holds a transaction-scoped advisory lock on its scope, so changes
 * of a scope from any node run one after another.
 */
import type { SQL } from "bun";
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
      const planned = change(await list(tx, applicationId, scope));
      for (const command of planned.put) assertValidCommand(command, applicationId, guildId);
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
}

/** Removes the guild's commands of every application (postgres.ts runs it inside a "delete-guild" batch). */
export function deleteGuildCommands(sql: SQL, guildId: string): Promise<unknown> {
  return sql`DELETE FROM application_commands WHERE guild_id = ${guildId}`;
}

async function list(sql: SQL, applicationId: string, scope: string): Promise<StoredCommand[]> {
  const rows = await sql<CommandRow[]>`SELECT * FROM application_commands WHERE application_id = ${applicationId} AND guild_id = ${scope}`;
  return byId(rows.map(fromCommandRow));
}

/**
 * The store a node runs on: PostgreSQL when the config names a database (`--database`),
 * else the embedded SQLite file in the data dir.
 */
import type { GuildStore } from "./guild-store.ts";
import { PostgresGuildStore, redactedDatabaseUrl } from "./postgres.ts";
import { SqliteGuildStore } from "./sqlite.ts";

/** The database could not be opened at start; the message names it without its password. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
}

/**
 * Opens (and migrates) the configured store (config.ts `database`, `dataDir`). Rejects with
 * `StoreUnavailableError` if PostgreSQL cannot be reached.
 */
export async function openStore(config: { readonly database: string | undefined; readonly dataDir: string }): Promise<GuildStore> {
  if (config.database === undefined) return new SqliteGuildStore(config.dataDir);
  try {
    return await PostgresGuildStore.open(config.database);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreUnavailableError(`cannot open the database ${redactedDatabaseUrl(config.database)}: ${reason}`);
  }
}

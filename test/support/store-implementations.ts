/**
 * Every `GuildStore` implementation for the store contract suites (`*.case.test.ts` in
 * src/store): memory, SQLite in a temporary dir, and PostgreSQL (one database per test process,
 * emptied after each test). A suite opens one per test and disposes it after, and calls
 * `closeStoreImplementations` after all.
 */
import { SQL } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GuildStore } from "../../src/store/guild-store.ts";
import { MemoryGuildStore } from "../../src/store/memory.ts";
import { PostgresGuildStore } from "../../src/store/postgres.ts";
import { SqliteGuildStore } from "../../src/store/sqlite.ts";
import { freshDatabase } from "./postgres.ts";

export interface Opened {
  store: GuildStore;
  /** Another store on the same data, as a second owner (another worker or node) opens it; for memory, the same store. */
  second(): Promise<GuildStore>;
  dispose(): Promise<void>;
}

/** PostgreSQL: one database per test process, emptied after each test. */
let postgres: { url: string; drop(): Promise<void>; admin: SQL } | undefined;

/** Each implementation, opened fresh per test; `dispose` removes anything it left behind. */
export const storeImplementations: readonly { name: string; open(): Promise<Opened> }[] = [
  {
    name: "MemoryGuildStore",
    open: async () => {
      const store = new MemoryGuildStore();
      return { store, second: async () => store, dispose: () => store.close() };
    },
  },
  {
    name: "SqliteGuildStore",
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), "guildgate-store-"));
      const stores = [new SqliteGuildStore(dir)];
      return {
        store: stores[0] as GuildStore,
        second: async () => stores[stores.push(new SqliteGuildStore(dir)) - 1] as GuildStore,
        dispose: async () => {
          for (const store of stores) await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: "PostgresGuildStore",
    open: async () => {
      if (!postgres) {
        const database = await freshDatabase();
        postgres = { ...database, admin: new SQL(database.url, { max: 1 }) };
      }
      const { url, admin } = postgres;
      const stores = [await PostgresGuildStore.open(url)];
      return {
        store: stores[0] as GuildStore,
        second: async () => stores[stores.push(await PostgresGuildStore.open(url)) - 1] as GuildStore,
        dispose: async () => {
          for (const store of stores) await store.close();
          await admin`TRUNCATE users, guilds, roles, channels, members, guild_owners, messages, reactions, attachments, application_commands, application_command_permissions, dm_channels, group_dm_channels, group_dm_recipients, thread_members, interactions`;
        },
      };
    },
  },
];

/** Closes and drops the PostgreSQL database, if a test opened it. */
export async function closeStoreImplementations(): Promise<void> {
  await postgres?.admin.close();
  await postgres?.drop();
  postgres = undefined;
}

/** Group DM channels in the SQLite store (sqlite.ts): its schema step and its calls. */
import type { Database } from "bun:sqlite";
import { groupDmFromRow, groupDmRow, type GroupDmChannel, type GroupDmRow } from "./group-dm-channels.ts";

/** The schema step that adds group DM channels (sqlite.ts appends it to its migrations). */
export const GROUP_DMS_MIGRATION = `CREATE TABLE group_dm_channels (
     id TEXT PRIMARY KEY NOT NULL,
     owner_id TEXT NOT NULL,
     name TEXT,
     icon TEXT,
     recipient_ids TEXT NOT NULL,
     created_at INTEGER NOT NULL
   ) WITHOUT ROWID;`;

export class SqliteGroupDms {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  get(id: string): GroupDmChannel | undefined {
    const row = this.#db.query<GroupDmRow, [{ id: string }]>("SELECT * FROM group_dm_channels WHERE id = $id").get({ id });
    return row ? groupDmFromRow(row) : undefined;
  }

  /** Inside `writeGuild`'s transaction; its recipients' rows (sqlite-private-channels.ts) with it. */
  put(channel: GroupDmChannel): void {
    const row = groupDmRow(channel);
    this.#db
      .query("INSERT OR REPLACE INTO group_dm_channels (id, owner_id, name, icon, recipient_ids, created_at) VALUES ($id, $owner_id, $name, $icon, $recipient_ids, $created_at)")
      .run(row);
    this.#deleteRecipients(channel.id);
    this.#db
      .query("INSERT INTO group_dm_recipients (user_id, channel_id) SELECT value, $id FROM json_each($recipient_ids)")
      .run({ id: row.id, recipient_ids: row.recipient_ids });
  }

  /** Inside `writeGuild`'s transaction (the caller deletes its messages). */
  delete(id: string): void {
    this.#db.query("DELETE FROM group_dm_channels WHERE id = $id").run({ id });
    this.#deleteRecipients(id);
  }

  #deleteRecipients(id: string): void {
    this.#db.query("DELETE FROM group_dm_recipients WHERE channel_id = $id").run({ id });
  }
}

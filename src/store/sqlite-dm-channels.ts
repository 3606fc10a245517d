/**
 * DM channels in the SQLite store (sqlite.ts): its schema step and its two calls. A pair has
 * one row (UNIQUE), so an open is an insert that yields to the pair's row if there is one,
 * then a read of that row; bun:sqlite runs both before any other call on the file.
 */
import type { Database } from "bun:sqlite";
import { assertValidDmChannel, dmChannelFromRow, type DmChannel, type DmChannelRow } from "./dm-channels.ts";

/** The schema step that adds DM channels (sqlite.ts appends it to its migrations). */
export const DM_CHANNELS_MIGRATION = `CREATE TABLE dm_channels (
     id TEXT PRIMARY KEY NOT NULL,
     user_low TEXT NOT NULL,
     user_high TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     UNIQUE (user_low, user_high)
   ) WITHOUT ROWID;`;

export class SqliteDmChannels {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  open(channel: DmChannel): DmChannel {
    assertValidDmChannel(channel);
    const [low, high] = channel.recipientIds;
    const pair = { user_low: low, user_high: high };
    this.#db
      .query("INSERT INTO dm_channels (id, user_low, user_high, created_at) VALUES ($id, $user_low, $user_high, $created_at) ON CONFLICT (user_low, user_high) DO NOTHING")
      .run({ id: channel.id, ...pair, created_at: channel.createdAt });
    const row = this.#db.query<DmChannelRow, [typeof pair]>("SELECT * FROM dm_channels WHERE user_low = $user_low AND user_high = $user_high").get(pair);
    return dmChannelFromRow(row as DmChannelRow);
  }

  get(id: string): DmChannel | undefined {
    const row = this.#db.query<DmChannelRow, [{ id: string }]>("SELECT * FROM dm_channels WHERE id = $id").get({ id });
    return row ? dmChannelFromRow(row) : undefined;
  }
}

/**
 * DM channels in the PostgreSQL store (postgres.ts): its schema step and its two calls. A pair
 * has one row (UNIQUE), so an open is one statement that inserts unless the pair has a row,
 * then reads the pair's row: concurrent opens on any node answer the same channel.
 */
import type { SQL } from "bun";
import { isSnowflake } from "../protocol/fields.ts";
import { assertValidDmChannel, dmChannelFromRow, type DmChannel, type DmChannelRow } from "./dm-channels.ts";

/** The schema step that adds DM channels (postgres.ts appends it to its migrations). */
export const DM_CHANNELS_MIGRATION = `CREATE TABLE dm_channels (
     id numeric(20) PRIMARY KEY,
     user_low numeric(20) NOT NULL,
     user_high numeric(20) NOT NULL,
     created_at bigint NOT NULL,
     UNIQUE (user_low, user_high)
   );`;

export class PostgresDmChannels {
  readonly #sql: SQL;

  constructor(sql: SQL) {
    this.#sql = sql;
  }

  async open(channel: DmChannel): Promise<DmChannel> {
    assertValidDmChannel(channel);
    const [low, high] = channel.recipientIds;
    await this.#sql`INSERT INTO dm_channels (id, user_low, user_high, created_at) VALUES (${channel.id}, ${low}, ${high}, ${channel.createdAt})
                    ON CONFLICT (user_low, user_high) DO NOTHING`;
    const [row] = await this.#sql<DmChannelRow[]>`SELECT * FROM dm_channels WHERE user_low = ${low} AND user_high = ${high}`;
    return dmChannelFromRow(row as DmChannelRow);
  }

  async get(id: string): Promise<DmChannel | undefined> {
    if (!isSnowflake(id)) return undefined;
    const [row] = await this.#sql<DmChannelRow[]>`SELECT * FROM dm_channels WHERE id = ${id}`;
    return row && dmChannelFromRow(row);
  }
}

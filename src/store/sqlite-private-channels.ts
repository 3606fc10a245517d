/**
 * A user's private channels in the SQLite store (sqlite.ts): the schema step that indexes
 * DM channels and group DMs by recipient, and the listing READY reads (guild-store.ts
 * `listPrivateChannels`). A DM's pair is indexed both ways (its UNIQUE (user_low, user_high)
 * serves the low side); a group DM's recipients, a JSON array in its row, get a row each in
 * `group_dm_recipients`, written with the channel (sqlite-group-dms.ts).
 */
import type { Database } from "bun:sqlite";
import { assertValidPage } from "./guild-store.ts";
import { privateChannelFromRow, type PrivateChannelEntry, type PrivateChannelRow } from "./private-channels.ts";

/** The schema step (sqlite.ts appends it to its migrations); it fills the recipients of the group DMs already stored. */
export const PRIVATE_CHANNELS_MIGRATION = `CREATE INDEX dm_channels_by_user_high ON dm_channels (user_high);
   CREATE TABLE group_dm_recipients (
     user_id TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     PRIMARY KEY (user_id, channel_id)
   ) WITHOUT ROWID;
   CREATE INDEX group_dm_recipients_by_channel ON group_dm_recipients (channel_id);
   INSERT INTO group_dm_recipients (user_id, channel_id)
     SELECT recipient.value, g.id FROM group_dm_channels g, json_each(g.recipient_ids) recipient;`;

const ORDER = (column: string) => `substr('0000000000000000000' || ${column}, -20)`;

/**
 * The user's channels by the three indexes, each with its newest message (one seek of
 * `messages_by_channel_order`; MATERIALIZED, so the sort does not run that seek again), ordered
 * by `byLatestActivity` (ids left-padded: numeric order). Exported for its query-plan test.
 */
export const LIST_PRIVATE_CHANNELS = `WITH listed AS MATERIALIZED (
     SELECT p.*, (SELECT m.id FROM messages m WHERE m.channel_id = p.id ORDER BY m.id_order DESC LIMIT 1) AS last_message_id
     FROM (
       SELECT id, user_low, user_high, NULL AS owner_id, NULL AS name, NULL AS icon, NULL AS recipient_ids, created_at FROM dm_channels WHERE user_low = $user_id
       UNION ALL
       SELECT id, user_low, user_high, NULL, NULL, NULL, NULL, created_at FROM dm_channels WHERE user_high = $user_id
       UNION ALL
       SELECT g.id, NULL, NULL, g.owner_id, g.name, g.icon, g.recipient_ids, g.created_at
       FROM group_dm_recipients r JOIN group_dm_channels g ON g.id = r.channel_id WHERE r.user_id = $user_id
     ) p
   )
   SELECT * FROM listed ORDER BY ${ORDER("coalesce(last_message_id, id)")} DESC, ${ORDER("id")} DESC LIMIT $limit`;

export function listPrivateChannels(db: Database, userId: string, limit: number): PrivateChannelEntry[] {
  assertValidPage(limit, undefined);
  return db.query<PrivateChannelRow, [{ user_id: string; limit: number }]>(LIST_PRIVATE_CHANNELS).all({ user_id: userId, limit }).map(privateChannelFromRow);
}

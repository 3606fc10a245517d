/**
 * A user's private channels in the PostgreSQL store (postgres.ts): the schema step that indexes
 * DM channels and group DMs by recipient, and the listing READY reads (guild-store.ts
 * `listPrivateChannels`). A DM's pair is indexed both ways (its UNIQUE (user_low, user_high)
 * serves the low side); a group DM's recipients, a JSON array in its row, get a row each in
 * `group_dm_recipients`, written with the channel (postgres-group-dms.ts).
 */
import type { SQL } from "bun";
import { isSnowflake } from "../protocol/fields.ts";
import { assertValidPage } from "./guild-store.ts";
import { privateChannelFromRow, type PrivateChannelEntry, type PrivateChannelRow } from "./private-channels.ts";

/** The schema step (postgres.ts appends it to its migrations); it fills the recipients of the group DMs already stored. */
export const PRIVATE_CHANNELS_MIGRATION = `CREATE INDEX dm_channels_by_user_high ON dm_channels (user_high);
   CREATE TABLE group_dm_recipients (
     user_id numeric(20) NOT NULL,
     channel_id numeric(20) NOT NULL,
     PRIMARY KEY (user_id, channel_id)
   );
   CREATE INDEX group_dm_recipients_by_channel ON group_dm_recipients (channel_id);
   INSERT INTO group_dm_recipients (user_id, channel_id)
     SELECT recipient::numeric, g.id FROM group_dm_channels g, json_array_elements_text(g.recipient_ids::json) recipient;`;

/**
 * The user's channels by the three indexes, each with its newest message (one backward seek of
 * the messages' primary key), ordered by `byLatestActivity`.
 */
export async function listPrivateChannels(sql: SQL, userId: string, limit: number): Promise<PrivateChannelEntry[]> {
  assertValidPage(limit, undefined);
  if (!isSnowflake(userId)) return [];
  const rows = await sql<PrivateChannelRow[]>`
    SELECT * FROM (
      SELECT p.*, (SELECT m.id FROM messages m WHERE m.channel_id = p.id ORDER BY m.id DESC LIMIT 1) AS last_message_id
      FROM (
        SELECT id, user_low, user_high, NULL::numeric AS owner_id, NULL::text AS name, NULL::text AS icon, NULL::text AS recipient_ids, created_at
        FROM dm_channels WHERE user_low = ${userId}
        UNION ALL
        SELECT id, user_low, user_high, NULL, NULL, NULL, NULL, created_at FROM dm_channels WHERE user_high = ${userId}
        UNION ALL
        SELECT g.id, NULL, NULL, g.owner_id, g.name, g.icon, g.recipient_ids, g.created_at
        FROM group_dm_recipients r JOIN group_dm_channels g ON g.id = r.channel_id WHERE r.user_id = ${userId}
      ) p
    ) listed
    ORDER BY coalesce(last_message_id, id) DESC, id DESC LIMIT ${limit}`;
  return rows.map(privateChannelFromRow);
}

/** The statements that make the group DM's recipient rows `recipientIds` (a JSON array's text), after any it had. */
export function putGroupDmRecipients(sql: SQL, channelId: string, recipientIds: string) {
  return [
    deleteGroupDmRecipients(sql, channelId),
    sql`INSERT INTO group_dm_recipients (user_id, channel_id) SELECT value::numeric, ${channelId} FROM json_array_elements_text(${recipientIds}::text::json)`,
  ];
}

export function deleteGroupDmRecipients(sql: SQL, channelId: string) {
  return sql`DELETE FROM group_dm_recipients WHERE channel_id = ${channelId}`;
}

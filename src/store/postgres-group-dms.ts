/** Group DM channels in the PostgreSQL store (postgres.ts): its schema step and its statements. */
import type { SQL } from "bun";
import { isSnowflake } from "../protocol/fields.ts";
import { groupDmFromRow, groupDmRow, type GroupDmChannel, type GroupDmRow } from "./group-dm-channels.ts";
import { deleteGroupDmRecipients, putGroupDmRecipients } from "./postgres-private-channels.ts";

/** The schema step that adds group DM channels (postgres.ts appends it to its migrations). */
export const GROUP_DMS_MIGRATION = `CREATE TABLE group_dm_channels (
     id numeric(20) PRIMARY KEY,
     owner_id numeric(20) NOT NULL,
     name text,
     icon text,
     recipient_ids text NOT NULL,
     created_at bigint NOT NULL
   );`;

export async function getGroupDm(sql: SQL, id: string): Promise<GroupDmChannel | undefined> {
  if (!isSnowflake(id)) return undefined;
  const [row] = await sql<GroupDmRow[]>`SELECT * FROM group_dm_channels WHERE id = ${id}`;
  return row && groupDmFromRow(row);
}

/** The statements that insert or replace `channel` with its recipients' rows (postgres-private-channels.ts), in a `writeGuild` batch. */
export function putGroupDm(sql: SQL, channel: GroupDmChannel) {
  const row = groupDmRow(channel);
  return [
    sql`
    INSERT INTO group_dm_channels (id, owner_id, name, icon, recipient_ids, created_at)
    VALUES (${row.id}, ${row.owner_id}, ${row.name}, ${row.icon}, ${row.recipient_ids}, ${row.created_at})
    ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, name = excluded.name, icon = excluded.icon,
      recipient_ids = excluded.recipient_ids`,
    ...putGroupDmRecipients(sql, row.id, row.recipient_ids),
  ];
}

export function deleteGroupDm(sql: SQL, id: string) {
  return [sql`DELETE FROM group_dm_channels WHERE id = ${id}`, deleteGroupDmRecipients(sql, id)];
}

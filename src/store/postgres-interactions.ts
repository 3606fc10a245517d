/** Interactions in the PostgreSQL store (postgres.ts; interaction-records.ts): its schema step and its statements. */
import type { SQL } from "bun";
import { isSnowflake } from "../protocol/fields.ts";
import { INTERACTION_LIFETIME_MS, interactionExpired, interactionFromRow, interactionRow, type InteractionRow, type ShownModal, type StoredInteraction } from "./interaction-records.ts";

/** The schema step that adds interactions (postgres.ts appends it to its migrations). */
export const INTERACTIONS_MIGRATION = `CREATE TABLE interactions (
     id numeric(20) PRIMARY KEY,
     unit_id numeric(20) NOT NULL,
     application_id numeric(20) NOT NULL,
     channel_id numeric(20) NOT NULL,
     user_id numeric(20) NOT NULL,
     type integer NOT NULL,
     created_at bigint NOT NULL,
     acknowledged boolean NOT NULL,
     original_id numeric(20),
     follow_up_ids text NOT NULL,
     modal text,
     data text NOT NULL,
     ephemeral text NOT NULL
   );
   CREATE INDEX interactions_by_unit_created ON interactions (unit_id, created_at);`;

export async function getInteraction(sql: SQL, unitId: string, id: string, now: number): Promise<StoredInteraction | undefined> {
  if (!isSnowflake(unitId) || !isSnowflake(id)) return undefined;
  const [row] = await sql<InteractionRow[]>`SELECT * FROM interactions WHERE id = ${id} AND unit_id = ${unitId}`;
  return row && !interactionExpired(Number(row.created_at), now) ? interactionFromRow(row) : undefined;
}

export async function findShownModal(sql: SQL, unitId: string, shown: ShownModal, now: number): Promise<StoredInteraction | undefined> {
  if (![unitId, shown.applicationId, shown.userId, shown.channelId].every(isSnowflake)) return undefined;
  const [row] = await sql<InteractionRow[]>`
    SELECT * FROM interactions WHERE unit_id = ${unitId} AND created_at >= ${now - INTERACTION_LIFETIME_MS} AND modal = ${shown.customId}
      AND application_id = ${shown.applicationId} AND user_id = ${shown.userId} AND channel_id = ${shown.channelId}
    ORDER BY created_at DESC LIMIT 1`;
  return row && interactionFromRow(row);
}

/** The statements that drop the unit's expired interactions and insert or replace `interaction`, in a `writeGuild` batch. */
export function putInteraction(sql: SQL, interaction: StoredInteraction, now: number) {
  const row = interactionRow(interaction);
  return [
    sql`DELETE FROM interactions WHERE unit_id = ${row.unit_id} AND created_at < ${now - INTERACTION_LIFETIME_MS}`,
    sql`
    INSERT INTO interactions (id, unit_id, application_id, channel_id, user_id, type, created_at, acknowledged, original_id, follow_up_ids, modal, data, ephemeral)
    VALUES (${row.id}, ${row.unit_id}, ${row.application_id}, ${row.channel_id}, ${row.user_id}, ${row.type}, ${row.created_at}, ${interaction.acknowledged},
      ${row.original_id}, ${row.follow_up_ids}, ${row.modal}, ${row.data}, ${row.ephemeral})
    ON CONFLICT (id) DO UPDATE SET acknowledged = excluded.acknowledged, original_id = excluded.original_id, follow_up_ids = excluded.follow_up_ids,
      modal = excluded.modal, data = excluded.data, ephemeral = excluded.ephemeral`,
  ];
}

/** A guild's or DM channel's, with it. */
export const deleteUnitInteractions = (sql: SQL, unitId: string) => sql`DELETE FROM interactions WHERE unit_id = ${unitId}`;

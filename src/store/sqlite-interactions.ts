/**
 * Interactions in the SQLite store (sqlite.ts; interaction-records.ts): its schema step, a
 * read by (unit, id), a modal's lookup and a write inside a guild's batch that drops the
 * unit's expired records (both an index range scan on (unit, created_at)).
 */
import type { Database } from "bun:sqlite";
import { INTERACTION_LIFETIME_MS, interactionExpired, interactionFromRow, interactionRow, type InteractionRow, type ShownModal, type StoredInteraction } from "./interaction-records.ts";

/** The schema step that adds interactions (sqlite.ts appends it to its migrations). */
export const INTERACTIONS_MIGRATION = `CREATE TABLE interactions (
     id TEXT PRIMARY KEY NOT NULL,
     unit_id TEXT NOT NULL,
     application_id TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     type INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     acknowledged INTEGER NOT NULL,
     original_id TEXT,
     follow_up_ids TEXT NOT NULL,
     modal TEXT,
     data TEXT NOT NULL,
     ephemeral TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX interactions_by_unit_created ON interactions (unit_id, created_at);`;

export class SqliteInteractions {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  get(unitId: string, id: string, now: number): StoredInteraction | undefined {
    const row = this.#db.query<InteractionRow, [{ unit_id: string; id: string }]>("SELECT * FROM interactions WHERE id = $id AND unit_id = $unit_id").get({ unit_id: unitId, id });
    return row && !interactionExpired(Number(row.created_at), now) ? interactionFromRow(row) : undefined;
  }

  findShownModal(unitId: string, shown: ShownModal, now: number): StoredInteraction | undefined {
    const row = this.#db
      .query<InteractionRow, [Record<string, string | number>]>(
        `SELECT * FROM interactions WHERE unit_id = $unit_id AND created_at >= $since AND modal = $modal
           AND application_id = $application_id AND user_id = $user_id AND channel_id = $channel_id
         ORDER BY created_at DESC LIMIT 1`,
      )
      .get({ unit_id: unitId, since: now - INTERACTION_LIFETIME_MS, modal: shown.customId, application_id: shown.applicationId, user_id: shown.userId, channel_id: shown.channelId });
    return row ? interactionFromRow(row) : undefined;
  }

  /** Inside the batch's transaction. */
  put(interaction: StoredInteraction, now: number): void {
    this.#db.query("DELETE FROM interactions WHERE unit_id = $unit_id AND created_at < $before").run({ unit_id: interaction.unitId, before: now - INTERACTION_LIFETIME_MS });
    const row = interactionRow(interaction);
    this.#db
      .query(
        `INSERT OR REPLACE INTO interactions (id, unit_id, application_id, channel_id, user_id, type, created_at, acknowledged, original_id, follow_up_ids, modal, data, ephemeral)
         VALUES ($id, $unit_id, $application_id, $channel_id, $user_id, $type, $created_at, $acknowledged, $original_id, $follow_up_ids, $modal, $data, $ephemeral)`,
      )
      .run(row);
  }

  /** A guild's or DM channel's, with it. */
  deleteUnit(unitId: string): void {
    this.#db.query("DELETE FROM interactions WHERE unit_id = $unit_id").run({ unit_id: unitId });
  }
}

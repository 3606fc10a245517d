/**
 * Interactions as every `GuildStore` keeps them (guild-store.ts): what each one has become
 * (acknowledged or not, its original response, its follow-ups, the modal it showed, its
 * ephemeral messages, which are never stored as messages), so that whoever owns its guild (or
 * DM channel) next can go on answering it (guild/interactions.ts). The owner writes a record
 * through `writeGuild`, in the batch of the messages its response makes, fenced as they are.
 * A record lives as long as the interaction's token: 15 minutes from its creation; an expired
 * one is never answered, and each write drops its unit's expired ones.
 */
import { isSnowflake } from "../protocol/fields.ts";
import { assertValidMessage, type StoredMessage } from "./message-records.ts";

/** How long an interaction's token (and so the interaction and its record) lives. */
export const INTERACTION_LIFETIME_MS = 15 * 60_000;

export interface StoredInteraction {
  /** Snowflake; its time is `createdAt`. */
  readonly id: string;
  /** Its guild, or its DM channel: the unit whose owner writes it (its fence). */
  readonly unitId: string;
  readonly applicationId: string;
  readonly channelId: string;
  /** The invoker. */
  readonly userId: string;
  /** Discord's interaction type (2 a command, 3 a component, 5 a modal's submission). */
  readonly type: number;
  /** Milliseconds since the Unix epoch. */
  readonly createdAt: number;
  readonly acknowledged: boolean;
  /** The original response's message id, or null. */
  readonly originalId: string | null;
  readonly followUpIds: readonly string[];
  /** The `custom_id` of the modal it answered with, or null. */
  readonly modal: string | null;
  /** The rest of the invocation its owner reads (its command, message, target, custom_id), a JSON object's text. */
  readonly data: string;
  /** Its ephemeral messages, whole (they are kept nowhere else). */
  readonly ephemeral: readonly StoredMessage[];
}

/** A modal an application showed a user in a channel, by its `custom_id`. */
export interface ShownModal {
  readonly applicationId: string;
  readonly userId: string;
  readonly channelId: string;
  readonly customId: string;
}

/** Whether `interaction` showed the modal. */
export const showed = (interaction: StoredInteraction, shown: ShownModal): boolean =>
  interaction.modal === shown.customId && interaction.applicationId === shown.applicationId && interaction.userId === shown.userId && interaction.channelId === shown.channelId;

/** Whether the interaction's token has expired at `now`. */
export const interactionExpired = (createdAt: number, now: number): boolean => now - createdAt > INTERACTION_LIFETIME_MS;

/** Throws `RangeError` unless `interaction` is a record every store can hold. */
export function assertValidInteraction(interaction: StoredInteraction): void {
  const { id, unitId, applicationId, channelId, userId, originalId, followUpIds, modal, data, ephemeral } = interaction;
  for (const [what, value] of Object.entries({ id, unitId, applicationId, channelId, userId })) {
    if (typeof value !== "string" || !isSnowflake(value)) throw new RangeError(`interaction ${what} must be a snowflake, got "${String(value)}"`);
  }
  const at = `interaction ${id}`;
  if (!Number.isInteger(interaction.type) || interaction.type < 1 || interaction.type > 255) throw new RangeError(`${at}: type must be an integer 1..255`);
  if (!Number.isSafeInteger(interaction.createdAt)) throw new RangeError(`${at}: createdAt must be an integer of milliseconds`);
  if (typeof interaction.acknowledged !== "boolean") throw new RangeError(`${at}: acknowledged must be a boolean`);
  if (originalId !== null && !isSnowflake(originalId)) throw new RangeError(`${at}: originalId must be a snowflake or null`);
  if (!Array.isArray(followUpIds) || !followUpIds.every(isSnowflake)) throw new RangeError(`${at}: followUpIds must be snowflakes`);
  if (modal !== null && typeof modal !== "string") throw new RangeError(`${at}: modal must be a string or null`);
  if (typeof data !== "string") throw new RangeError(`${at}: data must be a JSON object's text`);
  if (!Array.isArray(ephemeral)) throw new RangeError(`${at}: ephemeral must be an array of messages`);
  for (const message of ephemeral) assertValidMessage(message);
}

export function copyInteraction(interaction: StoredInteraction): StoredInteraction {
  return {
    ...interaction,
    followUpIds: [...interaction.followUpIds],
    ephemeral: interaction.ephemeral.map((message) => ({ ...message })),
  };
}

/** An `interactions` row as both SQL stores read it (bigints may come as strings from PostgreSQL). */
export type InteractionRow = {
  id: string;
  unit_id: string;
  application_id: string;
  channel_id: string;
  user_id: string;
  type: number;
  created_at: number | string;
  acknowledged: number | boolean;
  original_id: string | null;
  follow_up_ids: string;
  modal: string | null;
  data: string;
  ephemeral: string;
};

/** The row's columns of a record (ids, lists and messages as the SQL stores keep them). */
export function interactionRow(interaction: StoredInteraction): InteractionRow {
  return {
    id: interaction.id,
    unit_id: interaction.unitId,
    application_id: interaction.applicationId,
    channel_id: interaction.channelId,
    user_id: interaction.userId,
    type: interaction.type,
    created_at: interaction.createdAt,
    acknowledged: interaction.acknowledged ? 1 : 0,
    original_id: interaction.originalId,
    follow_up_ids: JSON.stringify(interaction.followUpIds),
    modal: interaction.modal,
    data: interaction.data,
    ephemeral: JSON.stringify(interaction.ephemeral),
  };
}

export function interactionFromRow(row: InteractionRow): StoredInteraction {
  return {
    id: String(row.id),
    unitId: String(row.unit_id),
    applicationId: String(row.application_id),
    channelId: String(row.channel_id),
    userId: String(row.user_id),
    type: Number(row.type),
    createdAt: Number(row.created_at),
    acknowledged: Boolean(row.acknowledged),
    originalId: row.original_id === null ? null : String(row.original_id),
    followUpIds: JSON.parse(row.follow_up_ids) as string[],
    modal: row.modal,
    data: row.data,
    ephemeral: JSON.parse(row.ephemeral) as StoredMessage[],
  };
}

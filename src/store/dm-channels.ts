/**
 * DM channels (Discord's channel type 1) as every `GuildStore` keeps them (guild-store.ts):
 * one channel per pair of users, whoever opened it first. Their messages are kept with every
 * other message (message-records.ts), written fenced under the DM channel's own id: a DM
 * channel is its own unit of ownership, as a guild is (guild/direct-messages.ts).
 */
import { compareSnowflakes, isSnowflake } from "../protocol/fields.ts";

/** A DM channel between two users. */
export interface DmChannel {
  /** Snowflake. */
  readonly id: string;
  /** The two users, distinct, in ascending numeric id order (`dmPair`). */
  readonly recipientIds: readonly [string, string];
  /** Milliseconds since the Unix epoch. */
  readonly createdAt: number;
}

/** The pair of users as a DM channel keeps it: ascending numeric id order. */
export function dmPair(a: string, b: string): [string, string] {
  return compareSnowflakes(a, b) <= 0 ? [a, b] : [b, a];
}

/** Throws `RangeError` unless `channel` is a record every store can hold. */
export function assertValidDmChannel(channel: DmChannel): void {
  const [low, high] = channel.recipientIds ?? [];
  for (const id of [channel.id, low, high]) {
    if (typeof id !== "string" || !isSnowflake(id)) throw new RangeError(`DM channel ids must be snowflakes, got "${String(id)}"`);
  }
  if (compareSnowflakes(low as string, high as string) >= 0) throw new RangeError(`DM channel ${channel.id}: recipients must be two users in ascending order`);
  if (!Number.isSafeInteger(channel.createdAt)) throw new RangeError(`DM channel ${channel.id}: createdAt must be an integer of milliseconds`);
}

export function copyDmChannel({ id, recipientIds: [low, high], createdAt }: DmChannel): DmChannel {
  return { id, recipientIds: [low, high], createdAt };
}

/** A `dm_channels` row as both SQL stores read it (`created_at`: a string from PostgreSQL's bigint). */
export type DmChannelRow = {
  id: string;
  user_low: string;
  user_high: string;
  created_at: number | string;
};

export const dmChannelFromRow = (row: DmChannelRow): DmChannel => ({ id: row.id, recipientIds: [row.user_low, row.user_high], createdAt: Number(row.created_at) });

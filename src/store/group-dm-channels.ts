/**
 * Group DM channels (Discord's channel type 3) as every `GuildStore` keeps them (guild-store.ts):
 * an owner, a name and an icon, and up to ten recipients. A group DM is its own unit of
 * ownership, as a guild is: the channel's owner (the ring names it by the channel's id) writes
 * it, and its messages, fenced under the channel's id through `writeGuild`.
 */
import { isSnowflake } from "../protocol/fields.ts";
import { decodeRoleIds, encodeRoleIds } from "./json-columns.ts";

/** Discord's bound on a group DM's recipients, the owner among them (30004 beyond). */
export const MAX_GROUP_DM_RECIPIENTS = 10;

/** A group DM channel. */
export interface GroupDmChannel {
  /** Snowflake. */
  readonly id: string;
  /** The recipient who owns it (renames are anyone's; removing others is the owner's). */
  readonly ownerId: string;
  /** Null: none set (clients show the recipients' names). At most 100 characters. */
  readonly name: string | null;
  /** An icon hash, or null. */
  readonly icon: string | null;
  /** Every recipient, the owner among them, distinct, in the order they joined: 1 to 10. */
  readonly recipientIds: readonly string[];
  /** Milliseconds since the Unix epoch. */
  readonly createdAt: number;
}

/** Throws `RangeError` unless `channel` is a record every store can hold. */
export function assertValidGroupDm(channel: GroupDmChannel): void {
  const { id, ownerId, name, icon, recipientIds, createdAt } = channel;
  for (const snowflake of [id, ownerId, ...(Array.isArray(recipientIds) ? recipientIds : [])]) {
    if (typeof snowflake !== "string" || !isSnowflake(snowflake)) throw new RangeError(`group DM ids must be snowflakes, got "${String(snowflake)}"`);
  }
  if (!Array.isArray(recipientIds) || recipientIds.length < 1 || recipientIds.length > MAX_GROUP_DM_RECIPIENTS || new Set(recipientIds).size !== recipientIds.length) {
    throw new RangeError(`group DM ${id}: recipients must be 1 to ${MAX_GROUP_DM_RECIPIENTS} distinct users`);
  }
  if (!recipientIds.includes(ownerId)) throw new RangeError(`group DM ${id}: the owner must be a recipient`);
  if (name !== null && (typeof name !== "string" || name.length > 100)) throw new RangeError(`group DM ${id}: name must be null or a string of at most 100 characters`);
  if (icon !== null && typeof icon !== "string") throw new RangeError(`group DM ${id}: icon must be null or a string`);
  if (!Number.isSafeInteger(createdAt)) throw new RangeError(`group DM ${id}: createdAt must be an integer of milliseconds`);
}

export function copyGroupDm(channel: GroupDmChannel): GroupDmChannel {
  return { ...channel, recipientIds: [...channel.recipientIds] };
}

/** A `group_dm_channels` row as both SQL stores read it (`created_at`: a string from PostgreSQL's bigint). */
export type GroupDmRow = {
  id: string;
  owner_id: string;
  name: string | null;
  icon: string | null;
  recipient_ids: string;
  created_at: number | string;
};

export const groupDmFromRow = (row: GroupDmRow): GroupDmChannel => ({
  id: String(row.id),
  ownerId: String(row.owner_id),
  name: row.name,
  icon: row.icon,
  recipientIds: decodeRoleIds(row.recipient_ids),
  createdAt: Number(row.created_at),
});

/** The row's values for an insert or replace. */
export const groupDmRow = (channel: GroupDmChannel): GroupDmRow => ({
  id: channel.id,
  owner_id: channel.ownerId,
  name: channel.name,
  icon: channel.icon,
  recipient_ids: encodeRoleIds(channel.recipientIds),
  created_at: channel.createdAt,
});

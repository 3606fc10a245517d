/**
 * A user's private channels as every `GuildStore` lists them (guild-store.ts
 * `listPrivateChannels`): its DM channels (dm-channels.ts) and group DMs (group-dm-channels.ts),
 * each with the id of its newest message, the most recently active first. READY lists them so
 * for a user's session (session/ready-private-channels.ts).
 */
import { compareSnowflakes } from "../protocol/fields.ts";
import { dmChannelFromRow, type DmChannel } from "./dm-channels.ts";
import { groupDmFromRow, type GroupDmChannel } from "./group-dm-channels.ts";

/** A DM or a group DM channel. */
export type PrivateChannel = DmChannel | GroupDmChannel;

export const isGroupDm = (channel: PrivateChannel): channel is GroupDmChannel => "ownerId" in channel;

/** A private channel of a user, with what READY shows of its activity. */
export interface PrivateChannelEntry {
  readonly channel: PrivateChannel;
  /** Its newest message's id, or null if it has none. */
  readonly lastMessageId: string | null;
}

/**
 * Latest activity first: by the newest message's id, else (no message) by the channel's own
 * id, both snowflakes, so both order by time; ties by the higher channel id.
 */
export function byLatestActivity(a: PrivateChannelEntry, b: PrivateChannelEntry): number {
  return compareSnowflakes(b.lastMessageId ?? b.channel.id, a.lastMessageId ?? a.channel.id) || compareSnowflakes(b.channel.id, a.channel.id);
}

/**
 * A row of both SQL stores' listing: a `dm_channels` row's columns or a `group_dm_channels`
 * row's (the other kind's null), and the newest message's id. PostgreSQL answers numerics and
 * bigints as strings.
 */
export type PrivateChannelRow = {
  id: string;
  user_low: string | null;
  user_high: string | null;
  owner_id: string | null;
  name: string | null;
  icon: string | null;
  recipient_ids: string | null;
  created_at: number | string;
  last_message_id: string | null;
};

export function privateChannelFromRow(row: PrivateChannelRow): PrivateChannelEntry {
  const { id, user_low, user_high, owner_id, name, icon, recipient_ids, created_at } = row;
  const channel =
    owner_id === null || recipient_ids === null
      ? dmChannelFromRow({ id: String(id), user_low: String(user_low), user_high: String(user_high), created_at })
      : groupDmFromRow({ id, owner_id, name, icon, recipient_ids, created_at });
  return { channel, lastMessageId: row.last_message_id === null ? null : String(row.last_message_id) };
}

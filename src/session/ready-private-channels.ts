/**
 * READY's `private_channels` for a user's session: its DM and group DM channels as the channel
 * objects REST answers for them (guild/direct-messages.ts `privateChannelJson`), each with
 * `last_message_id` and full `recipients` (the other users). Discord sends `recipient_ids`
 * with the users in READY's `users` only to a client that asked for the DEDUPE_USER_OBJECTS
 * capability; guildgate reads no capabilities, so it sends the full form, which user clients
 * read too (discord.py-self fills `recipients` from `recipient_ids` only when they are absent).
 *
 * Bounded: the `READY_PRIVATE_CHANNELS` latest active channels, read on the session's worker
 * in two store queries (the channels, then their users), never one per channel and never an
 * owner call. A bot's is empty, as on Discord (API docs change log: READY's `private_channels`
 * "should be an empty array" for a bot).
 */
import { privateChannelJson } from "../guild/direct-messages.ts";
import type { GuildStore, User } from "../store/guild-store.ts";

type Json = Record<string, unknown>;

/** At most this many private channels in READY, the latest active first (Discord documents no bound). */
export const READY_PRIVATE_CHANNELS = 1_000;

/** The private channels READY lists for `userId`, as `userId` sees them. */
export async function readyPrivateChannels(store: Pick<GuildStore, "listPrivateChannels" | "getUsers">, userId: string): Promise<Json[]> {
  const entries = await store.listPrivateChannels(userId, READY_PRIVATE_CHANNELS);
  if (entries.length === 0) return [];
  const users = new Map<string, User>();
  for (const user of await store.getUsers([...new Set(entries.flatMap(({ channel }) => channel.recipientIds))])) users.set(user.id, user);
  return entries.map(({ channel, lastMessageId }) => {
    // Each channel's own users, in its recipients' order (a user that is gone is left out, as over REST).
    const recipients = channel.recipientIds.flatMap((id) => users.get(id) ?? []);
    return privateChannelJson(channel, recipients, userId, lastMessageId);
  });
}

/**
 * Stored messages as REST answers them: each with its reactions as the caller sees them
 * (`me`) and, for a reply, the message it replies to (null once deleted), as Discord answers.
 */
import { messageData, messageJson } from "../guild/message-json.ts";
import type { GuildStore } from "../store/guild-store.ts";
import type { StoredMessage } from "../store/message-records.ts";
import { discordTimestamp } from "../protocol/timestamp.ts";

type Json = Record<string, unknown>;

/** The store reads these answers make. */
export type MessageRecordsRead = Pick<GuildStore, "getMessage" | "messageReactions">;

/** The message objects of `messages` (all of one channel), in their order, for `viewerId`. */
export async function messagesJson(store: MessageRecordsRead, messages: readonly StoredMessage[], viewerId: string): Promise<Json[]> {
  const first = messages[0];
  if (!first) return [];
  const reactions = await store.messageReactions(first.channelId, messages.map((m) => m.id), viewerId);
  const referencedIds = [...new Set(messages.flatMap((m) => (m.type === 19 ? [messageData(m).message_reference?.message_id as string] : [])))];
  const referenced = new Map(await Promise.all(referencedIds.map(async (id) => [id, await store.getMessage(first.channelId, id)] as const)));
  return messages.map((message) => {
    const replyTo = message.type === 19 ? (messageData(message).message_reference?.message_id as string) : undefined;
    const target = replyTo === undefined ? undefined : referenced.get(replyTo);
    return messageJson(message, {
      reactions: reactions.get(message.id) ?? [],
      ...(replyTo !== undefined && { referenced: target ? messageJson(target) : null }),
    });
  });
}

/** Pinned messages as `GET .../messages/pins` lists them: `{pinned_at, message}`. */
export async function pinnedJson(store: MessageRecordsRead, messages: readonly StoredMessage[], viewerId: string): Promise<Json[]> {
  const json = await messagesJson(store, messages, viewerId);
  return messages.map((message, i) => ({ pinned_at: discordTimestamp(message.pinnedAt ?? 0), message: json[i] }));
}

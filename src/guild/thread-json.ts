/**
 * Threads as Discord's API shapes them (docs: resources/channel "Thread Metadata Object",
 * "Thread Member Object"; events/gateway-events "Thread Members Update"): a thread is a
 * channel object with `owner_id`, `thread_metadata` and its counts; times as ISO 8601.
 */
import { discordTimestamp } from "../protocol/timestamp.ts";
import type { Member, User } from "../store/guild-store.ts";
import type { StoredThreadMember } from "../store/thread-records.ts";
import { ThreadType } from "../store/thread-records.ts";
import type { ThreadChannel } from "./guild-state.ts";
import { memberJson } from "./guild-json.ts";

type Json = Record<string, unknown>;

/** Discord counts a thread's members only up to 50. */
const MEMBER_COUNT_CAP = 50;

/** The thread's channel object; `memberCount` is how many joined it. */
export function threadJson(channel: ThreadChannel, memberCount: number): Json {
  const { thread } = channel;
  return {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guildId,
    parent_id: channel.parentId,
    owner_id: thread.ownerId,
    name: channel.name,
    last_message_id: thread.lastMessageId,
    last_pin_timestamp: null,
    rate_limit_per_user: thread.rateLimitPerUser,
    flags: thread.flags,
    message_count: thread.messageCount,
    member_count: Math.min(memberCount, MEMBER_COUNT_CAP),
    total_message_sent: thread.totalMessageSent,
    thread_metadata: {
      archived: thread.archived,
      auto_archive_duration: thread.autoArchiveDuration,
      archive_timestamp: discordTimestamp(thread.archiveTimestamp),
      locked: thread.locked,
      create_timestamp: discordTimestamp(thread.createdAt),
      ...(channel.type === ThreadType.PRIVATE && { invitable: thread.invitable }),
    },
  };
}

/** THREAD_DELETE's `d`: only the ids and the type. */
export function threadDeletedJson(channel: ThreadChannel): Json {
  return { id: channel.id, guild_id: channel.guildId, parent_id: channel.parentId, type: channel.type };
}

/** A thread member object; in GUILD_CREATE's threads without `id` and `user_id` (`inGuildCreate`). */
export function threadMemberJson(member: StoredThreadMember, inGuildCreate = false): Json {
  const own = { join_timestamp: discordTimestamp(member.joinedAt), flags: member.flags };
  return inGuildCreate ? own : { id: member.threadId, user_id: member.userId, ...own };
}

/** A thread member with its guild member (`with_member`, and THREAD_MEMBERS_UPDATE's added members). */
export function threadMemberWithMemberJson(member: StoredThreadMember, guildMember: Member, user: User): Json {
  return { ...threadMemberJson(member), member: memberJson(guildMember, user) };
}

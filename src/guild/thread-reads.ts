/**
 * What a member may read of a guild's threads over REST, from the guild as its owner holds it
 * (docs: resources/guild "List Active Guild Threads"; resources/channel "List Public / Private /
 * Joined Private Archived Threads", "Get Thread Member", "List Thread Members"): only threads it
 * may see, each list with the caller's own thread member objects.
 */
import { compareSnowflakes } from "../protocol/fields.ts";
import { ThreadType } from "../store/thread-records.ts";
import type { GuildState, ThreadChannel } from "./guild-state.ts";
import { channelPermissions, Permission } from "./permissions.ts";
import { Refusal } from "./refusal.ts";
import { threadJson, threadMemberJson, threadMemberWithMemberJson } from "./thread-json.ts";
import { canSeeThread, threadOf, threadPermissions } from "./thread-rules.ts";

type Json = Record<string, unknown>;

/** One read of a guild's threads, as data (it crosses the bus). */
export type ThreadRead =
  /** The active threads of the guild the caller may see. */
  | { readonly k: "active" }
  /**
   * Archived threads of a channel: public (newest archived first), private (MANAGE_THREADS; the
   * same order), or the private ones the caller joined (by id, highest first). `before` is a
   * time in ms for the first two, a thread id for "joined".
   */
  | { readonly k: "archived"; readonly channelId: string; readonly kind: "public" | "private" | "joined"; readonly before?: number | string; readonly limit: number }
  /** One thread member (10007 if the user is not in the thread). */
  | { readonly k: "member"; readonly threadId: string; readonly userId: string; readonly withMember: boolean }
  /** The thread's members by user id, above `after`. */
  | { readonly k: "members"; readonly threadId: string; readonly withMember: boolean; readonly after?: string; readonly limit: number };

/** Answers `read` for `viewerId`, a member of the guild (else 403 50001). */
export function readThreads(state: GuildState, viewerId: string, read: ThreadRead): Json | Json[] {
  if (!state.member(viewerId)) throw new Refusal("missing-access", "Missing Access");
  switch (read.k) {
    case "active": {
      const threads = [...state.activeThreads()].filter((thread) => canSeeThread(state, thread, viewerId));
      return listJson(state, threads, viewerId);
    }
    case "archived":
      return archived(state, viewerId, read);
    case "member": {
      const thread = threadOf(state, read.threadId);
      threadPermissions(state, thread, viewerId);
      const member = memberJson(state, thread, read.userId, read.withMember);
      if (!member) throw new Refusal("unknown-member", "Unknown Member");
      return member;
    }
    case "members": {
      const thread = threadOf(state, read.threadId);
      threadPermissions(state, thread, viewerId);
      const after = read.after;
      const userIds = [...state.threadMembers(thread.id).keys()].filter((id) => after === undefined || compareSnowflakes(id, after) > 0).sort(compareSnowflakes);
      return userIds.slice(0, read.limit).flatMap((userId): Json[] => {
        const json = memberJson(state, thread, userId, read.withMember);
        return json ? [json] : [];
      });
    }
  }
}

function archived(state: GuildState, viewerId: string, read: Extract<ThreadRead, { k: "archived" }>): Json {
  const parent = state.channelRecord(read.channelId);
  if (!parent) {
    if (state.thread(read.channelId)) throw new Refusal("invalid-channel-type", "Cannot execute action on this channel type");
    throw new Refusal("unknown-channel", "Unknown Channel");
  }
  const member = state.member(viewerId);
  const permissions = member ? channelPermissions(state.guild(), member, parent) : 0n;
  if ((permissions & Permission.VIEW_CHANNEL) === 0n) throw new Refusal("missing-access", "Missing Access");
  const needed = Permission.READ_MESSAGE_HISTORY | (read.kind === "private" ? Permission.MANAGE_THREADS : 0n);
  if ((permissions & needed) !== needed) throw new Refusal("missing-permissions", "Missing Permissions");
  const privately = read.kind !== "public";
  let threads = [...state.threads()].filter(
    (thread) =>
      thread.parentId === parent.id &&
      thread.thread.archived &&
      (thread.type === ThreadType.PRIVATE) === privately &&
      (read.kind !== "joined" || state.threadMembers(thread.id).has(viewerId)),
  );
  const { before } = read;
  if (read.kind === "joined") {
    threads = threads.filter((thread) => before === undefined || compareSnowflakes(thread.id, String(before)) < 0).sort((a, b) => compareSnowflakes(b.id, a.id));
  } else {
    threads = threads
      .filter((thread) => before === undefined || thread.thread.archiveTimestamp < Number(before))
      .sort((a, b) => b.thread.archiveTimestamp - a.thread.archiveTimestamp || compareSnowflakes(b.id, a.id));
  }
  return { ...listJson(state, threads.slice(0, read.limit), viewerId), has_more: threads.length > read.limit };
}

/** `{threads, members}`: the threads, and the caller's thread member object of each it joined. */
function listJson(state: GuildState, threads: readonly ThreadChannel[], viewerId: string): Json {
  const members = threads.flatMap((thread) => {
    const mine = state.threadMembers(thread.id).get(viewerId);
    return mine ? [threadMemberJson(mine)] : [];
  });
  return { threads: threads.map((thread) => threadJson(thread, state.threadMembers(thread.id).size)), members };
}

function memberJson(state: GuildState, thread: ThreadChannel, userId: string, withMember: boolean): Json | undefined {
  const member = state.threadMembers(thread.id).get(userId);
  if (!member) return undefined;
  const guildMember = state.member(userId);
  const user = state.user(userId);
  return withMember && guildMember && user ? threadMemberWithMemberJson(member, guildMember, user) : threadMemberJson(member);
}

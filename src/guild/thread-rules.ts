/**
 * What a guild's owner decides about threads, as Discord decides it (docs: topics/threads
 * "Permissions", "Editing & Deleting Threads"; resources/channel "Start Thread from Message",
 * "Start Thread without Message", "Modify Channel" for a thread, the thread member routes):
 * who may see a thread (its parent's viewers; a private one only its members and those with
 * MANAGE_THREADS), create, change, delete and join one, and the records each makes. Pure: the
 * owner runs these on the guild as it is now, in the step that writes and dispatches.
 */
import { snowflakeTime } from "../protocol/timestamp.ts";
import type { StoredChannel } from "../store/guild-store.ts";
import { ThreadType, type StoredThreadMember } from "../store/thread-records.ts";
import type { GuildState, ThreadChannel } from "./guild-state.ts";
import { channelPermissions, Permission } from "./permissions.ts";
import { Refusal, badField } from "./refusal.ts";
import type { MessageRequest } from "./message-rules.ts";

/**
 * Channel types threads may be started in: text (public and private threads), announcement
 * (announcement threads), forum and media (public threads that open with a message).
 */
const TEXT = 0;
const ANNOUNCEMENT = 5;
const FORUM = 15;
const MEDIA = 16;

/** Discord's default auto archive duration, minutes. */
export const DEFAULT_AUTO_ARCHIVE_MINUTES = 1440;

const MINUTE_MS = 60_000;

/** A thread a member starts (`POST /channels/:id/threads` or `.../messages/:id/threads`). */
export interface ThreadRequest {
  /** The new thread's id: the message's id when started from one. */
  readonly id: string;
  readonly name: string;
  /** The type asked for (without a message; Discord's default is PRIVATE_THREAD); undefined when started from a message. */
  readonly type?: number;
  readonly autoArchiveDuration?: number;
  readonly rateLimitPerUser?: number;
  readonly invitable?: boolean;
  /** Started from this message of the parent. */
  readonly messageId?: string;
  /** A forum or media channel's post: its first message, with the thread's id. */
  readonly message?: MessageRequest;
}

/** A PATCH of a thread: the fields given change. */
export interface ThreadPatch {
  readonly name?: string;
  readonly archived?: boolean;
  readonly autoArchiveDuration?: number;
  readonly locked?: boolean;
  readonly invitable?: boolean;
  readonly rateLimitPerUser?: number;
  readonly flags?: number;
}

const has = (permissions: bigint, bits: bigint): boolean => (permissions & bits) === bits;

function require(permissions: bigint, bits: bigint): void {
  if (!has(permissions, bits)) throw new Refusal("missing-permissions", "Missing Permissions");
}

/** The thread with this id (10003 if the guild has none). */
export function threadOf(state: GuildState, threadId: string): ThreadChannel {
  const thread = state.thread(threadId);
  if (!thread) throw new Refusal("unknown-channel", "Unknown Channel");
  return thread;
}

/** The member's permissions in its parent channel (0 for one that is not a member or a parent gone). */
function parentPermissions(state: GuildState, thread: StoredChannel, userId: string): bigint {
  const parent = thread.parentId === null ? undefined : state.channelRecord(thread.parentId);
  const member = state.member(userId);
  return parent && member ? channelPermissions(state.guild(), member, parent) : 0n;
}

/** Whether the member may see the thread: it views the parent, and a private thread has it as a member or it has MANAGE_THREADS. */
export function canSeeThread(state: GuildState, thread: ThreadChannel, userId: string): boolean {
  const permissions = parentPermissions(state, thread, userId);
  if (!has(permissions, Permission.VIEW_CHANNEL)) return false;
  return thread.type !== ThreadType.PRIVATE || has(permissions, Permission.MANAGE_THREADS) || state.threadMembers(thread.id).has(userId);
}

/**
 * The member's permissions in the thread: its parent's (Discord: threads inherit them). Refuses
 * (403 50001) a member that may not see it.
 */
export function threadPermissions(state: GuildState, thread: ThreadChannel, userId: string): bigint {
  if (!canSeeThread(state, thread, userId)) throw new Refusal("missing-access", "Missing Access");
  return parentPermissions(state, thread, userId);
}

/** Refuses (400 50083) what only an active thread allows. */
export function requireActive(thread: ThreadChannel): void {
  if (thread.thread.archived) throw new Refusal("archived-thread", "Operation cannot be performed on an archived thread");
}

/**
 * A send in a thread (docs: topics/threads "Permissions", "Locked Threads"): SEND_MESSAGES_IN_THREADS
 * instead of SEND_MESSAGES; a locked thread only with MANAGE_THREADS (an archived and locked one
 * answers 50083: it stays archived).
 */
export function checkThreadSend(thread: ThreadChannel, permissions: bigint, also: bigint): void {
  require(permissions, Permission.SEND_MESSAGES_IN_THREADS | also);
  if (thread.thread.locked && !has(permissions, Permission.MANAGE_THREADS)) {
    if (thread.thread.archived) requireActive(thread);
    throw new Refusal("missing-permissions", "Missing Permissions");
  }
}

/** A message edit in a thread (docs: topics/threads "Locked Threads"): only while active (50083); in a locked one, MANAGE_THREADS. */
export function checkThreadEdit(thread: ThreadChannel, permissions: bigint): void {
  requireActive(thread);
  if (thread.thread.locked) require(permissions, Permission.MANAGE_THREADS);
}

/** The thread after message `messageId` was sent in it: counted, its last message, and unarchived (Discord: sending unarchives). */
export function threadAfterSend(thread: ThreadChannel, messageId: string, now: number): ThreadChannel {
  const counts = { messageCount: thread.thread.messageCount + 1, totalMessageSent: thread.thread.totalMessageSent + 1, lastMessageId: messageId };
  const unarchived = thread.thread.archived ? { archived: false, archiveTimestamp: now } : {};
  return { ...thread, thread: { ...thread.thread, ...counts, ...unarchived } };
}

/**
 * The thread archived at `now` if it has been idle for its `auto_archive_duration` (docs:
 * topics/threads "Active & Archived Threads": activity is a message, unarchiving, or a new
 * duration); undefined if it is archived already or not idle yet.
 */
export function archivedIfIdle(thread: ThreadChannel, now: number): ThreadChannel | undefined {
  const { archived, archiveTimestamp, lastMessageId, autoArchiveDuration } = thread.thread;
  const lastActive = Math.max(archiveTimestamp, lastMessageId === null ? 0 : snowflakeTime(lastMessageId));
  if (archived || now - lastActive < autoArchiveDuration * MINUTE_MS) return undefined;
  return { ...thread, thread: { ...thread.thread, archived: true, archiveTimestamp: now } };
}

/** The thread after `deleted` of its messages went (message_count counts down; total_message_sent does not). */
export function threadAfterDelete(thread: ThreadChannel, deleted: number): ThreadChannel {
  return { ...thread, thread: { ...thread.thread, messageCount: Math.max(0, thread.thread.messageCount - deleted) } };
}

/** The type of a thread started in `parent`: from a message, the parent's kind; without one, as asked (default private). */
function threadType(parent: StoredChannel, request: ThreadRequest): number {
  if (isThreadOnly(parent)) {
    if (request.messageId !== undefined) throw new Refusal("invalid-channel-type", "Cannot execute action on this channel type");
    if (request.message === undefined) throw badField("message", "is required to start a thread in a forum or media channel");
    return ThreadType.PUBLIC;
  }
  if (request.message !== undefined) throw badField("message", "is only for a thread in a forum or media channel");
  if (parent.type !== TEXT && parent.type !== ANNOUNCEMENT) throw new Refusal("invalid-channel-type", "Cannot execute action on this channel type");
  if (request.messageId !== undefined) return parent.type === ANNOUNCEMENT ? ThreadType.ANNOUNCEMENT : ThreadType.PUBLIC;
  const type = request.type ?? ThreadType.PRIVATE;
  // Private threads only in text channels; an announcement channel's public threads are announcement threads.
  if (parent.type === ANNOUNCEMENT) {
    if (type === ThreadType.PRIVATE) throw new Refusal("invalid-channel-type", "Cannot execute action on this channel type");
    return ThreadType.ANNOUNCEMENT;
  }
  if (type === ThreadType.ANNOUNCEMENT) throw badField("type", "must be 11 (PUBLIC_THREAD) or 12 (PRIVATE_THREAD) in a text channel");
  return type;
}

/**
 * The thread a member starts in `parentId`, and its creator's membership (the creator joins):
 * the member views the parent and has CREATE_PUBLIC_THREADS (CREATE_PRIVATE_THREADS for a
 * private one; SEND_MESSAGES for a forum or media post, which must bring its first message); a
 * thread from a message must be the first from it (160004).
 */
export function newThread(state: GuildState, parentId: string, creatorId: string, request: ThreadRequest, now: number): { thread: ThreadChannel; member: StoredThreadMember } {
  if (state.thread(parentId)) throw new Refusal("invalid-channel-type", "Cannot execute action on this channel type");
  const parent = state.channelRecord(parentId);
  if (!parent) throw new Refusal("unknown-channel", "Unknown Channel");
  const member = state.member(creatorId);
  const permissions = member ? channelPermissions(state.guild(), member, parent) : 0n;
  if (!has(permissions, Permission.VIEW_CHANNEL)) throw new Refusal("missing-access", "Missing Access");
  const type = threadType(parent, request);
  // In a forum or media channel a post needs SEND_MESSAGES; CREATE_PUBLIC_THREADS is ignored there.
  require(permissions, isThreadOnly(parent) ? Permission.SEND_MESSAGES : type === ThreadType.PRIVATE ? Permission.CREATE_PRIVATE_THREADS : Permission.CREATE_PUBLIC_THREADS);
  if (state.thread(request.id)) throw new Refusal("thread-exists", "A thread has already been created for this message");
  const thread: ThreadChannel = {
    id: request.id,
    guildId: state.id,
    type,
    name: request.name,
    position: 0,
    parentId,
    overwrites: [],
    topic: null,
    thread: {
      ownerId: creatorId,
      archived: false,
      autoArchiveDuration: request.autoArchiveDuration ?? DEFAULT_AUTO_ARCHIVE_MINUTES,
      archiveTimestamp: now,
      locked: false,
      invitable: type === ThreadType.PRIVATE ? (request.invitable ?? true) : false,
      createdAt: now,
      messageCount: 0,
      totalMessageSent: 0,
      lastMessageId: null,
      rateLimitPerUser: request.rateLimitPerUser ?? 0,
      flags: 0,
    },
  };
  return { thread, member: { guildId: state.id, threadId: thread.id, userId: creatorId, joinedAt: now, flags: 0 } };
}

/**
 * The thread after a member's PATCH (docs: "Modify Channel", JSON Params (Thread); topics/threads
 * "Editing & Deleting Threads"): an archived thread takes nothing but `archived: false` with it
 * (50083); unarchiving needs only SEND_MESSAGES while it is not locked; `name`, `archived` and
 * `auto_archive_duration` need MANAGE_THREADS or to be its creator; `locked`,
 * `rate_limit_per_user`, `invitable` and `flags` need MANAGE_THREADS, as does any change to a
 * locked thread. Archiving and a new duration set `archive_timestamp`.
 */
export function patchedThread(state: GuildState, thread: ThreadChannel, actorId: string, patch: ThreadPatch, now: number): ThreadChannel {
  const permissions = threadPermissions(state, thread, actorId);
  const fields = thread.thread;
  if (fields.archived && patch.archived !== false) requireActive(thread);
  if (patch.invitable !== undefined && thread.type !== ThreadType.PRIVATE) throw badField("invitable", "is only for private threads");
  const manager = has(permissions, Permission.MANAGE_THREADS);
  const onlyUnarchives = patch.archived === false && Object.keys(patch).every((key) => key === "archived");
  if (fields.locked || patch.locked !== undefined || patch.rateLimitPerUser !== undefined || patch.invitable !== undefined || patch.flags !== undefined) {
    require(permissions, Permission.MANAGE_THREADS);
  } else if (onlyUnarchives) {
    require(permissions, Permission.SEND_MESSAGES);
  } else if (!manager && fields.ownerId !== actorId) {
    require(permissions, Permission.MANAGE_THREADS);
  }
  const archived = patch.archived ?? fields.archived;
  const touched = archived !== fields.archived || (patch.autoArchiveDuration !== undefined && patch.autoArchiveDuration !== fields.autoArchiveDuration);
  return {
    ...thread,
    name: patch.name ?? thread.name,
    thread: {
      ...fields,
      archived,
      autoArchiveDuration: patch.autoArchiveDuration ?? fields.autoArchiveDuration,
      archiveTimestamp: touched ? now : fields.archiveTimestamp,
      locked: patch.locked ?? fields.locked,
      invitable: patch.invitable ?? fields.invitable,
      rateLimitPerUser: patch.rateLimitPerUser ?? fields.rateLimitPerUser,
      flags: patch.flags ?? fields.flags,
    },
  };
}

/** A thread's deletion: MANAGE_THREADS (docs: "Delete/Close Channel"). */
export function checkDeleteThread(state: GuildState, thread: ThreadChannel, actorId: string): void {
  require(threadPermissions(state, thread, actorId), Permission.MANAGE_THREADS);
}

/**
 * Adding `userId` to the thread (docs: "Join Thread", "Add Thread Member"): it must be active
 * (50083); the actor may see it, and adding another needs SEND_MESSAGES_IN_THREADS, and in a
 * private thread that is not invitable MANAGE_THREADS; the user added must be a member who
 * views the parent (10007, 50001). Undefined if it is in the thread already.
 */
export function newThreadMember(state: GuildState, thread: ThreadChannel, actorId: string, userId: string, now: number): StoredThreadMember | undefined {
  const permissions = threadPermissions(state, thread, actorId);
  requireActive(thread);
  if (actorId !== userId) {
    require(permissions, Permission.SEND_MESSAGES_IN_THREADS);
    if (thread.type === ThreadType.PRIVATE && !thread.thread.invitable) require(permissions, Permission.MANAGE_THREADS);
    if (!state.member(userId)) throw new Refusal("unknown-member", "Unknown Member");
    if (!has(parentPermissions(state, thread, userId), Permission.VIEW_CHANNEL)) throw new Refusal("missing-access", "Missing Access");
  }
  if (state.threadMembers(thread.id).has(userId)) return undefined;
  return { guildId: state.id, threadId: thread.id, userId, joinedAt: now, flags: 0 };
}

/**
 * Removing `userId` from the thread (docs: "Leave Thread", "Remove Thread Member"): it must be
 * active (50083); removing another needs MANAGE_THREADS, or to be the creator of a private
 * thread. False if the user is not in it.
 */
export function checkRemoveThreadMember(state: GuildState, thread: ThreadChannel, actorId: string, userId: string): boolean {
  const permissions = threadPermissions(state, thread, actorId);
  requireActive(thread);
  if (actorId !== userId && !(thread.type === ThreadType.PRIVATE && thread.thread.ownerId === actorId)) require(permissions, Permission.MANAGE_THREADS);
  return state.threadMembers(thread.id).has(userId);
}

/** A forum or media channel: only threads are made in it, each a post opening with a message. */
function isThreadOnly(channel: StoredChannel): boolean {
  return channel.type === FORUM || channel.type === MEDIA;
}

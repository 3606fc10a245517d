/**
 * Threads as every `GuildStore` keeps them (guild-store.ts; docs: topics/threads.md): a thread
 * is a channel of its guild (types 10, 11 and 12) whose record carries `thread`, the fields
 * only threads have; the SQL stores keep them as one JSON text in the channel's row. Who has
 * joined a thread is a thread member record, keyed by (thread, user). Both belong to the
 * guild: only its owner writes them, in its fenced batches (`writeGuild`).
 */
import { isSnowflake } from "../protocol/fields.ts";

/** Discord's thread channel types. */
export const ThreadType = { ANNOUNCEMENT: 10, PUBLIC: 11, PRIVATE: 12 } as const;

/** Whether a channel type is a thread's. */
export const isThreadType = (type: number): boolean => type === 10 || type === 11 || type === 12;

/** The minutes of inactivity after which a thread leaves the channel list (Discord's four values). */
export const AUTO_ARCHIVE_DURATIONS: readonly number[] = [60, 1440, 4320, 10080];

/** The fields of a thread channel that other channels do not have. */
export interface StoredThread {
  /** Snowflake of the user that started it. */
  readonly ownerId: string;
  readonly archived: boolean;
  /** Minutes: one of `AUTO_ARCHIVE_DURATIONS`. */
  readonly autoArchiveDuration: number;
  /** When `archived` last changed (or the thread was made, or its duration set), ms since the Unix epoch. */
  readonly archiveTimestamp: number;
  /** Only MANAGE_THREADS may unarchive it, or send or edit in it. */
  readonly locked: boolean;
  /** A private thread: whether members who do not have MANAGE_THREADS may add others. */
  readonly invitable: boolean;
  /** When it was made, ms since the Unix epoch. */
  readonly createdAt: number;
  /** Messages in it now (a delete counts down). */
  readonly messageCount: number;
  /** Messages ever sent in it (a delete does not count down). */
  readonly totalMessageSent: number;
  /** The id of the last message sent in it (kept when that message is deleted, as on Discord), or null. */
  readonly lastMessageId: string | null;
  /** Slow mode, seconds 0..21600. */
  readonly rateLimitPerUser: number;
  /** Discord's channel flags. */
  readonly flags: number;
}

/** A user who joined a thread. */
export interface StoredThreadMember {
  readonly guildId: string;
  readonly threadId: string;
  readonly userId: string;
  /** When the user last joined, ms since the Unix epoch. */
  readonly joinedAt: number;
  /** Discord's thread member flags (notification settings). */
  readonly flags: number;
}

/** Throws `RangeError` unless `thread` is a record every store can hold. */
export function assertValidThread(thread: StoredThread, at: string): void {
  if (typeof thread !== "object" || thread === null) throw new RangeError(`${at}: thread must be an object`);
  if (!isSnowflake(thread.ownerId)) throw new RangeError(`${at}: thread ownerId must be a snowflake`);
  for (const key of ["archived", "locked", "invitable"] as const) {
    if (typeof thread[key] !== "boolean") throw new RangeError(`${at}: thread ${key} must be a boolean`);
  }
  if (thread.lastMessageId !== null && (typeof thread.lastMessageId !== "string" || !isSnowflake(thread.lastMessageId))) throw new RangeError(`${at}: thread lastMessageId must be a snowflake or null`);
  if (!AUTO_ARCHIVE_DURATIONS.includes(thread.autoArchiveDuration)) throw new RangeError(`${at}: thread autoArchiveDuration must be one of ${AUTO_ARCHIVE_DURATIONS.join(", ")}`);
  for (const key of ["archiveTimestamp", "createdAt", "messageCount", "totalMessageSent", "rateLimitPerUser", "flags"] as const) {
    const value = thread[key];
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${at}: thread ${key} must be an integer >= 0`);
  }
}

/** Throws `RangeError` unless `member` is a record every store can hold. */
export function assertValidThreadMember(member: StoredThreadMember): void {
  for (const key of ["guildId", "threadId", "userId"] as const) {
    if (typeof member[key] !== "string" || !isSnowflake(member[key])) throw new RangeError(`thread member ${key} must be a snowflake`);
  }
  if (!Number.isSafeInteger(member.joinedAt)) throw new RangeError(`thread member joinedAt must be an integer of milliseconds`);
  if (!Number.isSafeInteger(member.flags) || member.flags < 0) throw new RangeError(`thread member flags must be an integer >= 0`);
}

/** Only the record's own fields, fresh. */
export function copyThread(thread: StoredThread): StoredThread {
  const { ownerId, archived, autoArchiveDuration, archiveTimestamp, locked, invitable, createdAt, messageCount, totalMessageSent, lastMessageId, rateLimitPerUser, flags } = thread;
  return { ownerId, archived, autoArchiveDuration, archiveTimestamp, locked, invitable, createdAt, messageCount, totalMessageSent, lastMessageId, rateLimitPerUser, flags };
}

export function copyThreadMember({ guildId, threadId, userId, joinedAt, flags }: StoredThreadMember): StoredThreadMember {
  return { guildId, threadId, userId, joinedAt, flags };
}

/** The `thread` column of a channel row: JSON text, or null for a channel that is not a thread. */
export function encodeThread(thread: StoredThread | undefined): string | null {
  return thread === undefined ? null : JSON.stringify(copyThread(thread));
}

export function decodeThread(text: string | null): StoredThread | undefined {
  return text === null ? undefined : copyThread(JSON.parse(text) as StoredThread);
}

/** A `thread_members` row, as both SQL stores name its columns. */
export type ThreadMemberRow = { guild_id: string; thread_id: string; user_id: string; joined_at: number | string | bigint; flags: number };

export function threadMemberFromRow(row: ThreadMemberRow): StoredThreadMember {
  return { guildId: row.guild_id, threadId: row.thread_id, userId: row.user_id, joinedAt: Number(row.joined_at), flags: row.flags };
}

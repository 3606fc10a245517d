/**
 * Messages, reactions and attachments in the SQLite store (sqlite.ts): its schema step, its reads, and
 * the message writes of a guild batch, which sqlite.ts runs inside the batch's transaction.
 * - Ids order as numbers through `*_order` columns (left-padded to 20 digits), as in sqlite.ts,
 *   so a history page is one index range scan.
 * - A reaction row's `seq` (AUTOINCREMENT: never reused) orders a message's emojis by first use.
 * - Statements come from `Database.query`, which prepares each once and caches it.
 */
import type { Database } from "bun:sqlite";
import type { User } from "./guild-store.ts";
import {
  assertValidMessagePage,
  countsByMessage,
  emojiKey,
  messageFromRow,
  type MessagePage,
  type MessageRow,
  type ReactionCount,
  type ReactionSelector,
  type StoredAttachment,
  type StoredMessage,
  type StoredReaction,
} from "./message-records.ts";

/** The schema step that adds messages and reactions (sqlite.ts appends it to its migrations). */
export const MESSAGES_MIGRATION = `CREATE TABLE messages (
     channel_id TEXT NOT NULL,
     id TEXT NOT NULL,
     guild_id TEXT NOT NULL,
     author_id TEXT NOT NULL,
     type INTEGER NOT NULL,
     content TEXT NOT NULL,
     flags INTEGER NOT NULL,
     edited_at INTEGER,
     pinned_at INTEGER,
     nonce TEXT,
     data TEXT NOT NULL,
     id_order TEXT NOT NULL GENERATED ALWAYS AS (substr('0000000000000000000' || id, -20)) VIRTUAL,
     PRIMARY KEY (channel_id, id)
   ) WITHOUT ROWID;
   CREATE INDEX messages_by_channel_order ON messages (channel_id, id_order);
   CREATE INDEX messages_pinned ON messages (channel_id, pinned_at, id_order) WHERE pinned_at IS NOT NULL;
   CREATE INDEX messages_by_nonce ON messages (channel_id, author_id, nonce) WHERE nonce IS NOT NULL;
   CREATE INDEX messages_by_guild ON messages (guild_id);
   CREATE TABLE reactions (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     guild_id TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     message_id TEXT NOT NULL,
     emoji_key TEXT NOT NULL,
     emoji_id TEXT,
     emoji_name TEXT NOT NULL,
     emoji_animated INTEGER NOT NULL,
     user_id TEXT NOT NULL,
     burst INTEGER NOT NULL,
     user_order TEXT NOT NULL GENERATED ALWAYS AS (substr('0000000000000000000' || user_id, -20)) VIRTUAL,
     UNIQUE (channel_id, message_id, emoji_key, burst, user_id)
   );
   CREATE INDEX reactions_by_reactor ON reactions (channel_id, message_id, emoji_key, burst, user_order);
   CREATE INDEX reactions_by_guild ON reactions (guild_id);`;

/** The schema step that adds attachments: a message's files, bytes in the row. */
export const ATTACHMENTS_MIGRATION = `CREATE TABLE attachments (
     channel_id TEXT NOT NULL,
     id TEXT NOT NULL,
     guild_id TEXT NOT NULL,
     message_id TEXT NOT NULL,
     filename TEXT NOT NULL,
     content_type TEXT,
     data BLOB NOT NULL,
     PRIMARY KEY (channel_id, id)
   ) WITHOUT ROWID;
   CREATE INDEX attachments_by_message ON attachments (channel_id, message_id);
   CREATE INDEX attachments_by_guild ON attachments (guild_id);`;

type AttachmentRow = { channel_id: string; id: string; message_id: string; filename: string; content_type: string | null; data: Uint8Array };


type CountRow = {
  message_id: string;
  emoji_id: string | null;
  emoji_name: string;
  emoji_animated: number;
  normal: number;
  burst: number;
  me: number;
  me_burst: number;
};

const COLUMNS = "channel_id, id, guild_id, author_id, type, content, flags, edited_at, pinned_at, nonce, data";
const KEY = (name: string) => `substr('0000000000000000000' || $${name}, -20)`;


/** The message side of `SqliteGuildStore`, on its database; `UserRow` is a `users` row, read by `toUser` (sqlite.ts owns that shape). */
export class SqliteMessages<UserRow> {
  readonly #db: Database;
  readonly #toUser: (row: UserRow) => User;

  constructor(db: Database, toUser: (row: UserRow) => User) {
    this.#db = db;
    this.#toUser = toUser;
  }

  getMessage(channelId: string, messageId: string): StoredMessage | undefined {
    const row = this.#db.query<MessageRow, [{ channel_id: string; id: string }]>(`SELECT ${COLUMNS} FROM messages WHERE channel_id = $channel_id AND id = $id`).get({ channel_id: channelId, id: messageId });
    return row ? messageFromRow(row) : undefined;
  }

  listMessages(channelId: string, page: MessagePage): StoredMessage[] {
    assertValidMessagePage(page);
    const { limit, before, after, around } = page;
    const older = (anchor: string, n: number) =>
      this.#db
        .query<MessageRow, [{ channel_id: string; anchor: string; limit: number }]>(
          `SELECT ${COLUMNS} FROM messages WHERE channel_id = $channel_id AND id_order < ${KEY("anchor")} ORDER BY id_order DESC LIMIT $limit`,
        )
        .all({ channel_id: channelId, anchor, limit: n });
    const newer = (anchor: string, n: number, inclusive: boolean) =>
      this.#db
        .query<MessageRow, [{ channel_id: string; anchor: string; limit: number }]>(
          `SELECT ${COLUMNS} FROM messages WHERE channel_id = $channel_id AND id_order ${inclusive ? ">=" : ">"} ${KEY("anchor")} ORDER BY id_order LIMIT $limit`,
        )
        .all({ channel_id: channelId, anchor, limit: n })
        .reverse();
    let rows: MessageRow[];
    if (before !== undefined) rows = older(before, limit);
    else if (after !== undefined) rows = newer(after, limit, false);
    else if (around !== undefined) {
      const below = Math.floor(limit / 2);
      rows = [...newer(around, limit - below, true), ...older(around, below)];
    } else {
      rows = this.#db
        .query<MessageRow, [{ channel_id: string; limit: number }]>(`SELECT ${COLUMNS} FROM messages WHERE channel_id = $channel_id ORDER BY id_order DESC LIMIT $limit`)
        .all({ channel_id: channelId, limit });
    }
    return rows.map(messageFromRow);
  }

  listPinnedMessages(channelId: string, limit: number, pinnedBefore?: number): StoredMessage[] {
    return this.#db
      .query<MessageRow, [{ channel_id: string; limit: number; before: number }]>(
        `SELECT ${COLUMNS} FROM messages WHERE channel_id = $channel_id AND pinned_at IS NOT NULL AND pinned_at < $before
         ORDER BY pinned_at DESC, id_order DESC LIMIT $limit`,
      )
      .all({ channel_id: channelId, limit, before: pinnedBefore ?? Number.MAX_SAFE_INTEGER })
      .map(messageFromRow);
  }

  countPinnedMessages(channelId: string): number {
    return (
      this.#db.query<{ count: number }, [{ channel_id: string }]>("SELECT count(*) AS count FROM messages WHERE channel_id = $channel_id AND pinned_at IS NOT NULL").get({ channel_id: channelId })
        ?.count ?? 0
    );
  }

  findMessageByNonce(channelId: string, authorId: string, nonce: string): StoredMessage | undefined {
    const row = this.#db
      .query<MessageRow, [{ channel_id: string; author_id: string; nonce: string }]>(
        `SELECT ${COLUMNS} FROM messages WHERE channel_id = $channel_id AND author_id = $author_id AND nonce = $nonce ORDER BY id_order DESC LIMIT 1`,
      )
      .get({ channel_id: channelId, author_id: authorId, nonce });
    return row ? messageFromRow(row) : undefined;
  }

  messageReactions(channelId: string, messageIds: readonly string[], viewerId: string): Map<string, ReactionCount[]> {
    const rows = this.#db
      .query<CountRow, [{ channel_id: string; ids: string; viewer: string }]>(
        `SELECT message_id, min(emoji_id) AS emoji_id, min(emoji_name) AS emoji_name, max(emoji_animated) AS emoji_animated,
           sum(burst = 0) AS normal, sum(burst) AS burst,
           max(user_id = $viewer AND burst = 0) AS me, max(user_id = $viewer AND burst = 1) AS me_burst
         FROM reactions WHERE channel_id = $channel_id AND message_id IN (SELECT value FROM json_each($ids))
         GROUP BY message_id, emoji_key ORDER BY min(seq)`,
      )
      .all({ channel_id: channelId, ids: JSON.stringify(messageIds), viewer: viewerId });
    return countsByMessage(rows, (row) => ({
      emoji: { id: row.emoji_id, name: row.emoji_name, animated: row.emoji_animated !== 0 },
      normal: row.normal,
      burst: row.burst,
      me: row.me !== 0,
      meBurst: row.me_burst !== 0,
    }));
  }

  listReactors(channelId: string, messageId: string, key: string, burst: boolean, limit: number, after?: string): User[] {
    return this.#db
      .query<UserRow, [{ channel_id: string; message_id: string; emoji_key: string; burst: number; limit: number; after: string }]>(
        `SELECT u.* FROM reactions r JOIN users u ON u.id = r.user_id
         WHERE r.channel_id = $channel_id AND r.message_id = $message_id AND r.emoji_key = $emoji_key AND r.burst = $burst
           AND r.user_order > ${KEY("after")}
         ORDER BY r.user_order LIMIT $limit`,
      )
      .all({ channel_id: channelId, message_id: messageId, emoji_key: key, burst: burst ? 1 : 0, limit, after: after ?? "-1" })
      .map((row) => this.#toUser(row));
  }

  getAttachment(channelId: string, attachmentId: string): StoredAttachment | undefined {
    const row = this.#db
      .query<AttachmentRow, [{ channel_id: string; id: string }]>(
        "SELECT channel_id, id, message_id, filename, content_type, data FROM attachments WHERE channel_id = $channel_id AND id = $id",
      )
      .get({ channel_id: channelId, id: attachmentId });
    if (!row) return undefined;
    return { id: row.id, channelId: row.channel_id, messageId: row.message_id, filename: row.filename, contentType: row.content_type, data: new Uint8Array(row.data) };
  }

  // Writes, each inside the transaction of a guild's batch (sqlite.ts `writeGuild`).

  deleteMessages(channelId: string, messageIds: readonly string[]): void {
    for (const id of messageIds) {
      for (const table of ["reactions", "attachments"]) this.#run(`DELETE FROM ${table} WHERE channel_id = $channel_id AND message_id = $id`, { channel_id: channelId, id });
      this.#run("DELETE FROM messages WHERE channel_id = $channel_id AND id = $id", { channel_id: channelId, id });
    }
  }

  /** A channel is deleted: its messages, reactions and attachments go with it. */
  deleteChannel(channelId: string): void {
    for (const table of ["messages", "reactions", "attachments"]) this.#run(`DELETE FROM ${table} WHERE channel_id = $channel_id`, { channel_id: channelId });
  }

  /** A guild is deleted: every message, reaction and attachment in it goes. */
  deleteGuild(guildId: string): void {
    for (const table of ["messages", "reactions", "attachments"]) this.#run(`DELETE FROM ${table} WHERE guild_id = $guild_id`, { guild_id: guildId });
  }

  deleteAttachments(channelId: string, attachmentIds: readonly string[]): void {
    for (const id of attachmentIds) this.#run("DELETE FROM attachments WHERE channel_id = $channel_id AND id = $id", { channel_id: channelId, id });
  }

  putAttachment(guildId: string, attachment: StoredAttachment): void {
    this.#db
      .query<unknown, [Record<string, string | null | Uint8Array>]>(
        `INSERT OR REPLACE INTO attachments (channel_id, id, guild_id, message_id, filename, content_type, data)
         VALUES ($channel_id, $id, $guild_id, $message_id, $filename, $content_type, $data)`,
      )
      .run({
        channel_id: attachment.channelId,
        id: attachment.id,
        guild_id: guildId,
        message_id: attachment.messageId,
        filename: attachment.filename,
        content_type: attachment.contentType,
        data: attachment.data,
      });
  }

  putMessage(message: StoredMessage): void {
    this.#db
      .query<unknown, [MessageRow]>(
        `INSERT OR REPLACE INTO messages (${COLUMNS}) VALUES ($channel_id, $id, $guild_id, $author_id, $type, $content, $flags, $edited_at, $pinned_at, $nonce, $data)`,
      )
      .run({
        channel_id: message.channelId,
        id: message.id,
        guild_id: message.guildId,
        author_id: message.authorId,
        type: message.type,
        content: message.content,
        flags: message.flags,
        edited_at: message.editedAt,
        pinned_at: message.pinnedAt,
        nonce: message.nonce,
        data: message.data,
      });
  }

  putReaction(guildId: string, reaction: StoredReaction): void {
    this.#run(
      `INSERT OR IGNORE INTO reactions (guild_id, channel_id, message_id, emoji_key, emoji_id, emoji_name, emoji_animated, user_id, burst)
       VALUES ($guild_id, $channel_id, $message_id, $emoji_key, $emoji_id, $emoji_name, $emoji_animated, $user_id, $burst)`,
      {
        guild_id: guildId,
        channel_id: reaction.channelId,
        message_id: reaction.messageId,
        emoji_key: emojiKey(reaction.emoji),
        emoji_id: reaction.emoji.id,
        emoji_name: reaction.emoji.name,
        emoji_animated: reaction.emoji.animated ? 1 : 0,
        user_id: reaction.userId,
        burst: reaction.burst ? 1 : 0,
      },
    );
  }

  deleteReactions({ channelId, messageId, emojiKey: key, userId }: ReactionSelector): void {
    const where = ["channel_id = $channel_id", "message_id = $message_id"];
    if (key !== undefined) where.push("emoji_key = $emoji_key");
    if (userId !== undefined) where.push("user_id = $user_id");
    const params: Record<string, string> = { channel_id: channelId, message_id: messageId };
    if (key !== undefined) params.emoji_key = key;
    if (userId !== undefined) params.user_id = userId;
    this.#run(`DELETE FROM reactions WHERE ${where.join(" AND ")}`, params);
  }

  #run(sql: string, params: Record<string, string | number | null>): void {
    this.#db.query<unknown, [Record<string, string | number | null>]>(sql).run(params);
  }
}

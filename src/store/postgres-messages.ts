/**
 * Messages, reactions and attachments in the PostgreSQL store (postgres.ts): its schema step, its reads,
 * and the message writes of a guild batch, which postgres.ts sends inside the batch's
 * transaction. A write's statements are lazy (Bun.SQL starts a query when it is awaited), so
 * the batch starts them in its order. Ids are `numeric(20)` as in postgres.ts, so they order as numbers; a
 * reaction's `seq` (bigserial) orders a message's emojis by first use.
 */
import type { SQL } from "bun";
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

/** The schema step that adds messages and reactions (postgres.ts appends it to its migrations). */
export const MESSAGES_MIGRATION = `CREATE TABLE messages (
     channel_id numeric(20) NOT NULL,
     id numeric(20) NOT NULL,
     guild_id numeric(20) NOT NULL,
     author_id numeric(20) NOT NULL,
     type integer NOT NULL,
     content text NOT NULL,
     flags bigint NOT NULL,
     edited_at bigint,
     pinned_at bigint,
     nonce text,
     data text NOT NULL,
     PRIMARY KEY (channel_id, id)
   );
   CREATE INDEX messages_pinned ON messages (channel_id, pinned_at, id) WHERE pinned_at IS NOT NULL;
   CREATE INDEX messages_by_nonce ON messages (channel_id, author_id, nonce) WHERE nonce IS NOT NULL;
   CREATE INDEX messages_by_guild ON messages (guild_id);
   CREATE TABLE reactions (
     seq bigserial PRIMARY KEY,
     guild_id numeric(20) NOT NULL,
     channel_id numeric(20) NOT NULL,
     message_id numeric(20) NOT NULL,
     emoji_key text NOT NULL,
     emoji_id numeric(20),
     emoji_name text NOT NULL,
     emoji_animated boolean NOT NULL,
     user_id numeric(20) NOT NULL,
     burst boolean NOT NULL,
     UNIQUE (channel_id, message_id, emoji_key, burst, user_id)
   );
   CREATE INDEX reactions_by_guild ON reactions (guild_id);`;

/** The schema step that adds attachments: a message's files, bytes in the row (bytea). */
export const ATTACHMENTS_MIGRATION = `CREATE TABLE attachments (
     channel_id numeric(20) NOT NULL,
     id numeric(20) NOT NULL,
     guild_id numeric(20) NOT NULL,
     message_id numeric(20) NOT NULL,
     filename text NOT NULL,
     content_type text,
     data bytea NOT NULL,
     PRIMARY KEY (channel_id, id)
   );
   CREATE INDEX attachments_by_message ON attachments (channel_id, message_id);
   CREATE INDEX attachments_by_guild ON attachments (guild_id);`;

type AttachmentRow = { channel_id: string; id: string; message_id: string; filename: string; content_type: string | null; data: Uint8Array };



/** The reads of messages and reactions, on `sql`; `toUser` reads a `users` row (postgres.ts owns that shape). */
export class PostgresMessages<UserRow> {
  readonly #sql: SQL;
  readonly #toUser: (row: UserRow) => User;

  constructor(sql: SQL, toUser: (row: UserRow) => User) {
    this.#sql = sql;
    this.#toUser = toUser;
  }

  async getAttachment(channelId: string, attachmentId: string): Promise<StoredAttachment | undefined> {
    const [row] = await this.#sql<AttachmentRow[]>`SELECT * FROM attachments WHERE channel_id = ${channelId} AND id = ${attachmentId}`;
    if (!row) return undefined;
    return { id: row.id, channelId: row.channel_id, messageId: row.message_id, filename: row.filename, contentType: row.content_type, data: new Uint8Array(row.data) };
  }

  async getMessage(channelId: string, messageId: string): Promise<StoredMessage | undefined> {
    const [row] = await this.#sql<MessageRow[]>`SELECT * FROM messages WHERE channel_id = ${channelId} AND id = ${messageId}`;
    return row && messageFromRow(row);
  }

  async listMessages(channelId: string, page: MessagePage): Promise<StoredMessage[]> {
    assertValidMessagePage(page);
    const { limit, before, after, around } = page;
    const sql = this.#sql;
    const older = (anchor: string, n: number) => sql<MessageRow[]>`
      SELECT * FROM messages WHERE channel_id = ${channelId} AND id < ${anchor} ORDER BY id DESC LIMIT ${n}`;
    const newer = async (anchor: string, n: number, inclusive: boolean) =>
      (
        await (inclusive
          ? sql<MessageRow[]>`SELECT * FROM messages WHERE channel_id = ${channelId} AND id >= ${anchor} ORDER BY id LIMIT ${n}`
          : sql<MessageRow[]>`SELECT * FROM messages WHERE channel_id = ${channelId} AND id > ${anchor} ORDER BY id LIMIT ${n}`)
      ).reverse();
    let rows: MessageRow[];
    if (before !== undefined) rows = await older(before, limit);
    else if (after !== undefined) rows = await newer(after, limit, false);
    else if (around !== undefined) {
      const below = Math.floor(limit / 2);
      const [from, under] = await Promise.all([newer(around, limit - below, true), older(around, below)]);
      rows = [...from, ...under];
    } else rows = await sql<MessageRow[]>`SELECT * FROM messages WHERE channel_id = ${channelId} ORDER BY id DESC LIMIT ${limit}`;
    return rows.map(messageFromRow);
  }

  async listPinnedMessages(channelId: string, limit: number, pinnedBefore?: number): Promise<StoredMessage[]> {
    const rows = await this.#sql<MessageRow[]>`
      SELECT * FROM messages WHERE channel_id = ${channelId} AND pinned_at IS NOT NULL AND pinned_at < ${pinnedBefore ?? Number.MAX_SAFE_INTEGER}
      ORDER BY pinned_at DESC, id DESC LIMIT ${limit}`;
    return rows.map(messageFromRow);
  }

  async countPinnedMessages(channelId: string): Promise<number> {
    const [row] = await this.#sql<{ count: number }[]>`SELECT count(*)::integer AS count FROM messages WHERE channel_id = ${channelId} AND pinned_at IS NOT NULL`;
    return row?.count ?? 0;
  }

  async findMessageByNonce(channelId: string, authorId: string, nonce: string): Promise<StoredMessage | undefined> {
    const [row] = await this.#sql<MessageRow[]>`
      SELECT * FROM messages WHERE channel_id = ${channelId} AND author_id = ${authorId} AND nonce = ${nonce} ORDER BY id DESC LIMIT 1`;
    return row && messageFromRow(row);
  }

  async messageReactions(channelId: string, messageIds: readonly string[], viewerId: string): Promise<Map<string, ReactionCount[]>> {
    type Row = { message_id: string; emoji_id: string | null; emoji_name: string; emoji_animated: boolean; normal: number; burst: number; me: boolean; me_burst: boolean };
    // The ids go as one JSON text: a list of any length is one parameter.
    const rows = await this.#sql<Row[]>`
      SELECT message_id, min(emoji_id)::text AS emoji_id, min(emoji_name) AS emoji_name, bool_or(emoji_animated) AS emoji_animated,
        (count(*) FILTER (WHERE NOT burst))::integer AS normal, (count(*) FILTER (WHERE burst))::integer AS burst,
        coalesce(bool_or(user_id = ${viewerId} AND NOT burst), false) AS me, coalesce(bool_or(user_id = ${viewerId} AND burst), false) AS me_burst
      FROM reactions
      WHERE channel_id = ${channelId} AND message_id IN (SELECT value::numeric FROM json_array_elements_text(${JSON.stringify(messageIds)}::text::json))
      GROUP BY message_id, emoji_key ORDER BY min(seq)`;
    return countsByMessage(rows, (row) => ({
      emoji: { id: row.emoji_id, name: row.emoji_name, animated: row.emoji_animated },
      normal: row.normal,
      burst: row.burst,
      me: row.me,
      meBurst: row.me_burst,
    }));
  }

  async listReactors(channelId: string, messageId: string, key: string, burst: boolean, limit: number, after?: string): Promise<User[]> {
    const rows = await this.#sql<UserRow[]>`
      SELECT u.* FROM reactions r JOIN users u ON u.id = r.user_id
      WHERE r.channel_id = ${channelId} AND r.message_id = ${messageId} AND r.emoji_key = ${key} AND r.burst = ${burst} AND r.user_id > ${after ?? "-1"}
      ORDER BY r.user_id LIMIT ${limit}`;
    return rows.map((row) => this.#toUser(row));
  }
}

/** A message (upsert) in a guild's batch transaction. */
export function putMessage(sql: SQL, message: StoredMessage): Promise<unknown> {
  const { channelId, id, guildId, authorId, type, content, flags, editedAt, pinnedAt, nonce, data } = message;
  return sql`
    INSERT INTO messages (channel_id, id, guild_id, author_id, type, content, flags, edited_at, pinned_at, nonce, data)
    VALUES (${channelId}, ${id}, ${guildId}, ${authorId}, ${type}, ${content}, ${flags}, ${editedAt}, ${pinnedAt}, ${nonce}, ${data})
    ON CONFLICT (channel_id, id) DO UPDATE SET guild_id = excluded.guild_id, author_id = excluded.author_id, type = excluded.type,
      content = excluded.content, flags = excluded.flags, edited_at = excluded.edited_at, pinned_at = excluded.pinned_at,
      nonce = excluded.nonce, data = excluded.data`;
}

export function deleteMessages(sql: SQL, channelId: string, messageIds: readonly string[]): Promise<unknown>[] {
  // The ids go as one JSON text: a list of any length is one parameter.
  const ids = JSON.stringify(messageIds);
  return [
    sql`DELETE FROM messages WHERE channel_id = ${channelId} AND id IN (SELECT value::numeric FROM json_array_elements_text(${ids}::text::json))`,
    sql`DELETE FROM reactions WHERE channel_id = ${channelId} AND message_id IN (SELECT value::numeric FROM json_array_elements_text(${ids}::text::json))`,
    sql`DELETE FROM attachments WHERE channel_id = ${channelId} AND message_id IN (SELECT value::numeric FROM json_array_elements_text(${ids}::text::json))`,
  ];
}

/** Files an edit dropped, in a guild's batch transaction. */
export function deleteAttachments(sql: SQL, channelId: string, attachmentIds: readonly string[]): Promise<unknown> {
  const ids = JSON.stringify(attachmentIds);
  return sql`DELETE FROM attachments WHERE channel_id = ${channelId} AND id IN (SELECT value::numeric FROM json_array_elements_text(${ids}::text::json))`;
}

/** A message's file (upsert) in a guild's batch transaction. */
export function putAttachment(sql: SQL, guildId: string, attachment: StoredAttachment): Promise<unknown> {
  const { channelId, id, messageId, filename, contentType, data } = attachment;
  return sql`
    INSERT INTO attachments (channel_id, id, guild_id, message_id, filename, content_type, data)
    VALUES (${channelId}, ${id}, ${guildId}, ${messageId}, ${filename}, ${contentType}, ${data})
    ON CONFLICT (channel_id, id) DO UPDATE SET guild_id = excluded.guild_id, message_id = excluded.message_id,
      filename = excluded.filename, content_type = excluded.content_type, data = excluded.data`;
}

export function putReaction(sql: SQL, guildId: string, reaction: StoredReaction): Promise<unknown> {
  const { channelId, messageId, userId, emoji, burst } = reaction;
  return sql`
    INSERT INTO reactions (guild_id, channel_id, message_id, emoji_key, emoji_id, emoji_name, emoji_animated, user_id, burst)
    VALUES (${guildId}, ${channelId}, ${messageId}, ${emojiKey(emoji)}, ${emoji.id}, ${emoji.name}, ${emoji.animated}, ${userId}, ${burst})
    ON CONFLICT (channel_id, message_id, emoji_key, burst, user_id) DO NOTHING`;
}

export function deleteReactions(sql: SQL, { channelId, messageId, emojiKey: key, userId }: ReactionSelector): Promise<unknown> {
  if (key === undefined) return sql`DELETE FROM reactions WHERE channel_id = ${channelId} AND message_id = ${messageId}`;
  if (userId === undefined) return sql`DELETE FROM reactions WHERE channel_id = ${channelId} AND message_id = ${messageId} AND emoji_key = ${key}`;
  return sql`DELETE FROM reactions WHERE channel_id = ${channelId} AND message_id = ${messageId} AND emoji_key = ${key} AND user_id = ${userId}`;
}

/** A channel is deleted: its messages, reactions and attachments go with it. */
export function deleteChannelMessages(sql: SQL, channelId: string): Promise<unknown>[] {
  return [
    sql`DELETE FROM messages WHERE channel_id = ${channelId}`,
    sql`DELETE FROM reactions WHERE channel_id = ${channelId}`,
    sql`DELETE FROM attachments WHERE channel_id = ${channelId}`,
  ];
}

/** A guild is deleted: every message, reaction and attachment in it goes. */
export function deleteGuildMessages(sql: SQL, guildId: string): Promise<unknown>[] {
  return [sql`DELETE FROM messages WHERE guild_id = ${guildId}`, sql`DELETE FROM reactions WHERE guild_id = ${guildId}`, sql`DELETE FROM attachments WHERE guild_id = ${guildId}`];
}

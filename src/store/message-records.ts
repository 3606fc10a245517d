/**
 * Messages and reactions as every `GuildStore` keeps them (guild-store.ts): a message by its
 * channel and id, its reactions by (emoji, user, kind). They belong to a guild, so only the
 * guild's owner writes them, in its fenced batches (`writeGuild`); anyone may read them.
 *
 * A message keeps apart only what a store must query or the owner must change (author,
 * content, flags, edit and pin times, the nonce it was sent with); the rest of Discord's
 * message object as the owner made it (author object, mentions, embeds, components, reply
 * reference, tts) is one JSON text (`data`), stored and given back as it is.
 */
import { isSnowflake } from "../protocol/fields.ts";

export interface StoredMessage {
  /** Snowflake; its time is the message's `timestamp`, so ids order messages. */
  readonly id: string;
  readonly channelId: string;
  /**
   * Its guild; for a message in a DM channel, the DM channel's id: the unit whose owner writes
   * it (its fence), as a guild is for a guild channel's messages (`isDirectMessage`).
   */
  readonly guildId: string;
  readonly authorId: string;
  /** Discord's message type: 0 default, 6 a pin's notice, 19 a reply (an integer 0..255). */
  readonly type: number;
  readonly content: string;
  /** Discord's message flags, an integer ≥ 0. */
  readonly flags: number;
  /** When it was last edited, ms since the Unix epoch; null if never. */
  readonly editedAt: number | null;
  /** When it was pinned, ms since the Unix epoch; null if it is not. */
  readonly pinnedAt: number | null;
  /** The nonce it was sent with (`enforce_nonce` looks it up per author), or null. */
  readonly nonce: string | null;
  /** The rest of the message object, a JSON object's text. */
  readonly data: string;
}

/**
 * A file sent with a message: its bytes, kept by (channel, id) with the message it belongs to;
 * the message's `data` holds Discord's attachment object for it (the owner made it).
 */
export interface StoredAttachment {
  readonly id: string;
  readonly channelId: string;
  readonly messageId: string;
  readonly filename: string;
  /** The media type the sender gave, or null. */
  readonly contentType: string | null;
  readonly data: Uint8Array;
}

/** A reaction's emoji: a Unicode emoji (`id` null) or a custom one. */
export interface ReactionEmoji {
  readonly id: string | null;
  readonly name: string;
  readonly animated: boolean;
}

/** One user's reaction to a message with one emoji, normal or burst (a "super reaction"). */
export interface StoredReaction {
  readonly channelId: string;
  readonly messageId: string;
  readonly userId: string;
  readonly emoji: ReactionEmoji;
  readonly burst: boolean;
}

/** The reactions with one emoji on a message, counted as Discord's reaction object counts them. */
export interface ReactionCount {
  readonly emoji: ReactionEmoji;
  readonly normal: number;
  readonly burst: number;
  /** Whether the viewer asked about reacted with it (normal, burst). */
  readonly me: boolean;
  readonly meBurst: boolean;
}

/**
 * A page of a channel's history: at most one of `before`, `after` and `around` (message ids),
 * and `limit` (an integer ≥ 0). `before`: the newest messages older than it; `after`: the
 * oldest newer than it; `around`: half (rounded down) older than it, the rest from it on;
 * none: the newest. Always answered newest first, as Discord answers.
 */
export interface MessagePage {
  readonly limit: number;
  readonly before?: string;
  readonly after?: string;
  readonly around?: string;
}

/** Whether the message is in a DM channel (its unit is its channel, not a guild). */
export function isDirectMessage(message: StoredMessage): boolean {
  return message.guildId === message.channelId;
}

/** The key a reaction's emoji is stored and looked up under: a custom emoji's id, else its name. */
export function emojiKey(emoji: ReactionEmoji): string {
  return emoji.id ?? emoji.name;
}

/** Reaction counts read as rows (one per message and emoji, in emoji order), grouped by message. */
export function countsByMessage<Row extends { message_id: string }>(rows: readonly Row[], count: (row: Row) => ReactionCount): Map<string, ReactionCount[]> {
  const counts = new Map<string, ReactionCount[]>();
  for (const row of rows) {
    const list = counts.get(row.message_id);
    if (list) list.push(count(row));
    else counts.set(row.message_id, [count(row)]);
  }
  return counts;
}

/** Reactions of one message that a delete removes: all, one emoji's, or one user's with one emoji. */
export interface ReactionSelector {
  readonly channelId: string;
  readonly messageId: string;
  /** Only this emoji's (`emojiKey`). */
  readonly emojiKey?: string;
  /** Only this user's (needs `emojiKey`). */
  readonly userId?: string;
}

/** Whether `reaction` is one `selector` removes. */
export function selects(selector: ReactionSelector, reaction: StoredReaction): boolean {
  return (
    reaction.channelId === selector.channelId &&
    reaction.messageId === selector.messageId &&
    (selector.emojiKey === undefined || emojiKey(reaction.emoji) === selector.emojiKey) &&
    (selector.userId === undefined || reaction.userId === selector.userId)
  );
}

function snowflake(value: unknown, what: string): void {
  if (typeof value !== "string" || !isSnowflake(value)) throw new RangeError(`${what} must be a snowflake, got "${String(value)}"`);
}

function integer(value: unknown, what: string, nullable: boolean, max = Number.MAX_SAFE_INTEGER): void {
  if (nullable && value === null) return;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${what} must be an integer in 0..${max}${nullable ? " or null" : ""}, got ${String(value)}`);
  }
}

/** Throws `RangeError` unless `message` is a record every store can hold. */
export function assertValidMessage(message: StoredMessage): void {
  snowflake(message.id, "message id");
  const at = `message ${message.id}`;
  snowflake(message.channelId, `${at}: channelId`);
  snowflake(message.guildId, `${at}: guildId`);
  snowflake(message.authorId, `${at}: authorId`);
  integer(message.type, `${at}: type`, false, 255);
  if (typeof message.content !== "string") throw new RangeError(`${at}: content must be a string`);
  integer(message.flags, `${at}: flags`, false);
  integer(message.editedAt, `${at}: editedAt`, true);
  integer(message.pinnedAt, `${at}: pinnedAt`, true);
  if (message.nonce !== null && (typeof message.nonce !== "string" || message.nonce.length > 25)) {
    throw new RangeError(`${at}: nonce must be a string of at most 25 characters or null`);
  }
  if (typeof message.data !== "string") throw new RangeError(`${at}: data must be a JSON text`);
}

/** Throws `RangeError` unless `reaction` is a record every store can hold. */
export function assertValidReaction(reaction: StoredReaction): void {
  snowflake(reaction.channelId, "reaction channelId");
  snowflake(reaction.messageId, "reaction messageId");
  snowflake(reaction.userId, "reaction userId");
  const { emoji } = reaction;
  if (emoji.id !== null) snowflake(emoji.id, "reaction emoji id");
  if (typeof emoji.name !== "string" || emoji.name.length === 0 || emoji.name.length > 64) {
    throw new RangeError("reaction emoji name must be a string of 1 to 64 characters");
  }
  if (typeof emoji.animated !== "boolean" || typeof reaction.burst !== "boolean") throw new RangeError("reaction animated and burst must be booleans");
}

/** Throws `RangeError` unless `attachment` is a record every store can hold. */
export function assertValidAttachment(attachment: StoredAttachment): void {
  snowflake(attachment.id, "attachment id");
  snowflake(attachment.channelId, `attachment ${attachment.id}: channelId`);
  snowflake(attachment.messageId, `attachment ${attachment.id}: messageId`);
  const { filename, contentType, data } = attachment;
  if (typeof filename !== "string" || filename.length === 0 || filename.length > 1024) throw new RangeError(`attachment ${attachment.id}: filename must be 1 to 1024 characters`);
  if (contentType !== null && (typeof contentType !== "string" || contentType.length > 255)) throw new RangeError(`attachment ${attachment.id}: contentType must be a string of at most 255 characters or null`);
  if (!(data instanceof Uint8Array)) throw new RangeError(`attachment ${attachment.id}: data must be bytes`);
}

export function copyAttachment({ id, channelId, messageId, filename, contentType, data }: StoredAttachment): StoredAttachment {
  return { id, channelId, messageId, filename, contentType, data: new Uint8Array(data) };
}

/** Throws `RangeError` unless `page` is a valid `listMessages` page. */
export function assertValidMessagePage(page: MessagePage): void {
  if (!Number.isSafeInteger(page.limit) || page.limit < 0) throw new RangeError(`limit must be an integer >= 0, got ${page.limit}`);
  const anchors = [page.before, page.after, page.around].filter((anchor) => anchor !== undefined);
  if (anchors.length > 1) throw new RangeError("before, after and around are mutually exclusive");
  for (const anchor of anchors) snowflake(anchor, "a page's anchor");
}

/** A fresh copy holding only the record's own fields. */
export function copyMessage(message: StoredMessage): StoredMessage {
  const { id, channelId, guildId, authorId, type, content, flags, editedAt, pinnedAt, nonce, data } = message;
  return { id, channelId, guildId, authorId, type, content, flags, editedAt, pinnedAt, nonce, data };
}

export function copyReaction({ channelId, messageId, userId, emoji, burst }: StoredReaction): StoredReaction {
  return { channelId, messageId, userId, emoji: { id: emoji.id, name: emoji.name, animated: emoji.animated }, burst };
}

/**
 * A `messages` row as both SQL stores read it: PostgreSQL answers its bigints as strings,
 * SQLite as numbers.
 */
export type MessageRow = {
  channel_id: string;
  id: string;
  guild_id: string;
  author_id: string;
  type: number;
  content: string;
  flags: number | string;
  edited_at: number | string | null;
  pinned_at: number | string | null;
  nonce: string | null;
  data: string;
};

export function messageFromRow(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    channelId: row.channel_id,
    guildId: row.guild_id,
    authorId: row.author_id,
    type: row.type,
    content: row.content,
    flags: Number(row.flags),
    editedAt: row.edited_at === null ? null : Number(row.edited_at),
    pinnedAt: row.pinned_at === null ? null : Number(row.pinned_at),
    nonce: row.nonce,
    data: row.data,
  };
}

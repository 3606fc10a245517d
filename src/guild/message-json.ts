/**
 * Messages as Discord's API shapes them (docs: message, "Message Object"), from the stored
 * record (store/message-records.ts): REST answers, and MESSAGE_CREATE/UPDATE with the
 * gateway's extra fields (`guild_id`, the author's `member`, a `member` on each mention,
 * `channel_type`); a DM's message has no `guild_id` and no `member`. `timestamp` is the id's time, as on Discord. Reactions go only into REST
 * answers: their `me` is the caller's.
 */
import { isDirectMessage, type ReactionCount, type ReactionEmoji, type StoredMessage } from "../store/message-records.ts";
import { discordTimestamp, snowflakeTime } from "../protocol/timestamp.ts";
import type { GuildState } from "./guild-state.ts";
import { memberJson } from "./guild-json.ts";

type Json = Record<string, unknown>;

/** What a stored message's `data` holds: the parts of the message object guildgate never looks into again. */
export interface MessageData {
  /** The author's user object when it was sent. */
  readonly author: Json;
  readonly tts: boolean;
  /** User objects of the users it mentions. */
  readonly mentions: readonly Json[];
  readonly mention_roles: readonly string[];
  readonly mention_everyone: boolean;
  readonly embeds: readonly Json[];
  readonly components: readonly Json[];
  readonly attachments: readonly Json[];
  /** A reply's (or a pin notice's) reference: `{type, message_id, channel_id, guild_id}`. */
  readonly message_reference?: Json;
  /** A message an interaction's response or follow-up made (guild/interaction-json.ts): the app, and what it answered. */
  readonly application_id?: string;
  readonly webhook_id?: string;
  readonly interaction_metadata?: Json;
  readonly interaction?: Json;
}

/** The `data` of a stored message. */
export function messageData(message: StoredMessage): MessageData {
  return JSON.parse(message.data) as MessageData;
}

/** A reaction's emoji as Discord writes it: `{id, name}`, and `animated` for a custom one. */
export function emojiJson(emoji: ReactionEmoji): Json {
  return emoji.id === null ? { id: null, name: emoji.name } : { id: emoji.id, name: emoji.name, animated: emoji.animated };
}

function reactionJson(count: ReactionCount): Json {
  return {
    count: count.normal + count.burst,
    count_details: { burst: count.burst, normal: count.normal },
    me: count.me,
    me_burst: count.meBurst,
    emoji: emojiJson(count.emoji),
    burst_colors: [],
  };
}

/** What REST answers add to a message: its reactions (as the caller sees them), the message it replies to, the nonce it was sent with. */
export interface MessageExtras {
  reactions?: readonly ReactionCount[];
  /** A reply's referenced message (null: deleted); absent: not looked up, which Discord allows. */
  referenced?: Json | null;
  nonce?: string | number;
}

/** The message object of a REST answer. */
export function messageJson(message: StoredMessage, extras: MessageExtras = {}): Json {
  const data = messageData(message);
  const json: Json = {
    type: message.type,
    content: message.content,
    mentions: data.mentions,
    mention_roles: data.mention_roles,
    attachments: data.attachments,
    embeds: data.embeds,
    timestamp: discordTimestamp(snowflakeTime(message.id)),
    edited_timestamp: message.editedAt === null ? null : discordTimestamp(message.editedAt),
    flags: message.flags,
    components: data.components,
    id: message.id,
    channel_id: message.channelId,
    ...(!isDirectMessage(message) && { guild_id: message.guildId }),
    author: data.author,
    pinned: message.pinnedAt !== null,
    mention_everyone: data.mention_everyone,
    tts: data.tts,
  };
  if (extras.reactions && extras.reactions.length > 0) json.reactions = extras.reactions.map(reactionJson);
  if (extras.nonce !== undefined) json.nonce = extras.nonce;
  if (data.message_reference) json.message_reference = data.message_reference;
  if (data.interaction_metadata) {
    Object.assign(json, { application_id: data.application_id, webhook_id: data.webhook_id, interaction_metadata: data.interaction_metadata });
    if (data.interaction) json.interaction = data.interaction;
  }
  if (extras.referenced !== undefined) json.referenced_message = extras.referenced;
  return json;
}

/** A member's partial member object, as MESSAGE_CREATE and mentions carry it (no `user`); undefined for a non-member. */
export function partialMember(state: GuildState, userId: string): Json | undefined {
  const member = state.member(userId);
  const user = state.user(userId);
  if (!member || !user) return undefined;
  const { user: _user, ...fields } = memberJson(member, user);
  return fields;
}

/** MESSAGE_CREATE's or MESSAGE_UPDATE's `d`: the message with the gateway's extra fields, from the guild as it is now. */
export function messageEventJson(state: GuildState, message: StoredMessage, extras: MessageExtras = {}): Json {
  const json = messageJson(message, extras);
  const member = partialMember(state, message.authorId);
  if (member) json.member = member;
  json.mentions = (json.mentions as Json[]).map((user) => {
    const mentioned = partialMember(state, user.id as string);
    return mentioned ? { ...user, member: mentioned } : user;
  });
  json.channel_type = (state.channelRecord(message.channelId) ?? state.thread(message.channelId))?.type ?? 0;
  return json;
}

/**
 * MESSAGE_REACTION_REMOVE's `d`, and the fields MESSAGE_REACTION_ADD's shares with it (docs:
 * gateway events); `guildId` undefined in a DM.
 */
export function reactionEventJson(guildId: string | undefined, channelId: string, messageId: string, userId: string, emoji: ReactionEmoji, burst: boolean): Json {
  return { user_id: userId, channel_id: channelId, message_id: messageId, ...(guildId !== undefined && { guild_id: guildId }), emoji: emojiJson(emoji), burst, type: burst ? 1 : 0 };
}

/** MESSAGE_REACTION_ADD's `d` (the reactor's `member` added in a guild). */
export function reactionAddedJson(guildId: string | undefined, message: StoredMessage, userId: string, emoji: ReactionEmoji, burst: boolean): Json {
  return { ...reactionEventJson(guildId, message.channelId, message.id, userId, emoji, burst), message_author_id: message.authorId, burst_colors: [] };
}

/** The MESSAGE_REACTION_REMOVE `d`s of taking back a user's reactions with one emoji: one per kind (normal, burst) it had. */
export function reactionsRemovedJson(guildId: string | undefined, channelId: string, messageId: string, userId: string, had: ReactionCount): Json[] {
  return [false, true].filter((burst) => (burst ? had.meBurst : had.me)).map((burst) => reactionEventJson(guildId, channelId, messageId, userId, had.emoji, burst));
}

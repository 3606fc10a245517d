/**
 * What a guild's owner decides about a message request, as Discord decides it (docs: message
 * resource, each endpoint's required permissions): who may send, edit, delete, pin and react,
 * and the stored record a send or an edit makes. Pure: the owner runs these on the guild as it
 * is now, in the step that writes and dispatches (guilds.ts).
 */
import type { GuildState } from "./guild-state.ts";
import type { GuildStore, GuildWrite, User } from "../store/guild-store.ts";
import { discordTimestamp, snowflakeTime } from "../protocol/timestamp.ts";
import { emojiKey, type ReactionCount, type ReactionEmoji, type StoredMessage } from "../store/message-records.ts";
import { resolveMentions, type AllowedMentions, type MentionScope } from "./mentions.ts";
import { messageData, type MessageData } from "./message-json.ts";
import { channelPermissions, Permission } from "./permissions.ts";
import { Refusal, badField } from "./refusal.ts";
import { checkThreadSend, threadPermissions } from "./thread-rules.ts";
import { userObject } from "./user-json.ts";

type Json = Record<string, unknown>;

/** A reply's `message_reference`, as api/ read it. */
export interface ReplyReference {
  readonly messageId: string;
  /** false: a reply to a message that is not there is sent as a plain message. */
  readonly failIfNotExists: boolean;
}

/** A file sent with a message (api/attachments.ts made its id, its URL and Discord's attachment object). */
export interface AttachmentUpload {
  readonly id: string;
  readonly filename: string;
  readonly contentType: string | null;
  readonly data: Uint8Array;
  /** Discord's attachment object for it, as the message shows it. */
  readonly json: Json;
}

/** A message a member posts (`POST /channels/:id/messages`), its id given by the worker that took it. */
export interface MessageRequest {
  readonly id: string;
  readonly content: string;
  readonly nonce?: string | number;
  /** Answer the author's message sent with the same nonce in the last few minutes instead of sending again. */
  readonly enforceNonce: boolean;
  readonly tts: boolean;
  readonly embeds: readonly Json[];
  readonly components: readonly Json[];
  readonly flags: number;
  readonly allowedMentions?: AllowedMentions;
  readonly reference?: ReplyReference;
  readonly attachments: readonly AttachmentUpload[];
}

/** A PATCH of a message: fields absent stay, null empties them. */
export interface MessageEdit {
  readonly content?: string | null;
  readonly embeds?: readonly Json[] | null;
  readonly components?: readonly Json[] | null;
  readonly flags?: number | null;
  readonly allowedMentions?: AllowedMentions;
  /** The ids of the attachments the message keeps, when the edit names them (Discord v10: all it keeps); absent: all. */
  readonly keepAttachments?: readonly string[];
  /** New files (author only; ATTACH_FILES). */
  readonly uploads?: readonly AttachmentUpload[];
}

/** Where a message is sent, as a send or an edit reads it: a guild (`GuildState`) or a DM channel (direct-messages.ts). */
export interface MessageScope extends MentionScope {
  user(userId: string): User | undefined;
}

/** Channel types messages cannot be sent in: category, directory, forum, media. */
const NOT_TEXT = new Set([4, 14, 15, 16]);

/** Discord's message types guildgate makes. */
export const MessageType = { DEFAULT: 0, CHANNEL_PINNED_MESSAGE: 6, REPLY: 19, CHAT_INPUT_COMMAND: 20, CONTEXT_MENU_COMMAND: 23 } as const;

/** The types an author may edit: DEFAULT and REPLY, and an app's responses to commands. */
const EDITABLE_TYPES: ReadonlySet<number> = new Set([MessageType.DEFAULT, MessageType.REPLY, MessageType.CHAT_INPUT_COMMAND, MessageType.CONTEXT_MENU_COMMAND]);

/** How long enforce_nonce remembers a nonce (Discord: "the past few minutes"). */
export const NONCE_WINDOW_MS = 5 * 60_000;

/** How many messages a channel may have pinned (Discord's limit, 30003 beyond). */
export const MAX_PINS = 250;

/** How many different emojis a message may have reactions with (30010 beyond). */
export const MAX_REACTION_EMOJIS = 20;

/** Bulk delete refuses messages older than this (50034). */
export const BULK_DELETE_MAX_AGE_MS = 14 * 24 * 3600_000;

/**
 * The member's permissions in the channel, once it may view it: refuses a channel the guild
 * does not have (10003) and a member who cannot view it (403 50001, as Discord answers).
 */
export function viewerPermissions(state: GuildState, channelId: string, userId: string): bigint {
  const thread = state.thread(channelId);
  if (thread) return threadPermissions(state, thread, userId);
  const channel = state.channelRecord(channelId);
  if (!channel) throw new Refusal("unknown-channel", "Unknown Channel");
  const member = state.member(userId);
  const permissions = member ? channelPermissions(state.guild(), member, channel) : 0n;
  if ((permissions & Permission.VIEW_CHANNEL) === 0n) throw new Refusal("missing-access", "Missing Access");
  return permissions;
}

/** Refuses (403 50013) unless `permissions` has every bit of `needed`. */
export function requirePermissions(permissions: bigint, needed: bigint): void {
  if ((permissions & needed) !== needed) throw new Refusal("missing-permissions", "Missing Permissions");
}

/**
 * The permissions a send needs (docs: "Create Message", limitations): SEND_MESSAGES (in a
 * thread SEND_MESSAGES_IN_THREADS, thread-rules.ts), and READ_MESSAGE_HISTORY for a reply,
 * SEND_TTS_MESSAGES for tts, ATTACH_FILES for files; answers the author's permissions in the
 * channel.
 */
export function checkSend(state: GuildState, channelId: string, authorId: string, needs: { reply?: boolean; tts?: boolean; files?: boolean } = {}): bigint {
  const permissions = viewerPermissions(state, channelId, authorId);
  const { SEND_MESSAGES, READ_MESSAGE_HISTORY, SEND_TTS_MESSAGES, ATTACH_FILES } = Permission;
  const also = (needs.reply ? READ_MESSAGE_HISTORY : 0n) | (needs.tts ? SEND_TTS_MESSAGES : 0n) | (needs.files ? ATTACH_FILES : 0n);
  const thread = state.thread(channelId);
  if (thread) {
    checkThreadSend(thread, permissions, also);
    return permissions;
  }
  if (NOT_TEXT.has(state.channelRecord(channelId)?.type ?? 0)) throw new Refusal("non-text-channel", "Cannot send messages in a non-text channel");
  requirePermissions(permissions, SEND_MESSAGES | also);
  return permissions;
}

/** The record a send stores, its mentions resolved. */
export function newMessage(state: MessageScope, channelId: string, authorId: string, permissions: bigint, request: MessageRequest, repliedTo: StoredMessage | undefined): StoredMessage {
  const author = state.user(authorId);
  if (!author) throw new Refusal("unknown-member", "Unknown Member");
  const mentions = resolveMentions(state, request.content, request.allowedMentions, permissions, repliedTo?.authorId);
  const data: MessageData = {
    author: userObject(author),
    tts: request.tts,
    mentions: mentionedUsers(state, mentions.userIds),
    mention_roles: mentions.roleIds,
    mention_everyone: mentions.everyone,
    embeds: request.embeds,
    components: request.components,
    attachments: request.attachments.map((upload) => upload.json),
    // A DM's scope is its channel: a reply there names no guild.
    ...(repliedTo && { message_reference: { type: 0, message_id: repliedTo.id, channel_id: channelId, ...(state.id !== channelId && { guild_id: state.id }) } }),
  };
  return {
    id: request.id,
    channelId,
    guildId: state.id,
    authorId,
    type: repliedTo ? MessageType.REPLY : MessageType.DEFAULT,
    content: request.content,
    flags: request.flags,
    editedAt: null,
    pinnedAt: null,
    nonce: request.nonce === undefined ? null : String(request.nonce),
    data: JSON.stringify(data),
  };
}

/**
 * The message after an edit by `editorId`: the author may change everything; anyone else,
 * only its flags, with MANAGE_MESSAGES (Discord: 50005 otherwise). Mentions are resolved
 * again for new content. Refuses an edit that leaves it empty (50006).
 */
export function editedMessage(state: MessageScope, message: StoredMessage, editorId: string, permissions: bigint, edit: MessageEdit, now: number): StoredMessage {
  const own = message.authorId === editorId;
  const uploads = edit.uploads ?? [];
  const onlyFlags = edit.content === undefined && edit.embeds === undefined && edit.components === undefined && edit.keepAttachments === undefined && uploads.length === 0;
  if (!own && !(onlyFlags && (permissions & Permission.MANAGE_MESSAGES) !== 0n)) {
    throw new Refusal("others-message", "Cannot edit a message authored by another user");
  }
  if (!EDITABLE_TYPES.has(message.type)) throw new Refusal("system-message", "Cannot execute action on a system message");
  const data = messageData(message);
  const content = edit.content === undefined ? message.content : (edit.content ?? "");
  const embeds = edit.embeds === undefined ? data.embeds : (edit.embeds ?? []);
  const components = edit.components === undefined ? data.components : (edit.components ?? []);
  if (uploads.length > 0) requirePermissions(permissions, Permission.ATTACH_FILES);
  const keep = edit.keepAttachments;
  const attachments = [...(keep === undefined ? data.attachments : data.attachments.filter((a) => keep.includes(a.id as string))), ...uploads.map((u) => u.json)];
  if (content === "" && embeds.length === 0 && components.length === 0 && attachments.length === 0) {
    throw new Refusal("empty-message", "Cannot send an empty message");
  }
  let mentioned: Pick<MessageData, "mentions" | "mention_roles" | "mention_everyone"> = data;
  if (edit.content !== undefined) {
    const resolved = resolveMentions(state, content, edit.allowedMentions, own ? permissions : 0n, repliedAuthor(message, data));
    mentioned = { mentions: mentionedUsers(state, resolved.userIds), mention_roles: resolved.roleIds, mention_everyone: resolved.everyone };
  }
  const next: MessageData = { ...data, ...mentioned, embeds, components, attachments };
  return { ...message, content, flags: editedFlags(message.flags, edit.flags), editedAt: now, data: JSON.stringify(next) };
}

const SUPPRESS_EMBEDS = 1 << 2;
const IS_COMPONENTS_V2 = 1 << 15;

/**
 * An edit's flags (docs: "Edit Message"): SUPPRESS_EMBEDS may be set and unset,
 * IS_COMPONENTS_V2 only set; other bits keep their value ("unsupported flag changes are
 * currently ignored without error").
 */
function editedFlags(flags: number, requested: number | null | undefined): number {
  if (requested === undefined || requested === null) return flags;
  return (flags & ~SUPPRESS_EMBEDS) | (requested & (SUPPRESS_EMBEDS | IS_COMPONENTS_V2));
}

/** A reply's author replied to, if the reply mentioned it (a mention its content does not write): an edit keeps it. */
function repliedAuthor(message: StoredMessage, data: MessageData): string | undefined {
  if (data.message_reference === undefined) return undefined;
  return data.mentions.map((user) => user.id as string).find((id) => !new RegExp(`<@!?${id}>`).test(message.content));
}

/** What a send reads first: the author's message with the same nonce (`enforce_nonce`), and the message it replies to. */
export type SendLookups = readonly [earlier: StoredMessage | undefined, repliedTo: StoredMessage | undefined];

/** Reads a send's `SendLookups`; undefined when it needs neither (a plain message reads nothing first). */
export function readSendLookups(store: Pick<GuildStore, "findMessageByNonce" | "getMessage">, channelId: string, authorId: string, request: MessageRequest): Promise<SendLookups> | undefined {
  const nonce = request.enforceNonce && request.nonce !== undefined ? String(request.nonce) : undefined;
  if (nonce === undefined && request.reference === undefined) return undefined;
  return Promise.all([
    nonce === undefined ? undefined : store.findMessageByNonce(channelId, authorId, nonce),
    request.reference === undefined ? undefined : store.getMessage(channelId, request.reference.messageId),
  ]);
}

/**
 * The author's earlier message to answer instead of sending again (its nonce was sent within
 * `NONCE_WINDOW_MS`); refuses a reply to a message that is not there when it must be.
 */
export function repeatedSend([earlier, repliedTo]: SendLookups, request: MessageRequest, now: number): StoredMessage | undefined {
  if (earlier && now - snowflakeTime(earlier.id) <= NONCE_WINDOW_MS) return earlier;
  if (request.reference?.failIfNotExists && !repliedTo) throw badField("message_reference", "Unknown message");
  return undefined;
}

/** What a send writes: the message and its files, in one batch. */
export function sentWrites(message: StoredMessage, uploads: readonly AttachmentUpload[]): GuildWrite[] {
  return [{ k: "message", message }, ...uploadWrites(message, uploads)];
}

/** What an edit writes: the message, its new files, and the removal of the files it no longer keeps. */
export function editWrites(before: StoredMessage, after: StoredMessage, uploads: readonly AttachmentUpload[]): GuildWrite[] {
  const keptIds = new Set(messageData(after).attachments.map((a) => a.id as string));
  const dropped = messageData(before).attachments.map((a) => a.id as string).filter((id) => !keptIds.has(id));
  const writes: GuildWrite[] = [{ k: "message", message: after }, ...uploadWrites(after, uploads)];
  if (dropped.length > 0) writes.push({ k: "delete-attachments", channelId: after.channelId, attachmentIds: dropped });
  return writes;
}

function uploadWrites({ id: messageId, channelId }: StoredMessage, uploads: readonly AttachmentUpload[]): GuildWrite[] {
  return uploads.map(({ id, filename, contentType, data }) => ({ k: "attachment", attachment: { id, channelId, messageId, filename, contentType, data } }));
}

/**
 * Whether a user's reaction with `emoji` is new on a message whose reactions are `counts` (as
 * that user sees them): false if it reacted so already. It needs READ_MESSAGE_HISTORY, and for
 * an emoji nobody used on it yet ADD_REACTIONS and room (MAX_REACTION_EMOJIS).
 */
export function newReaction(counts: readonly ReactionCount[], emoji: ReactionEmoji, burst: boolean, permissions: bigint): boolean {
  requirePermissions(permissions, Permission.READ_MESSAGE_HISTORY);
  const same = counts.find((count) => emojiKey(count.emoji) === emojiKey(emoji));
  if (!same) {
    requirePermissions(permissions, Permission.ADD_REACTIONS);
    if (counts.length >= MAX_REACTION_EMOJIS) throw new Refusal("max-reactions", "Maximum number of reactions reached (20)");
  }
  return !(same && (burst ? same.meBurst : same.me));
}

/** Deleting one message: its author may, anyone else needs MANAGE_MESSAGES. */
export function checkDelete(message: StoredMessage, actorId: string, permissions: bigint): void {
  if (message.authorId !== actorId) requirePermissions(permissions, Permission.MANAGE_MESSAGES);
}

/**
 * Pinning or unpinning needs PIN_MESSAGES, and only it (docs: "Pin Message"; change-log: since
 * 2026-02-23 MANAGE_MESSAGES alone no longer pins).
 */
export function checkPin(permissions: bigint): void {
  requirePermissions(permissions, Permission.PIN_MESSAGES);
}

/** A pin or unpin, decided: the message as it is to be stored, and CHANNEL_PINS_UPDATE's `last_pin_timestamp` after it. */
export interface PinChange {
  readonly message: StoredMessage;
  readonly lastPinTimestamp: string | null;
}

/**
 * Pins (`pinned`) or unpins `message` at `now` (ms): undefined if it is so already; refuses a
 * pin past MAX_PINS. Reads the channel's pins.
 */
export async function pinChange(store: Pick<GuildStore, "countPinnedMessages" | "listPinnedMessages">, message: StoredMessage, pinned: boolean, now: number): Promise<PinChange | undefined> {
  if ((message.pinnedAt !== null) === pinned) return undefined;
  const [count, latest] = await Promise.all([store.countPinnedMessages(message.channelId), store.listPinnedMessages(message.channelId, 2)]);
  if (pinned && count >= MAX_PINS) throw new Refusal("max-pins", `Maximum number of pins reached (${MAX_PINS})`);
  const lastPin = pinned ? now : (latest.find((m) => m.id !== message.id)?.pinnedAt ?? null);
  return { message: { ...message, pinnedAt: pinned ? now : null }, lastPinTimestamp: lastPin === null ? null : discordTimestamp(lastPin) };
}

/** Bulk delete: 2 to 100 distinct ids, none older than two weeks (their ids tell their age). */
export function checkBulkDelete(ids: readonly string[], now: number, timeOf: (id: string) => number): void {
  if (new Set(ids).size !== ids.length) throw badField("messages", "has duplicate ids");
  if (ids.some((id) => now - timeOf(id) > BULK_DELETE_MAX_AGE_MS)) throw new Refusal("bulk-delete-too-old", "You can only bulk delete messages that are under 14 days old.");
}

/** User objects of the mentioned users (members of the guild, so known to it). */
function mentionedUsers(state: MessageScope, userIds: readonly string[]): Json[] {
  return userIds.flatMap((id) => {
    const user = state.user(id);
    return user ? [userObject(user)] : [];
  });
}

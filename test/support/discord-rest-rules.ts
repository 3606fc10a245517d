/**
 * Discord's per-route rules for the message routes, from discord-api-docs
 * (resources/message.mdx, resources/channel.mdx, resources/guild.mdx): for one operation by
 * one member, the answers the docs allow and the event a success fires. The channel
 * permissions come from `channelPermissions` (discord-rest-model.ts). Every refusal for a
 * channel the caller cannot view is 50001 (Missing Access); a missing permission is 50013.
 *
 * Where the docs are silent or allow two answers, `answers` lists each one accepted and
 * `open` says which question was open (counted and reported by the property test).
 */
import { type Answer, MISSING_ACCESS, MISSING_PERMISSIONS, type ModelGuild, NOT_AUTHOR, Perm, UNKNOWN_MESSAGE, channelPermissions, has, ok } from "./discord-rest-model.ts";

export interface ModelMessage {
  id: string;
  channelId: string;
  authorId: string;
  content: string;
  /** Whether it pings @everyone (mention_everyone). */
  everyone: boolean;
  pinned: boolean;
  deleted: boolean;
  /** Emoji → the users that reacted with it, in order. */
  reactions: Map<string, string[]>;
}

export type Op =
  | { k: "send"; channel: string; user: string; content: string; tts: boolean }
  | { k: "editContent"; channel: string; user: string; message: ModelMessage; content: string }
  | { k: "editFlags"; channel: string; user: string; message: ModelMessage }
  | { k: "delete"; channel: string; user: string; message: ModelMessage }
  | { k: "bulkDelete"; channel: string; user: string; messages: ModelMessage[] }
  | { k: "pin" | "unpin"; channel: string; user: string; message: ModelMessage }
  | { k: "reactNew" | "reactExisting"; channel: string; user: string; message: ModelMessage; emoji: string }
  | { k: "unreactOwn"; channel: string; user: string; message: ModelMessage; emoji: string }
  | { k: "removeOthers"; channel: string; user: string; message: ModelMessage; emoji: string; target: string }
  | { k: "removeAll"; channel: string; user: string; message: ModelMessage }
  | { k: "typing"; channel: string; user: string }
  | { k: "readOne"; channel: string; user: string; message: ModelMessage }
  | { k: "history"; channel: string; user: string }
  | { k: "readChannel"; channel: string; user: string }
  | { k: "listChannels"; user: string };

/** The event a successful operation fires, and what it must say. */
export type ExpectedEvent =
  | { t: "MESSAGE_CREATE" | "MESSAGE_UPDATE"; channel: string; messageId: string | undefined; authorId: string; content: string; everyone: boolean }
  | { t: "MESSAGE_DELETE" | "MESSAGE_REACTION_REMOVE_ALL"; channel: string; messageId: string }
  | { t: "MESSAGE_DELETE_BULK"; channel: string; ids: string[] }
  | { t: "CHANNEL_PINS_UPDATE"; channel: string }
  | { t: "MESSAGE_REACTION_ADD" | "MESSAGE_REACTION_REMOVE"; channel: string; messageId: string; userId: string; emoji: string }
  | { t: "TYPING_START"; channel: string; userId: string };

export interface Expectation {
  answers: Answer[];
  /** The event on success; none for reads. */
  event?: ExpectedEvent;
  /** A question the docs leave open, when more than one answer is accepted. */
  open?: string;
}

/**
 * Whether a message by a member with `granted` pings everyone: "@everyone" in its content and
 * MENTION_EVERYONE (message.mdx "Allowed Mentions": "to mention @everyone and @here, the bot
 * must have the MENTION_EVERYONE permission"; no allowed_mentions: everything is parsed).
 */
export const pingsEveryone = (content: string, granted: bigint): boolean => content.includes("@everyone") && has(granted, Perm.MENTION_EVERYONE);

/** The rule for `op` on the model's current state. */
export function expectationOf(guild: ModelGuild, op: Op): Expectation {
  if (op.k === "listChannels") return { answers: [ok(200)] };
  const granted = channelPermissions(guild, op.user, op.channel);
  if (!has(granted, Perm.VIEW_CHANNEL)) return { answers: [MISSING_ACCESS] };
  const can = (p: bigint): boolean => has(granted, p);
  /** A route whose message is gone: 10008; 50013 too when a permission the route needs regardless of the message is missing (the docs do not order the two). */
  const gone = (needed: bigint): Expectation =>
    can(needed) ? { answers: [UNKNOWN_MESSAGE] } : { answers: [UNKNOWN_MESSAGE, MISSING_PERMISSIONS], open: "unknown message vs missing permission: which is checked first" };
  switch (op.k) {
    case "send":
      // message.mdx Create Message: "the current user must have the SEND_MESSAGES permission", and
      // SEND_TTS_MESSAGES for `tts` (which SEND_MESSAGES denied takes away too: "Implicit Permissions").
      if (!can(Perm.SEND_MESSAGES)) return { answers: [MISSING_PERMISSIONS] };
      if (op.tts && !can(Perm.SEND_TTS_MESSAGES)) return { answers: [MISSING_PERMISSIONS] };
      return { answers: [ok(200)], event: { t: "MESSAGE_CREATE", channel: op.channel, messageId: undefined, authorId: op.user, content: op.content, everyone: pingsEveryone(op.content, granted) } };
    case "editContent": {
      // Edit Message: "content ... can be edited by the original message author".
      if (op.message.deleted) return { answers: [UNKNOWN_MESSAGE] };
      if (op.message.authorId !== op.user) return { answers: [NOT_AUTHOR] };
      return { answers: [ok(200)], event: { t: "MESSAGE_UPDATE", channel: op.channel, messageId: op.message.id, authorId: op.message.authorId, content: op.content, everyone: pingsEveryone(op.content, granted) } };
    }
    case "editFlags": {
      // "Other users can only edit flags and only if they have the MANAGE_MESSAGES permission."
      if (op.message.deleted) return { answers: [UNKNOWN_MESSAGE] };
      const update: Expectation = { answers: [ok(200)], event: { t: "MESSAGE_UPDATE", channel: op.channel, messageId: op.message.id, authorId: op.message.authorId, content: op.message.content, everyone: op.message.everyone } };
      if (op.message.authorId === op.user || can(Perm.MANAGE_MESSAGES)) return update;
      return { answers: [MISSING_PERMISSIONS, NOT_AUTHOR], open: "another's flags without MANAGE_MESSAGES: 50013 or 50005" };
    }
    case "delete":
      // Delete Message: another's message needs MANAGE_MESSAGES.
      if (op.message.deleted) return { answers: [UNKNOWN_MESSAGE] };
      if (op.message.authorId !== op.user && !can(Perm.MANAGE_MESSAGES)) return { answers: [MISSING_PERMISSIONS] };
      return { answers: [ok(204)], event: { t: "MESSAGE_DELETE", channel: op.channel, messageId: op.message.id } };
    case "bulkDelete":
      // Bulk Delete Messages: MANAGE_MESSAGES.
      if (!can(Perm.MANAGE_MESSAGES)) return { answers: [MISSING_PERMISSIONS] };
      return { answers: [ok(204)], event: { t: "MESSAGE_DELETE_BULK", channel: op.channel, ids: op.messages.map((m) => m.id) } };
    case "pin":
    case "unpin":
      // Pin/Unpin Message: PIN_MESSAGES (MANAGE_MESSAGES alone no longer since 2026-02-23, change-log.mdx).
      if (op.message.deleted) return gone(Perm.PIN_MESSAGES);
      if (!can(Perm.PIN_MESSAGES)) return { answers: [MISSING_PERMISSIONS] };
      return { answers: [ok(204)], event: { t: "CHANNEL_PINS_UPDATE", channel: op.channel } };
    case "reactNew":
    case "reactExisting": {
      // Create Reaction: READ_MESSAGE_HISTORY; ADD_REACTIONS too "if nobody else has reacted to the message using this emoji".
      const needed = Perm.READ_MESSAGE_HISTORY | (op.k === "reactNew" ? Perm.ADD_REACTIONS : 0n);
      if (op.message.deleted) return gone(needed);
      if (!can(needed)) return { answers: [MISSING_PERMISSIONS] };
      return { answers: [ok(204)], event: { t: "MESSAGE_REACTION_ADD", channel: op.channel, messageId: op.message.id, userId: op.user, emoji: op.emoji } };
    }
    case "unreactOwn":
      // Delete Own Reaction: no permission named.
      return { answers: [ok(204)], event: { t: "MESSAGE_REACTION_REMOVE", channel: op.channel, messageId: op.message.id, userId: op.user, emoji: op.emoji } };
    case "removeOthers":
      // Delete User Reaction: MANAGE_MESSAGES.
      if (!can(Perm.MANAGE_MESSAGES)) return { answers: [MISSING_PERMISSIONS] };
      return { answers: [ok(204)], event: { t: "MESSAGE_REACTION_REMOVE", channel: op.channel, messageId: op.message.id, userId: op.target, emoji: op.emoji } };
    case "removeAll":
      // Delete All Reactions: MANAGE_MESSAGES.
      if (!can(Perm.MANAGE_MESSAGES)) return { answers: [MISSING_PERMISSIONS] };
      return { answers: [ok(204)], event: { t: "MESSAGE_REACTION_REMOVE_ALL", channel: op.channel, messageId: op.message.id } };
    case "typing":
      // Trigger Typing Indicator names no permission; typing is the start of sending, which
      // SEND_MESSAGES governs (permissions.mdx "Implicit Permissions": no base action, none of its parts).
      if (!can(Perm.SEND_MESSAGES)) return { answers: [MISSING_PERMISSIONS] };
      return { answers: [ok(204)], event: { t: "TYPING_START", channel: op.channel, userId: op.user } };
    case "readOne":
      // Get Channel Message: VIEW_CHANNEL and READ_MESSAGE_HISTORY.
      if (op.message.deleted) return gone(Perm.READ_MESSAGE_HISTORY);
      if (!can(Perm.READ_MESSAGE_HISTORY)) return { answers: [MISSING_PERMISSIONS] };
      return { answers: [ok(200)] };
    case "history":
      // Get Channel Messages: VIEW_CHANNEL; without READ_MESSAGE_HISTORY "no messages will be returned".
      return { answers: [ok(200)] };
    case "readChannel":
      return { answers: [ok(200)] };
  }
}

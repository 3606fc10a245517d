/**
 * Private channels on their owner: DM channels (Discord's channel type 1) and group DMs (type 3,
 * group-dms.ts): sending, editing and deleting messages in them, reacting to them, pinning
 * them, and typing there; and a group DM's life: made, renamed, recipients added and removed,
 * left. The ring names a private channel's owner by the channel's id, as it names a guild's by
 * the guild's, so in a cluster exactly one worker runs a channel's operations, one at a time in
 * arrival order (guild-queue.ts), and every recipient gets its events in that one order. The
 * owner keeps nothing but the queue of a channel that is busy, and reads the channel, its users
 * and its messages from the store in the operation's turn (a group DM's recipients change only
 * there, through its owner's fenced writes).
 *
 * Writes are fenced as a guild's are: a DM channel's messages are written under the
 * channel's own id at the owner's ring generation (`writeGuild`), so an owner that lost the
 * channel to a later one is refused, and the caller asks the new owner (owner-api.ts).
 *
 * Events go to each recipient's sessions through the user's owner (cluster/user-events.ts),
 * which every worker gates by the DIRECT_MESSAGES intent (CHANNEL_CREATE, CHANNEL_UPDATE,
 * CHANNEL_DELETE and CHANNEL_RECIPIENT_ADD/REMOVE need none). Content is never emptied: Discord
 * gives an app the content of DMs with it without MESSAGE_CONTENT, and every recipient of a
 * DM's event is in the DM.
 */
import type { GuildStore, GuildWrite, User } from "../store/guild-store.ts";
import type { DmChannel } from "../store/dm-channels.ts";
import type { GroupDmChannel } from "../store/group-dm-channels.ts";
import { isGroupDm, type PrivateChannel } from "../store/private-channels.ts";
import { GROUP_DM_CHANNEL_TYPE, checkRecipient, groupDmJson, newGroupDm, patchedGroupDm, withRecipient, withoutRecipient, type GroupDmPatch } from "./group-dms.ts";
import { emojiKey, type ReactionCount, type ReactionEmoji, type StoredMessage } from "../store/message-records.ts";
import { GuildQueue, type MaybePromise } from "./guild-queue.ts";
import { GuildMovedError } from "./guilds.ts";
import { messageJson, reactionAddedJson, reactionsRemovedJson, type MessageExtras } from "./message-json.ts";
import {
  editedMessage,
  editWrites,
  newMessage,
  newReaction,
  pinChange,
  readSendLookups,
  repeatedSend,
  sentWrites,
  type MessageEdit,
  type MessageRequest,
  type MessageScope,
  type SendLookups,
} from "./message-rules.ts";
import { Permission } from "./permissions.ts";
import { Refusal } from "./refusal.ts";
import { userObject } from "./user-json.ts";

type Json = Record<string, unknown>;

/** Discord's channel type of a DM. */
export const DM_CHANNEL_TYPE = 1;

/**
 * What a recipient may do in a DM: Discord's implicit DM permissions. No MANAGE_MESSAGES (only
 * the author edits or deletes a message) and no MENTION_EVERYONE.
 */
export const DM_PERMISSIONS =
  Permission.VIEW_CHANNEL |
  Permission.SEND_MESSAGES |
  Permission.SEND_TTS_MESSAGES |
  Permission.EMBED_LINKS |
  Permission.ATTACH_FILES |
  Permission.READ_MESSAGE_HISTORY |
  Permission.ADD_REACTIONS |
  Permission.USE_EXTERNAL_EMOJIS;

export interface DirectMessagesOptions {
  store: GuildStore;
  /** An event for every session of a user (cluster/user-events.ts: through the user's owner). */
  dispatchToUser: (userId: string, t: string, dJson: string) => void;
  /** The ring generation: the fencing token of this owner's DM writes. */
  generation: () => number;
  /** Whether this worker owns the DM channel now (the ring); one it does not own fails with `GuildMovedError`. */
  owns: (channelId: string) => boolean;
}

/** The private channel with this id, or undefined. */
export async function privateChannelOf(store: Pick<GuildStore, "getDmChannel" | "getGroupDm">, id: string): Promise<PrivateChannel | undefined> {
  return (await store.getDmChannel(id)) ?? (await store.getGroupDm(id));
}

/** The channel object `viewerId` sees. */
export function privateChannelJson(channel: PrivateChannel, users: readonly User[], viewerId: string, lastMessageId: string | null): Json {
  return isGroupDm(channel) ? groupDmJson(channel, users, viewerId, lastMessageId) : dmChannelJson(channel, users, viewerId, lastMessageId);
}

const channelType = (channel: PrivateChannel): number => (isGroupDm(channel) ? GROUP_DM_CHANNEL_TYPE : DM_CHANNEL_TYPE);


/** What an operation run in a DM channel's turn (`DirectMessages.inTurn`) may do. */
export interface DmTurn {
  readonly channel: DmChannel;
  /** The ring generation the turn writes at. */
  readonly generation: number;
  /** Its two recipients, as a send reads them. */
  readonly scope: MessageScope;
  /** Writes `writes` under the channel's id, fenced; once committed, runs `apply`. */
  commit<T>(writes: readonly GuildWrite[], apply: () => T): Promise<T>;
  /** An event to every session of both recipients. */
  tell(t: string, d: Json): void;
  /** An event to every session of one user (shard 0). */
  toUser(userId: string, t: string, d: Json): void;
}


/** A private channel in an operation's turn: the channel and its users (undefined: gone). */
interface Conversation {
  readonly channel: PrivateChannel;
  readonly users: readonly (User | undefined)[];
  /** The DM channel as a send or an edit reads it (message-rules.ts). */
  readonly scope: MessageScope;
}

/** The DM channel object (docs: channel, "Example DM Channel"): `recipients` are the users other than `viewerId`. */
export function dmChannelJson(channel: DmChannel, users: readonly User[], viewerId: string, lastMessageId: string | null): Json {
  return {
    id: channel.id,
    type: DM_CHANNEL_TYPE,
    last_message_id: lastMessageId,
    flags: 0,
    recipients: users.filter((user) => user.id !== viewerId).map(userObject),
  };
}

export class DirectMessages {
  readonly #options: DirectMessagesOptions;
  /** The queues of DM channels with operations running or waiting (dropped when idle). */
  readonly #queues = new Map<string, GuildQueue>();

  constructor(options: DirectMessagesOptions) {
    this.#options = options;
  }

  /**
   * A recipient sends a message (`POST /channels/:id/messages`): MESSAGE_CREATE to both
   * recipients; the message object of the answer. Refused (50007) when the other user is a
   * bot as well as the sender, shares no guild with it, or is gone.
   */
  createDmMessage(channelId: string, authorId: string, request: MessageRequest, now: number): Promise<Json> {
    return this.#on(channelId, authorId, async (conversation) => {
      const { store } = this.#options;
      const lookups: SendLookups = (await readSendLookups(store, channelId, authorId, request)) ?? [undefined, undefined];
      const earlier = repeatedSend(lookups, request, now);
      if (earlier) return messageJson(earlier, { nonce: request.nonce });
      if (!isGroupDm(conversation.channel)) await this.#checkReachable(conversation, authorId);
      const repliedTo = lookups[1];
      const message = newMessage(conversation.scope, channelId, authorId, DM_PERMISSIONS, request, repliedTo);
      const extras: MessageExtras = { nonce: request.nonce, ...(repliedTo && { referenced: messageJson(repliedTo) }) };
      await this.#write(channelId, sentWrites(message, request.attachments));
      this.#tell(conversation, "MESSAGE_CREATE", { ...messageJson(message, extras), channel_type: channelType(conversation.channel) });
      return messageJson(message, extras);
    });
  }

  /** The author edits its message (`PATCH`): MESSAGE_UPDATE to both recipients; the message object of the answer. */
  editDmMessage(channelId: string, messageId: string, editorId: string, edit: MessageEdit, now: number): Promise<Json> {
    return this.#on(channelId, editorId, async (conversation) => {
      const message = await this.#message(channelId, messageId);
      const next = editedMessage(conversation.scope, message, editorId, DM_PERMISSIONS, edit, now);
      await this.#write(channelId, editWrites(message, next, edit.uploads ?? []));
      this.#tell(conversation, "MESSAGE_UPDATE", { ...messageJson(next), channel_type: channelType(conversation.channel) });
      return messageJson(next);
    });
  }

  /** The author deletes its message: MESSAGE_DELETE to both recipients. The other recipient's message is refused (50003). */
  deleteDmMessage(channelId: string, messageId: string, actorId: string): Promise<void> {
    return this.#on(channelId, actorId, async (conversation) => {
      const message = await this.#message(channelId, messageId);
      if (message.authorId !== actorId) throw new Refusal("dm-channel", "Cannot execute action on a DM channel");
      await this.#write(channelId, [{ k: "delete-messages", channelId, messageIds: [messageId] }]);
      this.#tell(conversation, "MESSAGE_DELETE", { id: messageId, channel_id: channelId });
    });
  }

  /** A recipient reacts: MESSAGE_REACTION_ADD to both recipients (DIRECT_MESSAGE_REACTIONS), unless it had reacted so already. */
  addDmReaction(channelId: string, messageId: string, userId: string, emoji: ReactionEmoji): Promise<void> {
    return this.#on(channelId, userId, async (conversation) => {
      const message = await this.#message(channelId, messageId);
      if (!newReaction(await this.#reactions(channelId, messageId, userId), emoji, false, DM_PERMISSIONS)) return;
      await this.#write(channelId, [{ k: "reaction", reaction: { channelId, messageId, userId, emoji, burst: false } }]);
      this.#tell(conversation, "MESSAGE_REACTION_ADD", reactionAddedJson(undefined, message, userId, emoji, false));
    });
  }

  /** A recipient takes its reaction with `emoji` back: MESSAGE_REACTION_REMOVE to both recipients, per kind it had. */
  removeDmReaction(channelId: string, messageId: string, userId: string, emoji: ReactionEmoji): Promise<void> {
    return this.#on(channelId, userId, async (conversation) => {
      await this.#message(channelId, messageId);
      const had = (await this.#reactions(channelId, messageId, userId)).find((count) => emojiKey(count.emoji) === emojiKey(emoji));
      if (!had?.me && !had?.meBurst) return;
      await this.#write(channelId, [{ k: "delete-reactions", selector: { channelId, messageId, emojiKey: emojiKey(emoji), userId } }]);
      for (const d of reactionsRemovedJson(undefined, channelId, messageId, userId, had)) this.#tell(conversation, "MESSAGE_REACTION_REMOVE", d);
    });
  }

  /** A recipient pins (`pinned`) or unpins a message: CHANNEL_PINS_UPDATE to both recipients when it changed. */
  dmPin(channelId: string, messageId: string, actorId: string, pinned: boolean, now: number): Promise<void> {
    return this.#on(channelId, actorId, async (conversation) => {
      const change = await pinChange(this.#options.store, await this.#message(channelId, messageId), pinned, now);
      if (!change) return;
      await this.#write(channelId, [{ k: "message", message: change.message }]);
      this.#tell(conversation, "CHANNEL_PINS_UPDATE", { channel_id: channelId, last_pin_timestamp: change.lastPinTimestamp });
    });
  }

  /** A recipient starts typing: TYPING_START to both recipients (DIRECT_MESSAGE_TYPING); nothing is stored. */
  dmTyping(channelId: string, userId: string, now: number): Promise<void> {
    return this.#on(channelId, userId, async (conversation) => {
      this.#tell(conversation, "TYPING_START", { channel_id: channelId, user_id: userId, timestamp: Math.floor(now / 1000) });
    });
  }

  /**
   * Runs an operation of another part of the owner (interactions.ts) in the DM channel's turn,
   * `actorId` one of its recipients: what it may do there (write fenced as a DM's messages are,
   * and tell both recipients).
   */
  inTurn<T>(channelId: string, actorId: string, operation: (turn: DmTurn) => MaybePromise<T>): Promise<T> {
    return this.#on(channelId, actorId, async (conversation) => {
      // Interactions run in a DM with the app's bot, never in a group DM (no user-installed apps).
      const { channel } = conversation;
      if (isGroupDm(channel)) throw new Refusal("missing-access", "Missing Access");
      return operation({
        channel,
        generation: this.#options.generation(),
        scope: conversation.scope,
        commit: (writes, apply) => this.#write(channelId, writes).then(apply),
        tell: (t, d) => this.#tell(conversation, t, d),
        toUser: (userId, t, d) => this.#options.dispatchToUser(userId, t, JSON.stringify(d)),
      });
    });
  }

  /**
   * A user makes a group DM with `others` (users it shares a guild with, 9 at most): stored,
   * CHANNEL_CREATE to every recipient; the channel object for its owner.
   */
  createGroupDm(channelId: string, ownerId: string, others: readonly string[], now: number): Promise<Json> {
    return this.#queued(channelId, async () => {
      const channel = newGroupDm(channelId, ownerId, others, now);
      const users = (await Promise.all(channel.recipientIds.map((id) => this.#options.store.getUser(id)))).map(checkRecipient);
      for (const id of channel.recipientIds.slice(1)) await this.#checkMayAdd(ownerId, id);
      await this.#write(channelId, [{ k: "group-dm", channel }]);
      this.#announce(channel, users, "CHANNEL_CREATE", channel.recipientIds);
      return groupDmJson(channel, users, ownerId, null);
    });
  }

  /** A recipient renames a group DM or changes its icon: CHANNEL_UPDATE to every recipient; the channel object for it. */
  updateGroupDm(channelId: string, actorId: string, patch: GroupDmPatch): Promise<Json> {
    return this.#on(channelId, actorId, async (conversation) => {
      const next = patchedGroupDm(groupOf(conversation), patch);
      await this.#write(channelId, [{ k: "group-dm", channel: next }]);
      const users = known(conversation.users);
      this.#announce(next, users, "CHANNEL_UPDATE", next.recipientIds);
      return groupDmJson(next, users, actorId, await this.#lastMessageId(channelId));
    });
  }

  /**
   * A recipient adds a user (docs: "Group DM Add Recipient"): CHANNEL_RECIPIENT_ADD to those in
   * it, CHANNEL_CREATE to the user; nothing if it is in it already.
   */
  addGroupDmRecipient(channelId: string, actorId: string, userId: string): Promise<void> {
    return this.#on(channelId, actorId, async (conversation) => {
      const group = groupOf(conversation);
      const user = checkRecipient(await this.#options.store.getUser(userId));
      const next = withRecipient(group, userId);
      if (!next) return;
      await this.#checkMayAdd(actorId, userId);
      await this.#write(channelId, [{ k: "group-dm", channel: next }]);
      this.#tellUsers(group.recipientIds, "CHANNEL_RECIPIENT_ADD", { channel_id: channelId, user: userObject(user) });
      this.#announce(next, [...known(conversation.users), user], "CHANNEL_CREATE", [userId], await this.#lastMessageId(channelId));
    });
  }

  /**
   * `userId` leaves a group DM, or its owner removes it (docs: "Group DM Remove Recipient",
   * "Delete/Close Channel"): CHANNEL_DELETE to it, CHANNEL_RECIPIENT_REMOVE to those left (and
   * CHANNEL_UPDATE, when the owner left and another owns it now); the last one out deletes it
   * with its messages. Answers the channel as `userId` saw it; nothing changes if it was not in it.
   */
  removeGroupDmRecipient(channelId: string, actorId: string, userId: string): Promise<Json> {
    return this.#on(channelId, actorId, async (conversation) => {
      const group = groupOf(conversation);
      const users = known(conversation.users);
      const last = await this.#lastMessageId(channelId);
      const before = groupDmJson(group, users, userId, last);
      const next = withoutRecipient(group, actorId, userId);
      if (next === undefined) return before;
      await this.#write(channelId, [next === null ? { k: "delete-group-dm" } : { k: "group-dm", channel: next }]);
      this.#tellUsers([userId], "CHANNEL_DELETE", before);
      if (next === null) return before;
      const removed = users.find((user) => user.id === userId);
      if (removed) this.#tellUsers(next.recipientIds, "CHANNEL_RECIPIENT_REMOVE", { channel_id: channelId, user: userObject(removed) });
      if (next.ownerId !== group.ownerId) this.#announce(next, users, "CHANNEL_UPDATE", next.recipientIds, last);
      return before;
    });
  }

  /**
   * Runs `operation` in the private channel's turn, once the channel is known (else 10003) and
   * `actorId` is one of its recipients (else 50001).
   */
  #on<T>(channelId: string, actorId: string, operation: (conversation: Conversation) => Promise<T>): Promise<T> {
    return this.#queued(channelId, async () => operation(await this.#conversation(channelId, actorId)));
  }

  /** Runs `operation` in the channel's turn on this owner. */
  #queued<T>(channelId: string, operation: () => Promise<T>): Promise<T> {
    if (!this.#options.owns(channelId)) throw new GuildMovedError(channelId);
    let queue = this.#queues.get(channelId);
    if (!queue) {
      const created = new GuildQueue(() => {
        if (this.#queues.get(channelId) === created) this.#queues.delete(channelId);
      });
      this.#queues.set(channelId, created);
      queue = created;
    }
    return queue.run(operation) as Promise<T>;
  }

  async #conversation(channelId: string, actorId: string): Promise<Conversation> {
    const { store } = this.#options;
    const channel = await privateChannelOf(store, channelId);
    if (!channel) throw new Refusal("unknown-channel", "Unknown Channel");
    if (!channel.recipientIds.includes(actorId)) throw new Refusal("missing-access", "Missing Access");
    const users = await Promise.all(channel.recipientIds.map((id) => store.getUser(id)));
    const user = (userId: string): User | undefined => users.find((found) => found?.id === userId);
    // A DM's mentions are its recipients; it has no roles (its id is not a guild's).
    return { channel, users, scope: { id: channelId, member: user, user, role: () => undefined } };
  }

  /** Discord's rule for who may be sent a DM: not a bot by a bot, and only someone it shares a guild with. */
  async #checkReachable({ users }: Conversation, authorId: string): Promise<void> {
    const author = users.find((user) => user?.id === authorId);
    const other = users.find((user) => user?.id !== authorId);
    if (!author || !other || (author.bot && other.bot) || !(await this.#shareAGuild(author.id, other.id))) {
      throw new Refusal("cannot-message-user", "Cannot send messages to this user");
    }
  }

  /** Who may add whom to a group DM: someone it shares a guild with (guildgate has no friends), else 50033. */
  async #checkMayAdd(actorId: string, userId: string): Promise<void> {
    if (!(await this.#shareAGuild(actorId, userId))) throw new Refusal("invalid-recipients", "Invalid Recipient(s)");
  }

  async #shareAGuild(a: string, b: string): Promise<boolean> {
    const { store } = this.#options;
    const [mine, theirs] = await Promise.all([store.guildsOfUser(a), store.guildsOfUser(b)]);
    const shared = new Set(mine);
    return theirs.some((guildId) => shared.has(guildId));
  }

  async #lastMessageId(channelId: string): Promise<string | null> {
    const [last] = await this.#options.store.listMessages(channelId, { limit: 1 });
    return last?.id ?? null;
  }

  async #message(channelId: string, messageId: string): Promise<StoredMessage> {
    const message = await this.#options.store.getMessage(channelId, messageId);
    if (!message) throw new Refusal("unknown-message", "Unknown Message");
    return message;
  }

  /** The message's reactions, `me` for `viewerId`. */
  async #reactions(channelId: string, messageId: string, viewerId: string): Promise<ReactionCount[]> {
    return (await this.#options.store.messageReactions(channelId, [messageId], viewerId)).get(messageId) ?? [];
  }

  /** Commits a DM channel's writes under its own id, fenced at this owner's generation. */
  #write(channelId: string, writes: readonly GuildWrite[]): Promise<void> {
    return this.#options.store.writeGuild(channelId, this.#options.generation(), writes);
  }

  /** An event to every session of every recipient, serialised once. */
  #tell({ channel }: Conversation, t: string, d: Json): void {
    this.#tellUsers(channel.recipientIds, t, d);
  }

  #tellUsers(userIds: readonly string[], t: string, d: Json): void {
    const dJson = JSON.stringify(d);
    for (const userId of userIds) this.#options.dispatchToUser(userId, t, dJson);
  }

  /** A group DM's channel object to each of `to`, as each sees it (its recipients are the others: one per user, ten at most). */
  #announce(channel: GroupDmChannel, users: readonly User[], t: string, to: readonly string[], lastMessageId: string | null = null): void {
    for (const userId of to) this.#options.dispatchToUser(userId, t, JSON.stringify(groupDmJson(channel, users, userId, lastMessageId)));
  }
}

/** The group DM of a conversation; a DM (type 1) refuses group operations (50003). */
function groupOf({ channel }: Conversation): GroupDmChannel {
  if (!isGroupDm(channel)) throw new Refusal("dm-channel", "Cannot execute action on a DM channel");
  return channel;
}

const known = (users: readonly (User | undefined)[]): User[] => users.filter((user): user is User => user !== undefined);

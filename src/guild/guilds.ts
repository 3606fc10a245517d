/**
 * The guilds this worker owns (DESIGN.md, "One event, end to end"): each is loaded from the
 * store on first use, under a native semaphore shared by every Worker, and then every change
 * to it and every event in it goes through here, in order. For each event the owner decides
 * the audience from its live topics, serialises `d` once and hands the topics to the
 * delivery side (the workers' transports), never a list of sessions.
 *
 * Each guild's operations run one at a time, in arrival order (guild-queue.ts): on a loaded,
 * idle guild an operation runs at once and answers its value, so events make no store call and
 * no promise. A change is written through: it is committed to the store (fenced by the ring
 * generation the guild was claimed at), and only then applied to memory and told to sessions;
 * the guild's later operations wait for the commit. A write that fails leaves memory and
 * sessions as they were (the caller gets the error); a write refused by the fence
 * (`GuildFencedError`: a later owner claimed the guild) also drops the guild from memory, and
 * the operations waiting on it fail with the same error.
 *
 * Changes to roles, channels and members also change what members can see: the owner
 * compares each class's visible channels before and after, sends CHANNEL_CREATE/DELETE for
 * what appeared or vanished, and moves members whose class changed to their new topic.
 */
import { GuildFencedError, type Guild, type GuildStore, type GuildWrite, type Member, type StoredChannel, type StoredRole, type User } from "../store/guild-store.ts";
import type { Semaphore } from "../native.ts";
import { contentReaders, knownRule, statedRule, variantOf, withoutContent, type StatedAudience } from "./audience.ts";
import { GuildCreateCache } from "./guild-create.ts";
import { channelJson, guildJson, memberJson, roleJson } from "./guild-json.ts";
import { GuildQueue, type MaybePromise } from "./guild-queue.ts";
import { GuildState } from "./guild-state.ts";
import { memberChunks } from "./member-chunks.ts";
import type { ListChanges } from "./member-lists.ts";
import type { GuildMembersRequest } from "../protocol/validate-members.ts";
import { OwnedGuild, type Audience } from "./owned-guild.ts";
import type { ClassMove } from "./permission-classes.ts";
import { announceViewChanges, type ChannelViews } from "./view-changes.ts";
import { OFFLINE, presenceJson, samePresence, type Presence } from "./presence.ts";
import {
  patchedChannel,
  patchedGuild,
  patchedMember,
  patchedRole,
  type ChannelPatch,
  type GuildPatch,
  type MemberPatch,
  type RolePatch,
} from "./patches.ts";
import { readGuild, type GuildRead } from "./guild-reads.ts";
import {
  checkBulkDelete,
  checkDelete,
  checkPin,
  checkSend,
  editedMessage,
  editWrites,
  newMessage,
  newReaction,
  pinChange,
  readSendLookups,
  repeatedSend,
  requirePermissions,
  sentWrites,
  viewerPermissions,
  type MessageEdit,
  type MessageRequest,
  type SendLookups,
} from "./message-rules.ts";
import { emojiJson, messageEventJson, messageJson, reactionAddedJson, reactionsRemovedJson, type MessageExtras } from "./message-json.ts";
import { channelPermissions, Permission } from "./permissions.ts";
import { VOICE_CHANNEL_TYPES, voiceStateJson, type VoiceRequest } from "./voice-states.ts";
import { emojiKey, type ReactionCount, type ReactionEmoji, type ReactionSelector, type StoredMessage, type StoredReaction } from "../store/message-records.ts";
import { snowflakeTime } from "../protocol/timestamp.ts";
import { badField, Refusal } from "./refusal.ts";
import { userObject } from "./user-json.ts";
import type { ThreadChannel } from "./guild-state.ts";
import { ThreadType } from "../store/thread-records.ts";
import { threadDeletedJson, threadMemberJson } from "./thread-json.ts";
import { ThreadEvents, threadObject } from "./thread-events.ts";
import { readThreads, type ThreadRead } from "./thread-reads.ts";
import {
  archivedIfIdle,
  checkDeleteThread,
  checkRemoveThreadMember,
  checkThreadEdit,
  newThread,
  newThreadMember,
  patchedThread,
  requireActive,
  threadAfterDelete,
  threadAfterSend,
  threadOf,
  type ThreadPatch,
  type ThreadRequest,
} from "./thread-rules.ts";

type Json = Record<string, unknown>;

/**
 * A worker that holds sessions: its peer id on the bus (`{node}/{worker}`, cluster/bus.ts).
 * The guild layer only compares and passes these.
 */
export type WorkerId = string;

/** Topics on one worker that get the same `d`. */
export interface PublishPart {
  readonly topics: readonly string[];
  readonly dJson: string;
  /**
   * For a message's copy without content: the users whose sessions among these topics get
   * `dJson` with the content instead, sent to each alone (Discord gives an app the content of
   * its own messages and of those that mention it, without MESSAGE_CONTENT).
   */
  readonly contentFor?: { readonly userIds: readonly string[]; readonly dJson: string };
}

/**
 * What the owner needs from the workers that hold sessions (cluster/delivery.ts carries it
 * to each worker, in-process or over the bus). Every call reaches each worker in the order
 * the owner made it.
 */
export interface GuildDelivery {
  /** One event for one worker (Manifold: one call per worker per event): the topics there and their `d`. */
  publish(worker: WorkerId, t: string, parts: readonly PublishPart[]): void;
  /**
   * An event for one member's sessions in this guild only (its own view changed, or it is in a
   * private thread); `strippedJson`, when given, is `d` for its sessions without MESSAGE_CONTENT.
   */
  sendToMember(guildId: string, userId: string, t: string, dJson: string, strippedJson?: string): void;
  /**
   * An event about the member itself (its own GUILD_MEMBER_UPDATE) for those of its sessions
   * whose topic does not carry it (no GUILD_MEMBERS, or passive): Discord always sends it.
   */
  sendToSelf(guildId: string, userId: string, t: string, dJson: string): void;
  /** A member's class changed: its sessions in the guild move to that class's topic (-1: to none, for now). */
  moveMember(guildId: string, userId: string, classId: number): void;
  /** The user became a member: its sessions on the guild's shard join it (GUILD_CREATE). */
  memberAdded(guildId: string, userId: string): void;
  /** The user is no longer a member, or the guild is gone: its sessions leave it (GUILD_DELETE). */
  memberRemoved(guildId: string, userId: string): void;
  /**
   * This owner took the guild over (the ring moved it here): the sessions `worker` holds in it
   * take their class's topic from this owner, `[userId, classId]` each, and let go of the
   * guild's member lists (the clients ask again).
   */
  rehome(worker: WorkerId, guildId: string, moves: readonly (readonly [userId: string, classId: number])[]): void;
  /**
   * The member can no longer view a member list: its sessions let go of the list's chunk
   * topics (the owner already counts them out). Sent before any later update of the list.
   */
  dropList(guildId: string, userId: string, listId: string): void;
}

export interface GuildsOptions {
  store: GuildStore;
  delivery: GuildDelivery;
  /** Bounds guild loads in flight across Workers; over it, a join is refused at once. */
  loadSemaphore: Semaphore;
  /** Above this many members, user (non-bot) sessions are passive until they subscribe. */
  passiveThreshold: number;
  /**
   * The ring generation this owner claims a guild at when it loads or creates it: the fencing
   * token of that guild's writes (cluster/ring.ts `guildRing().generation`).
   */
  generation: () => number;
  /** Whether this worker owns the guild now (the ring); operations on one it does not own fail with `GuildMovedError`. */
  owns: (guildId: string) => boolean;
  /**
   * This owner is taking a guild over at ring `generation` (the ring moved it here): every
   * other worker gives the guild up, once what it has started on it is done (`release`), so
   * none serves it any more; and says which of its sessions are in it, so they join again and
   * events from now on reach them. Empty for a guild nobody held.
   */
  takeOver: (guildId: string, generation: number) => Promise<readonly Holder[]>;
}

/** A guild this worker has loaded, or is loading, with its queue of operations. */
interface Slot {
  readonly id: string;
  /** Undefined while loading, or when there is no such guild (or no longer). */
  owned: OwnedGuild | undefined;
  /** Why it cannot be served (its load failed, or a later owner fenced it off): waiting operations fail with it. */
  failure: unknown;
  readonly queue: GuildQueue;
  /** The ring generation its claim is being renewed at, if it is (see `#renew`). */
  renewing?: number;
}

/** A session joining a guild: what to tell it and the topic to hold. */
export interface Joined {
  topic: string;
  variant: string;
  /** GUILD_CREATE's `d`, serialised. */
  guildCreate: string;
}

/** Who joins: a session's user and what it asked for. */
export interface Joiner {
  /** The worker holding the session. */
  worker: WorkerId;
  userId: string;
  intents: number;
  bot: boolean;
  presence: Presence;
  largeThreshold: number;
}

/** A session a worker holds in a guild: who, on which worker, in which variant, showing what, in which voice channel. */
export interface Holder {
  worker: WorkerId;
  userId: string;
  variant: string;
  presence: Presence;
  /** What its last op 4 in the guild asked for, if it is in voice there. */
  voice?: VoiceRequest;
}

/** The guild could not be loaded now (too many loads in flight); the caller may retry. */
export class GuildUnavailableError extends Error {
  override name = "GuildUnavailableError";

  constructor(
    readonly guildId: string,
    readonly max: number,
  ) {
    super(`guild ${guildId} is unavailable: ${max} guild loads are in flight`);
  }

  /** What crosses the bus, to rebuild this error on the caller's worker. */
  get busData(): Record<string, unknown> {
    return { guildId: this.guildId, max: this.max };
  }
}

/** The guild's owner is another worker now (the ring moved it); the caller asks the new owner. */
export class GuildMovedError extends Error {
  override name = "GuildMovedError";

  constructor(readonly guildId: string) {
    super(`guild ${guildId} is owned elsewhere now`);
  }
}

/** What an operation run in a guild's turn (`Guilds.inTurn`) may do. */
export interface GuildTurn {
  readonly owned: OwnedGuild;
  /** Writes `writes` fenced at the guild's generation; once committed, runs `apply` (memory and sessions). */
  commit<T>(writes: readonly GuildWrite[], apply: () => T): Promise<T>;
  /** An event about a channel's messages, to those who may view the channel, by the event's rule. */
  messageEvent(t: string, channelId: string, d: Json): void;
  /** An event for one member's sessions in the guild (those on its shard). */
  toMember(userId: string, t: string, d: Json): void;
}

/** Time spent handling one kind of owner operation (as Discord instrumented its guild loop). */
export interface Timing {
  count: number;
  sumMs: number;
  maxMs: number;
}

export interface GuildsStats {
  loaded: number;
  loadRefused: number;
  handling: ReadonlyMap<string, Timing>;
}

export class Guilds {
  readonly #options: GuildsOptions;
  /** Guilds loaded or loading. A slot whose guild is gone is removed once its queue is idle. */
  readonly #slots = new Map<string, Slot>();
  readonly #createCaches = new WeakMap<OwnedGuild, GuildCreateCache>();
  readonly #timings = new Map<string, Timing>();
  readonly #threadEvents: ThreadEvents;
  #loadRefused = 0;
  /** Guilds a later owner took over from here, and the generation it did at (see `release`). */
  readonly #released = new Map<string, number>();

  constructor(options: GuildsOptions) {
    this.#options = options;
    this.#threadEvents = new ThreadEvents(options.delivery, (audiences, t, d) => this.#timed(t, () => this.#deliver(audiences, t, d)));
  }

  /** The guilds loaded here. */
  loadedIds(): string[] {
    return [...this.#slots.values()].flatMap((slot) => (slot.owned ? [slot.id] : []));
  }

  /**
   * Loads the guild here if it is not yet: its owner's first operation since the ring moved it
   * here, which has the old owner let it go (a leaving node hands its guilds over this way
   * before its sessions move).
   */
  warm(guildId: string): MaybePromise<void> {
    return this.#on(guildId, true, () => undefined);
  }

  stats(): GuildsStats {
    let loaded = 0;
    for (const slot of this.#slots.values()) if (slot.owned) loaded++;
    return { loaded, loadRefused: this.#loadRefused, handling: this.#timings };
  }

  // Sessions.

  /** A session joins a guild it is a member of; undefined if it is not (or there is no guild). */
  join(guildId: string, joiner: Joiner): MaybePromise<Joined | undefined> {
    return this.#on(guildId, true, (guild) =>
      this.#timed("join", () => {
        if (!guild?.state.member(joiner.userId)) return undefined;
        const passive = !joiner.bot && guild.state.memberCount > this.#options.passiveThreshold;
        const variant = variantOf(joiner.intents, passive);
        const topic = guild.attach(joiner.userId, variant, joiner.worker);
        const guildCreate = this.#createCache(guild).build(joiner.userId, joiner.intents, joiner.largeThreshold);
        if (guild.sessionsOf(joiner.userId) === 1) this.#setPresence(guild, joiner.userId, joiner.presence);
        return { topic, variant, guildCreate };
      }),
    );
  }

  /** A fresh GUILD_CREATE for a member's session already in the guild (one it missed). */
  guildCreate(guildId: string, userId: string, intents: number, largeThreshold: number): MaybePromise<string | undefined> {
    return this.#on(guildId, false, (guild) => {
      if (!guild || guild.classes.classOf(userId) === undefined) return undefined;
      return this.#createCache(guild).build(userId, intents, largeThreshold);
    });
  }

  /** A session leaves (it ended, or the member left); its user leaves voice and goes offline with its last session. */
  leave(guildId: string, userId: string, variant: string, worker: WorkerId): MaybePromise<void> {
    return this.#on(guildId, false, (guild) => {
      if (!guild) return;
      this.#timed("leave", () => {
        guild.detach(userId, variant, worker);
        if (guild.sessionsOf(userId) === 0) this.#lastSessionLeft(guild, userId);
      });
    });
  }

  /** A passive session subscribed (op 14/37): the topic it holds from now on. */
  activate(guildId: string, userId: string, variant: string, intents: number, worker: WorkerId): MaybePromise<{ topic: string; variant: string } | undefined> {
    return this.#on(guildId, false, (guild) => {
      if (!guild || !variant.endsWith("p")) return undefined;
      const active = variantOf(intents, false);
      guild.detach(userId, variant, worker);
      return { topic: guild.attach(userId, active, worker), variant: active };
    });
  }

  /**
   * A resumed session moved from worker `from` to `to`: later events for it go to `to`.
   * `switched` is told, in the same step (before any later event of the guild), the topic it
   * holds (its class's), or undefined if there is no such guild or hold.
   */
  /**
   * Another worker takes the guild over at ring `generation` (this one's ring may not show it
   * yet): once the operations started here are done (their events sent), it is forgotten
   * here, and operations on it are refused (`GuildMovedError`: asked again of its owner) until
   * this worker's ring passes `generation`.
   */
  async release(guildId: string, generation: number): Promise<void> {
    this.#released.set(guildId, Math.max(generation, this.#released.get(guildId) ?? 0));
    const slot = this.#slots.get(guildId);
    if (!slot) return;
    await slot.queue.run(() => {
      slot.owned = undefined;
      slot.failure = new GuildMovedError(guildId);
      if (this.#slots.get(guildId) === slot) this.#slots.delete(guildId);
    });
  }

  moveSession(guildId: string, userId: string, variant: string, from: WorkerId, to: WorkerId, switched: (held: string | undefined) => void): MaybePromise<void> {
    // Loaded if it is not: an owner that had it before and holds it again must not keep the
    // session's old place (its load has the old owner let go, and gathers where sessions are).
    return this.#on(guildId, true, (guild) => switched(guild?.moveSession(userId, variant, from, to)));
  }

  /**
   * Op 14: a member's session asks for `chunks` of the member list of `channelId`. Returns
   * the list id (the session holds `ml:{guild}:{list}:{chunk}` topics) and the SYNC update,
   * or undefined if it cannot view the channel.
   */
  subscribeList(guildId: string, userId: string, channelId: string, chunks: number[], worker: WorkerId): MaybePromise<{ listId: string; dJson: string } | undefined> {
    return this.#on(guildId, false, (guild) => {
      if (!guild) return undefined;
      return this.#timed("LAZY_REQUEST", () => {
        const subscribed = guild.lists.subscribe(channelId, userId, chunks, worker);
        if (!subscribed) return undefined;
        this.#deliverLists(guild, { drops: [], updates: subscribed.flushed });
        return { listId: subscribed.listId, dJson: subscribed.dJson };
      });
    });
  }

  unsubscribeList(guildId: string, listId: string, userId: string, chunks: number[], worker: WorkerId): MaybePromise<void> {
    return this.#on(guildId, false, (guild) => void guild?.lists.unsubscribe(listId, userId, chunks, worker));
  }

  /**
   * A session holding a member-list chunk moved from worker `from` to `to`; false if the
   * member no longer holds it (let go of meanwhile: the session must drop the chunk's topic).
   */
  moveListHold(guildId: string, listId: string, userId: string, chunk: number, from: WorkerId, to: WorkerId, switched: (held: boolean) => void): MaybePromise<void> {
    return this.#on(guildId, false, (guild) => switched(guild?.lists.moveHolder(listId, userId, chunk, from, to) ?? false));
  }

  /** A session's presence changed (op 3). */
  setPresence(guildId: string, userId: string, presence: Presence): MaybePromise<void> {
    return this.#on(guildId, false, (guild) => {
      if (guild && guild.sessionsOf(userId) > 0) this.#timed("PRESENCE_UPDATE", () => this.#setPresence(guild, userId, presence));
    });
  }

  /**
   * A session's op 4: the member joins a voice or stage channel it may view and connect to
   * (VIEW_CHANNEL, CONNECT), changes its own mute or deafen, or leaves voice (`channelId`
   * null). VOICE_STATE_UPDATE goes to the sessions with GUILD_VOICE_STATES that can view the
   * channel (the one it left, when it leaves). A request for any other channel changes nothing,
   * as Discord ignores it.
   */
  setVoiceState(guildId: string, userId: string, request: VoiceRequest): MaybePromise<void> {
    return this.#on(guildId, false, (guild) => {
      const member = guild?.state.member(userId);
      if (!guild || !member || guild.sessionsOf(userId) === 0) return;
      if (request.channelId !== null && !mayJoinVoice(guild, member, request.channelId)) return;
      const before = guild.voiceStates.get(userId);
      if (!guild.voiceStates.apply(userId, request)) return;
      this.#publishVoiceState(guild, userId, request, request.channelId ?? before?.channelId);
    });
  }

  /** Op 8: the GUILD_MEMBERS_CHUNK `d`s for a member's session; undefined if it is not a member. */
  requestMembers(guildId: string, userId: string, request: GuildMembersRequest, intents: number): MaybePromise<string[] | undefined> {
    return this.#on(guildId, false, (guild) => {
      if (!guild?.state.member(userId)) return undefined;
      return this.#timed("REQUEST_GUILD_MEMBERS", () => memberChunks(guild.state, guild.presences, request, intents));
    });
  }

  // Events.

  /**
   * Publishes an event to the guild: to the classes that can view `channelId` when given, by
   * the event's rule (Discord's, or for an app's own event the audience its sender states).
   * Returns how many topics it went to; undefined if there is no such guild.
   */
  /**
   * An event pushed in through ingress; refused if the guild or the channel it names (one of the
   * guild's, or a thread: those who may see it) is unknown. Returns the topics it went to (and
   * the private thread's members told one by one). An app's own event is not sent into a
   * private thread: its members are reached one by one, by Discord's rule of the event.
   */
  dispatch(guildId: string, t: string, d: unknown, channelId?: string, stated?: StatedAudience): MaybePromise<number> {
    return this.#on(guildId, true, (guild) => {
      const owned = required(guild);
      const thread = channelId === undefined ? undefined : owned.state.thread(channelId);
      if (channelId !== undefined && !thread && !owned.state.channel(channelId)) throw new Refusal("unknown-channel", "Unknown Channel");
      const rule = stated ? statedRule(stated) : knownRule(t);
      if (!thread) return this.#timed(t, () => this.#deliver(owned.audience(rule, channelId), t, d));
      if (stated && thread.type === ThreadType.PRIVATE) throw badField("t", "is an app's own event: it cannot be sent into a private thread");
      return this.#threadEvents.event(owned, t, thread, d as Json, owned.threadAudience(rule, thread));
    });
  }

  // Messages, reactions and typing (message-rules.ts): each checks the member's permissions on
  // the guild as it is now, reads the messages it is about, writes, then dispatches, in one
  // step of the guild's queue.

  /** A member posts a message (`POST /channels/:id/messages`): the message object of the answer. */
  createMessage(guildId: string, channelId: string, authorId: string, request: MessageRequest, now: number): MaybePromise<Json> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      const permissions = checkSend(owned.state, channelId, authorId, { reply: request.reference !== undefined, tts: request.tts, files: request.attachments.length > 0 });
      const send = (lookups: SendLookups): Promise<Json> | Json => {
        const earlier = repeatedSend(lookups, request, now);
        if (earlier) return messageJson(earlier, { nonce: request.nonce });
        const repliedTo = lookups[1];
        const message = newMessage(owned.state, channelId, authorId, permissions, request, repliedTo);
        const extras: MessageExtras = { nonce: request.nonce, ...(repliedTo && { referenced: messageJson(repliedTo) }) };
        // In a thread: counted, unarchived, and the author joins it (thread-rules.ts).
        const thread = owned.state.thread(channelId);
        const sent = thread && threadAfterSend(thread, message.id, now);
        const joined = thread && !owned.state.threadMembers(channelId).has(authorId) ? { guildId, threadId: channelId, userId: authorId, joinedAt: now, flags: 0 } : undefined;
        const writes: GuildWrite[] = [...sentWrites(message, request.attachments), ...(sent ? [{ k: "channel" as const, channel: sent }] : []), ...(joined ? [{ k: "thread-member" as const, member: joined }] : [])];
        return this.#commit(slot, owned, writes, () => {
          if (thread && sent) this.#applyThread(owned, thread, sent);
          if (sent && joined) {
            owned.state.putThreadMember(joined);
            this.#threadEvents.memberAdded(owned, sent, joined);
          }
          this.#messageEvent(owned, "MESSAGE_CREATE", channelId, messageEventJson(owned.state, message, extras));
          return messageJson(message, extras);
        });
      };
      // A plain message reads nothing first: its only wait is its own write.
      return readSendLookups(this.#options.store, channelId, authorId, request)?.then(send) ?? send([undefined, undefined]);
    });
  }

  /** PATCH of a message: MESSAGE_UPDATE with `edited_timestamp`; the message object of the answer. */
  editMessage(guildId: string, channelId: string, messageId: string, editorId: string, edit: MessageEdit, now: number): MaybePromise<Json> {
    return this.#onMessage(guildId, channelId, messageId, editorId, (owned, slot, message, permissions) => {
      const thread = owned.state.thread(channelId);
      if (thread) checkThreadEdit(thread, permissions);
      const next = editedMessage(owned.state, message, editorId, permissions, edit, now);
      return this.#commit(slot, owned, editWrites(message, next, edit.uploads ?? []), () => {
        this.#messageEvent(owned, "MESSAGE_UPDATE", channelId, messageEventJson(owned.state, next));
        return messageJson(next);
      });
    });
  }

  /** DELETE of a message: its author, or a member with MANAGE_MESSAGES; MESSAGE_DELETE. */
  deleteMessage(guildId: string, channelId: string, messageId: string, actorId: string): MaybePromise<void> {
    return this.#onMessage(guildId, channelId, messageId, actorId, (owned, slot, message, permissions) => {
      checkDelete(message, actorId, permissions);
      const countDown = this.#countedDown(owned, channelId, 1);
      return this.#commit(slot, owned, [{ k: "delete-messages", channelId, messageIds: [messageId] }, ...countDown], () => {
        for (const { channel } of countDown) owned.state.putChannel(channel);
        this.#messageEvent(owned, "MESSAGE_DELETE", channelId, { id: messageId, channel_id: channelId, guild_id: guildId });
      });
    });
  }

  /** Bulk delete (MANAGE_MESSAGES): MESSAGE_DELETE_BULK with the ids that were there. */
  bulkDeleteMessages(guildId: string, channelId: string, messageIds: readonly string[], actorId: string, now: number): MaybePromise<void> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      requirePermissions(viewerPermissions(owned.state, channelId, actorId), Permission.MANAGE_MESSAGES);
      checkBulkDelete(messageIds, now, snowflakeTime);
      const { store } = this.#options;
      return Promise.all(messageIds.map((id) => store.getMessage(channelId, id))).then((found) => {
        const ids = found.flatMap((message) => (message ? [message.id] : []));
        if (ids.length === 0) return;
        const countDown = this.#countedDown(owned, channelId, ids.length);
        return this.#commit(slot, owned, [{ k: "delete-messages", channelId, messageIds: ids }, ...countDown], () => {
          for (const { channel } of countDown) owned.state.putChannel(channel);
          this.#messageEvent(owned, "MESSAGE_DELETE_BULK", channelId, { ids, channel_id: channelId, guild_id: guildId });
        });
      });
    });
  }

  /** Pins (`pinned`) or unpins a message (PIN_MESSAGES): CHANNEL_PINS_UPDATE when it changed. */
  pinMessage(guildId: string, channelId: string, messageId: string, actorId: string, pinned: boolean, now: number): MaybePromise<void> {
    return this.#onMessage(guildId, channelId, messageId, actorId, (owned, slot, message, permissions) => {
      checkPin(permissions);
      return pinChange(this.#options.store, message, pinned, now).then((change) => {
        if (!change) return;
        return this.#commit(slot, owned, [{ k: "message", message: change.message }], () =>
          this.#messageEvent(owned, "CHANNEL_PINS_UPDATE", channelId, { guild_id: guildId, channel_id: channelId, last_pin_timestamp: change.lastPinTimestamp }),
        );
      });
    });
  }

  /**
   * A member reacts (READ_MESSAGE_HISTORY; ADD_REACTIONS for an emoji nobody used on it yet):
   * MESSAGE_REACTION_ADD, unless it had reacted so already.
   */
  addReaction(guildId: string, channelId: string, messageId: string, userId: string, emoji: ReactionEmoji, burst: boolean): MaybePromise<void> {
    return this.#onMessage(guildId, channelId, messageId, userId, (owned, slot, message, permissions) => {
      const thread = owned.state.thread(channelId);
      if (thread) requireActive(thread);
      return this.#reactions(channelId, messageId, userId).then((counts) => {
        if (!newReaction(counts, emoji, burst, permissions)) return;
        const reaction: StoredReaction = { channelId, messageId, userId, emoji, burst };
        return this.#commit(slot, owned, [{ k: "reaction", reaction }], () => {
          const member = owned.state.member(userId);
          const user = owned.state.user(userId);
          this.#messageEvent(owned, "MESSAGE_REACTION_ADD", channelId, {
            ...reactionAddedJson(guildId, message, userId, emoji, burst),
            ...(member && user && { member: memberJson(member, user) }),
          });
        });
      });
    });
  }

  /**
   * Removes reactions from a message: the member's own with one emoji, or (MANAGE_MESSAGES)
   * another user's, every user's with one emoji, or all. MESSAGE_REACTION_REMOVE per reaction
   * removed, MESSAGE_REACTION_REMOVE_EMOJI, or MESSAGE_REACTION_REMOVE_ALL.
   */
  removeReactions(guildId: string, channelId: string, messageId: string, actorId: string, emoji?: ReactionEmoji, userId?: string): MaybePromise<void> {
    return this.#onMessage(guildId, channelId, messageId, actorId, (owned, slot, _message, permissions) => {
      if (userId !== actorId) requirePermissions(permissions, Permission.MANAGE_MESSAGES);
      const selector: ReactionSelector = { channelId, messageId, ...(emoji && { emojiKey: emojiKey(emoji) }), ...(userId !== undefined && { userId }) };
      return this.#reactions(channelId, messageId, userId ?? actorId).then((counts) => {
        const same = emoji && counts.find((count) => emojiKey(count.emoji) === emojiKey(emoji));
        if (counts.length === 0 || (emoji && !same) || (userId !== undefined && !same?.me && !same?.meBurst)) return;
        return this.#commit(slot, owned, [{ k: "delete-reactions", selector }], () => {
          if (!same) return this.#messageEvent(owned, "MESSAGE_REACTION_REMOVE_ALL", channelId, { channel_id: channelId, message_id: messageId, guild_id: guildId });
          if (userId === undefined) {
            return this.#messageEvent(owned, "MESSAGE_REACTION_REMOVE_EMOJI", channelId, { channel_id: channelId, message_id: messageId, guild_id: guildId, emoji: emojiJson(same.emoji) });
          }
          for (const d of reactionsRemovedJson(guildId, channelId, messageId, userId, same)) this.#messageEvent(owned, "MESSAGE_REACTION_REMOVE", channelId, d);
        });
      });
    });
  }

  /** A member starts typing (VIEW_CHANNEL and SEND_MESSAGES): TYPING_START; nothing is stored. */
  typing(guildId: string, channelId: string, userId: string, now: number): MaybePromise<void> {
    return this.#on(guildId, true, (guild) => {
      const owned = required(guild);
      checkSend(owned.state, channelId, userId);
      const member = owned.state.member(userId);
      const user = owned.state.user(userId);
      this.#messageEvent(owned, "TYPING_START", channelId, {
        channel_id: channelId,
        guild_id: guildId,
        user_id: userId,
        timestamp: Math.floor(now / 1000),
        ...(member && user && { member: memberJson(member, user) }),
      });
    });
  }

  /**
   * A member reads a channel (GET /channels/:id, its messages, pins, reactors): refused unless it
   * may view it; the channel object and the member's permissions in it (a bitfield), by which
   * the caller decides what it may read. The messages themselves are read from the store by the
   * caller, after this answers.
   */
  readChannel(guildId: string, channelId: string, userId: string): MaybePromise<{ channel: Json; permissions: string }> {
    return this.#on(guildId, true, (guild) => {
      const owned = required(guild);
      const permissions = viewerPermissions(owned.state, channelId, userId);
      const thread = owned.state.thread(channelId);
      if (!thread) return { channel: channelJson(owned.state.channelRecord(channelId) as StoredChannel), permissions: permissions.toString() };
      // Discord: a thread read by one of its members carries that member's thread member object.
      const mine = owned.state.threadMembers(channelId).get(userId);
      return { channel: { ...threadObject(owned, thread), ...(mine && { member: threadMemberJson(mine) }) }, permissions: permissions.toString() };
    });
  }

  /** A member reads the guild (GET /guilds/:id[/...]), see guild-reads.ts. */
  readGuild(guildId: string, userId: string, read: GuildRead): MaybePromise<unknown> {
    return this.#on(guildId, true, (guild) => readGuild(required(guild), userId, read));
  }

  /**
   * Runs an operation of another part of the owner (interactions.ts) on the guild in its turn,
   * with what it may do there: write through and dispatch as the guild's own operations do.
   */
  inTurn<T>(guildId: string, operation: (turn: GuildTurn) => MaybePromise<T>): MaybePromise<T> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      return operation({
        owned,
        commit: (writes, apply) => this.#commit(slot, owned, writes, apply),
        messageEvent: (t, channelId, d) => this.#messageEvent(owned, t, channelId, d),
        toMember: (userId, t, d) => this.#options.delivery.sendToMember(owned.id, userId, t, JSON.stringify(d)),
      });
    });
  }

  // Threads (thread-rules.ts): each checks the member's permissions on the guild as it is now,
  // writes, then dispatches, in one step of the guild's queue.

  /**
   * A member starts a thread in `parentId` (from one of its messages when `request.messageId` is
   * given: that message gets HAS_THREAD and MESSAGE_UPDATE with `thread`; in a forum or media
   * channel with its first message, MESSAGE_CREATE); the creator joins it. THREAD_CREATE
   * (`newly_created`) and THREAD_MEMBERS_UPDATE; the answer is the thread (with `message`, a post).
   */
  createThread(guildId: string, parentId: string, creatorId: string, request: ThreadRequest, now: number): MaybePromise<Json> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      const made = newThread(owned.state, parentId, creatorId, request, now);
      // A forum or media post opens with its message, in the thread, with the thread's id.
      const post = request.message;
      const first = post && newMessage(owned.state, made.thread.id, creatorId, viewerPermissions(owned.state, parentId, creatorId), post, undefined);
      const thread = first ? threadAfterSend(made.thread, first.id, now) : made.thread;
      const { member } = made;
      const start = (message: StoredMessage | undefined): Promise<Json> => {
        const flagged = message && { ...message, flags: message.flags | HAS_THREAD };
        const writes: GuildWrite[] = [
          { k: "channel", channel: thread },
          { k: "thread-member", member },
          ...(flagged ? [{ k: "message" as const, message: flagged }] : []),
          ...(first && post ? sentWrites(first, post.attachments) : []),
        ];
        return this.#commit(slot, owned, writes, () => {
          owned.state.putChannel(thread);
          owned.state.putThreadMember(member);
          this.#threadEvents.event(owned, "THREAD_CREATE", thread, { ...threadObject(owned, thread), newly_created: true });
          this.#threadEvents.membersUpdate(owned, thread, [member], []);
          if (flagged) this.#messageEvent(owned, "MESSAGE_UPDATE", parentId, { ...messageEventJson(owned.state, flagged), thread: threadObject(owned, thread) });
          if (first) this.#messageEvent(owned, "MESSAGE_CREATE", thread.id, messageEventJson(owned.state, first));
          return { ...threadObject(owned, thread), ...(first && { message: messageJson(first) }) };
        });
      };
      if (request.messageId === undefined) return start(undefined);
      // The guild stays busy while the message is read: nothing changes it meanwhile.
      return this.#options.store.getMessage(parentId, request.messageId).then((message) => {
        if (!message) throw new Refusal("unknown-message", "Unknown Message");
        return start(message);
      });
    });
  }

  /** PATCH of a thread: THREAD_UPDATE; the thread as it is now. */
  patchThread(guildId: string, threadId: string, actorId: string, patch: ThreadPatch, now: number): MaybePromise<Json> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      const current = threadOf(owned.state, threadId);
      const next = patchedThread(owned.state, current, actorId, patch, now);
      return this.#commit(slot, owned, [{ k: "channel", channel: next }], () => {
        this.#applyThread(owned, current, next);
        return threadObject(owned, next);
      });
    });
  }

  /** DELETE of a thread (MANAGE_THREADS), its messages and members with it: THREAD_DELETE to those who saw it; the thread as it was. */
  deleteThread(guildId: string, threadId: string, actorId: string): MaybePromise<Json> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      const thread = threadOf(owned.state, threadId);
      checkDeleteThread(owned.state, thread, actorId);
      const json = threadObject(owned, thread);
      // Who saw it, while its members are still there.
      const audience = owned.threadAudience(knownRule("THREAD_DELETE"), thread);
      return this.#commit(slot, owned, [{ k: "delete-channel", channelId: threadId }], () => {
        owned.state.deleteChannel(threadId);
        this.#threadEvents.event(owned, "THREAD_DELETE", thread, threadDeletedJson(thread), audience);
        return json;
      });
    });
  }

  /** Adds `userId` to the thread (the actor itself: joining): THREAD_MEMBERS_UPDATE, and THREAD_CREATE to the user added. */
  addThreadMember(guildId: string, threadId: string, actorId: string, userId: string, now: number): MaybePromise<void> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      const thread = threadOf(owned.state, threadId);
      const member = newThreadMember(owned.state, thread, actorId, userId, now);
      if (!member) return;
      return this.#commit(slot, owned, [{ k: "thread-member", member }], () => {
        owned.state.putThreadMember(member);
        this.#threadEvents.memberAdded(owned, thread, member);
      });
    });
  }

  /** Removes `userId` from the thread (the actor itself: leaving): THREAD_MEMBERS_UPDATE, to the user removed too. */
  removeThreadMember(guildId: string, threadId: string, actorId: string, userId: string): MaybePromise<void> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      const thread = threadOf(owned.state, threadId);
      if (!checkRemoveThreadMember(owned.state, thread, actorId, userId)) return;
      // Who sees it while the user is still in it (a private thread's member loses it).
      const audience = owned.threadAudience(knownRule("THREAD_MEMBERS_UPDATE"), thread);
      return this.#commit(slot, owned, [{ k: "delete-thread-member", threadId, userId }], () => {
        owned.state.deleteThreadMember(threadId, userId);
        this.#threadEvents.membersUpdate(owned, thread, [], [userId], audience);
      });
    });
  }

  /**
   * Archives the active threads of the guilds this worker has loaded that have been idle for
   * their `auto_archive_duration` (thread-rules.ts `archivedIfIdle`): THREAD_UPDATE. Each guild
   * in its turn; a guild that moved away meanwhile is its new owner's to sweep. Run every
   * `THREAD_ARCHIVE_SWEEP_MS` (server.ts).
   */
  async archiveIdleThreads(now: number): Promise<void> {
    const sweeps = [...this.#slots.values()].map(async ({ id }) => {
      try {
        await this.#on(id, false, (guild, slot) => {
          if (!guild) return;
          const idle: [before: ThreadChannel, after: ThreadChannel][] = [];
          for (const thread of guild.state.activeThreads()) {
            const archived = archivedIfIdle(thread, now);
            if (archived) idle.push([thread, archived]);
          }
          if (idle.length === 0) return;
          return this.#commit(slot, guild, idle.map(([, next]): GuildWrite => ({ k: "channel", channel: next })), () => {
            for (const [before, after] of idle) this.#applyThread(guild, before, after);
          });
        });
      } catch (error) {
        if (!(error instanceof GuildMovedError || error instanceof GuildFencedError)) console.error(`guildgate: could not archive the idle threads of guild ${id}:`, error);
      }
    });
    await Promise.all(sweeps);
  }

  /** A member reads threads (active, archived lists, thread members), see thread-reads.ts. */
  readThreads(guildId: string, userId: string, read: ThreadRead): MaybePromise<unknown> {
    return this.#on(guildId, true, (guild) => readThreads(required(guild).state, userId, read));
  }

  // Requests from ingress and REST: each applies its patch to the guild as it is now, here on
  // its owner, in the same step that writes it and tells the sessions (patches.ts).

  /** PATCH of a guild: the guild as it is now. */
  updateGuild(guildId: string, patch: GuildPatch): MaybePromise<Guild> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      const next = patchedGuild(owned.state, patch);
      return this.#commit(slot, owned, [{ k: "guild", guild: next }], () => (this.#applyGuild(owned, next), next));
    });
  }

  /** A new role; `roleId` is the new role's id (checked unique by the caller). */
  createRole(guildId: string, roleId: string, patch: RolePatch): MaybePromise<StoredRole> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      if (owned.state.role(roleId)) throw new Refusal("conflict", `Conflict: role ${roleId} exists`);
      const empty: StoredRole = { id: roleId, guildId, name: "", permissions: 0n, position: 1, hoist: false, color: 0, mentionable: false };
      const role = patchedRole(empty, patch);
      return this.#commit(slot, owned, [{ k: "role", role }], () => (this.#applyRole(owned, role), role));
    });
  }

  patchRole(guildId: string, roleId: string, patch: RolePatch): MaybePromise<StoredRole> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      const current = owned.state.role(roleId);
      if (!current) throw new Refusal("unknown-role", "Unknown Role");
      const role = patchedRole(current, patch);
      return this.#commit(slot, owned, [{ k: "role", role }], () => (this.#applyRole(owned, role), role));
    });
  }

  /** A new channel; `channelId` is the new channel's id (checked unique by the caller). */
  createChannel(guildId: string, channelId: string, patch: ChannelPatch): MaybePromise<StoredChannel> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      if (owned.state.channelRecord(channelId)) throw new Refusal("conflict", `Conflict: channel ${channelId} exists`);
      const empty: StoredChannel = { id: channelId, guildId, type: 0, name: "", position: 0, parentId: null, overwrites: [], topic: null };
      const channel = patchedChannel(owned.state, empty, patch);
      return this.#commit(slot, owned, [{ k: "channel", channel }], () => (this.#applyChannel(owned, channel), channel));
    });
  }

  patchChannel(guildId: string, channelId: string, patch: ChannelPatch): MaybePromise<StoredChannel> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      const current = owned.state.channelRecord(channelId);
      if (!current) throw new Refusal("unknown-channel", "Unknown Channel");
      const channel = patchedChannel(owned.state, current, patch);
      return this.#commit(slot, owned, [{ k: "channel", channel }], () => (this.#applyChannel(owned, channel), channel));
    });
  }

  /** PUT of a member: adds the user, or changes its roles or nick. */
  setMember(guildId: string, userId: string, patch: MemberPatch, now: number): MaybePromise<{ member: Member; user: User; created: boolean }> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      const put = (user: User | undefined): Promise<{ member: Member; user: User; created: boolean }> => {
        if (!user) throw new Refusal("unknown-user", "Unknown User");
        const created = owned.state.member(userId) === undefined;
        const member = patchedMember(owned.state, userId, patch, now);
        return this.#commit(slot, owned, [{ k: "member", member }], () => (this.#applyMember(owned, member, user), { member, user, created }));
      };
      const known = owned.state.user(userId);
      // The guild stays busy while its user is read: nothing changes it meanwhile.
      return known ? put(known) : this.#options.store.getUser(userId).then(put);
    });
  }

  // State changes, whole records (the property test drives these). Each commits the write,
  // then applies it to memory and tells the sessions.

  /** Creates a guild with its @everyone role; the owner becomes a member when `owner` is given. */
  createGuild(guild: Guild, everyone: StoredRole, owner: User | undefined, joinedAt: number): MaybePromise<void> {
    return this.#on(guild.id, true, (existing, slot) => {
      if (existing) throw new Refusal("conflict", `Conflict: guild ${guild.id} exists`);
      const member: Member | undefined = owner && { guildId: guild.id, userId: owner.id, roleIds: [], nick: null, joinedAt };
      const writes: GuildWrite[] = [{ k: "guild", guild }, { k: "role", role: everyone }];
      if (member) writes.push({ k: "member", member });
      const generation = this.#options.generation();
      return this.#written(slot, this.#options.store.writeGuild(guild.id, generation, writes), () => {
        const members = owner && member ? [{ member, user: owner }] : [];
        slot.owned = new OwnedGuild(GuildState.of(guild, generation, [everyone], [], members));
        if (owner) this.#options.delivery.memberAdded(guild.id, owner.id);
      });
    });
  }

  putGuild(guild: Guild): MaybePromise<void> {
    return this.#on(guild.id, true, (existing, slot) => {
      const owned = required(existing);
      return this.#commit(slot, owned, [{ k: "guild", guild }], () => this.#applyGuild(owned, guild));
    });
  }

  deleteGuild(guildId: string): MaybePromise<void> {
    return this.#on(guildId, true, (owned, slot) => {
      if (!owned) return;
      return this.#commit(slot, owned, [{ k: "delete-guild" }], () => {
        slot.owned = undefined;
        for (const userId of [...owned.connectedUserIds()]) this.#options.delivery.memberRemoved(guildId, userId);
      });
    });
  }

  putRole(role: StoredRole): MaybePromise<void> {
    return this.#on(role.guildId, true, (guild, slot) => {
      const owned = required(guild);
      return this.#commit(slot, owned, [{ k: "role", role }], () => this.#applyRole(owned, role));
    });
  }

  deleteRole(guildId: string, roleId: string): MaybePromise<void> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      if (!owned.state.role(roleId)) throw new Refusal("unknown-role", "Unknown Role");
      if (roleId === guildId) throw badField("role_id", "is @everyone, which cannot be deleted");
      const changed = owned.state.membersWithout(roleId);
      const writes: GuildWrite[] = [{ k: "delete-role", roleId }, ...changed.map((member): GuildWrite => ({ k: "member", member }))];
      return this.#commit(slot, owned, writes, () => this.#applyRoleDeleted(owned, roleId, changed));
    });
  }

  /** Creates or updates a channel: CHANNEL_CREATE/DELETE where visibility changed, CHANNEL_UPDATE elsewhere. */
  putChannel(channel: StoredChannel): MaybePromise<void> {
    return this.#on(channel.guildId, true, (guild, slot) => {
      const owned = required(guild);
      return this.#commit(slot, owned, [{ k: "channel", channel }], () => this.#applyChannel(owned, channel));
    });
  }

  deleteChannel(guildId: string, channelId: string): MaybePromise<void> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      if (!owned.state.channelRecord(channelId)) throw new Refusal("unknown-channel", "Unknown Channel");
      // Its threads go with it (clients drop a channel's threads with the channel).
      const threadIds = [...owned.state.threads()].filter((thread) => thread.parentId === channelId).map((thread) => thread.id);
      const writes = [...threadIds, channelId].map((id): GuildWrite => ({ k: "delete-channel", channelId: id }));
      return this.#commit(slot, owned, writes, () => {
        for (const id of threadIds) owned.state.deleteChannel(id);
        this.#applyChannelDeleted(owned, channelId);
      });
    });
  }

  /** Adds or updates a member (GUILD_MEMBER_ADD/UPDATE); a new member's sessions join the guild. */
  putMember(member: Member, user: User): MaybePromise<void> {
    return this.#on(member.guildId, true, (guild, slot) => {
      const owned = required(guild);
      return this.#commit(slot, owned, [{ k: "member", member }], () => this.#applyMember(owned, member, user));
    });
  }

  /** Removes a member (GUILD_MEMBER_REMOVE), from its threads too (THREAD_MEMBERS_UPDATE); its sessions leave the guild. Not the guild's owner. */
  deleteMember(guildId: string, userId: string): MaybePromise<void> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      const user = owned.state.user(userId);
      if (!owned.state.member(userId) || !user) throw new Refusal("unknown-member", "Unknown Member");
      if (userId === owned.state.record.ownerId) throw badField("user_id", "is the guild owner; transfer ownership first");
      // It leaves its threads with the guild (a private thread must not take it back if it joins again).
      const threads = [...owned.state.threads()].filter((thread) => owned.state.threadMembers(thread.id).has(userId));
      const writes: GuildWrite[] = [{ k: "delete-member", userId }, ...threads.map((thread): GuildWrite => ({ k: "delete-thread-member", threadId: thread.id, userId }))];
      return this.#commit(slot, owned, writes, () => {
        this.#applyMemberDeleted(owned, user);
        for (const thread of threads) {
          owned.state.deleteThreadMember(thread.id, userId);
          this.#threadEvents.membersUpdate(owned, thread, [], [userId]);
        }
      });
    });
  }

  // Applying committed changes to memory, and telling the sessions.

  #applyThread(owned: OwnedGuild, before: ThreadChannel, after: ThreadChannel): void {
    owned.state.putChannel(after);
    this.#threadEvents.changed(owned, before, after);
  }

  #applyGuild(owned: OwnedGuild, guild: Guild): void {
    this.#timed("GUILD_UPDATE", () =>
      this.#viewChanges(owned, () => {
        const ownerChanged = owned.state.record.ownerId !== guild.ownerId;
        owned.state.putGuild(guild);
        this.#publish(owned, "GUILD_UPDATE", guildJson(guild, owned.state.roles()));
        return ownerChanged ? owned.classes.invalidateRoles().moved : [];
      }),
    );
    this.#deliverLists(owned, owned.lists.guildChanged());
  }

  #applyRole(owned: OwnedGuild, role: StoredRole): void {
    const t = owned.state.role(role.id) ? "GUILD_ROLE_UPDATE" : "GUILD_ROLE_CREATE";
    this.#timed(t, () =>
      this.#viewChanges(owned, () => {
        owned.state.putRole(role);
        this.#publish(owned, t, { guild_id: role.guildId, role: roleJson(role) });
        return owned.classes.invalidateRoles().moved;
      }),
    );
    this.#deliverLists(owned, owned.lists.roleChanged(role.id));
  }

  #applyRoleDeleted(owned: OwnedGuild, roleId: string, changed: readonly Member[]): void {
    this.#timed("GUILD_ROLE_DELETE", () =>
      this.#viewChanges(owned, () => {
        owned.state.deleteRole(roleId, changed);
        this.#publish(owned, "GUILD_ROLE_DELETE", { guild_id: owned.id, role_id: roleId });
        const moves = [...owned.classes.invalidateRoles().moved];
        for (const member of changed) {
          this.#publishMemberUpdate(owned, member);
          if (owned.classes.classOf(member.userId) !== undefined) moves.push(...owned.classes.track(member).moved);
        }
        return moves;
      }),
    );
    this.#deliverLists(owned, owned.lists.roleChanged(roleId));
  }

  #applyChannel(owned: OwnedGuild, channel: StoredChannel): void {
    const existed = owned.state.channelRecord(channel.id) !== undefined;
    this.#timed(existed ? "CHANNEL_UPDATE" : "CHANNEL_CREATE", () => {
      const before = this.#viewChanges(owned, () => {
        owned.state.putChannel(channel);
        return owned.classes.invalidateChannel(channel.id).moved;
      });
      if (!existed) return;
      // Every class that sees it now gets the update, except those just told CHANNEL_CREATE.
      const kept = new Set(owned.classes.classIds());
      for (const [classId, view] of before) {
        if (owned.classes.serialOf(classId) === view.serial && !view.visible.has(channel.id)) kept.delete(classId);
      }
      this.#deliver(owned.audience(knownRule("CHANNEL_UPDATE"), channel.id, kept), "CHANNEL_UPDATE", channelJson(channel));
    });
    this.#deliverLists(owned, owned.lists.channelChanged(channel.id));
  }

  #applyChannelDeleted(owned: OwnedGuild, channelId: string): void {
    // Those in it leave voice first, told to those who could view it.
    for (const state of [...owned.voiceStates.values()]) if (state.channelId === channelId) this.#leaveVoice(owned, state.userId);
    this.#timed("CHANNEL_DELETE", () =>
      this.#viewChanges(owned, () => {
        owned.state.deleteChannel(channelId);
        return owned.classes.invalidateChannel(channelId).moved;
      }),
    );
    this.#deliverLists(owned, owned.lists.channelChanged(channelId));
  }

  #applyMember(owned: OwnedGuild, member: Member, user: User): void {
    const existed = owned.state.member(member.userId) !== undefined;
    if (!existed) {
      this.#timed("GUILD_MEMBER_ADD", () => {
        owned.state.putMember(member, user);
        this.#publish(owned, "GUILD_MEMBER_ADD", memberJson(member, user, member.guildId));
        this.#deliverLists(owned, owned.lists.memberChanged(member.userId));
      });
      this.#options.delivery.memberAdded(member.guildId, member.userId);
      return;
    }
    this.#timed("GUILD_MEMBER_UPDATE", () =>
      this.#viewChanges(owned, () => {
        owned.state.putMember(member, user);
        this.#publishMemberUpdate(owned, member);
        return owned.classes.classOf(member.userId) === undefined ? [] : owned.classes.track(member).moved;
      }),
    );
    this.#deliverLists(owned, owned.lists.memberChanged(member.userId));
  }

  #applyMemberDeleted(owned: OwnedGuild, user: User): void {
    this.#timed("GUILD_MEMBER_REMOVE", () => {
      this.#options.delivery.memberRemoved(owned.id, user.id);
      this.#leaveVoice(owned, user.id);
      owned.state.deleteMember(user.id);
      this.#publish(owned, "GUILD_MEMBER_REMOVE", { guild_id: owned.id, user: userObject(user) });
      this.#deliverLists(owned, owned.lists.memberChanged(user.id));
    });
  }

  // Internals.

  /**
   * Runs `operation` on the guild in its turn (guild-queue.ts), with the guild as it is then:
   * undefined if there is no such guild. `load`: load it from the store if it is not here yet
   * (a first caller starts the load; later ones wait for it, so a guild is loaded once);
   * without `load`, a guild that is not here is undefined at once.
   */
  #on<T>(guildId: string, load: boolean, operation: (guild: OwnedGuild | undefined, slot: Slot) => MaybePromise<T>): MaybePromise<T> {
    let slot = this.#slots.get(guildId);
    if (!this.#options.owns(guildId) || this.#releasedHere(guildId)) {
      // The ring moved it: forget it here (its sessions join its new owner, which takes them over).
      if (slot) this.#slots.delete(guildId);
      throw new GuildMovedError(guildId);
    }
    if (!slot) {
      if (!load) return operation(undefined, this.#detached(guildId));
      slot = this.#load(guildId);
    }
    const generation = this.#options.generation();
    if (slot.owned && slot.owned.state.generation < generation && slot.renewing !== generation) this.#renew(slot, slot.owned, generation);
    const entered = slot;
    return entered.queue.run(() => {
      if (entered.failure !== undefined) throw entered.failure;
      return operation(entered.owned, entered);
    });
  }

  /**
   * The ring moved (a node joined or left) since this owner claimed the guild, and gives it
   * here still (or again). Before any later operation, the claim is renewed at the new
   * generation if nobody claimed the guild in between; if somebody did, they may have changed
   * it and its sessions may have joined them: it is forgotten here, and the operations waiting
   * on it are asked again (owner-api.ts), which loads it afresh and takes its sessions over.
   */
  #renew(slot: Slot, owned: OwnedGuild, generation: number): void {
    slot.renewing = generation;
    void slot.queue.run(async () => {
      try {
        if (await this.#options.store.renewClaim(owned.id, owned.state.generation, generation)) return owned.state.renewed(generation);
      } catch (error) {
        // The store could not answer: the claim stays as it was, and the next operation tries again.
        slot.renewing = undefined;
        console.error(`guildgate: could not renew the claim on guild ${owned.id}:`, error);
        return;
      }
      slot.owned = undefined;
      slot.failure = new GuildMovedError(owned.id);
      if (this.#slots.get(owned.id) === slot) this.#slots.delete(owned.id);
    });
  }

  /** Whether a later owner took the guild over from here at a generation this worker's ring has not passed. */
  #releasedHere(guildId: string): boolean {
    const released = this.#released.get(guildId);
    if (released === undefined) return false;
    if (released >= this.#options.generation()) return true;
    this.#released.delete(guildId);
    return false;
  }

  /** A slot for an operation on a guild that is not here (it never writes through it). */
  #detached(guildId: string): Slot {
    return { id: guildId, owned: undefined, failure: undefined, queue: new GuildQueue() };
  }

  /** Starts loading the guild (claiming it at the current generation); its slot is busy until the load settles. */
  #load(guildId: string): Slot {
    const { loadSemaphore, store } = this.#options;
    if (!loadSemaphore.tryAcquire()) {
      this.#loadRefused++;
      throw new GuildUnavailableError(guildId, loadSemaphore.max);
    }
    const slot: Slot = {
      id: guildId,
      owned: undefined,
      failure: undefined,
      queue: new GuildQueue(() => {
        // Nothing here (no such guild, a failed load, deleted, fenced off) and nothing waiting: forget it.
        if (slot.owned === undefined && this.#slots.get(guildId) === slot) this.#slots.delete(guildId);
      }),
    };
    this.#slots.set(guildId, slot);
    const loading = GuildState.load(store, guildId, this.#options.generation())
      .then(async (state) => {
        if (!state) return;
        const owned = new OwnedGuild(state);
        slot.owned = owned;
        await this.#takeOver(owned);
      })
      .then(
        () => undefined,
        (error: unknown) => {
          slot.failure = error;
        },
      )
      .finally(() => loadSemaphore.release());
    void slot.queue.run(() => loading);
    return slot;
  }

  /**
   * A guild loaded here may have had another owner until the ring moved it (a node joined,
   * left or was lost): before any operation runs here, the old owner stops serving it (an
   * event it accepted went out before it answered; none after), and the sessions every worker
   * holds in it join again, so no event from now on misses them; each worker moves its
   * sessions to their class's topic here, and the voice states its sessions carry are taken
   * over. A guild nobody held costs one question to each worker.
   */
  async #takeOver(owned: OwnedGuild): Promise<void> {
    const moves = new Map<WorkerId, [string, number][]>();
    for (const holder of await this.#options.takeOver(owned.id, owned.state.generation)) {
      if (!owned.state.member(holder.userId)) continue;
      owned.attach(holder.userId, holder.variant, holder.worker);
      // Its sessions know it in voice already: the state is taken over as it was, if it still may be.
      if (holder.voice?.channelId && mayJoinVoice(owned, owned.state.member(holder.userId) as Member, holder.voice.channelId)) owned.voiceStates.apply(holder.userId, holder.voice);
      const classId = owned.classes.classOf(holder.userId) as number;
      moves.set(holder.worker, [...(moves.get(holder.worker) ?? []), [holder.userId, classId]]);
      if (owned.sessionsOf(holder.userId) === 1) this.#setPresence(owned, holder.userId, holder.presence);
    }
    for (const [worker, moved] of moves) this.#options.delivery.rehome(worker, owned.id, moved);
  }

  /** An operation on one message of the guild: the actor may view its channel; the message must be there (else 10008). */
  #onMessage<T>(
    guildId: string,
    channelId: string,
    messageId: string,
    actorId: string,
    operation: (owned: OwnedGuild, slot: Slot, message: StoredMessage, permissions: bigint) => MaybePromise<T>,
  ): MaybePromise<T> {
    return this.#on(guildId, true, (guild, slot) => {
      const owned = required(guild);
      const permissions = viewerPermissions(owned.state, channelId, actorId);
      return this.#options.store.getMessage(channelId, messageId).then((message) => {
        if (!message) throw new Refusal("unknown-message", "Unknown Message");
        return operation(owned, slot, message, permissions);
      });
    });
  }

  /** The reactions of one message, `me` for `viewerId`. */
  async #reactions(channelId: string, messageId: string, viewerId: string): Promise<ReactionCount[]> {
    return (await this.#options.store.messageReactions(channelId, [messageId], viewerId)).get(messageId) ?? [];
  }

  /** An event about a channel's messages, to those who can view the channel (or see the thread), by the event's rule. */
  #messageEvent(owned: OwnedGuild, t: string, channelId: string, d: Json): void {
    const thread = owned.state.thread(channelId);
    if (thread) return void this.#threadEvents.event(owned, t, thread, d);
    this.#timed(t, () => this.#deliver(owned.audience(knownRule(t), channelId), t, d));
  }

  /** The write that counts a thread's messages down by `deleted` (none for a channel that is not a thread). */
  #countedDown(owned: OwnedGuild, channelId: string, deleted: number): { k: "channel"; channel: StoredChannel }[] {
    const thread = owned.state.thread(channelId);
    return thread ? [{ k: "channel", channel: threadAfterDelete(thread, deleted) }] : [];
  }

  /** Writes `writes` fenced at the guild's generation; once committed, `apply` them (see `#written`). */
  #commit<T>(slot: Slot, owned: OwnedGuild, writes: readonly GuildWrite[], apply: () => T): Promise<T> {
    return this.#written(slot, this.#options.store.writeGuild(owned.id, owned.state.generation, writes), apply);
  }

  /**
   * Once `write` commits, runs `apply` (memory and sessions) as the guild's operation. If it
   * fails, nothing is applied; if the fence refused it, the guild is dropped: a later owner
   * has it, and the operations waiting here fail with the same error.
   */
  #written<T>(slot: Slot, write: Promise<void>, apply: () => T): Promise<T> {
    return write.then(
      () => slot.queue.within(apply),
      (error: unknown) => {
        if (error instanceof GuildFencedError) {
          slot.owned = undefined;
          slot.failure = error;
        }
        throw error;
      },
    );
  }

  #createCache(guild: OwnedGuild): GuildCreateCache {
    let cache = this.#createCaches.get(guild);
    if (!cache) {
      cache = new GuildCreateCache(guild);
      this.#createCaches.set(guild, cache);
    }
    return cache;
  }

  /** A guild-wide event guildgate makes from its state. */
  #publish(guild: OwnedGuild, t: string, d: unknown): number {
    return this.#deliver(guild.audience(knownRule(t)), t, d);
  }

  /** Serialises `d` once (and once without content if needed) and sends one message per worker. */
  #deliver(audiences: ReadonlyMap<WorkerId, Audience>, t: string, d: unknown): number {
    let full: string | undefined;
    let stripped: string | undefined;
    let readers: readonly string[] | undefined;
    let topics = 0;
    for (const [worker, audience] of audiences) {
      const parts: PublishPart[] = [];
      if (audience.full.length > 0) parts.push({ topics: audience.full, dJson: (full ??= JSON.stringify(d)) });
      if (audience.stripped.length > 0) {
        stripped ??= JSON.stringify(withoutContent(d as Record<string, unknown>));
        readers ??= contentReaders(d as Record<string, unknown>);
        const contentFor = readers.length > 0 ? { userIds: readers, dJson: (full ??= JSON.stringify(d)) } : undefined;
        parts.push({ topics: audience.stripped, dJson: stripped, ...(contentFor && { contentFor }) });
      }
      topics += audience.full.length + audience.stripped.length;
      if (parts.length > 0) this.#options.delivery.publish(worker, t, parts);
    }
    return topics;
  }

  /** Runs a change that may alter who sees which channel; see view-changes.ts. */
  #viewChanges(guild: OwnedGuild, change: () => readonly ClassMove[]): ChannelViews {
    return announceViewChanges(guild, change, {
      toClass: (classId, t, d) => void this.#deliver(guild.topicsOfClass(classId, knownRule(t)), t, d),
      toMember: (userId, t, d) => this.#options.delivery.sendToMember(guild.id, userId, t, JSON.stringify(d)),
      moveMember: (userId, classId) => this.#options.delivery.moveMember(guild.id, userId, classId),
    });
  }

  /** Member-list changes: the drops first, then one publish per (worker, chunk topic). */
  #deliverLists(guild: OwnedGuild, { drops, updates }: ListChanges): void {
    for (const { userId, listId } of drops) this.#options.delivery.dropList(guild.id, userId, listId);
    for (const { worker, topic, dJson } of updates) {
      this.#options.delivery.publish(worker, "GUILD_MEMBER_LIST_UPDATE", [{ topics: [topic], dJson }]);
    }
  }

  #publishMemberUpdate(guild: OwnedGuild, member: Member): void {
    const user = guild.state.user(member.userId);
    if (!user) return;
    const d = memberJson(member, user, guild.id);
    this.#publish(guild, "GUILD_MEMBER_UPDATE", d);
    this.#options.delivery.sendToSelf(guild.id, member.userId, "GUILD_MEMBER_UPDATE", JSON.stringify(d));
  }

  /** VOICE_STATE_UPDATE for a member's state, to those who can view `channelId` (the channel it is in, or left). */
  #publishVoiceState(guild: OwnedGuild, userId: string, state: VoiceRequest, channelId: string | undefined): void {
    const member = guild.state.member(userId);
    const user = guild.state.user(userId);
    if (!member || !user) return;
    const d = voiceStateJson(userId, state, { guildId: guild.id, member, user });
    this.#timed("VOICE_STATE_UPDATE", () => this.#deliver(guild.audience(knownRule("VOICE_STATE_UPDATE"), channelId), "VOICE_STATE_UPDATE", d));
  }

  /** The member's last session in the guild is gone: it leaves voice and goes offline. */
  #lastSessionLeft(guild: OwnedGuild, userId: string): void {
    this.#leaveVoice(guild, userId);
    this.#setPresence(guild, userId, OFFLINE);
  }

  /** The member leaves voice, if it is in a channel: those who can view that channel are told. */
  #leaveVoice(guild: OwnedGuild, userId: string): void {
    const voice = guild.voiceStates.remove(userId);
    if (voice) this.#publishVoiceState(guild, userId, { ...voice, channelId: null }, voice.channelId);
  }

  #setPresence(guild: OwnedGuild, userId: string, presence: Presence): void {
    if (samePresence(guild.presences.set(userId, presence), presence)) return;
    this.#publish(guild, "PRESENCE_UPDATE", presenceJson(userId, presence, guild.id));
    this.#deliverLists(guild, guild.lists.memberChanged(userId));
  }

  #timed<T>(name: string, fn: () => T): T {
    const start = performance.now();
    try {
      return fn();
    } finally {
      const ms = performance.now() - start;
      const timing = this.#timings.get(name);
      if (timing) {
        timing.count++;
        timing.sumMs += ms;
        if (ms > timing.maxMs) timing.maxMs = ms;
      } else {
        this.#timings.set(name, { count: 1, sumMs: ms, maxMs: ms });
      }
    }
  }
}

/** Whether the member may be in the voice channel: a voice or stage channel of the guild it may view and connect to. */
function mayJoinVoice(guild: OwnedGuild, member: Member, channelId: string): boolean {
  const channel = guild.state.channelRecord(channelId);
  const needed = Permission.VIEW_CHANNEL | Permission.CONNECT;
  return channel !== undefined && VOICE_CHANNEL_TYPES.has(channel.type) && (channelPermissions(guild.state.guild(), member, channel) & needed) === needed;
}

/** How often the owner archives idle threads, ms: Discord's durations are whole minutes. */
export const THREAD_ARCHIVE_SWEEP_MS = 60_000;

/** Discord's HAS_THREAD message flag: a thread was started from the message. */
const HAS_THREAD = 1 << 5;

/** The guild, or the refusal an operation on a guild that is not there gets. */
function required(guild: OwnedGuild | undefined): OwnedGuild {
  if (!guild) throw new Refusal("unknown-guild", "Unknown Guild");
  return guild;
}

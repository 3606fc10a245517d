/**
 * The `GuildStore` contract: the durable state a node keeps across restarts.
 * It holds users, guilds, roles, channels (with permission overwrites), members, and the
 * messages of the guilds' channels with their reactions and attachments (message-records.ts), DM
 * channels with theirs (dm-channels.ts), and the applications' commands (command-records.ts).
 * Implementations: `sqlite.ts` (default, embedded), `postgres.ts` (shared by
 * nodes, `--database`) and `memory.ts` (tests). All three pass the shared contract suite
 * in `guild-store.case.test.ts`.
 *
 * Calls answer promises, since PostgreSQL answers over the network. The hot paths make
 * none: a guild's owner holds the guild in memory and writes through (guild/guilds.ts).
 * Records go in and come out as fresh plain objects, so a caller never shares mutable
 * state with the store.
 */
import { isSnowflake } from "../protocol/fields.ts";
import { PRIVILEGED_INTENTS } from "../protocol/opcodes.ts";
import type { Overwrite } from "../guild/permissions.ts";
import {
  assertValidAttachment,
  assertValidMessage,
  assertValidReaction,
  type MessagePage,
  type StoredAttachment,
  type ReactionCount,
  type ReactionSelector,
  type StoredMessage,
  type StoredReaction,
} from "./message-records.ts";
import type { CommandStore } from "./command-records.ts";
import type { DmChannel } from "./dm-channels.ts";
import { assertValidGroupDm, type GroupDmChannel } from "./group-dm-channels.ts";
import { assertValidInteraction, type ShownModal, type StoredInteraction } from "./interaction-records.ts";
import type { PrivateChannelEntry } from "./private-channels.ts";
import { assertValidThread, assertValidThreadMember, copyThread, type StoredThread, type StoredThreadMember } from "./thread-records.ts";

/** A user or bot account that may connect to the gateway. */
export interface User {
  /** Snowflake, as a canonical decimal string. */
  readonly id: string;
  readonly username: string;
  /** Display name; null falls back to `username`. */
  readonly globalName: string | null;
  /** Avatar hash, or null for the default avatar. */
  readonly avatar: string | null;
  readonly bot: boolean;
  /**
   * Privileged intents this user may request in IDENTIFY: a subset of
   * GUILD_MEMBERS (1 << 1) | GUILD_PRESENCES (1 << 8) | MESSAGE_CONTENT (1 << 15).
   */
  readonly privilegedIntents: number;
  /** When the account was created, in milliseconds since the Unix epoch. */
  readonly createdAt: number;
  /**
   * Integer in 0..2^53-1 that every token of the user is signed over
   * (session/auth.ts): raising it makes every earlier token fail to verify.
   */
  readonly tokenGeneration: number;
}

/**
 * One change to a guild's records. `GuildStore.writeGuild` applies a batch of them, for one
 * guild, atomically and fenced. The records must belong to the batch's guild.
 */
export type GuildWrite =
  | { readonly k: "guild"; readonly guild: Guild }
  | { readonly k: "role"; readonly role: StoredRole }
  | { readonly k: "delete-role"; readonly roleId: string }
  | { readonly k: "channel"; readonly channel: StoredChannel }
  /** Removes the channel; a thread's members go with it. */
  | { readonly k: "delete-channel"; readonly channelId: string }
  | { readonly k: "member"; readonly member: Member }
  | { readonly k: "delete-member"; readonly userId: string }
  /** Inserts or replaces the thread member with its (thread, user). */
  | { readonly k: "thread-member"; readonly member: StoredThreadMember }
  /** Removes the user from the thread (skipped if not in it). */
  | { readonly k: "delete-thread-member"; readonly threadId: string; readonly userId: string }
  /** Inserts or replaces the message with its (channel, id). */
  | { readonly k: "message"; readonly message: StoredMessage }
  /** A message's file (write it with its message: the batch is one transaction). */
  | { readonly k: "attachment"; readonly attachment: StoredAttachment }
  /** The attachments with these ids in the channel (ids not there are skipped): files an edit dropped. */
  | { readonly k: "delete-attachments"; readonly channelId: string; readonly attachmentIds: readonly string[] }
  /** The messages with these ids in the channel (ids not there are skipped), with their reactions and attachments. */
  | { readonly k: "delete-messages"; readonly channelId: string; readonly messageIds: readonly string[] }
  /** Adds the reaction; one the user already has (same emoji and kind) stays as it was. */
  | { readonly k: "reaction"; readonly reaction: StoredReaction }
  /** Removes the reactions the selector names (both kinds). */
  | { readonly k: "delete-reactions"; readonly selector: ReactionSelector }
  /**
   * The guild and every role, channel, member, message, reaction, attachment and interaction with its id
   * (its fence stays). A "delete-channel" also removes the channel's messages, reactions and
   * attachments, and a thread's members.
   */
  | { readonly k: "delete-guild" }
  /** Inserts or replaces a group DM channel (group-dm-channels.ts), written under its own id. */
  | { readonly k: "group-dm"; readonly channel: GroupDmChannel }
  /** The group DM channel with its id (the last recipient left), with its messages, reactions, attachments and interactions. */
  | { readonly k: "delete-group-dm" }
  /**
   * Inserts or replaces the interaction with its id (interaction-records.ts), its unit the
   * batch's guild or DM channel; drops the unit's interactions expired at `now`.
   */
  | { readonly k: "interaction"; readonly interaction: StoredInteraction; readonly now: number };

/** A member of a guild with its user, as a guild's owner loads them. */
export interface MemberWithUser {
  readonly member: Member;
  readonly user: User;
}

/**
 * The guild's fence is above the writer's generation: an owner with a later ring generation
 * has claimed the guild since. Nothing of the refused write landed; the writer is no longer
 * the guild's owner and must drop it.
 */
export class GuildFencedError extends Error {
  override name = "GuildFencedError";

  constructor(
    readonly guildId: string,
    /** The generation the refused owner wrote with. */
    readonly generation: number,
    /** The guild's fence: the generation of the owner that claimed it last. */
    readonly fence: number,
  ) {
    super(`guild ${guildId} is fenced at generation ${fence}: an owner at generation ${generation} may not write it`);
  }
}

/**
 * Durable gateway state. Every method answers a promise (a PostgreSQL store answers over the
 * network), settles it in the order the calls were made for one guild's writes, and may be
 * called again after one rejected. Invalid arguments reject with `RangeError`.
 *
 * Guild records are written only by the guild's owner, through `writeGuild`, fenced by the
 * owner's ring generation (DESIGN.md, "Scale"): `claimGuild` at load raises the guild's fence
 * to the owner's generation, and a write from an owner whose generation is below the fence
 * is refused whole with `GuildFencedError`, so an owner that lost the guild can never
 * overwrite the new owner's writes.
 */
/** Includes the application commands (`CommandStore`, command-records.ts). */
export interface GuildStore extends CommandStore {
  /** The user with this id, or undefined. */
  getUser(id: string): Promise<User | undefined>;
  /**
   * Inserts or replaces the user with `user.id`. A replace never lowers the stored
   * `tokenGeneration` (it keeps the greater), so a write from a stale read cannot
   * bring revoked tokens back.
   */
  putUser(user: User): Promise<void>;
  /**
   * Raises the user's `tokenGeneration` by one, atomically, and answers the new one;
   * undefined if there is no such user. Rejects with `RangeError` at 2^53-1.
   */
  bumpTokenGeneration(id: string): Promise<number | undefined>;
  /** Removes the user (and with it its token generation); true if it existed. */
  deleteUser(id: string): Promise<boolean>;
  /**
   * Up to `limit` users with id greater than `after` (all when absent), in
   * ascending numeric id order, for keyset pagination. `limit` is an integer ≥ 0
   * and `after` a snowflake.
   */
  listUsers(limit: number, after?: string): Promise<User[]>;
  /** The users with these ids, in one query, in ascending numeric id order; ids of no user (or no snowflake) and repeats are left out. */
  getUsers(ids: readonly string[]): Promise<User[]>;

  /*
   * Guilds, roles, channels and members. Roles and channels are keyed by their own
   * (globally unique) id, members by (guildId, userId). No method checks that the
   * guild of a role, channel or member exists.
   */
  getGuild(id: string): Promise<Guild | undefined>;
  /** Like `listUsers`: up to `limit` guilds with id greater than `after`, in ascending numeric id order. */
  listGuilds(limit: number, after?: string): Promise<Guild[]>;
  getRole(id: string): Promise<StoredRole | undefined>;
  /** Every role of the guild, by ascending position, then numeric id. */
  listRoles(guildId: string): Promise<StoredRole[]>;
  getChannel(id: string): Promise<StoredChannel | undefined>;
  /** Every channel of the guild, threads included, by ascending position, then numeric id. */
  listChannels(guildId: string): Promise<StoredChannel[]>;
  /** Every thread member of the guild's threads (thread-records.ts), by thread id, then user id, numerically. */
  listThreadMembers(guildId: string): Promise<StoredThreadMember[]>;
  getMember(guildId: string, userId: string): Promise<Member | undefined>;
  /**
   * Up to `limit` members of the guild with user id greater than `after`, in
   * ascending numeric user id order; arguments as for `listUsers`.
   */
  listMembers(guildId: string, limit: number, after?: string): Promise<Member[]>;
  /**
   * Like `listMembers`, each with its user, in one query: members whose user is gone are
   * left out (they cannot connect or be shown). A guild's owner loads its members so.
   */
  listMembersWithUsers(guildId: string, limit: number, after?: string): Promise<MemberWithUser[]>;
  /** How many members the guild has. */
  countMembers(guildId: string): Promise<number>;
  /** Ids of the guilds the user is a member of, in ascending numeric order. */
  guildsOfUser(userId: string): Promise<string[]>;

  /*
   * Messages and reactions (message-records.ts), read by channel. Written only through
   * `writeGuild`, by the owner of the channel's guild.
   */
  getMessage(channelId: string, messageId: string): Promise<StoredMessage | undefined>;
  /** A page of the channel's history (`MessagePage`), newest first. */
  listMessages(channelId: string, page: MessagePage): Promise<StoredMessage[]>;
  /**
   * Up to `limit` pinned messages of the channel pinned before `pinnedBefore` (ms; all when
   * absent), the latest pinned first (then the higher id).
   */
  listPinnedMessages(channelId: string, limit: number, pinnedBefore?: number): Promise<StoredMessage[]>;
  /** How many messages of the channel are pinned. */
  countPinnedMessages(channelId: string): Promise<number>;
  /** The newest message of `authorId` in the channel sent with `nonce`, or undefined. */
  findMessageByNonce(channelId: string, authorId: string, nonce: string): Promise<StoredMessage | undefined>;
  /**
   * The reactions of each of `messageIds` in the channel that has any, per emoji in the order
   * each emoji was first used on it; `me`/`meBurst` say whether `viewerId` reacted so.
   */
  messageReactions(channelId: string, messageIds: readonly string[], viewerId: string): Promise<Map<string, ReactionCount[]>>;
  /**
   * Up to `limit` users who reacted to the message with the emoji (`emojiKey`) and kind
   * (`burst`), with user id greater than `after` (all when absent), in ascending numeric id
   * order; users that are gone are left out.
   */
  listReactors(channelId: string, messageId: string, emojiKey: string, burst: boolean, limit: number, after?: string): Promise<User[]>;
  /** The attachment with this id in the channel, bytes and all, or undefined. */
  getAttachment(channelId: string, attachmentId: string): Promise<StoredAttachment | undefined>;

  /**
   * The interaction with this id of the unit (guild or DM channel; interaction-records.ts),
   * unless its token has expired at `now`; else undefined. Written only through `writeGuild`.
   */
  getInteraction(unitId: string, id: string, now: number): Promise<StoredInteraction | undefined>;
  /**
   * The newest interaction of the unit, unexpired at `now`, by which the application showed the
   * user, in the channel, the modal `customId` (its `modal`); else undefined. A modal's
   * submission is checked against it (an index range of the unit's last 15 minutes).
   */
  findShownModal(unitId: string, shown: ShownModal, now: number): Promise<StoredInteraction | undefined>;

  /*
   * DM channels (dm-channels.ts). Their messages are written through `writeGuild` under the
   * DM channel's id (its own fence), by the DM channel's owner.
   */
  /**
   * The DM channel of the pair `channel.recipientIds`: the stored one if the pair has one,
   * else `channel`, stored now. Atomic: opens of one pair through any stores of one database
   * all answer the same channel. An invalid record rejects with `RangeError`.
   */
  openDmChannel(channel: DmChannel): Promise<DmChannel>;
  /** The DM channel with this id, or undefined. */
  getDmChannel(id: string): Promise<DmChannel | undefined>;
  /** The group DM channel with this id (written through `writeGuild` under its id), or undefined. */
  getGroupDm(id: string): Promise<GroupDmChannel | undefined>;
  /**
   * Up to `limit` (an integer ≥ 0) of the DM and group DM channels `userId` is a recipient of,
   * each with its newest message's id, the latest active first (`byLatestActivity`,
   * private-channels.ts). One query: an index lookup of the user's channels and one of each
   * channel's newest message, so its cost grows with the user's private channels, not the
   * store's. READY reads a user's so (session/ready-private-channels.ts).
   */
  listPrivateChannels(userId: string, limit: number): Promise<PrivateChannelEntry[]>;

  /**
   * An owner at ring `generation` (an integer ≥ 0) takes the guild: its fence becomes
   * max(fence, generation). Rejects with `GuildFencedError` if the fence is above
   * `generation` already (a later owner has it). A guild never claimed has fence 0.
   */
  claimGuild(guildId: string, generation: number): Promise<void>;
  /**
   * An owner that claimed the guild at `claimed` and owns it again (still) at the later ring
   * `generation` keeps it only if nobody claimed it in between: if the fence is still
   * `claimed`, it becomes `generation` and this resolves true; else false, and the owner must
   * load the guild afresh (another owner had it, and may have changed it).
   */
  renewClaim(guildId: string, claimed: number, generation: number): Promise<boolean>;
  /**
   * Applies `writes` to the guild's records in one transaction, in order, if the guild's
   * fence is not above `generation` (and raises the fence to it, as `claimGuild`); else
   * rejects with `GuildFencedError` and writes nothing. An invalid record, or one of
   * another guild, rejects with `RangeError` and writes nothing.
   */
  writeGuild(guildId: string, generation: number, writes: readonly GuildWrite[]): Promise<void>;
  /**
   * The highest fence of any guild (0 if none was claimed): a cluster's generations must start
   * above it, or every owner would be fenced off (cluster/membership.ts).
   */
  highestFence(): Promise<number>;

  /** Releases the store. No method may be called afterwards. */
  close(): Promise<void>;
}

/**
 * Throws `RangeError` unless `writes` are valid records of guild `guildId` and `generation`
 * is a valid fencing token: what every store checks before it writes anything.
 */
export function assertValidGuildWrite(guildId: string, generation: number, writes: readonly GuildWrite[]): void {
  assertSnowflake(guildId, "guild id");
  assertInteger(generation, `guild ${guildId}: generation`);
  const own = (other: string, what: string): void => {
    if (other !== guildId) throw new RangeError(`${what} belongs to guild ${other}, not ${guildId}`);
  };
  for (const write of writes) {
    switch (write.k) {
      case "guild":
        assertValidGuild(write.guild);
        own(write.guild.id, "guild");
        break;
      case "role":
        assertValidRole(write.role);
        own(write.role.guildId, `role ${write.role.id}`);
        break;
      case "channel":
        assertValidChannel(write.channel);
        own(write.channel.guildId, `channel ${write.channel.id}`);
        break;
      case "member":
        assertValidMember(write.member);
        own(write.member.guildId, `member ${write.member.userId}`);
        break;
      case "delete-role":
        assertSnowflake(write.roleId, "role id");
        break;
      case "delete-channel":
        assertSnowflake(write.channelId, "channel id");
        break;
      case "delete-member":
        assertSnowflake(write.userId, "user id");
        break;
      case "thread-member":
        assertValidThreadMember(write.member);
        own(write.member.guildId, `thread member ${write.member.userId} of ${write.member.threadId}`);
        break;
      case "delete-thread-member":
        assertSnowflake(write.threadId, "thread id");
        assertSnowflake(write.userId, "user id");
        break;
      case "message":
        assertValidMessage(write.message);
        own(write.message.guildId, `message ${write.message.id}`);
        break;
      case "delete-messages":
        assertSnowflake(write.channelId, "channel id");
        for (const id of write.messageIds) assertSnowflake(id, "message id");
        break;
      case "reaction":
        assertValidReaction(write.reaction);
        break;
      case "attachment":
        assertValidAttachment(write.attachment);
        break;
      case "delete-attachments":
        assertSnowflake(write.channelId, "channel id");
        for (const id of write.attachmentIds) assertSnowflake(id, "attachment id");
        break;
      case "delete-reactions": {
        const { channelId, messageId, emojiKey, userId } = write.selector;
        assertSnowflake(channelId, "channel id");
        assertSnowflake(messageId, "message id");
        if (emojiKey !== undefined && (typeof emojiKey !== "string" || emojiKey.length === 0)) throw new RangeError("emojiKey must be a non-empty string");
        if (userId !== undefined) {
          assertSnowflake(userId, "user id");
          if (emojiKey === undefined) throw new RangeError("a reaction selector with a userId needs an emojiKey");
        }
        break;
      }
      case "delete-guild":
      case "delete-group-dm":
        break;
      case "interaction":
        assertValidInteraction(write.interaction);
        own(write.interaction.unitId, `interaction ${write.interaction.id}`);
        assertInteger(write.now, `interaction ${write.interaction.id}: now`);
        break;
      case "group-dm":
        assertValidGroupDm(write.channel);
        own(write.channel.id, `group DM ${write.channel.id}`);
        break;
      default:
        throw new RangeError(`unknown guild write ${String((write as { k: unknown }).k)}`);
    }
  }
}

/** Throws `RangeError` unless `user` is a record every store can hold and order. */
export function assertValidUser(user: User): void {
  if (!isSnowflake(user.id)) throw new RangeError(`user id must be a snowflake, got "${user.id}"`);
  const intents = user.privilegedIntents;
  if (!Number.isInteger(intents) || intents < 0 || intents > PRIVILEGED_INTENTS || (intents & ~PRIVILEGED_INTENTS) !== 0) {
    throw new RangeError(`user ${user.id}: privilegedIntents must be a subset of ${PRIVILEGED_INTENTS}`);
  }
  if (!Number.isSafeInteger(user.createdAt)) {
    throw new RangeError(`user ${user.id}: createdAt must be an integer of milliseconds`);
  }
  assertInteger(user.tokenGeneration, `user ${user.id}: tokenGeneration`);
}

/** Throws `RangeError` unless `limit` and `after` are valid `list*` arguments. */
export function assertValidPage(limit: number, after: string | undefined): void {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError(`limit must be an integer >= 0, got ${limit}`);
  }
  if (after !== undefined && !isSnowflake(after)) {
    throw new RangeError(`after must be a snowflake, got "${after}"`);
  }
}

/** 2^64: permissions and overwrite bits are u64 bitfields. */
const U64_LIMIT = 1n << 64n;

/** A guild's own fields; its roles, channels and members are separate records. */
export interface Guild {
  /** Snowflake. */
  readonly id: string;
  readonly name: string;
  /** Snowflake of the owning user. */
  readonly ownerId: string;
  /** Icon hash, or null. */
  readonly icon: string | null;
  /** Milliseconds since the Unix epoch. */
  readonly createdAt: number;
}

/** A guild role. The @everyone role has `id === guildId`. */
export interface StoredRole {
  readonly id: string;
  readonly guildId: string;
  readonly name: string;
  /** u64 permission bitfield. */
  readonly permissions: bigint;
  /** Integer ≥ 0; higher is above. */
  readonly position: number;
  readonly hoist: boolean;
  /** RGB integer 0..0xFFFFFF (0 = no colour). */
  readonly color: number;
  readonly mentionable: boolean;
}

/** A guild channel with its permission overwrites. */
export interface StoredChannel {
  readonly id: string;
  readonly guildId: string;
  /** Discord channel type: 0 text, 2 voice, 4 category (any integer ≥ 0 is stored). */
  readonly type: number;
  readonly name: string;
  /** Integer ≥ 0. */
  readonly position: number;
  /** Category channel id, or null. */
  readonly parentId: string | null;
  /** At most one per id; kept in the given order (a thread has none: its parent's apply). */
  readonly overwrites: readonly Overwrite[];
  readonly topic: string | null;
  /** A thread's own fields (thread-records.ts); absent for every other channel. `parentId` is then the channel it is in. */
  readonly thread?: StoredThread;
}

/** A user's membership of a guild. */
export interface Member {
  readonly guildId: string;
  readonly userId: string;
  /** Role ids without duplicates, in the given order (@everyone is implied). */
  readonly roleIds: readonly string[];
  readonly nick: string | null;
  /** Milliseconds since the Unix epoch. */
  readonly joinedAt: number;
}


function assertSnowflake(value: unknown, what: string): void {
  if (typeof value !== "string" || !isSnowflake(value)) {
    throw new RangeError(`${what} must be a snowflake, got "${String(value)}"`);
  }
}

function assertInteger(value: unknown, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${what} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
}

function assertString(value: unknown, what: string, nullable: boolean): void {
  if (typeof value !== "string" && !(nullable && value === null)) {
    throw new RangeError(`${what} must be a string${nullable ? " or null" : ""}`);
  }
}

function assertBoolean(value: unknown, what: string): void {
  if (typeof value !== "boolean") throw new RangeError(`${what} must be a boolean`);
}

function assertBits(value: unknown, what: string): void {
  if (typeof value !== "bigint" || value < 0n || value >= U64_LIMIT) {
    throw new RangeError(`${what} must be a bigint in 0..2^64-1`);
  }
}

/** Throws `RangeError` unless `guild` is a record every store can hold. */
export function assertValidGuild(guild: Guild): void {
  assertSnowflake(guild.id, "guild id");
  const at = `guild ${guild.id}`;
  assertString(guild.name, `${at}: name`, false);
  assertSnowflake(guild.ownerId, `${at}: ownerId`);
  assertString(guild.icon, `${at}: icon`, true);
  assertInteger(guild.createdAt, `${at}: createdAt`, Number.MIN_SAFE_INTEGER);
}

/** Throws `RangeError` unless `role` is a record every store can hold. */
export function assertValidRole(role: StoredRole): void {
  assertSnowflake(role.id, "role id");
  const at = `role ${role.id}`;
  assertSnowflake(role.guildId, `${at}: guildId`);
  assertString(role.name, `${at}: name`, false);
  assertBits(role.permissions, `${at}: permissions`);
  assertInteger(role.position, `${at}: position`);
  assertBoolean(role.hoist, `${at}: hoist`);
  assertInteger(role.color, `${at}: color`, 0, 0xffffff);
  assertBoolean(role.mentionable, `${at}: mentionable`);
}

/** Throws `RangeError` unless `channel` is a record every store can hold. */
export function assertValidChannel(channel: StoredChannel): void {
  assertSnowflake(channel.id, "channel id");
  const at = `channel ${channel.id}`;
  assertSnowflake(channel.guildId, `${at}: guildId`);
  assertInteger(channel.type, `${at}: type`);
  assertString(channel.name, `${at}: name`, false);
  assertInteger(channel.position, `${at}: position`);
  if (channel.parentId !== null) assertSnowflake(channel.parentId, `${at}: parentId`);
  assertString(channel.topic, `${at}: topic`, true);
  if (!Array.isArray(channel.overwrites)) throw new RangeError(`${at}: overwrites must be an array`);
  const seen = new Set<string>();
  for (const overwrite of channel.overwrites) {
    assertSnowflake(overwrite.id, `${at}: overwrite id`);
    if (seen.has(overwrite.id)) throw new RangeError(`${at}: two overwrites for ${overwrite.id}`);
    seen.add(overwrite.id);
    if (overwrite.type !== 0 && overwrite.type !== 1) {
      throw new RangeError(`${at}: overwrite ${overwrite.id} type must be 0 (role) or 1 (member)`);
    }
    assertBits(overwrite.allow, `${at}: overwrite ${overwrite.id} allow`);
    assertBits(overwrite.deny, `${at}: overwrite ${overwrite.id} deny`);
  }
  if (channel.thread !== undefined) assertValidThread(channel.thread, at);
}

/** Throws `RangeError` unless `member` is a record every store can hold. */
export function assertValidMember(member: Member): void {
  assertSnowflake(member.guildId, "member guildId");
  assertSnowflake(member.userId, "member userId");
  const at = `member ${member.userId} of guild ${member.guildId}`;
  if (!Array.isArray(member.roleIds)) throw new RangeError(`${at}: roleIds must be an array`);
  for (const roleId of member.roleIds) assertSnowflake(roleId, `${at}: role id`);
  if (new Set(member.roleIds).size !== member.roleIds.length) throw new RangeError(`${at}: duplicate role ids`);
  assertString(member.nick, `${at}: nick`, true);
  assertInteger(member.joinedAt, `${at}: joinedAt`, Number.MIN_SAFE_INTEGER);
}

/** Fresh copies holding only the record's own fields. */
export function copyGuild({ id, name, ownerId, icon, createdAt }: Guild): Guild {
  return { id, name, ownerId, icon, createdAt };
}

export function copyRole({ id, guildId, name, permissions, position, hoist, color, mentionable }: StoredRole): StoredRole {
  return { id, guildId, name, permissions, position, hoist, color, mentionable };
}

export function copyChannel(channel: StoredChannel): StoredChannel {
  const { id, guildId, type, name, position, parentId, topic } = channel;
  const overwrites = channel.overwrites.map(({ id, type, allow, deny }) => ({ id, type, allow, deny }));
  return { id, guildId, type, name, position, parentId, overwrites, topic, ...(channel.thread && { thread: copyThread(channel.thread) }) };
}

export function copyMember({ guildId, userId, roleIds, nick, joinedAt }: Member): Member {
  return { guildId, userId, roleIds: [...roleIds], nick, joinedAt };
}

/** Only the `User` fields, so extra properties on an argument never leak back out. */
export function copyUser(user: User): User {
  const { id, username, globalName, avatar, bot, privilegedIntents, createdAt, tokenGeneration } = user;
  return { id, username, globalName, avatar, bot, privilegedIntents, createdAt, tokenGeneration };
}

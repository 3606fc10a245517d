/**
 * An in-memory `GuildStore` for tests: nothing survives `close()`. The `list*`
 * methods filter and sort on every call (O(n log n)), which is fine at test sizes
 * and keeps this store an obviously-correct model for the SQL ones. Methods are `async`
 * only to fit the interface: each does its work at once.
 */
import {
  assertValidCommand,
  assertValidCommandPermissions,
  assertValidScope,
  byId,
  byTarget,
  commandsLosingPermissions,
  copyCommand,
  type CommandChange,
  type StoredCommand,
  type StoredCommandPermissions,
} from "./command-records.ts";
import { compareSnowflakes } from "../protocol/fields.ts";
import { assertValidDmChannel, copyDmChannel, type DmChannel } from "./dm-channels.ts";
import { copyGroupDm, type GroupDmChannel } from "./group-dm-channels.ts";
import { copyInteraction, interactionExpired, showed, type ShownModal, type StoredInteraction } from "./interaction-records.ts";
import { byLatestActivity, isGroupDm, type PrivateChannel, type PrivateChannelEntry } from "./private-channels.ts";
import { copyThreadMember, type StoredThreadMember } from "./thread-records.ts";
import {
  assertValidGuildWrite,
  assertValidPage,
  assertValidUser,
  copyChannel,
  copyGuild,
  copyMember,
  copyRole,
  copyUser,
  GuildFencedError,
  type Guild,
  type GuildStore,
  type GuildWrite,
  type Member,
  type MemberWithUser,
  type StoredChannel,
  type StoredRole,
  type User,
} from "./guild-store.ts";
import {
  assertValidMessagePage,
  copyAttachment,
  copyMessage,
  copyReaction,
  emojiKey,
  selects,
  type MessagePage,
  type ReactionCount,
  type StoredAttachment,
  type StoredMessage,
  type StoredReaction,
} from "./message-records.ts";

/** By position, then numeric id: the order of `listRoles` and `listChannels`. */
function byPosition(a: { position: number; id: string }, b: { position: number; id: string }): number {
  return a.position - b.position || compareSnowflakes(a.id, b.id);
}

/** The keys greater than `after`, ascending, at most `limit`. */
function pageKeys(keys: Iterable<string>, limit: number, after: string | undefined): string[] {
  return [...keys]
    .filter((id) => after === undefined || compareSnowflakes(id, after) > 0)
    .sort(compareSnowflakes)
    .slice(0, limit);
}

/** A reaction as kept here, with its guild (for "delete-guild"). */
interface KeptReaction {
  readonly guildId: string;
  readonly reaction: StoredReaction;
}

/** `GuildStore` over Maps; records are copied in and out. */
export class MemoryGuildStore implements GuildStore {
  readonly #users = new Map<string, User>();
  readonly #guilds = new Map<string, Guild>();
  readonly #roles = new Map<string, StoredRole>();
  readonly #channels = new Map<string, StoredChannel>();
  /** guild id → user id → member. */
  readonly #members = new Map<string, Map<string, Member>>();
  /** guild id → its fence: the generation of the owner that claimed it last. */
  readonly #fences = new Map<string, number>();
  /** thread id → user id → thread member. */
  readonly #threadMembers = new Map<string, Map<string, StoredThreadMember>>();
  /** channel id → message id → message. */
  readonly #messages = new Map<string, Map<string, StoredMessage>>();
  /** Every reaction, in order of arrival (so an emoji's first use orders a message's reactions). */
  #reactions: KeptReaction[] = [];
  /** channel id → attachment id → attachment, with its guild (for "delete-guild"). */
  readonly #attachments = new Map<string, Map<string, { guildId: string; attachment: StoredAttachment }>>();
  /** `application id/guild id` (`""` for global) → command id → command. */
  readonly #commands = new Map<string, Map<string, StoredCommand>>();
  /** `application id/guild id` → target id (a command's, or the application's) → its permissions there. */
  readonly #commandPermissions = new Map<string, Map<string, StoredCommandPermissions>>();
  /** DM channels by id, and their ids by pair (`low:high`). */
  readonly #dmChannels = new Map<string, DmChannel>();
  readonly #groupDms = new Map<string, GroupDmChannel>();
  /** Interactions by unit (guild or DM channel), then id. */
  readonly #interactions = new Map<string, Map<string, StoredInteraction>>();
  readonly #dmChannelOfPair = new Map<string, string>();

  async getUser(id: string): Promise<User | undefined> {
    const user = this.#users.get(id);
    return user && copyUser(user);
  }

  async putUser(user: User): Promise<void> {
    assertValidUser(user);
    const stored = this.#users.get(user.id)?.tokenGeneration ?? 0;
    this.#users.set(user.id, { ...copyUser(user), tokenGeneration: Math.max(stored, user.tokenGeneration) });
  }

  async bumpTokenGeneration(id: string): Promise<number | undefined> {
    const user = this.#users.get(id);
    if (!user) return undefined;
    if (user.tokenGeneration >= Number.MAX_SAFE_INTEGER) throw new RangeError(`user ${id}: tokenGeneration is at its maximum`);
    const tokenGeneration = user.tokenGeneration + 1;
    this.#users.set(id, { ...user, tokenGeneration });
    return tokenGeneration;
  }

  async deleteUser(id: string): Promise<boolean> {
    return this.#users.delete(id);
  }

  async listUsers(limit: number, after?: string): Promise<User[]> {
    assertValidPage(limit, after);
    return pageKeys(this.#users.keys(), limit, after).map((id) => copyUser(this.#users.get(id) as User));
  }

  async getUsers(ids: readonly string[]): Promise<User[]> {
    return [...new Set(ids)]
      .sort(compareSnowflakes)
      .flatMap((id) => {
        const user = this.#users.get(id);
        return user ? [copyUser(user)] : [];
      });
  }

  async getGuild(id: string): Promise<Guild | undefined> {
    const guild = this.#guilds.get(id);
    return guild && copyGuild(guild);
  }



  async listGuilds(limit: number, after?: string): Promise<Guild[]> {
    assertValidPage(limit, after);
    return pageKeys(this.#guilds.keys(), limit, after).map((id) => copyGuild(this.#guilds.get(id) as Guild));
  }

  async getRole(id: string): Promise<StoredRole | undefined> {
    const role = this.#roles.get(id);
    return role && copyRole(role);
  }



  async listRoles(guildId: string): Promise<StoredRole[]> {
    return [...this.#roles.values()].filter((role) => role.guildId === guildId).sort(byPosition).map(copyRole);
  }

  async getChannel(id: string): Promise<StoredChannel | undefined> {
    const channel = this.#channels.get(id);
    return channel && copyChannel(channel);
  }



  async listThreadMembers(guildId: string): Promise<StoredThreadMember[]> {
    const members = [...this.#threadMembers.values()].flatMap((byUser) => [...byUser.values()]).filter((member) => member.guildId === guildId);
    return members.sort((a, b) => compareSnowflakes(a.threadId, b.threadId) || compareSnowflakes(a.userId, b.userId)).map(copyThreadMember);
  }

  async listChannels(guildId: string): Promise<StoredChannel[]> {
    return [...this.#channels.values()]
      .filter((channel) => channel.guildId === guildId)
      .sort(byPosition)
      .map(copyChannel);
  }

  async getMember(guildId: string, userId: string): Promise<Member | undefined> {
    const member = this.#members.get(guildId)?.get(userId);
    return member && copyMember(member);
  }



  async listMembers(guildId: string, limit: number, after?: string): Promise<Member[]> {
    assertValidPage(limit, after);
    const members = this.#members.get(guildId);
    if (!members) return [];
    return pageKeys(members.keys(), limit, after).map((userId) => copyMember(members.get(userId) as Member));
  }

  async countMembers(guildId: string): Promise<number> {
    return this.#members.get(guildId)?.size ?? 0;
  }

  async guildsOfUser(userId: string): Promise<string[]> {
    const guildIds: string[] = [];
    for (const [guildId, members] of this.#members) if (members.has(userId)) guildIds.push(guildId);
    return guildIds.sort(compareSnowflakes);
  }

  async listMembersWithUsers(guildId: string, limit: number, after?: string): Promise<MemberWithUser[]> {
    assertValidPage(limit, after);
    const members = this.#members.get(guildId);
    if (!members) return [];
    const keys = [...members.keys()].filter((userId) => this.#users.has(userId));
    return pageKeys(keys, limit, after).map((userId) => ({
      member: copyMember(members.get(userId) as Member),
      user: copyUser(this.#users.get(userId) as User),
    }));
  }

  async getInteraction(unitId: string, id: string, now: number): Promise<StoredInteraction | undefined> {
    const interaction = this.#interactions.get(unitId)?.get(id);
    return interaction && !interactionExpired(interaction.createdAt, now) ? copyInteraction(interaction) : undefined;
  }

  async findShownModal(unitId: string, shown: ShownModal, now: number): Promise<StoredInteraction | undefined> {
    const found = [...(this.#interactions.get(unitId)?.values() ?? [])].filter((kept) => showed(kept, shown) && !interactionExpired(kept.createdAt, now));
    const newest = found.sort((a, b) => b.createdAt - a.createdAt)[0];
    return newest && copyInteraction(newest);
  }

  async getMessage(channelId: string, messageId: string): Promise<StoredMessage | undefined> {
    const message = this.#messages.get(channelId)?.get(messageId);
    return message && copyMessage(message);
  }

  async listMessages(channelId: string, page: MessagePage): Promise<StoredMessage[]> {
    assertValidMessagePage(page);
    const messages = this.#messages.get(channelId);
    const ids = [...(messages?.keys() ?? [])].sort(compareSnowflakes);
    const olderThan = (anchor: string) => ids.filter((id) => compareSnowflakes(id, anchor) < 0);
    const newest = (list: string[], n: number) => (n === 0 ? [] : list.slice(-n));
    const { limit, before, after, around } = page;
    let picked: string[];
    if (before !== undefined) picked = newest(olderThan(before), limit);
    else if (after !== undefined) picked = ids.filter((id) => compareSnowflakes(id, after) > 0).slice(0, limit);
    else if (around !== undefined) {
      const below = Math.floor(limit / 2);
      picked = [...newest(olderThan(around), below), ...ids.filter((id) => compareSnowflakes(id, around) >= 0).slice(0, limit - below)];
    } else picked = newest(ids, limit);
    return picked.reverse().map((id) => copyMessage(messages?.get(id) as StoredMessage));
  }

  async listPinnedMessages(channelId: string, limit: number, pinnedBefore?: number): Promise<StoredMessage[]> {
    assertValidPage(limit, undefined);
    return [...(this.#messages.get(channelId)?.values() ?? [])]
      .filter((m) => m.pinnedAt !== null && (pinnedBefore === undefined || m.pinnedAt < pinnedBefore))
      .sort((a, b) => (b.pinnedAt as number) - (a.pinnedAt as number) || compareSnowflakes(b.id, a.id))
      .slice(0, limit)
      .map(copyMessage);
  }

  async countPinnedMessages(channelId: string): Promise<number> {
    let count = 0;
    for (const message of this.#messages.get(channelId)?.values() ?? []) if (message.pinnedAt !== null) count++;
    return count;
  }

  async findMessageByNonce(channelId: string, authorId: string, nonce: string): Promise<StoredMessage | undefined> {
    const found = [...(this.#messages.get(channelId)?.values() ?? [])]
      .filter((m) => m.authorId === authorId && m.nonce === nonce)
      .sort((a, b) => compareSnowflakes(b.id, a.id))[0];
    return found && copyMessage(found);
  }

  async messageReactions(channelId: string, messageIds: readonly string[], viewerId: string): Promise<Map<string, ReactionCount[]>> {
    const wanted = new Set(messageIds);
    const counts = new Map<string, Map<string, { emoji: StoredReaction["emoji"]; normal: number; burst: number; me: boolean; meBurst: boolean }>>();
    for (const { reaction } of this.#reactions) {
      if (reaction.channelId !== channelId || !wanted.has(reaction.messageId)) continue;
      let perEmoji = counts.get(reaction.messageId);
      if (!perEmoji) counts.set(reaction.messageId, (perEmoji = new Map()));
      const key = emojiKey(reaction.emoji);
      let count = perEmoji.get(key);
      if (!count) perEmoji.set(key, (count = { emoji: copyReaction(reaction).emoji, normal: 0, burst: 0, me: false, meBurst: false }));
      const mine = reaction.userId === viewerId;
      if (reaction.burst) {
        count.burst++;
        count.meBurst ||= mine;
      } else {
        count.normal++;
        count.me ||= mine;
      }
    }
    return new Map([...counts].map(([messageId, perEmoji]) => [messageId, [...perEmoji.values()]]));
  }

  async openDmChannel(channel: DmChannel): Promise<DmChannel> {
    assertValidDmChannel(channel);
    const pair = channel.recipientIds.join(":");
    const existing = this.#dmChannelOfPair.get(pair);
    if (existing !== undefined) return copyDmChannel(this.#dmChannels.get(existing) as DmChannel);
    this.#dmChannels.set(channel.id, copyDmChannel(channel));
    this.#dmChannelOfPair.set(pair, channel.id);
    return copyDmChannel(channel);
  }

  async getDmChannel(id: string): Promise<DmChannel | undefined> {
    const channel = this.#dmChannels.get(id);
    return channel && copyDmChannel(channel);
  }

  async getGroupDm(id: string): Promise<GroupDmChannel | undefined> {
    const channel = this.#groupDms.get(id);
    return channel && copyGroupDm(channel);
  }

  async listPrivateChannels(userId: string, limit: number): Promise<PrivateChannelEntry[]> {
    assertValidPage(limit, undefined);
    const channels: PrivateChannel[] = [...this.#dmChannels.values(), ...this.#groupDms.values()].filter((channel) => channel.recipientIds.includes(userId));
    return channels
      .map((channel): PrivateChannelEntry => {
        const ids = [...(this.#messages.get(channel.id)?.keys() ?? [])];
        const lastMessageId = ids.length === 0 ? null : ids.reduce((a, b) => (compareSnowflakes(a, b) >= 0 ? a : b));
        return { channel: isGroupDm(channel) ? copyGroupDm(channel) : copyDmChannel(channel), lastMessageId };
      })
      .sort(byLatestActivity)
      .slice(0, limit);
  }

  async getAttachment(channelId: string, attachmentId: string): Promise<StoredAttachment | undefined> {
    const kept = this.#attachments.get(channelId)?.get(attachmentId);
    return kept && copyAttachment(kept.attachment);
  }

  async listCommands(applicationId: string, guildId: string | null): Promise<StoredCommand[]> {
    assertValidScope(applicationId, guildId);
    return this.#listCommands(applicationId, guildId);
  }

  #listCommands(applicationId: string, guildId: string | null): StoredCommand[] {
    return byId([...(this.#commands.get(`${applicationId}/${guildId ?? ""}`)?.values() ?? [])].map(copyCommand));
  }

  async changeCommands<T>(applicationId: string, guildId: string | null, change: (commands: StoredCommand[]) => CommandChange<T>): Promise<T> {
    assertValidScope(applicationId, guildId);
    // Synchronous from read to write, so changes of a scope never interleave.
    const before = this.#listCommands(applicationId, guildId);
    const planned = change(this.#listCommands(applicationId, guildId));
    for (const command of planned.put) assertValidCommand(command, applicationId, guildId);
    const key = `${applicationId}/${guildId ?? ""}`;
    const scope = this.#commands.get(key) ?? new Map<string, StoredCommand>();
    this.#commands.set(key, scope);
    for (const id of planned.deleted) scope.delete(id);
    for (const command of planned.put) scope.set(command.id, copyCommand(command));
    const ended = commandsLosingPermissions(before, planned);
    for (const [permissionsKey, targets] of this.#commandPermissions) {
      if (permissionsKey.startsWith(`${applicationId}/`)) for (const id of ended) targets.delete(id);
    }
    return planned.result;
  }

  async listCommandPermissions(applicationId: string, guildId: string): Promise<StoredCommandPermissions[]> {
    assertValidScope(applicationId, guildId);
    return byTarget([...(this.#commandPermissions.get(`${applicationId}/${guildId}`)?.values() ?? [])].map((record) => structuredClone(record)));
  }

  async putCommandPermissions(record: StoredCommandPermissions): Promise<void> {
    assertValidCommandPermissions(record);
    const key = `${record.applicationId}/${record.guildId}`;
    const targets = this.#commandPermissions.get(key) ?? new Map<string, StoredCommandPermissions>();
    this.#commandPermissions.set(key, targets);
    if (record.permissions.length === 0) targets.delete(record.targetId);
    else targets.set(record.targetId, structuredClone(record));
  }

  async listReactors(channelId: string, messageId: string, key: string, burst: boolean, limit: number, after?: string): Promise<User[]> {
    assertValidPage(limit, after);
    const userIds = this.#reactions
      .map(({ reaction }) => reaction)
      .filter((r) => r.channelId === channelId && r.messageId === messageId && emojiKey(r.emoji) === key && r.burst === burst && this.#users.has(r.userId))
      .map((r) => r.userId);
    return pageKeys(userIds, limit, after).map((id) => copyUser(this.#users.get(id) as User));
  }

  async claimGuild(guildId: string, generation: number): Promise<void> {
    assertValidGuildWrite(guildId, generation, []);
    this.#fence(guildId, generation);
  }

  async renewClaim(guildId: string, claimed: number, generation: number): Promise<boolean> {
    assertValidGuildWrite(guildId, generation, []);
    if ((this.#fences.get(guildId) ?? 0) !== claimed) return false;
    this.#fences.set(guildId, generation);
    return true;
  }

  async writeGuild(guildId: string, generation: number, writes: readonly GuildWrite[]): Promise<void> {
    assertValidGuildWrite(guildId, generation, writes);
    this.#fence(guildId, generation);
    for (const write of writes) this.#apply(guildId, write);
  }

  async highestFence(): Promise<number> {
    return Math.max(0, ...this.#fences.values());
  }

  /** Raises the guild's fence to `generation`, or throws if it is above. */
  #fence(guildId: string, generation: number): void {
    const fence = this.#fences.get(guildId) ?? 0;
    if (fence > generation) throw new GuildFencedError(guildId, generation, fence);
    this.#fences.set(guildId, generation);
  }

  #apply(guildId: string, write: GuildWrite): void {
    switch (write.k) {
      case "guild":
        this.#guilds.set(guildId, copyGuild(write.guild));
        return;
      case "role":
        this.#roles.set(write.role.id, copyRole(write.role));
        return;
      case "delete-role":
        this.#roles.delete(write.roleId);
        return;
      case "channel":
        this.#channels.set(write.channel.id, copyChannel(write.channel));
        return;
      case "member": {
        let members = this.#members.get(guildId);
        if (!members) this.#members.set(guildId, (members = new Map()));
        members.set(write.member.userId, copyMember(write.member));
        return;
      }
      case "thread-member": {
        let members = this.#threadMembers.get(write.member.threadId);
        if (!members) this.#threadMembers.set(write.member.threadId, (members = new Map()));
        members.set(write.member.userId, copyThreadMember(write.member));
        return;
      }
      case "delete-thread-member": {
        const members = this.#threadMembers.get(write.threadId);
        members?.delete(write.userId);
        if (members?.size === 0) this.#threadMembers.delete(write.threadId);
        return;
      }
      case "delete-member": {
        const members = this.#members.get(guildId);
        members?.delete(write.userId);
        if (members?.size === 0) this.#members.delete(guildId);
        return;
      }
      case "message": {
        const { message } = write;
        let messages = this.#messages.get(message.channelId);
        if (!messages) this.#messages.set(message.channelId, (messages = new Map()));
        messages.set(message.id, copyMessage(message));
        return;
      }
      case "delete-messages": {
        const ids = new Set(write.messageIds);
        const messages = this.#messages.get(write.channelId);
        for (const id of ids) messages?.delete(id);
        this.#reactions = this.#reactions.filter(({ reaction }) => reaction.channelId !== write.channelId || !ids.has(reaction.messageId));
        const attachments = this.#attachments.get(write.channelId);
        for (const [id, { attachment }] of attachments ?? []) if (ids.has(attachment.messageId)) attachments?.delete(id);
        return;
      }
      case "delete-attachments": {
        const attachments = this.#attachments.get(write.channelId);
        for (const id of write.attachmentIds) attachments?.delete(id);
        return;
      }
      case "attachment": {
        const { attachment } = write;
        let attachments = this.#attachments.get(attachment.channelId);
        if (!attachments) this.#attachments.set(attachment.channelId, (attachments = new Map()));
        attachments.set(attachment.id, { guildId, attachment: copyAttachment(attachment) });
        return;
      }
      case "reaction": {
        const { reaction } = write;
        const same = (r: StoredReaction) =>
          r.channelId === reaction.channelId && r.messageId === reaction.messageId && r.userId === reaction.userId && r.burst === reaction.burst && emojiKey(r.emoji) === emojiKey(reaction.emoji);
        if (!this.#reactions.some((kept) => same(kept.reaction))) this.#reactions.push({ guildId, reaction: copyReaction(reaction) });
        return;
      }
      case "delete-reactions":
        this.#reactions = this.#reactions.filter(({ reaction }) => !selects(write.selector, reaction));
        return;
      case "delete-channel":
        this.#channels.delete(write.channelId);
        this.#threadMembers.delete(write.channelId);
        this.#deleteMessagesOf(write.channelId);
        return;
      case "group-dm":
        this.#groupDms.set(write.channel.id, copyGroupDm(write.channel));
        return;
      case "interaction": {
        const held = this.#interactions.get(guildId) ?? new Map<string, StoredInteraction>();
        for (const [id, kept] of held) if (interactionExpired(kept.createdAt, write.now)) held.delete(id);
        held.set(write.interaction.id, copyInteraction(write.interaction));
        this.#interactions.set(guildId, held);
        return;
      }
      case "delete-group-dm":
        this.#interactions.delete(guildId);
        this.#groupDms.delete(guildId);
        this.#deleteMessagesOf(guildId);
        return;
      case "delete-guild":
        for (const key of this.#commands.keys()) if (key.endsWith(`/${guildId}`)) this.#commands.delete(key);
        for (const key of this.#commandPermissions.keys()) if (key.endsWith(`/${guildId}`)) this.#commandPermissions.delete(key);
        for (const [roleId, role] of this.#roles) if (role.guildId === guildId) this.#roles.delete(roleId);
        for (const [channelId, channel] of this.#channels) if (channel.guildId === guildId) this.#channels.delete(channelId);
        for (const [threadId, members] of this.#threadMembers) if ([...members.values()].some((member) => member.guildId === guildId)) this.#threadMembers.delete(threadId);
        for (const [channelId, messages] of this.#messages) {
          for (const [id, message] of messages) if (message.guildId === guildId) messages.delete(id);
          if (messages.size === 0) this.#messages.delete(channelId);
        }
        this.#reactions = this.#reactions.filter((kept) => kept.guildId !== guildId);
        for (const [channelId, attachments] of this.#attachments) {
          for (const [id, kept] of attachments) if (kept.guildId === guildId) attachments.delete(id);
          if (attachments.size === 0) this.#attachments.delete(channelId);
        }
        this.#members.delete(guildId);
        this.#interactions.delete(guildId);
        this.#guilds.delete(guildId);
    }
  }

  /** A channel's messages, with their reactions and attachments. */
  #deleteMessagesOf(channelId: string): void {
    this.#messages.delete(channelId);
    this.#reactions = this.#reactions.filter(({ reaction }) => reaction.channelId !== channelId);
    this.#attachments.delete(channelId);
  }

  async close(): Promise<void> {
    for (const map of [this.#users, this.#guilds, this.#roles, this.#channels, this.#members, this.#fences, this.#messages, this.#attachments, this.#groupDms, this.#threadMembers, this.#interactions]) map.clear();
    this.#reactions = [];
  }
}

/**
 * A guild's lazy member lists on its owner (DESIGN.md, "Member lists"): one `MemberList` per
 * list id (channels the same people can see share one), built on the first op 14 for one of
 * its channels. Sessions hold the 100-item chunks they asked for as topics
 * `ml:{guild}:{list}:{chunk}`, so an update is published once per chunk, natively, to
 * exactly the sessions whose ranges cover it.
 *
 * Who is in a list is decided per permission class, never per member (`ListMembership`,
 * kept while any list exists): the list follows one of its channels, and holds the members
 * of the classes that may view it. So a change touches only what it changes:
 * - a channel whose VIEW_CHANNEL overwrites stay as they were (a rename) keeps its list id,
 *   and changes no list; one whose list id changes hands its list to another channel with
 *   that id, or the list goes (clients derive the new id and send op 14 for it);
 * - a role whose permissions stay (a rename, a colour) changes no list; one whose
 *   permissions change flips classes' answers, and only the members of flipped classes
 *   join or leave;
 * - a hoisted role toggled or moved moves only its online members between groups;
 * - the owner changing moves two members.
 *
 * A member that can no longer view a list (its roles, a role's permissions, an overwrite or
 * its membership changed) is let go of it in the same step, before any later update of the
 * list goes out: its sessions drop the list's chunk topics (`ListDrop`), so they see nothing
 * more of who is in the channel.
 *
 * Groups are Discord's: online members under their highest hoisted role, other online
 * members under "online", everyone offline under "offline". Members sort by nick, then
 * global name, then username.
 */
import type { Member } from "../store/guild-store.ts";
import { listTopic } from "../protocol/topics.ts";
import type { GuildState } from "./guild-state.ts";
import type { WorkerId } from "./guilds.ts";
import { memberJson } from "./guild-json.ts";
import { ListHolds } from "./list-holds.ts";
import { ListMembership } from "./list-membership.ts";
import { MemberList, type ListItem, type ListOp } from "./member-list.ts";
import { memberListId } from "./member-list-id.ts";
import type { VisibilityChange } from "./permission-classes.ts";
import { Permission, type Channel, type Overwrite } from "./permissions.ts";
import { presenceJson, type PresenceBook } from "./presence.ts";

/** One GUILD_MEMBER_LIST_UPDATE for the sessions holding `topic` on `worker`. */
export interface ListDelivery {
  worker: WorkerId;
  topic: string;
  dJson: string;
}

/** A member that can no longer view a list: its sessions must let go of the list's chunks. */
export interface ListDrop {
  userId: string;
  listId: string;
}

/** What a change means for the lists: drops first, then the updates (the dropped get none of them). */
export interface ListChanges {
  drops: ListDrop[];
  updates: ListDelivery[];
}

/** Members ready to add to a list: their slots, groups and names. */
interface Batch {
  slots: Uint32Array;
  groups: Uint32Array;
  names: string[];
}

interface ListEntry {
  list: MemberList;
  /** A channel with the list's id: who may view it is who is in the list. */
  channelId: string;
  holds: ListHolds;
}

const NO_CHANGES: ListChanges = Object.freeze({ drops: [], updates: [] }) as ListChanges;

export class GuildMemberLists {
  readonly #state: GuildState;
  readonly #presences: PresenceBook;
  readonly #lists = new Map<string, ListEntry>();
  readonly #slots = new Map<string, number>();
  readonly #users: string[] = [];
  readonly #freeSlots: number[] = [];
  #membership: ListMembership | undefined;

  constructor(state: GuildState, presences: PresenceBook) {
    this.#state = state;
    this.#presences = presences;
  }

  /** The list id of a channel (Discord's rule). */
  listIdOf(channel: Channel): string {
    const everyone = this.#state.role(this.#state.id);
    const everyoneCanView = ((everyone?.permissions ?? 0n) & Permission.VIEW_CHANNEL) !== 0n;
    return memberListId(channel.overwrites as Overwrite[], everyoneCanView);
  }

  /**
   * A session subscribes to `chunks` of the list of `channelId`: the SYNC for them, and the
   * list id whose chunk topics the session must hold. Undefined if the user cannot view the
   * channel. Changes made before are flushed first (to the sessions already holding chunks).
   */
  subscribe(channelId: string, userId: string, chunks: readonly number[], worker: WorkerId): { listId: string; dJson: string; flushed: ListDelivery[] } | undefined {
    const channel = this.#state.channelRecord(channelId);
    if (!channel) return undefined;
    this.#membership ??= new ListMembership(this.#state, this.#presences);
    if (!this.#membership.sees(userId, channelId)) return undefined;
    const listId = this.listIdOf(channel);
    let entry = this.#lists.get(listId);
    if (!entry) {
      entry = { list: this.#build(this.#membership, listId, channelId), channelId, holds: new ListHolds() };
      this.#lists.set(listId, entry);
    }
    const flushed = this.#flushEntry(listId, entry);
    entry.holds.hold(userId, worker, chunks);
    const list = entry.list;
    const ops = chunks.map((chunk) => list.sync(chunk));
    return { listId, dJson: this.#update(listId, list, ops), flushed };
  }

  /** A session of `userId` lets go of chunks it held (those already let go of are skipped). */
  unsubscribe(listId: string, userId: string, chunks: readonly number[], worker: WorkerId): void {
    this.#lists.get(listId)?.holds.release(userId, worker, chunks);
  }

  /** A session holding a chunk moved from worker `from` to `to`; false if it holds it no more (let go of meanwhile). */
  moveHolder(listId: string, userId: string, chunk: number, from: WorkerId, to: WorkerId): boolean {
    return this.#lists.get(listId)?.holds.move(userId, chunk, from, to) ?? false;
  }

  /**
   * A member joined, left, or changed what a list shows (presence, nick, roles): its place in
   * every list, and the lists it may no longer hold.
   */
  memberChanged(userId: string): ListChanges {
    if (!this.#membership) return NO_CHANGES;
    this.#membership.memberChanged(userId);
    this.#answerAll();
    const changes: ListChanges = { drops: [], updates: [] };
    for (const [listId, entry] of this.#lists) this.#reconcile(listId, entry, userId, changes, true);
    if (!this.#state.member(userId)) this.#freeSlot(userId);
    return this.#flushed(changes);
  }

  /**
   * A channel was created, changed or deleted. Only a list that follows this channel can
   * change, and only when the channel's list id did (its VIEW_CHANNEL overwrites changed).
   */
  channelChanged(channelId: string): ListChanges {
    if (!this.#membership) return NO_CHANGES;
    this.#membership.channelChanged(channelId);
    this.#answerAll();
    const changes: ListChanges = { drops: [], updates: [] };
    for (const [listId, entry] of this.#lists) {
      if (entry.channelId === channelId) this.#rehome(listId, entry, changes);
    }
    return this.#flushed(changes);
  }

  /**
   * A role was created, changed or deleted (already so in the state): its members move
   * between groups, the members of classes whose view flipped join or leave lists, and a
   * deleted role's members are placed by their new classes.
   */
  roleChanged(roleId: string): ListChanges {
    if (!this.#membership) return NO_CHANGES;
    const change = this.#membership.roleChanged(roleId);
    this.#answerAll();
    const changes: ListChanges = { drops: [], updates: [] };
    if (change.regroup) this.#regroup(change.regroup.groups, change.regroup.movers);
    this.#applyFlips(change.flips, changes);
    if (change.listIdsMayChange) {
      for (const [listId, entry] of this.#lists) this.#rehome(listId, entry, changes);
    }
    for (const userId of change.recheck) {
      for (const [listId, entry] of this.#lists) this.#reconcile(listId, entry, userId, changes, false);
    }
    return this.#flushed(changes);
  }

  /** The guild record changed: a new owner sees every list (and the old one may not). */
  guildChanged(): ListChanges {
    const change = this.#membership?.guildChanged();
    if (!change) return NO_CHANGES;
    this.#answerAll();
    const changes: ListChanges = { drops: [], updates: [] };
    this.#applyFlips(change.flips, changes);
    for (const userId of change.recheck) {
      for (const [listId, entry] of this.#lists) this.#reconcile(listId, entry, userId, changes, false);
    }
    return this.#flushed(changes);
  }

  #build(membership: ListMembership, listId: string, channelId: string): MemberList {
    const list = new MemberList(listId, membership.groupIds);
    const batch = this.#batch(membership, membership.viewers(channelId));
    list.addMany(batch.slots, batch.groups, batch.names);
    list.flush([]);
    return list;
  }

  /**
   * The list's channel may have lost the list's id (its VIEW_CHANNEL overwrites changed, or
   * @everyone's): another channel with the id takes the list, or the list goes with its
   * holders (clients derive the new id and send op 14 for it).
   */
  #rehome(listId: string, entry: ListEntry, changes: ListChanges): void {
    const current = this.#state.channelRecord(entry.channelId);
    if (current && this.listIdOf(current) === listId) return;
    const other = [...this.#state.allChannels()].find((channel) => this.listIdOf(channel) === listId);
    if (other) {
      entry.channelId = other.id;
      this.#answerAll();
      return;
    }
    for (const userId of [...entry.holds.members()]) changes.drops.push(this.#letGo(listId, entry, userId));
    this.#lists.delete(listId);
    if (this.#lists.size === 0) this.#release();
  }

  /** Every class answers for every list's channel (see `ListMembership.answerFor`). */
  #answerAll(): void {
    this.#membership?.answerFor([...this.#lists.values()].map((entry) => entry.channelId));
  }

  /** No list is left: the membership and slots go with them (made again for the next list). */
  #release(): void {
    this.#membership = undefined;
    this.#slots.clear();
    this.#users.length = 0;
    this.#freeSlots.length = 0;
  }

  /** Classes whose view of a list's channel flipped: their members join or leave that list. */
  #applyFlips(flips: readonly VisibilityChange[], changes: ListChanges): void {
    const membership = this.#membership;
    if (!membership) return;
    // A class usually flips for several lists' channels at once: its members are read once.
    const batches = new Map<number, Batch>();
    for (const { channelId, classId, canView } of flips) {
      for (const [listId, entry] of this.#lists) {
        if (entry.channelId !== channelId) continue;
        let batch = batches.get(classId);
        if (!batch) batches.set(classId, (batch = this.#batch(membership, [...membership.membersOf(classId)])));
        if (canView) {
          entry.list.addMany(batch.slots, batch.groups, batch.names);
          continue;
        }
        entry.list.deleteMany(batch.slots);
        for (const userId of membership.membersOf(classId)) {
          if (entry.holds.has(userId)) changes.drops.push(this.#letGo(listId, entry, userId));
        }
      }
    }
  }

  /**
   * Puts a member where its class's view of the list says: in it (set again when `refresh`,
   * to show a change of its own) or out of it, let go of the list if it held chunks.
   */
  #reconcile(listId: string, entry: ListEntry, userId: string, changes: ListChanges, refresh: boolean): void {
    const member = this.#state.member(userId);
    if (member && this.#membership?.sees(userId, entry.channelId)) {
      if (refresh || !entry.list.has(this.#slotOf(userId))) this.#place(entry.list, member);
      return;
    }
    const slot = this.#slots.get(userId);
    if (slot !== undefined) entry.list.delete(slot);
    if (entry.holds.has(userId)) changes.drops.push(this.#letGo(listId, entry, userId));
  }

  /**
   * The groups changed: the movers leave every list, the lists take the new groups (the
   * groups left keep their order), and the movers come back under their new group.
   */
  #regroup(groups: readonly string[], movers: readonly Member[]): void {
    for (const { list } of this.#lists.values()) {
      const present = movers.filter((member) => {
        const slot = this.#slots.get(member.userId);
        return slot !== undefined && list.delete(slot);
      });
      list.regroup(groups);
      for (const member of present) this.#place(list, member);
    }
  }

  /** Members as `MemberList.addMany` takes them (one native call when many). */
  #batch(membership: ListMembership, userIds: readonly string[]): Batch {
    const slots = new Uint32Array(userIds.length);
    const groups = new Uint32Array(userIds.length);
    const names: string[] = [];
    for (const userId of userIds) {
      const member = this.#state.member(userId);
      const user = this.#state.user(userId);
      if (!member || !user) continue;
      slots[names.length] = this.#slotOf(userId);
      groups[names.length] = membership.groupOf(member);
      names.push(member.nick ?? user.globalName ?? user.username);
    }
    return { slots: slots.subarray(0, names.length), groups: groups.subarray(0, names.length), names };
  }

  /** Lets a member go of every chunk of a list it holds (it can no longer view the list). */
  #letGo(listId: string, entry: ListEntry, userId: string): ListDrop {
    entry.holds.letGo(userId);
    return { userId, listId };
  }

  #place(list: MemberList, member: Member): void {
    const user = this.#state.user(member.userId);
    if (!user || !this.#membership) return;
    list.set(this.#slotOf(member.userId), this.#membership.groupOf(member), member.nick ?? user.globalName ?? user.username);
  }

  /** Every list's pending changes, as deliveries after the drops. */
  #flushed(changes: ListChanges): ListChanges {
    for (const [listId, entry] of this.#lists) changes.updates.push(...this.#flushEntry(listId, entry));
    return changes.drops.length === 0 && changes.updates.length === 0 ? NO_CHANGES : changes;
  }

  #flushEntry(listId: string, entry: ListEntry): ListDelivery[] {
    if (!entry.list.pending) return [];
    const deliveries: ListDelivery[] = [];
    const byChunk = entry.list.flush(entry.holds.chunks());
    for (const [chunk, ops] of byChunk) {
      const dJson = this.#update(listId, entry.list, ops);
      for (const worker of entry.holds.workersOf(chunk)) {
        deliveries.push({ worker, topic: listTopic(this.#state.id, listId, chunk), dJson });
      }
    }
    return deliveries;
  }

  /** GUILD_MEMBER_LIST_UPDATE's `d`, with each member item filled in. */
  #update(listId: string, list: MemberList, ops: readonly ListOp[]): string {
    return JSON.stringify({
      guild_id: this.#state.id,
      id: listId,
      member_count: list.memberCount,
      online_count: this.#presences.online,
      groups: list.groups(),
      ops: ops.map((op) => {
        if (op.op === "SYNC") return { ...op, items: op.items.map((item) => this.#itemJson(item)) };
        if (op.op === "INSERT" || op.op === "UPDATE") return { ...op, item: this.#itemJson(op.item) };
        return op;
      }),
    });
  }

  #itemJson(item: ListItem): unknown {
    if ("group" in item) return item;
    const userId = this.#users[item.member] as string;
    const member = this.#state.member(userId);
    const user = this.#state.user(userId);
    if (!member || !user) return { member: { user: { id: userId } } };
    const presence = this.#presences.get(userId);
    return { member: { ...memberJson(member, user), presence: presenceJson(userId, presence) } };
  }

  #slotOf(userId: string): number {
    let slot = this.#slots.get(userId);
    if (slot === undefined) {
      slot = this.#freeSlots.pop() ?? this.#users.length;
      this.#slots.set(userId, slot);
      this.#users[slot] = userId;
    }
    return slot;
  }

  #freeSlot(userId: string): void {
    const slot = this.#slots.get(userId);
    if (slot === undefined) return;
    this.#slots.delete(userId);
    this.#freeSlots.push(slot);
  }
}

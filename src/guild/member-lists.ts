/**
 * A guild's lazy member lists on its owner (DESIGN.md, "Member lists"): one `MemberList` per
 * list id (channels the same people can see share one), built on the first op 14 for one of
 * its channels. Sessions hold the 100-item chunks they asked for as topics
 * `ml:{guild}:{list}:{chunk}`, so an update is published once per chunk, natively, to
 * exactly the sessions whose ranges cover it.
 *
 * The owner also knows which members hold which chunks. A member that can no longer view a
 * list (its roles, a role's permissions, an overwrite or its membership changed) is let go
 * of it in the same step, before any later update of the list goes out: its sessions drop
 * the list's chunk topics (`ListDrop`), so they see nothing more of who is in the channel.
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
import { MemberList, type ListItem, type ListOp } from "./member-list.ts";
import { memberListId } from "./member-list-id.ts";
import { canView, Permission, type Channel, type Overwrite } from "./permissions.ts";
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

/** One session's hold of one chunk. */
interface Hold {
  worker: WorkerId;
  readonly chunk: number;
}

interface ListEntry {
  list: MemberList;
  /** The VIEW_CHANNEL overwrites that define who is in the list. */
  channel: Channel;
  /** Per chunk, the sessions holding it, per worker. */
  holders: Map<number, Map<WorkerId, number>>;
  /** The same holds by member, so a member that loses sight of the list can be let go of it. */
  holds: Map<string, Hold[]>;
}

const NO_CHANGES: ListChanges = Object.freeze({ drops: [], updates: [] }) as ListChanges;

export class GuildMemberLists {
  readonly #state: GuildState;
  readonly #presences: PresenceBook;
  readonly #lists = new Map<string, ListEntry>();
  readonly #slots = new Map<string, number>();
  readonly #users: string[] = [];
  readonly #freeSlots: number[] = [];
  #groupIds: string[] = [];

  constructor(state: GuildState, presences: PresenceBook) {
    this.#state = state;
    this.#presences = presences;
    this.#groupIds = this.#currentGroups();
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
    const member = this.#state.member(userId);
    if (!channel || !member || !canView(this.#state.guild(), member, channel)) return undefined;
    const listId = this.listIdOf(channel);
    let entry = this.#lists.get(listId);
    if (!entry) {
      entry = { list: this.#build(listId, channel), channel: { id: channel.id, overwrites: channel.overwrites }, holders: new Map(), holds: new Map() };
      this.#lists.set(listId, entry);
    }
    const flushed = this.#flushEntry(listId, entry);
    const holds = entry.holds.get(userId) ?? [];
    entry.holds.set(userId, holds);
    for (const chunk of chunks) {
      holds.push({ worker, chunk });
      this.#count(entry, chunk, worker, 1);
    }
    const ops = chunks.map((chunk) => entry.list.sync(chunk));
    return { listId, dJson: this.#update(listId, entry.list, ops), flushed };
  }

  /** A session of `userId` lets go of chunks it held (those already let go of are skipped). */
  unsubscribe(listId: string, userId: string, chunks: readonly number[], worker: WorkerId): void {
    const entry = this.#lists.get(listId);
    const holds = entry?.holds.get(userId);
    if (!entry || !holds) return;
    for (const chunk of chunks) {
      const at = holds.findIndex((hold) => hold.worker === worker && hold.chunk === chunk);
      if (at < 0) continue;
      holds.splice(at, 1);
      this.#count(entry, chunk, worker, -1);
    }
    if (holds.length === 0) entry.holds.delete(userId);
  }

  /** A session holding a chunk moved from worker `from` to `to`; false if it holds it no more (let go of meanwhile). */
  moveHolder(listId: string, userId: string, chunk: number, from: WorkerId, to: WorkerId): boolean {
    const entry = this.#lists.get(listId);
    const hold = entry?.holds.get(userId)?.find((held) => held.worker === from && held.chunk === chunk);
    if (!entry || !hold) return false;
    hold.worker = to;
    this.#count(entry, chunk, from, -1);
    this.#count(entry, chunk, to, 1);
    return true;
  }

  /**
   * A member joined, left, or changed what a list shows (presence, nick, roles): its place in
   * every list, and the lists it may no longer hold.
   */
  memberChanged(userId: string): ListChanges {
    if (this.#lists.size === 0) return NO_CHANGES;
    const member = this.#state.member(userId);
    const changes: ListChanges = { drops: [], updates: [] };
    for (const [listId, entry] of this.#lists) {
      const viewer = member !== undefined && canView(this.#state.guild(), member, entry.channel);
      if (viewer) this.#place(entry.list, member);
      else {
        const slot = this.#slots.get(userId);
        if (slot !== undefined) entry.list.delete(slot);
        if (entry.holds.has(userId)) changes.drops.push(this.#letGo(listId, entry, userId));
      }
      changes.updates.push(...this.#flushEntry(listId, entry));
    }
    if (!member) this.#freeSlot(userId);
    return changes;
  }

  /**
   * Roles or channels changed: who is in each list, and the groups, may have changed. Every
   * list is rebuilt, its holders that can no longer view it are let go of, and every chunk
   * still held gets a fresh SYNC.
   */
  rebuild(): ListChanges {
    this.#groupIds = this.#currentGroups();
    const changes: ListChanges = { drops: [], updates: [] };
    for (const [listId, entry] of this.#lists) {
      // The list follows a channel that still has its id; with none left (overwrites changed),
      // it goes, and its holders with it: clients derive the new id and send op 14 for it.
      const channel = [...this.#state.allChannels()].find((candidate) => this.listIdOf(candidate) === listId);
      if (!channel) {
        for (const userId of [...entry.holds.keys()]) changes.drops.push(this.#letGo(listId, entry, userId));
        this.#lists.delete(listId);
        continue;
      }
      entry.channel = { id: channel.id, overwrites: channel.overwrites };
      const guild = this.#state.guild();
      for (const userId of [...entry.holds.keys()]) {
        const member = this.#state.member(userId);
        if (!member || !canView(guild, member, entry.channel)) changes.drops.push(this.#letGo(listId, entry, userId));
      }
      entry.list = this.#build(listId, entry.channel);
      for (const [chunk, workers] of entry.holders) {
        const dJson = this.#update(listId, entry.list, [entry.list.sync(chunk)]);
        for (const worker of workers.keys()) changes.updates.push({ worker, topic: listTopic(this.#state.id, listId, chunk), dJson });
      }
    }
    return changes;
  }

  /** Lets a member go of every chunk of a list it holds (it can no longer view the list). */
  #letGo(listId: string, entry: ListEntry, userId: string): ListDrop {
    for (const { worker, chunk } of entry.holds.get(userId) ?? []) this.#count(entry, chunk, worker, -1);
    entry.holds.delete(userId);
    return { userId, listId };
  }

  /** Adds `delta` to the sessions holding `chunk` on `worker`. */
  #count(entry: ListEntry, chunk: number, worker: WorkerId, delta: number): void {
    const workers = entry.holders.get(chunk) ?? new Map<WorkerId, number>();
    const count = (workers.get(worker) ?? 0) + delta;
    if (count > 0) workers.set(worker, count);
    else workers.delete(worker);
    if (workers.size > 0) entry.holders.set(chunk, workers);
    else entry.holders.delete(chunk);
  }

  #build(listId: string, channel: Channel): MemberList {
    const list = new MemberList(listId, this.#groupIds);
    const guild = this.#state.guild();
    for (const member of this.#state.members()) if (canView(guild, member, channel)) this.#place(list, member);
    list.flush([]);
    return list;
  }

  #place(list: MemberList, member: Member): void {
    const user = this.#state.user(member.userId);
    if (!user) return;
    list.set(this.#slotOf(member.userId), this.#groupOf(member), member.nick ?? user.globalName ?? user.username);
  }

  /** Offline members go under "offline"; online ones under their highest hoisted role, else "online". */
  #groupOf(member: Member): number {
    const online = this.#presences.get(member.userId).status !== "offline";
    const offline = this.#groupIds.length - 1;
    if (!online) return offline;
    let best = offline - 1;
    for (const roleId of member.roleIds) {
      const index = this.#groupIds.indexOf(roleId);
      if (index >= 0 && index < best) best = index;
    }
    return best;
  }

  /** Hoisted roles by position, highest first, then "online" and "offline". */
  #currentGroups(): string[] {
    const hoisted = [...this.#state.roles()].filter((role) => role.hoist && role.id !== this.#state.id);
    hoisted.sort((a, b) => b.position - a.position || (a.id < b.id ? -1 : 1));
    return [...hoisted.map((role) => role.id), "online", "offline"];
  }

  #flushEntry(listId: string, entry: ListEntry): ListDelivery[] {
    if (!entry.list.pending) return [];
    const deliveries: ListDelivery[] = [];
    const byChunk = entry.list.flush([...entry.holders.keys()].sort((a, b) => a - b));
    for (const [chunk, ops] of byChunk) {
      const dJson = this.#update(listId, entry.list, ops);
      for (const worker of entry.holders.get(chunk)?.keys() ?? []) {
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

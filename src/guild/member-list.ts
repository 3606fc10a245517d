/**
 * One member list (DESIGN.md, "Member lists"; REFERENCES.md, "Lazy member list"): a guild's
 * members under one list id, shown as one flat list of group headers and members. It also
 * computes the ops that keep each client's 100-item chunks of that list exact.
 *
 * The order lives only in a native SortedSet keyed (group rank, sort key, slot). JS keeps the
 * member count of each group, which gives every header's position, and a log of the flat-list
 * edits made since the last flush. `flush` replays that log once per subscribed chunk, against
 * a window of at most ~100 entries, so it never reads the whole list.
 *
 * A group's rank counts from the bottom (offline is the largest rank), so a hoisted group
 * added, removed or moved (`regroup`) re-ranks only the groups above the change, which hold
 * few members, and never "online" or "offline".
 *
 * Applying ops (this is what Discord's client does, and what the tests check):
 * - SYNC writes `items` from `range[0]`; UPDATE writes one item.
 * - INSERT splices an item in and DELETE splices one out; both shift everything after.
 * - After the event's ops, the client sets its array length to the total that `groups`
 *   implies: each non-empty group's count + 1 for its header.
 *
 * A session gets the op lists of the chunks it holds, concatenated in ascending chunk order.
 * Each list touches only indexes inside its chunk, and its INSERTs and DELETEs cancel out,
 * except in the chunk holding the end of the list: its net shift moves only items past the old
 * end (which nobody holds yet) or past the new end (which the client then cuts off). Ascending
 * order makes that shift happen before the chunks after it are written.
 *
 * A change to the groups themselves (a role hoisted, unhoisted or moved) is the caller's few
 * steps: delete the members whose group changes, `regroup` (which changes no item of the flat
 * list: the groups that are not empty keep their order), and set them again.
 */
import { SortedSet } from "../native.ts";
import { CHUNK_SIZE, DELETE, INSERT, planWindow, trackWindow, UPDATE, windowCount } from "./member-list-window.ts";

/** An entry of the flat list: a group header, or a member given by its guild slot. */
export type ListItem = { group: ListGroup } | { member: number };

/** A non-empty group: its id (a role id, `"online"` or `"offline"`) and member count. */
export interface ListGroup {
  id: string;
  count: number;
}

/** An op of GUILD_MEMBER_LIST_UPDATE. Ranges are inclusive, as on the wire. */
export type ListOp =
  | { op: "SYNC"; range: [number, number]; items: ListItem[] }
  | { op: "INSERT"; index: number; item: ListItem }
  | { op: "UPDATE"; index: number; item: ListItem }
  | { op: "DELETE"; index: number }
  /** The client forgets the range; sent by the session layer when a range is dropped, never by `flush`. */
  | { op: "INVALIDATE"; range: [number, number] };

export { CHUNK_SIZE };

/**
 * Edits kept between flushes. Past this, the log is dropped and the next flush SYNCs every
 * subscribed chunk, so memory stays bounded when nobody flushes (e.g. while a list is built).
 */
export const MAX_PENDING_EDITS = 4096;

/**
 * `addMany`/`deleteMany` of more members than this go to the native set in one call and the
 * next flush SYNCs every subscribed chunk (so many edits would overflow the log anyway).
 */
export const BULK_MIN = MAX_PENDING_EDITS / 4;

/** The largest native rank: the bottom group's ("offline"). */
const BOTTOM_RANK = 0xffff_ffff;


export class MemberList {
  /** The list id: `"everyone"` or a murmur3 hash (see member-list-id.ts). */
  readonly id: string;
  #groupIds: readonly string[];
  /** Members per group, indexed like `groupIds`. */
  #counts: number[];
  readonly #set = new SortedSet();
  #memberCount = 0;
  #edits: number[] = [];
  #overflowed = false;
  /** `length` at the last flush: the list the clients hold. */
  #flushedLength = 0;

  /** `groupIds` in display order: hoisted role ids by position, then "online", then "offline". */
  constructor(id: string, groupIds: readonly string[]) {
    this.id = id;
    this.#groupIds = [...groupIds];
    this.#counts = groupIds.map(() => 0);
  }

  /**
   * Adds a member, or moves one that is present to `group` (an index into `groupIds`) and
   * `sortKey` (the display name). Members of a group are ordered by sort key (lowercased by the
   * native set, then compared by UTF-8 bytes), then by slot. Setting a member to the place it
   * already has records an UPDATE: call it when any displayed data of the member changes.
   */
  set(slot: number, group: number, sortKey: string): void {
    this.#checkGroup(group);
    const now = this.#set.update(slot, this.#rank(group), sortKey);
    if (now < 0) {
      this.#arrive(this.#set.add(this.#rank(group), sortKey, slot), group);
      return;
    }
    // The groups' counts are still those from before the move.
    const was = this.#set.movedFrom;
    const wasGroup = this.#groupAt(was);
    const wasIndex = this.#flatIndex(was, wasGroup);
    if (now === was && group === wasGroup) {
      this.#record(UPDATE, wasIndex);
      return;
    }
    this.#leave(wasIndex, wasGroup);
    this.#arrive(now, group);
  }

  /** Removes a member; false if it was not in the list. */
  delete(slot: number): boolean {
    const at = this.#set.indexOf(slot);
    if (at < 0) return false;
    const group = this.#groupAt(at);
    const index = this.#flatIndex(at, group);
    this.#set.remove(slot);
    this.#leave(index, group);
    return true;
  }

  has(slot: number): boolean {
    return this.#set.indexOf(slot) >= 0;
  }

  /**
   * Adds members (`slots[i]` in group `groups[i]` by `sortKeys[i]`); those present are left
   * as they are. Up to BULK_MIN, each is an edit; more go to the native set in one call (a
   * list's first build is that), and the next flush SYNCs every subscribed chunk.
   */
  addMany(slots: Uint32Array, groups: Uint32Array, sortKeys: readonly string[]): void {
    if (slots.length <= BULK_MIN) {
      slots.forEach((slot, i) => {
        if (!this.has(slot)) this.set(slot, groups[i] as number, sortKeys[i] as string);
      });
      return;
    }
    const ranks = new Uint32Array(groups.length);
    groups.forEach((group, i) => {
      this.#checkGroup(group);
      ranks[i] = this.#rank(group);
    });
    const added = this.#set.addMany(ranks, sortKeys, slots);
    if (added > 0) this.#bulkChanged();
  }

  /** Removes members (those absent are skipped), as `addMany` adds them. */
  deleteMany(slots: Uint32Array): void {
    if (slots.length <= BULK_MIN) {
      for (const slot of slots) this.delete(slot);
      return;
    }
    if (this.#set.removeMany(slots) > 0) this.#bulkChanged();
  }

  /**
   * Takes new group ids (display order). The groups that are not empty must all be among
   * them, in the same order, so no item of the flat list moves; throws if not. Members
   * whose group changes are deleted before and set again after.
   */
  regroup(groupIds: readonly string[]): void {
    const counts = groupIds.map(() => 0);
    const from: number[] = [];
    const to: number[] = [];
    let previous = -1;
    this.#counts.forEach((count, g) => {
      if (count === 0) return;
      const id = this.#groupIds[g] as string;
      const now = groupIds.indexOf(id);
      if (now <= previous) throw new Error(`member list ${this.id}: group ${id} (${count} members) would move or vanish`);
      previous = now;
      counts[now] = count;
      const rank = this.#rank(g);
      const newRank = BOTTOM_RANK - (groupIds.length - 1 - now);
      if (rank !== newRank) {
        from.push(rank);
        to.push(newRank);
      }
    });
    if (from.length > 0) this.#set.remapRanks(Uint32Array.from(from), Uint32Array.from(to));
    this.#groupIds = [...groupIds];
    this.#counts = counts;
  }

  /** Items in the flat list: members plus one header per non-empty group. */
  get length(): number {
    let headers = 0;
    for (const count of this.#counts) if (count > 0) headers++;
    return this.#memberCount + headers;
  }

  get memberCount(): number {
    return this.#memberCount;
  }

  /** Whether anything was recorded since the last flush. */
  get pending(): boolean {
    return this.#overflowed || this.#edits.length > 0;
  }

  /** The non-empty groups in display order, with their member counts. */
  groups(): ListGroup[] {
    const groups: ListGroup[] = [];
    this.#counts.forEach((count, g) => {
      if (count > 0) groups.push(this.#group(g));
    });
    return groups;
  }

  /**
   * The SYNC op for chunk `chunk`: range `[100k, 100k + 99]`, items clamped to the list.
   * Throws while changes are pending: a session given a SYNC must get no op recorded before
   * it, so flush first, then sync the new subscription.
   */
  sync(chunk: number): ListOp {
    if (this.pending) throw new Error(`member list ${this.id}: flush before sync`);
    return this.#syncOp(chunk);
  }

  /**
   * The ops for each chunk in `chunks` that take a client from the list as of the last flush
   * to the list now, then clears the log. `chunks` is every chunk some session holds. The map
   * has an entry only for chunks whose ops are not empty. Cost: O(edits × chunks), never
   * O(length).
   */
  flush(chunks: Iterable<number>): Map<number, ListOp[]> {
    const result = new Map<number, ListOp[]>();
    const newLength = this.length;
    if (this.pending) {
      for (const chunk of chunks) {
        const ops = this.#chunkOps(chunk, this.#flushedLength, newLength);
        if (ops.length > 0) result.set(chunk, ops);
      }
    }
    this.#edits = [];
    this.#overflowed = false;
    this.#flushedLength = newLength;
    return result;
  }

  /** The native rank of group `group`: counted from the bottom, so groups below a change keep theirs. */
  #rank(group: number): number {
    return BOTTOM_RANK - (this.#counts.length - 1 - group);
  }

  #checkGroup(group: number): void {
    if (!Number.isInteger(group) || group < 0 || group >= this.#counts.length) {
      throw new RangeError(`group ${group} is not an index into the ${this.#counts.length} groups`);
    }
  }

  /** After a bulk change: the counts from the native set, and SYNCs for every chunk at the next flush. */
  #bulkChanged(): void {
    let below = this.#set.countBelowRank(this.#rank(0));
    this.#counts = this.#counts.map((_, g) => {
      const next = g + 1 < this.#counts.length ? this.#set.countBelowRank(this.#rank(g + 1)) : this.#set.size;
      const count = next - below;
      below = next;
      return count;
    });
    this.#memberCount = this.#set.size;
    this.#overflowed = true;
    this.#edits = [];
  }

  /** Records a member that now sits at `at` in the set, in `group`, and its new header. */
  #arrive(at: number, group: number): void {
    this.#memberCount++;
    const index = this.#flatIndex(at, group);
    if (++(this.#counts[group] as number) === 1) this.#record(INSERT, index - 1);
    this.#record(INSERT, index);
  }

  /** Records a member gone from flat `index` of `group`, and its header if it was the last. */
  #leave(index: number, group: number): void {
    this.#memberCount--;
    this.#record(DELETE, index);
    // The last member of a group sat right after its header.
    if (--(this.#counts[group] as number) === 0) this.#record(DELETE, index - 1);
  }

  #record(kind: number, index: number): void {
    if (this.#overflowed) return;
    if (this.#edits.length >= MAX_PENDING_EDITS) {
      this.#overflowed = true;
      this.#edits = [];
      return;
    }
    this.#edits.push(index * 4 + kind);
  }

  /** The group holding set index `at`. */
  #groupAt(at: number): number {
    let end = 0;
    for (let g = 0; g < this.#counts.length; g++) {
      end += this.#counts[g] as number;
      if (at < end) return g;
    }
    throw new RangeError(`set index ${at} is past the ${end} members`);
  }

  /** The flat index of set index `at` in `group`: one header per non-empty group up to its own. */
  #flatIndex(at: number, group: number): number {
    let headers = 1;
    for (let g = 0; g < group; g++) if ((this.#counts[g] as number) > 0) headers++;
    return at + headers;
  }

  #group(g: number): ListGroup {
    return { id: this.#groupIds[g] as string, count: this.#counts[g] as number };
  }

  #syncOp(chunk: number): ListOp {
    const start = chunk * CHUNK_SIZE;
    return { op: "SYNC", range: [start, start + CHUNK_SIZE - 1], items: this.#items(start, start + CHUNK_SIZE) };
  }

  /** The flat list's items in `[start, end)`, clamped to the list; one slice per group crossed. */
  #items(start: number, end: number): ListItem[] {
    const items: ListItem[] = [];
    let header = 0; // flat index of group g's header
    let before = 0; // members in groups before g
    for (let g = 0; g < this.#counts.length && header < end; g++) {
      const count = this.#counts[g] as number;
      if (count === 0) continue;
      if (header + count >= start) {
        if (header >= start) items.push({ group: this.#group(g) });
        const from = Math.max(start, header + 1) - header - 1 + before;
        const to = Math.min(end, header + count + 1) - header - 1 + before;
        if (from < to) for (const slot of this.#set.slice(from, to)) items.push({ member: slot });
      }
      header += count + 1;
      before += count;
    }
    return items;
  }

  #item(index: number): ListItem {
    return this.#items(index, index + 1)[0] as ListItem;
  }

  /** The ops for one chunk; see `planWindow` for how they are chosen. */
  #chunkOps(chunk: number, oldLength: number, newLength: number): ListOp[] {
    const start = chunk * CHUNK_SIZE;
    const oldCount = windowCount(oldLength, start);
    const newCount = windowCount(newLength, start);
    // A window past the new end needs nothing: the client truncates to the new length.
    if (newCount === 0) return [];
    // A window starting past the old end has nothing to splice onto: the client's array is
    // only `oldLength` long there, so an INSERT would land short of its index.
    if (this.#overflowed || start > oldLength) return [this.#syncOp(chunk)];
    const tracked = trackWindow(this.#edits, start, oldCount);
    // No edit inside the window, none before it that did not cancel out, and no growth at its end.
    if (tracked.entries === undefined && tracked.offset === start && newCount === oldCount) return [];
    const plan = planWindow(tracked, start, oldCount, newCount);
    const size = plan.deletes.length + plan.inserts.length + plan.updates.length;
    if (size > newCount) return [this.#syncOp(chunk)];
    const ops: ListOp[] = [];
    for (const p of plan.deletes) ops.push({ op: "DELETE", index: start + p });
    for (const j of plan.inserts) ops.push({ op: "INSERT", index: start + j, item: this.#item(start + j) });
    for (const j of plan.updates) ops.push({ op: "UPDATE", index: start + j, item: this.#item(start + j) });
    return ops;
  }
}

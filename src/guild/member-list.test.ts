import { describe, expect, test } from "bun:test";
import { prng } from "../../test/support/prng.ts";
import {
  BULK_MIN,
  CHUNK_SIZE,
  type ListItem,
  type ListOp,
  MAX_PENDING_EDITS,
  MemberList,
} from "./member-list.ts";

const GROUPS = ["r1", "r2", "r3", "online", "offline"];
const [R1, R2, ONLINE, OFFLINE] = [0, 1, 3, 4];


/** A flat-list entry as the tests compare it: a header by group id, a member by slot. */
type Shown = string | number;

const shown = (item: ListItem | undefined): Shown | undefined =>
  item === undefined ? undefined : "group" in item ? item.group.id : item.member;

interface Member {
  slot: number;
  groupId: string;
  key: string;
}

/** The reference: members in a plain array, sorted on demand, rendered with headers. */
class Model {
  readonly members = new Map<number, Member>();
  /** The group ids in display order, as the list has them. */
  groups: string[] = [...GROUPS];

  flat(): Shown[] {
    const rank = (m: Member): number => this.groups.indexOf(m.groupId);
    const sorted = [...this.members.values()].sort(
      (a, b) => rank(a) - rank(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || a.slot - b.slot,
    );
    const flat: Shown[] = [];
    let group = "";
    for (const member of sorted) {
      if (member.groupId !== group) flat.push(member.groupId);
      group = member.groupId;
      flat.push(member.slot);
    }
    return flat;
  }

  /** Sets a member in the model and the list alike. */
  put(list: MemberList, member: Member): void {
    this.members.set(member.slot, member);
    list.set(member.slot, this.groups.indexOf(member.groupId), member.key);
  }
}

/**
 * A client as Discord's ChannelMemberStore behaves: a sparse array, spliced by INSERT/DELETE,
 * written by SYNC/UPDATE, and cut to the groups' total after each event. It is stricter than
 * Discord's in two ways, to catch plans that only work by luck: an INSERT past the end of
 * the array (which JS would append elsewhere) or a DELETE of an item it lacks throws.
 */
class Client {
  items: (ListItem | undefined)[] = [];
  constructor(readonly chunks: number[]) {}

  receive(ops: readonly ListOp[], list: MemberList): void {
    for (const op of ops) this.#apply(op);
    this.items.length = list.groups().reduce((total, g) => total + g.count + 1, 0);
  }

  #apply(op: ListOp): void {
    switch (op.op) {
      case "SYNC":
        op.items.forEach((item, i) => {
          this.items[op.range[0] + i] = item;
        });
        return;
      case "INSERT":
        if (op.index > this.items.length) throw new Error(`INSERT at ${op.index} past ${this.items.length}`);
        this.items.splice(op.index, 0, op.item);
        return;
      case "DELETE":
        if (this.items[op.index] === undefined) throw new Error(`DELETE at ${op.index} of an item not held`);
        this.items.splice(op.index, 1);
        return;
      case "UPDATE":
        this.items[op.index] = op.item;
        return;
      case "INVALIDATE":
        for (let i = op.range[0]; i <= op.range[1]; i++) delete this.items[i];
    }
  }
}

/** The chunk-local indexes an op touches: its index, or its range. */
const touched = (op: ListOp): number[] => ("range" in op ? op.range : [op.index]);

const window = (flat: readonly Shown[], chunk: number): Shown[] =>
  flat.slice(chunk * CHUNK_SIZE, (chunk + 1) * CHUNK_SIZE);

/** Asserts the client holds exactly the model's items in each of its chunks. */
function expectExact(client: Client, flat: readonly Shown[]): void {
  for (const chunk of client.chunks) {
    const held = window(flat, chunk).map((_, i) => shown(client.items[chunk * CHUNK_SIZE + i]));
    expect(held).toEqual(window(flat, chunk));
  }
}

function subscribe(list: MemberList, client: Client): void {
  for (const chunk of client.chunks) client.receive([list.sync(chunk)], list);
}

const member = (slot: number): ListItem => ({ member: slot });
const header = (id: string, count: number): ListItem => ({ group: { id, count } });

/** A list of `online` members s0..s(n-1) keyed "k000".. in slot order, flushed. */
function onlineList(n: number): MemberList {
  const list = new MemberList("everyone", GROUPS);
  for (let slot = 0; slot < n; slot++) list.set(slot, ONLINE, `k${String(slot).padStart(3, "0")}`);
  list.flush([]);
  return list;
}

describe("MemberList", () => {
  test("the first member of a group brings its header", () => {
    const list = new MemberList("everyone", GROUPS);
    list.set(7, ONLINE, "ann");
    expect(list.groups()).toEqual([{ id: "online", count: 1 }]);
    expect(list.length).toBe(2);
    expect(list.flush([0]).get(0)).toEqual([
      { op: "INSERT", index: 0, item: header("online", 1) },
      { op: "INSERT", index: 1, item: member(7) },
    ]);
  });

  test("a header appearing inside a held window is an INSERT", () => {
    const list = onlineList(3); // [online, 0, 1, 2]
    list.set(9, R2, "zed");
    expect(list.flush([0]).get(0)).toEqual([
      { op: "INSERT", index: 0, item: header("r2", 1) },
      { op: "INSERT", index: 1, item: member(9) },
    ]);
  });

  test("the last member leaving a group takes its header (DELETEs, highest index first)", () => {
    const list = onlineList(1);
    list.set(5, OFFLINE, "bob");
    list.flush([]); // [online, 0, offline, 5]
    expect(list.delete(5)).toBe(true);
    expect(list.groups()).toEqual([{ id: "online", count: 1 }]);
    expect(list.flush([0]).get(0)).toEqual([
      { op: "DELETE", index: 3 },
      { op: "DELETE", index: 2 },
    ]);
    expect(list.delete(5)).toBe(false);
    expect(list.pending).toBe(false);
  });

  test("moving online -> offline is one DELETE and one INSERT", () => {
    const list = onlineList(2);
    list.set(2, OFFLINE, "k000");
    list.flush([]); // [online, 0, 1, offline, 2]
    list.set(0, OFFLINE, "k000");
    expect(list.groups()).toEqual([
      { id: "online", count: 1 },
      { id: "offline", count: 2 },
    ]);
    // Now [online, 1, offline, 0, 2]: the tie on "k000" falls to the lower slot.
    expect(list.flush([0]).get(0)).toEqual([
      { op: "DELETE", index: 1 },
      { op: "INSERT", index: 3, item: member(0) },
    ]);
  });

  test("a rename re-sorts; a rename (or any set) that keeps the place is an UPDATE", () => {
    const list = onlineList(3); // [online, 0, 1, 2]
    list.set(0, ONLINE, "zzz");
    expect(list.flush([0]).get(0)).toEqual([
      { op: "DELETE", index: 1 },
      { op: "INSERT", index: 3, item: member(0) },
    ]);
    list.set(1, ONLINE, "k001-renamed");
    expect(list.flush([0]).get(0)).toEqual([{ op: "UPDATE", index: 1, item: member(1) }]);
  });

  test("sync clamps its items at the end of the list and is empty past it", () => {
    const list = onlineList(150); // 151 items
    const sync = list.sync(1);
    expect(sync).toMatchObject({ op: "SYNC", range: [100, 199] });
    expect(sync.op === "SYNC" && sync.items.length).toBe(51);
    expect(sync.op === "SYNC" && sync.items[50]).toEqual(member(149));
    expect(list.sync(2)).toEqual({ op: "SYNC", range: [200, 299], items: [] });
    expect(list.sync(0)).toMatchObject({ items: expect.arrayContaining([header("online", 150)]) });
  });

  test("sync refuses while changes are pending", () => {
    const list = onlineList(1);
    list.set(1, ONLINE, "x");
    expect(() => list.sync(0)).toThrow("flush before sync");
  });

  test("an insert before a chunk shifts it: the item pushed out is deleted, the one pushed in inserted", () => {
    const list = onlineList(300);
    list.set(1000, ONLINE, "a"); // sorts first: flat index 1
    const ops = list.flush([1, 2]);
    expect(ops.get(1)).toEqual([
      { op: "DELETE", index: 199 },
      { op: "INSERT", index: 100, item: member(98) },
    ]);
    expect(ops.get(2)?.map((op) => op.op)).toEqual(["DELETE", "INSERT"]);
  });

  test("changes after a chunk, or a move that returns, send that chunk nothing", () => {
    const list = onlineList(300);
    list.set(250, ONLINE, "zzz"); // index 251 -> 300
    list.set(5, OFFLINE, "k005"); // leaves before chunk 1 ...
    list.set(5, ONLINE, "k005"); // ... and comes back
    const ops = list.flush([0, 1, 9]);
    expect(ops.has(1)).toBe(false);
    expect(ops.has(9)).toBe(false);
    expect(ops.get(0)).toEqual([
      { op: "DELETE", index: 6 },
      { op: "INSERT", index: 6, item: member(5) },
    ]);
  });

  test("a chunk the list grows into past its old end is SYNCed (an INSERT there would land short)", () => {
    const list = onlineList(149); // 150 items: chunk 2 starts past the end
    const client = new Client([2]);
    subscribe(list, client);
    for (let slot = 149; slot < 260; slot++) list.set(slot, ONLINE, `k${slot}`);
    const ops = list.flush([2]).get(2) ?? [];
    expect(ops.map((op) => op.op)).toEqual(["SYNC"]);
    client.receive(ops, list);
    expect(client.items.slice(200).map(shown)).toEqual(Array.from({ length: 61 }, (_, i) => 199 + i));
  });

  test("a window that loses its end gets no ops; the client cuts it to the new length", () => {
    const list = onlineList(150);
    for (let slot = 99; slot < 150; slot++) list.delete(slot); // 100 items left
    const ops = list.flush([0, 1]);
    expect(ops.has(1)).toBe(false);
    expect(ops.has(0)).toBe(false);
  });

  test("past MAX_PENDING_EDITS the log is dropped and flush SYNCs every non-empty chunk", () => {
    const list = onlineList(0);
    for (let slot = 0; slot <= MAX_PENDING_EDITS; slot++) list.set(slot, ONLINE, `m${slot}`);
    const ops = list.flush([0, 7, 1e6]);
    expect([...ops.keys()]).toEqual([0, 7]);
    expect(ops.get(7)).toEqual([list.sync(7)]);
  });

  test("regroup adds, moves and drops empty groups without an op; a group with members keeps its place", () => {
    const list = new MemberList("everyone", GROUPS);
    list.set(1, R1, "a");
    list.set(2, ONLINE, "b");
    list.set(3, OFFLINE, "c");
    list.flush([]); // [r1, 1, online, 2, offline, 3]
    list.regroup(["r9", "r1", "r3", "online", "offline"]);
    list.regroup(["r1", "r3", "r9", "online", "offline"]);
    expect(list.flush([0]).size).toBe(0);
    expect(list.groups()).toEqual([
      { id: "r1", count: 1 },
      { id: "online", count: 1 },
      { id: "offline", count: 1 },
    ]);
    // Indexes follow the new groups: r9 is 2 now.
    list.set(4, 2, "z");
    expect(list.flush([0]).get(0)).toEqual([
      { op: "INSERT", index: 2, item: header("r9", 1) },
      { op: "INSERT", index: 3, item: member(4) },
    ]);
    expect(() => list.regroup(["online", "r1", "r9", "offline"])).toThrow(/group online \(1 members\) would move or vanish/);
    expect(() => list.regroup(["r9", "online", "offline"])).toThrow(/group r1 \(1 members\) would move or vanish/);
  });

  test("addMany past BULK_MIN goes native in one call and SYNCs every held chunk", () => {
    const list = onlineList(3);
    const client = new Client([0, 1]);
    subscribe(list, client);
    const slots = Uint32Array.from({ length: BULK_MIN + 1 }, (_, i) => 100 + i);
    list.addMany(slots, new Uint32Array(slots.length).fill(OFFLINE), [...slots].map((s) => `m${s}`));
    expect(list.memberCount).toBe(BULK_MIN + 4);
    expect(list.groups()).toEqual([{ id: "online", count: 3 }, { id: "offline", count: BULK_MIN + 1 }]);
    const ops = list.flush([0, 1]);
    expect(ops.get(0)).toEqual([list.sync(0)]);
    expect(ops.get(1)).toEqual([list.sync(1)]);
    list.deleteMany(slots);
    expect(list.memberCount).toBe(3);
    expect(list.flush([0]).get(0)).toEqual([list.sync(0)]);
  });

  test("rejects a group that is not an index into the groups", () => {
    const list = new MemberList("everyone", GROUPS);
    expect(() => list.set(1, GROUPS.length, "x")).toThrow(RangeError);
    expect(() => list.set(1, -1, "x")).toThrow(RangeError);
    expect(list.memberCount).toBe(0);
    expect(list.has(1)).toBe(false);
  });
});

/** A random sort key from a small alphabet (with a non-ASCII letter), so ties are common. */
const randomKey = (rand: () => number): string => {
  const letters = "abcdeé";
  let key = "";
  for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) key += letters[Math.floor(rand() * letters.length)];
  return key;
};

/** A group id of `groups`: hoisted groups are rare, so their headers come and go. */
const randomGroup = (rand: () => number, groups: readonly string[]): string => {
  const hoisted = groups.length - 2;
  const r = rand();
  if (r < 0.1 && hoisted > 0) return groups[Math.floor(rand() * hoisted)] as string;
  return r < 0.5 ? "online" : "offline";
};

/** One random change to both the list and the model (a join at `joinRate`); returns its slot. */
function randomChange(
  rand: () => number,
  list: MemberList,
  model: Model,
  nextSlot: () => number,
  joinRate = 0.3,
): number {
  const slots = [...model.members.keys()];
  const present = slots[Math.floor(rand() * slots.length)];
  const r = rand();
  if (present === undefined || r < joinRate) {
    const added: Member = { slot: nextSlot(), groupId: randomGroup(rand, model.groups), key: randomKey(rand) };
    model.put(list, added);
    return added.slot;
  }
  if (r < joinRate + 0.2) {
    model.members.delete(present);
    expect(list.delete(present)).toBe(true);
    return present;
  }
  const changed = { ...(model.members.get(present) as Member) };
  if (r < joinRate + 0.45) changed.groupId = randomGroup(rand, model.groups);
  else if (r < joinRate + 0.65) changed.key = randomKey(rand);
  // else: the same place, as a presence or avatar change would be
  model.put(list, changed);
  return present;
}

const HOISTABLE = ["r1", "r2", "r3", "r4"];

/**
 * A role hoisted, unhoisted or moved, as the guild layer does it: the members in its group
 * and some that join it are deleted, the list takes the new groups, and they are set again
 * (each to the role's group or elsewhere). Returns the slots that moved.
 */
function randomRegroup(rand: () => number, list: MemberList, model: Model): number[] {
  const role = HOISTABLE[Math.floor(rand() * HOISTABLE.length)] as string;
  const hoisted = model.groups.slice(0, -2).filter((id) => id !== role);
  if (rand() < 0.7) hoisted.splice(Math.floor(rand() * (hoisted.length + 1)), 0, role);
  const groups = [...hoisted, "online", "offline"];
  const movers = [...model.members.values()].filter((m) => m.groupId === role || (groups.includes(role) && rand() < 0.1));
  for (const mover of movers) expect(list.delete(mover.slot)).toBe(true);
  list.regroup(groups);
  model.groups = groups;
  for (const mover of movers) {
    const groupId = groups.includes(role) && rand() < 0.6 ? role : randomGroup(rand, groups);
    model.put(list, { ...mover, groupId });
  }
  return movers.map((m) => m.slot);
}

/** Many members joining or leaving at once (a class of members gains or loses sight of the list). */
function randomBulk(rand: () => number, list: MemberList, model: Model, nextSlot: () => number): number[] {
  const size = rand() < 0.5 ? 1 + Math.floor(rand() * 30) : BULK_MIN + 1 + Math.floor(rand() * 200);
  if (rand() < 0.5) {
    const added: Member[] = Array.from({ length: size }, () => ({ slot: nextSlot(), groupId: randomGroup(rand, model.groups), key: randomKey(rand) }));
    // Now and then a member already present: left as it is.
    const present = [...model.members.values()].slice(0, 3);
    const all = [...added, ...present];
    for (const member of added) model.members.set(member.slot, member);
    list.addMany(
      Uint32Array.from(all, (m) => m.slot),
      Uint32Array.from(all, (m) => model.groups.indexOf(m.groupId)),
      all.map((m) => m.key),
    );
    return added.map((m) => m.slot);
  }
  const leaving = [...model.members.keys()].filter(() => rand() < size / Math.max(1, model.members.size));
  // Slots that are not in the list are skipped.
  const ids = [...leaving, nextSlot(), nextSlot()];
  for (const slot of leaving) model.members.delete(slot);
  list.deleteMany(Uint32Array.from(ids));
  return leaving;
}

/** Applies one flush to each client, its chunks' lists in ascending order, and checks it. */
function deliver(
  list: MemberList,
  clients: readonly Client[],
  before: readonly Shown[],
  after: readonly Shown[],
  changedSlots: readonly number[],
): void {
  expect(list.length).toBe(after.length);
  const union = new Set(clients.flatMap((c) => c.chunks));
  const byChunk = list.flush(union);
  for (const [chunk, ops] of byChunk) {
    expect(ops.length).toBeGreaterThan(0);
    // Never more ops than a SYNC has items: past that, the chunk gets one SYNC.
    if (ops.length > 1) expect(ops.length).toBeLessThanOrEqual(window(after, chunk).length);
    for (const op of ops) {
      for (const index of touched(op)) {
        expect(Math.floor(index / CHUNK_SIZE)).toBe(chunk);
      }
    }
    const unchanged = JSON.stringify(window(before, chunk)) === JSON.stringify(window(after, chunk));
    // A bulk change SYNCs every held chunk, changed or not.
    if (ops.length === 1 && ops[0]?.op === "SYNC" && changedSlots.length > BULK_MIN) continue;
    const untouched = !changedSlots.some((s) => window(before, chunk).includes(s) || window(after, chunk).includes(s));
    // Only a member that moved out and back in the same batch can cost a quiet window ops.
    if (changedSlots.length === 1 && unchanged && untouched) expect(ops).toEqual([]);
    if (changedSlots.length === 1) expect(ops.length).toBeLessThanOrEqual(8);
  }
  for (const client of clients) {
    const ascending = [...client.chunks].sort((a, b) => a - b);
    client.receive(ascending.flatMap((chunk) => byChunk.get(chunk) ?? []), list);
    expectExact(client, after);
  }
}

describe("MemberList against a sorted-array model", () => {
  test("clients holding any chunks stay exact over random joins, leaves, moves, renames, regroups and bulk changes", () => {
    let flushes = 0;
    let regroups = 0;
    let bulks = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const rand = prng(seed);
      const list = new MemberList("everyone", GROUPS);
      const model = new Model();
      let slot = 0;
      const nextSlot = (): number => slot++;
      // A third of the seeds start tiny, so headers come and go; the rest span several chunks.
      const initial = seed % 3 === 0 ? Math.floor(rand() * 12) : Math.floor(rand() * 450);
      for (let i = 0; i < initial; i++) randomChange(rand, list, model, nextSlot);
      list.flush([]);
      const chunkSets = [[0], [0, 1], [1, 3], [2], [0, 4, 6]];
      const clients = chunkSets.map((chunks) => new Client(chunks));
      for (const client of clients) subscribe(list, client);
      let flat = model.flat();
      for (const client of clients) expectExact(client, flat);
      for (let step = 0; step < 40; step++) {
        const changed: number[] = [];
        // Mostly one change or a few; sometimes a burst of joins that grows the list across
        // chunk boundaries, or of leaves that shrinks it; now and then a regroup or a bulk change.
        const kind = rand();
        if (kind < 0.05) {
          changed.push(...randomRegroup(rand, list, model));
          regroups++;
        } else if (kind < 0.08) {
          changed.push(...randomBulk(rand, list, model, nextSlot));
          bulks++;
        } else {
          const r = rand();
          const batch = r < 0.06 ? 40 : r < 0.5 ? 1 : 1 + Math.floor(rand() * 8);
          const joinRate = r < 0.04 ? 0.9 : r < 0.06 ? 0 : 0.3;
          for (let i = 0; i < batch; i++) changed.push(randomChange(rand, list, model, nextSlot, joinRate));
        }
        const next = model.flat();
        deliver(list, clients, flat, next, changed);
        flat = next;
        flushes++;
        if (step === 20) {
          // A late subscriber: synced after a flush, then kept exact by the same flushes.
          const late = new Client([Math.floor(rand() * 5)]);
          subscribe(list, late);
          clients.push(late);
        }
      }
    }
    expect(flushes).toBe(300 * 40);
    expect(regroups).toBeGreaterThan(400);
    expect(bulks).toBeGreaterThan(250);
  });
});

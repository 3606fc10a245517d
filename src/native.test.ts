import { describe, expect, test } from "bun:test";
import { prng } from "../test/support/prng.ts";
import { openHashRing, openSemaphore, ringKeyHash, SortedSet, withPermit } from "./native.ts";


describe("SortedSet", () => {
  test("orders by rank, then case-insensitive name, then id", () => {
    const set = new SortedSet();
    expect(set.add(1, "bob", 1)).toBe(0);
    expect(set.add(0, "Zed", 2)).toBe(0);
    expect(set.add(1, "alice", 3)).toBe(1);
    expect(set.add(1, "BOB", 0)).toBe(2);
    expect([...set.slice(0, 10)]).toEqual([2, 3, 0, 1]);
    expect(set.countBelowRank(1)).toBe(1);
  });

  test("answers -1 for absent ids and duplicate adds", () => {
    const set = new SortedSet();
    expect(set.remove(5)).toBe(-1);
    expect(set.indexOf(5)).toBe(-1);
    expect(set.update(5, 0, "x")).toBe(-1);
    expect(set.at(0)).toBe(-1);
    expect(set.add(0, "x", 5)).toBe(0);
    expect(set.add(0, "y", 5)).toBe(-1);
    expect(set.size).toBe(1);
  });

  test("refuses ids outside the dense slot range with a clear error", () => {
    const set = new SortedSet();
    expect(() => set.add(0, "x", 2 ** 26)).toThrow(/out of range/);
    expect(set.size).toBe(0);
  });

  test("matches a sorted array through the binding over random operations", () => {
    const random = prng(7);
    const set = new SortedSet(8);
    type Entry = { rank: number; name: string; id: number };
    const model: Entry[] = [];
    const key = (e: Entry): [number, string, number] => [e.rank, e.name.toLowerCase(), e.id];
    const less = (a: Entry, b: Entry): boolean => {
      const [x, y] = [key(a), key(b)];
      if (x[0] !== y[0]) return x[0] < y[0];
      if (x[1] !== y[1]) return Buffer.compare(Buffer.from(x[1]), Buffer.from(y[1])) < 0;
      return x[2] < y[2];
    };
    const insert = (e: Entry): number => {
      let at = 0;
      while (at < model.length && less(model[at] as Entry, e)) at++;
      model.splice(at, 0, e);
      return at;
    };
    for (let step = 0; step < 3000; step++) {
      const id = Math.floor(random() * 200);
      const rank = Math.floor(random() * 3);
      const name = ["ann", "Ann", "bo", "Émile", "zed"][Math.floor(random() * 5)] + String(id % 7);
      const present = model.findIndex((e) => e.id === id);
      const choice = random();
      if (choice < 0.5) {
        expect(set.add(rank, name, id)).toBe(present >= 0 ? -1 : insert({ rank, name, id }));
      } else if (choice < 0.8) {
        if (present >= 0) model.splice(present, 1);
        expect(set.remove(id)).toBe(present);
      } else {
        expect(set.indexOf(id)).toBe(present);
        if (present >= 0) {
          model.splice(present, 1);
          expect(set.update(id, rank, name)).toBe(insert({ rank, name, id }));
        }
      }
    }
    expect([...set.slice(0, set.size)]).toEqual(model.map((e) => e.id));
  });
});

/** Ids ordered by (rank, lowercased name by UTF-8 bytes, id): the set's order. */
const modelOrder = (entries: readonly { rank: number; name: string; id: number }[]): number[] =>
  [...entries]
    .sort((a, b) => a.rank - b.rank || Buffer.compare(Buffer.from(a.name.toLowerCase()), Buffer.from(b.name.toLowerCase())) || a.id - b.id)
    .map((e) => e.id);

describe("SortedSet through its call frame", () => {
  test("names of any length and script cross the frame (longer than it holds, too)", () => {
    const set = new SortedSet();
    const names = ["émile", "Zoë", "Z".repeat(2000), "a".repeat(1024), "a".repeat(1025), "ÉCLAIR", "b", "日本"];
    const entries = names.map((name, id) => ({ rank: 0, name, id }));
    for (const { rank, name, id } of entries) set.add(rank, name, id);
    expect([...set.slice(0, 100)]).toEqual(modelOrder(entries));
    // update reports where the id was, and a long name moves like a short one.
    const was = set.indexOf(2);
    expect(set.update(2, 0, "0".repeat(3000))).toBe(0);
    expect(set.movedFrom).toBe(was);
    expect(set.update(99, 0, "x")).toBe(-1);
    expect(set.movedFrom).toBe(-1);
  });

  test("a slice longer than the frame holds comes back whole", () => {
    const set = new SortedSet();
    for (let id = 0; id < 5000; id++) set.add(0, `n${String(id).padStart(5, "0")}`, id);
    expect([...set.slice(0, 5000)]).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect([...set.slice(4000, 9000)]).toEqual(Array.from({ length: 1000 }, (_, i) => 4000 + i));
    expect(set.slice(6000, 7000).length).toBe(0);
  });

  test("addMany, removeMany and remapRanks match the model", () => {
    const random = prng(11);
    const set = new SortedSet(8);
    let model: { rank: number; name: string; id: number }[] = [];
    for (let round = 0; round < 30; round++) {
      const batch = Array.from({ length: Math.floor(random() * 300) }, () => ({
        rank: 10 + Math.floor(random() * 3),
        name: ["ann", "Bob", "émile", "Zed"][Math.floor(random() * 4)] + String(Math.floor(random() * 50)),
        id: Math.floor(random() * 2000),
      }));
      const fresh = batch.filter((e, i) => !model.some((m) => m.id === e.id) && batch.findIndex((b) => b.id === e.id) === i);
      const added = set.addMany(Uint32Array.from(batch, (e) => e.rank), batch.map((e) => e.name), Uint32Array.from(batch, (e) => e.id));
      expect(added).toBe(fresh.length);
      model.push(...fresh);
      const gone = Uint32Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 2000));
      expect(set.removeMany(gone)).toBe(model.filter((m) => gone.includes(m.id)).length);
      model = model.filter((m) => !gone.includes(m.id));
      expect([...set.slice(0, set.size)]).toEqual(modelOrder(model));
    }
    set.remapRanks(Uint32Array.of(10, 11, 12), Uint32Array.of(1, 5, 7));
    model = model.map((m) => ({ ...m, rank: { 10: 1, 11: 5, 12: 7 }[m.rank] as number }));
    expect([...set.slice(0, set.size)]).toEqual(modelOrder(model));
    expect(set.countBelowRank(5)).toBe(model.filter((m) => m.rank < 5).length);
    expect(() => set.remapRanks(Uint32Array.of(1, 7), Uint32Array.of(7, 1))).toThrow(/reorder/);
    expect([...set.slice(0, set.size)]).toEqual(modelOrder(model));
  });

  test("refuses what it cannot take, with a clear error and no change", () => {
    const set = new SortedSet();
    expect(() => set.add(-1, "x", 1)).toThrow(RangeError);
    expect(() => set.add(0, "x", 1.5)).toThrow(RangeError);
    expect(() => set.indexOf(-1)).toThrow(RangeError);
    expect(() => set.addMany(Uint32Array.of(0, 0), ["a", "b"], Uint32Array.of(1, 2 ** 26))).toThrow(/out of range/);
    expect(() => set.addMany(Uint32Array.of(0), ["a", "b"], Uint32Array.of(1))).toThrow(RangeError);
    expect(() => set.addMany(Uint32Array.of(0), ["a", "b"], Uint32Array.of(1, 2))).toThrow(/differ in length/);
    expect(set.size).toBe(0);
  });
});

describe("HashRing", () => {
  test("is shared by name and swaps generations", () => {
    const a = openHashRing("test:native:shared");
    const b = openHashRing("test:native:shared");
    a.setNodes(["w0", "w1", "w2"]);
    expect(b.nodes()).toEqual(["w0", "w1", "w2"]);
    const before = b.generation;
    a.setNodes(["w0", "w1"], 64);
    expect(b.generation).toBe(before + 1);
    expect(b.nodes()).toEqual(["w0", "w1"]);
  });

  test("a snowflake finds the same owner as a string and in a batch", () => {
    const ring = openHashRing("test:native:keys");
    ring.setNodes(["a", "b", "c", "d"]);
    const ids = [175928847299117063n, 81384788765712384n, 1n, 0n];
    const batch = ring.findMany(new BigUint64Array(ids));
    ids.forEach((id, i) => expect(ring.find(id.toString())).toBe(batch[i] as number));
    const list = ring.findN("175928847299117063", 3);
    expect(list.length).toBe(3);
    expect(list[0]).toBe(ring.find("175928847299117063"));
    expect(new Set(list).size).toBe(3);
  });

  test("the JS key hash matches the native vectors (native/src/hash_ring.rs)", () => {
    expect(ringKeyHash("0")).toBe(0x642f30e0);
    expect(ringKeyHash("175928847299117063")).toBe(0xae70c23d);
    expect(ringKeyHash("18446744073709551615")).toBe(0xe3cf23d5);
  });

  test("refuses ring keys that are not snowflakes", () => {
    for (const bad of ["", "0175", "18446744073709551616", "99999999999999999999", "12a4", "guild", "-1"]) {
      expect(() => ringKeyHash(bad)).toThrow(RangeError);
    }
  });

  test("JS lookups agree with native batch lookups for many keys", () => {
    const ring = openHashRing("test:native:agree");
    ring.setNodes(Array.from({ length: 13 }, (_, i) => `w${i}`));
    const random = prng(3);
    const keys = new BigUint64Array(20_000);
    for (let i = 0; i < keys.length; i++) {
      keys[i] = (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32));
    }
    const owners = ring.findMany(keys);
    let mismatches = 0;
    keys.forEach((key, i) => {
      if (ring.find(key.toString()) !== owners[i]) mismatches++;
    });
    expect(mismatches).toBe(0);
    const seen = new Set(owners);
    expect(seen.size).toBe(13);
  });

  test("JS and native lookups agree on rings of every prefix-table size", () => {
    const random = prng(9);
    const keys = Array.from({ length: 5000 }, () => (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32)));
    for (const [nodes, replicas] of [[1, 1], [1, 8], [3, 100], [200, 512]] as const) {
      const ring = openHashRing(`test:native:sizes:${nodes}x${replicas}`);
      ring.setNodes(Array.from({ length: nodes }, (_, i) => `n${i}`), replicas);
      const owners = ring.findMany(BigUint64Array.from(keys));
      expect(keys.filter((key, i) => ring.find(key.toString()) !== owners[i])).toEqual([]);
    }
  });

  test("rejects keys it cannot place", () => {
    const ring = openHashRing("test:native:empty");
    expect(() => ring.find("1")).toThrow(/no nodes/);
    expect(() => ring.findN("1", 2)).toThrow(/no nodes/);
    expect(ring.nodes()).toEqual([]);
    expect(ring.generation).toBe(0);
    ring.setNodes(["a"]);
    expect(() => ring.find("-1")).toThrow(/snowflake/);
    expect(() => ring.find("18446744073709551616")).toThrow(/snowflake/);
  });
});

describe("Semaphore and withPermit", () => {
  test("refuses at max, including after max is lowered", () => {
    const sem = openSemaphore("test:native:sem", 2);
    expect(sem.tryAcquire()).toBe(true);
    expect(sem.tryAcquire()).toBe(true);
    expect(sem.tryAcquire()).toBe(false);
    sem.max = 1;
    sem.release();
    expect(sem.tryAcquire()).toBe(false);
    sem.release();
    sem.release();
    expect(sem.count).toBe(0);
  });

  test("withPermit releases after success, throw and rejection", async () => {
    const sem = openSemaphore("test:native:permit", 1);
    expect(withPermit(sem, () => 42)).toEqual({ ok: true, value: 42 });
    expect(() => withPermit(sem, () => { throw new Error("boom"); })).toThrow("boom");
    expect(sem.count).toBe(0);
    await expect(withPermit(sem, async () => { throw new Error("later"); })).rejects.toThrow("later");
    expect(sem.count).toBe(0);
    const held = withPermit(sem, () => new Promise<string>((resolve) => setTimeout(() => resolve("done"), 5)));
    expect(withPermit(sem, () => 1)).toEqual({ ok: false, overCapacity: true, max: 1 });
    expect(await held).toEqual({ ok: true, value: "done" });
    expect(sem.count).toBe(0);
  });
});

test("HashRing.setNodesAt takes a cluster's generation only when it is newer", () => {
  const ring = openHashRing(`test-set-nodes-at-${process.pid}`);
  expect(ring.setNodesAt(["n1/0", "n1/1", "n2/0"], 5)).toBe(true);
  expect(ring.generation).toBe(5);
  expect(ring.setNodesAt(["n1/0"], 5)).toBe(false);
  expect(ring.setNodesAt(["n1/0"], 4)).toBe(false);
  expect(ring.nodes()).toEqual(["n1/0", "n1/1", "n2/0"]);
  expect(ring.setNodesAt(["n2/0"], 9)).toBe(true);
  expect(ring.nodes()).toEqual(["n2/0"]);
});

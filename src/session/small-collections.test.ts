import { expect, test } from "bun:test";
import { ARRAY_MAX, SmallMap, SmallSet } from "./small-collections.ts";

/** A small deterministic generator, so a failure replays. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

test("an empty SmallMap answers as an empty Map, and its first set is kept", () => {
  const map = new SmallMap<string, number>();
  expect(map.size).toBe(0);
  expect(map.get("a")).toBeUndefined();
  expect(map.has("a")).toBe(false);
  expect(map.delete("a")).toBe(false);
  expect([...map]).toEqual([]);
  map.set("a", 1);
  expect(map.get("a")).toBe(1);
  expect([...map.keys()]).toEqual(["a"]);
  expect([...map.values()]).toEqual([1]);
});

test("SmallMap does what a Map does, below and above the array's bound", () => {
  const next = random(7);
  const map = new SmallMap<string, number>();
  const model = new Map<string, number>();
  for (let step = 0; step < 5_000; step++) {
    // Keys from a pool larger than the bound, so the map crosses it both ways.
    const key = `k${Math.floor(next() * ARRAY_MAX * 3)}`;
    const roll = next();
    if (roll < 0.5) {
      map.set(key, step);
      model.set(key, step);
    } else if (roll < 0.95) {
      expect(map.delete(key)).toBe(model.delete(key));
    } else {
      map.clear();
      model.clear();
    }
    expect(map.size).toBe(model.size);
    expect(map.get(key)).toBe(model.get(key));
    expect(map.has(key)).toBe(model.has(key));
    expect(new Map(map)).toEqual(model);
  }
});

test("SmallMap keeps insertion order when it becomes a Map", () => {
  const keys = Array.from({ length: ARRAY_MAX + 2 }, (_, i) => `g${i}`);
  const map = new SmallMap(keys.map((key, i) => [key, i] as const));
  expect([...map.keys()]).toEqual(keys);
  expect(map.get(`g${ARRAY_MAX + 1}`)).toBe(ARRAY_MAX + 1);
});

test("an empty SmallSet answers as an empty Set, and its first add is kept", () => {
  const set = new SmallSet<string>();
  expect(set.size).toBe(0);
  expect(set.has("u:1")).toBe(false);
  expect(set.delete("u:1")).toBe(false);
  set.add("u:1").add("u:1");
  expect(set.size).toBe(1);
  expect([...set]).toEqual(["u:1"]);
});

test("SmallSet does what a Set does, below and above the array's bound", () => {
  const next = random(11);
  const set = new SmallSet<string>();
  const model = new Set<string>();
  for (let step = 0; step < 5_000; step++) {
    const value = `t${Math.floor(next() * ARRAY_MAX * 3)}`;
    if (next() < 0.55) {
      set.add(value);
      model.add(value);
    } else {
      expect(set.delete(value)).toBe(model.delete(value));
    }
    expect(set.size).toBe(model.size);
    expect(set.has(value)).toBe(model.has(value));
    expect([...set]).toEqual([...model]);
  }
});

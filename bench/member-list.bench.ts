/**
 * The lazy member list at 1M members (3 hoisted groups + online + offline, random names):
 * one member change plus the `flush` that turns it into ops for chunks 0, 1 and three random
 * others. The baseline, in the same run, is the obvious JS member list: a sorted array with
 * binary search + splice, doing only the move (no ops at all).
 *
 * Run: `bun bench/member-list.bench.ts` (`--size N` for another list size). Building the list
 * takes a few seconds, outside the timed part. Medians are printed after mitata's table.
 */
import { bench, do_not_optimize, group, run, summary } from "mitata";
import { CHUNK_SIZE, MemberList } from "../src/guild/member-list.ts";
import { JsSortedArray, randomNames } from "./core-baselines.ts";

const sizeFlag = process.argv.indexOf("--size");
const SIZE = sizeFlag > 0 ? Number(process.argv[sizeFlag + 1]) : 1_000_000;
const PROBES = 4096;
const [HOISTED_1, HOISTED_2, HOISTED_3, ONLINE, OFFLINE] = [0, 1, 2, 3, 4];

/** A deterministic LCG in [0, 1), so every run builds the same list. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** Few hoisted members, a fifth online, the rest offline: the shape of a big public guild. */
function groupOf(r: number): number {
  return r < 0.001 ? HOISTED_1 : r < 0.005 ? HOISTED_2 : r < 0.01 ? HOISTED_3 : r < 0.2 ? ONLINE : OFFLINE;
}

const rand = lcg(7);
const keys = randomNames(SIZE + 2 * PROBES, 42).map((name) => name.toLowerCase());
const groups = Array.from({ length: SIZE + PROBES }, () => groupOf(rand()));

let started = performance.now();
const list = new MemberList("everyone", ["r1", "r2", "r3", "online", "offline"]);
for (let slot = 0; slot < SIZE; slot++) list.set(slot, groups[slot] as number, keys[slot] as string);
list.flush([]);
console.log(`MemberList: ${SIZE} members (${list.length} items) built in ${(performance.now() - started).toFixed(0)} ms`);

// Sorted first, so each add appends: a splice-built 1M array would take minutes.
started = performance.now();
const array = new JsSortedArray();
const order = Array.from({ length: SIZE }, (_, slot) => slot);
order.sort((a, b) => {
  const ka = keys[a] as string;
  const kb = keys[b] as string;
  return (groups[a] as number) - (groups[b] as number) || (ka < kb ? -1 : ka > kb ? 1 : a - b);
});
for (const slot of order) array.add(groups[slot] as number, keys[slot] as string, slot);
console.log(`JS sorted array: ${SIZE} entries built in ${(performance.now() - started).toFixed(0)} ms`);

const lastChunk = Math.floor((list.length - 1) / CHUNK_SIZE);
const chunks = [0, 1, ...Array.from({ length: 3 }, () => 2 + Math.floor(rand() * (lastChunk - 1)))];
console.log(`subscribed chunks: ${chunks.join(", ")}`);

/** Members that start online; each toggle moves the next one online <-> offline. */
const toggled = Array.from({ length: SIZE }, (_, slot) => slot)
  .filter((slot) => groups[slot] === ONLINE)
  .slice(0, PROBES);

/** Round-robins over `slots`; each call says which slot is next and whether it is flipped now. */
function flipper(slots: readonly number[]): () => { slot: number; flipped: boolean } {
  const flipped = new Uint8Array(slots.length);
  let next = 0;
  return () => {
    const at = next++ % slots.length;
    flipped[at] = 1 - (flipped[at] as number);
    return { slot: slots[at] as number, flipped: flipped[at] === 1 };
  };
}

/** Moves a member online <-> offline in the MemberList. */
function moveInList(nextFlip: () => { slot: number; flipped: boolean }): void {
  const { slot, flipped } = nextFlip();
  list.set(slot, flipped ? OFFLINE : ONLINE, keys[slot] as string);
}

let probe = 0;
const nextProbe = (): number => SIZE + (probe++ % PROBES);

group(`one online -> offline move @ ${SIZE}`, () => {
  summary(() => {
    const flipList = flipper(toggled);
    const flipListOnly = flipper(toggled);
    const flipArray = flipper(toggled);
    bench("MemberList set + flush(5 chunks)", () => {
      moveInList(flipList);
      do_not_optimize(list.flush(chunks));
    }).baseline(true);
    bench("MemberList set alone (flush untimed)", function* () {
      yield {
        [0]: () => list.flush(chunks),
        bench: () => moveInList(flipListOnly),
      };
    });
    bench("JS sorted array move (binary search + splice, no ops)", () => {
      const { slot, flipped } = flipArray();
      const key = keys[slot] as string;
      do_not_optimize(array.remove(flipped ? ONLINE : OFFLINE, key, slot));
      do_not_optimize(array.add(flipped ? OFFLINE : ONLINE, key, slot));
    });
  });
});

group(`one change + flush(5 chunks) @ ${SIZE}`, () => {
  const renames = flipper(toggled);
  bench("rename (re-sorts within its group)", () => {
    const { slot, flipped } = renames();
    list.set(slot, groups[slot] as number, keys[flipped ? SIZE + PROBES + (slot % PROBES) : slot] as string);
    do_not_optimize(list.flush(chunks));
  });
  bench("join (leave undone untimed)", function* () {
    yield {
      [0]: () => {
        const slot = nextProbe();
        list.delete(slot);
        list.flush(chunks);
        return slot;
      },
      bench: (slot: number) => {
        list.set(slot, groups[slot] as number, keys[slot] as string);
        do_not_optimize(list.flush(chunks));
      },
    };
  });
  bench("leave (join done untimed)", function* () {
    yield {
      [0]: () => {
        const slot = nextProbe();
        list.set(slot, groups[slot] as number, keys[slot] as string);
        list.flush(chunks);
        return slot;
      },
      bench: (slot: number) => {
        list.delete(slot);
        do_not_optimize(list.flush(chunks));
      },
    };
  });
});

const { benchmarks } = await run({ format: process.argv.includes("--json") ? "json" : "mitata" });
console.log("\nmedians (p50):");
for (const trial of benchmarks) {
  for (const result of trial.runs) {
    if (result.stats) console.log(`  ${(result.stats.p50 / 1000).toFixed(2).padStart(8)} µs  ${result.name}`);
  }
}

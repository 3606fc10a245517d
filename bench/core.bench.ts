/**
 * The native core against pure-JS baselines, in one run so every figure is a
 * ratio: `npm run bench` (add `-- --quick` for 1k/100k only). Medians are printed
 * after mitata's table, one line per bench.
 *
 * - SortedSet add/remove/indexOf/slice(100) at 1k, 100k and 1M entries, vs a JS
 *   sorted array (binary search + splice), vs `tlhunter-sorted-set` (a Redis-style
 *   skip list, the most used npm sorted set that reports ranks), and vs
 *   `sorted-btree` (fast B+tree, but it cannot report an index at all, so it
 *   is shown for add/remove only).
 * - HashRing `find` (a snowflake string) vs `findMany` per key vs a pure-JS ring.
 * - Semaphore acquire+release vs a JS `Atomics` counter on a SharedArrayBuffer.
 */
import { bench, do_not_optimize, group, run, summary } from "mitata";
import BTree from "sorted-btree";
import SkipListSet from "tlhunter-sorted-set";
import { openHashRing, openSemaphore, SortedSet } from "../src/native.ts";
import { JsRing, JsSortedArray, jsSemaphore, memberKey, randomNames } from "./core-baselines.ts";

const quick = process.argv.includes("--quick");
const SIZES = quick ? [1_000, 100_000] : [1_000, 100_000, 1_000_000];
const PROBES = 4096;

for (const size of SIZES) {
  const names = randomNames(size + PROBES, 42);
  const rankOf = (i: number): number => i % 8;
  const native = new SortedSet();
  const array = new JsSortedArray();
  const skipList = new SkipListSet();
  const btree = new BTree<string, number>();
  for (let i = 0; i < size; i++) {
    const name = names[i] as string;
    native.add(rankOf(i), name, i);
    array.add(rankOf(i), name, i);
    skipList.add(memberKey(name, i), rankOf(i));
    btree.set(`${rankOf(i)}\u0000${memberKey(name, i)}`, i);
  }
  const perEntry = native.heapBytesExcludingNames / native.size;
  console.log(`SortedSet @ ${size}: ${perEntry.toFixed(1)} bytes per entry natively, excluding name bytes`);

  // Each add/remove probe inserts a fresh entry and removes it, so size holds.
  let probe = 0;
  const next = (): number => size + (probe++ % PROBES);

  group(`SortedSet add+remove pair @ ${size}`, () => {
    summary(() => {
      bench(`native SortedSet @ ${size}`, () => {
        const id = next();
        do_not_optimize(native.add(rankOf(id), names[id] as string, id));
        do_not_optimize(native.remove(id));
      }).baseline(true);
      bench(`JS sorted array (binary search + splice) @ ${size}`, () => {
        const id = next();
        do_not_optimize(array.add(rankOf(id), names[id] as string, id));
        do_not_optimize(array.remove(rankOf(id), names[id] as string, id));
      });
      bench(`tlhunter-sorted-set (skip list; add + rank) @ ${size}`, () => {
        const id = next();
        const key = memberKey(names[id] as string, id);
        skipList.add(key, rankOf(id));
        do_not_optimize(skipList.rank(key));
        do_not_optimize(skipList.rem(key));
      });
      bench(`sorted-btree (no index available) @ ${size}`, () => {
        const id = next();
        const key = `${rankOf(id)}\u0000${memberKey(names[id] as string, id)}`;
        btree.set(key, id);
        do_not_optimize(btree.delete(key));
      });
    });
  });

  group(`SortedSet add alone / remove alone @ ${size}`, () => {
    // The untimed half ([0]) does the counterpart, so the size stays within
    // [size, size + PROBES] and each bench times one kind of operation.
    bench(`native add (probe removed untimed first) @ ${size}`, function* () {
      yield {
        [0]: () => {
          const id = next();
          native.remove(id);
          return id;
        },
        bench: (id: number) => do_not_optimize(native.add(rankOf(id), names[id] as string, id)),
      };
    });
    bench(`native remove (probe added untimed first) @ ${size}`, function* () {
      yield {
        [0]: () => {
          const id = next();
          native.add(rankOf(id), names[id] as string, id);
          return id;
        },
        bench: (id: number) => do_not_optimize(native.remove(id)),
      };
    });
  });

  group(`SortedSet indexOf / slice(100) @ ${size}`, () => {
    summary(() => {
      let i = 0;
      bench(`native indexOf @ ${size}`, () => do_not_optimize(native.indexOf(i++ % size))).baseline(true);
      bench(`JS sorted array indexOf @ ${size}`, () => {
        const id = i++ % size;
        do_not_optimize(array.indexOf(rankOf(id), names[id] as string, id));
      });
      bench(`tlhunter-sorted-set rank @ ${size}`, () => {
        const id = i++ % size;
        do_not_optimize(skipList.rank(memberKey(names[id] as string, id)));
      });
    });
    summary(() => {
      let start = 0;
      bench(`native slice(100) @ ${size}`, () => {
        start = (start + 7919) % (size - 100);
        do_not_optimize(native.slice(start, start + 100));
      }).baseline(true);
      bench(`JS sorted array slice(100) @ ${size}`, () => {
        start = (start + 7919) % (size - 100);
        do_not_optimize(array.slice(start, start + 100));
      });
      bench(`tlhunter-sorted-set range(100) @ ${size}`, () => {
        start = (start + 7919) % (size - 100);
        do_not_optimize(skipList.range(start, start + 99));
      });
    });
  });
}

{
  const nodes = Array.from({ length: 16 }, (_, i) => `worker-${i}`);
  const ring = openHashRing("bench:ring");
  ring.setNodes(nodes);
  const jsRing = new JsRing(nodes, 512);
  const keys = new BigUint64Array(4096);
  for (let i = 0; i < keys.length; i++) keys[i] = (BigInt(1420070400000 + i * 7777) << 22n) | BigInt(i & 4095);
  const strings = Array.from(keys, (k) => k.toString());
  let k = 0;
  group("HashRing lookup (16 nodes x 512 replicas)", () => {
    summary(() => {
      bench("native find(string)", () => do_not_optimize(ring.find(strings[k++ & 4095] as string))).baseline(true);
      bench("native findMany, 4096 keys (divide by 4096)", () => do_not_optimize(ring.findMany(keys)));
      bench("pure-JS ring find(string)", () => do_not_optimize(jsRing.find(strings[k++ & 4095] as string)));
    });
  });
  const hundred = Array.from({ length: 100 }, (_, i) => `node-${i}`);
  group("HashRing setNodes", () => {
    bench("native setNodes(100 nodes x 512)", () => ring.setNodes(hundred, 512));
    bench("pure-JS ring build(100 nodes x 512)", () => do_not_optimize(new JsRing(hundred, 512)));
  });
}

{
  const sem = openSemaphore("bench:sem", 1_000_000);
  const js = jsSemaphore(1_000_000);
  group("Semaphore acquire+release pair", () => {
    summary(() => {
      bench("native Semaphore", () => {
        do_not_optimize(sem.tryAcquire());
        sem.release();
      }).baseline(true);
      bench("JS Atomics counter on a SharedArrayBuffer", () => {
        do_not_optimize(js.tryAcquire());
        js.release();
      });
    });
  });
}

const { benchmarks } = await run({ format: process.argv.includes("--json") ? "json" : "mitata" });
// One line per bench, for side-by-side runs (ring findMany is per call of 4096 keys).
console.log("\nmedians (p50):");
for (const trial of benchmarks) {
  for (const result of trial.runs) {
    if (result.stats) console.log(`  ${(result.stats.p50 / 1000).toFixed(3).padStart(10)} µs  ${trial.alias}`);
  }
}

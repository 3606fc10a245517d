/**
 * Pure-JS baselines for bench/core.bench.ts: what guildgate would use without
 * the addon. Each is a fair, straightforward implementation, not a strawman.
 */

/** Deterministic random names (6–12 letters, mixed case). */
export function randomNames(count: number, seed: number): string[] {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  return Array.from({ length: count }, () => {
    let name = "";
    const length = 6 + (next() % 7);
    for (let i = 0; i < length; i++) name += letters[next() % letters.length];
    return name;
  });
}

/** The (folded name, id) part of a member's key as one string that sorts correctly. */
export function memberKey(name: string, id: number): string {
  return `${name.toLowerCase()}\u0000${id.toString().padStart(10, "0")}`;
}

interface Entry {
  rank: number;
  folded: string;
  id: number;
}

/** A sorted array of entries with binary search + splice (the obvious JS member list). */
export class JsSortedArray {
  private readonly entries: Entry[] = [];

  add(rank: number, name: string, id: number): number {
    const entry = { rank, folded: name.toLowerCase(), id };
    const at = this.lowerBound(entry);
    this.entries.splice(at, 0, entry);
    return at;
  }

  remove(rank: number, name: string, id: number): number {
    const at = this.indexOf(rank, name, id);
    if (at >= 0) this.entries.splice(at, 1);
    return at;
  }

  indexOf(rank: number, name: string, id: number): number {
    const entry = { rank, folded: name.toLowerCase(), id };
    const at = this.lowerBound(entry);
    const found = this.entries[at];
    return found !== undefined && found.id === id ? at : -1;
  }

  slice(start: number, end: number): number[] {
    return this.entries.slice(start, end).map((e) => e.id);
  }

  private lowerBound(key: Entry): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (less(this.entries[mid] as Entry, key)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function less(a: Entry, b: Entry): boolean {
  if (a.rank !== b.rank) return a.rank < b.rank;
  if (a.folded !== b.folded) return a.folded < b.folded;
  return a.id < b.id;
}

/** FNV-1a, 32-bit: a fast, decent string hash for a JS ring. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A consistent-hash ring in plain JS: sorted 32-bit points, binary search. */
export class JsRing {
  private readonly points: Uint32Array;
  private readonly owners: Uint32Array;

  constructor(nodes: string[], replicas: number) {
    const pairs: [number, number][] = [];
    nodes.forEach((node, index) => {
      for (let r = 0; r < replicas; r++) pairs.push([fnv1a(`${node}#${r}`), index]);
    });
    pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    this.points = Uint32Array.from(pairs, (p) => p[0]);
    this.owners = Uint32Array.from(pairs, (p) => p[1]);
  }

  find(key: string): number {
    const hash = fnv1a(key);
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.points[mid] as number) < hash) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === this.points.length ? 0 : lo] as number;
  }
}

/** A counting semaphore on a SharedArrayBuffer with Atomics (compare-exchange loop). */
export function jsSemaphore(max: number): { tryAcquire(): boolean; release(): void } {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return {
    tryAcquire() {
      for (;;) {
        const current = Atomics.load(cell, 0);
        if (current >= max) return false;
        if (Atomics.compareExchange(cell, 0, current, current + 1) === current) return true;
      }
    },
    release() {
      for (;;) {
        const current = Atomics.load(cell, 0);
        if (current === 0) return;
        if (Atomics.compareExchange(cell, 0, current, current - 1) === current) return;
      }
    },
  };
}

/**
 * The only loader of the Rust addon (native/, napi-rs), and the classes of
 * DESIGN.md ("Native API") over it. The `require` names the `.node` file
 * literally, which is what lets `bun build --compile` embed it.
 *
 * Every N-API call costs ~50–75 ns here (measured from Bun 1.4.5 and Node 20
 * on this machine), so the hot calls avoid crossing at all:
 * - a semaphore is two u32 cells in process-global native memory, which JS
 *   updates with `Atomics` through an external ArrayBuffer over that memory;
 * - a ring lookup runs in JS over a copy of the current generation, refreshed
 *   when the generation number in its shared cell changes;
 * - a SortedSet is a handle passed to plain functions (no class unwrapping), and
 *   its per-item calls take no N-API arguments at all: they read them from a
 *   per-thread frame of native memory that JS writes (~60 ns a call instead of
 *   ~250 ns with a rank, a name and an id as arguments).
 */


/**
 * The addon's exports as `napi build` declares them from the `#[napi]`
 * functions (native/guildgate.d.ts, generated, git-ignored): a signature
 * changed in Rust fails `tsc` here rather than at run time.
 */
type Addon = typeof import("../native/guildgate");

const addon: Addon = require("../native/guildgate.node");

/** This thread's view of the process-wide cells; touched only through `Atomics`. */
const cells = new Uint32Array(addon.sharedCells());

const sortedSetRegistry = new FinalizationRegistry<number>((handle) => addon.sortedSetFree(handle));

// This thread's SortedSet call frame (native/src/sorted_set_binding.rs): the per-item calls
// take their arguments from it and leave their answers in it, because each N-API argument
// costs more than the call's work. Word indices mirror the Rust side.
const HANDLE = 0;
const RANK = 1;
const ID = 2;
const NAME_LENGTH = 3;
const START = 4;
const END = 5;
const RESULT = 6;
const RESULT2 = 7;
const LONG_NAME = 0xffffffff;
const frameLayout = addon.sortedSetFrameLayout();
const frameBuffer = addon.sortedSetFrame();
const words = new Uint32Array(frameBuffer, 0, frameLayout.words);
const results = new Int32Array(frameBuffer, 0, frameLayout.words);
const nameBytes = new Uint8Array(frameBuffer, frameLayout.nameAt, frameLayout.nameCapacity);
const sliceIds = new Uint32Array(frameBuffer, frameLayout.idsAt, frameLayout.idsCapacity);
const utf8 = new TextEncoder();

/** Writes a name into the frame: ASCII by a plain loop (cheaper than `encodeInto` for short names), else UTF-8. */
function putName(name: string): void {
  const length = name.length;
  if (length <= nameBytes.length) {
    let at = 0;
    for (; at < length; at++) {
      const code = name.charCodeAt(at);
      if (code >= 0x80) break;
      nameBytes[at] = code;
    }
    if (at === length) {
      words[NAME_LENGTH] = length;
      return;
    }
  }
  const { read, written } = utf8.encodeInto(name, nameBytes);
  if (read === length) {
    words[NAME_LENGTH] = written;
    return;
  }
  addon.sortedSetLongName(name);
  words[NAME_LENGTH] = LONG_NAME;
}

function u32(value: number, what: string): number {
  if (value >>> 0 !== value) throw new RangeError(`${what} ${value} is not an integer from 0 to 2^32-1`);
  return value;
}

/**
 * One member list, ordered by (rank, case-folded name, id). Names fold with
 * Unicode lowercasing and compare by UTF-8 bytes. Ids are dense u32 slots
 * below 2^26; ranks are u32. A set belongs to the thread that made it.
 */
export class SortedSet {
  readonly #handle: number;

  /** `bucketSize` defaults to 256 entries per bucket. */
  constructor(bucketSize?: number) {
    this.#handle = addon.sortedSetCreate(bucketSize);
    sortedSetRegistry.register(this, this.#handle);
  }

  /** Index of the new entry, or -1 if the id is present. Throws for ids >= 2^26. */
  add(rank: number, name: string, id: number): number {
    this.#putEntry(rank, name, id);
    addon.sortedSetAdd();
    return results[RESULT] as number;
  }

  /** The index the id had, or -1. */
  remove(id: number): number {
    words[HANDLE] = this.#handle;
    words[ID] = u32(id, "id");
    addon.sortedSetRemove();
    return results[RESULT] as number;
  }

  /**
   * Moves an id to a new rank and name: the new index, or -1 if absent. The old index is
   * `movedFrom` right after. A name that folds as before costs no allocation.
   */
  update(id: number, rank: number, name: string): number {
    this.#putEntry(rank, name, id);
    addon.sortedSetUpdate();
    return results[RESULT] as number;
  }

  /** The index the id had before the latest `update` on this thread (-1 if absent): read it right after. */
  get movedFrom(): number {
    return results[RESULT2] as number;
  }

  indexOf(id: number): number {
    words[HANDLE] = this.#handle;
    words[ID] = u32(id, "id");
    addon.sortedSetIndexOf();
    return results[RESULT] as number;
  }

  /** The id at `index`, or -1. */
  at(index: number): number {
    words[HANDLE] = this.#handle;
    words[START] = u32(index, "index");
    addon.sortedSetAt();
    return results[RESULT] as number;
  }

  /** Ids in `[start, end)`, clamped to the set. */
  slice(start: number, end: number): Uint32Array {
    words[HANDLE] = this.#handle;
    words[START] = u32(start, "start");
    words[END] = u32(end, "end");
    addon.sortedSetSlice();
    const count = results[RESULT] as number;
    if (count < sliceIds.length || end - start <= count) return sliceIds.slice(0, count);
    // Longer than the frame holds: in frame-sized pieces.
    const ids = new Uint32Array(Math.min(end, this.size) - start);
    for (let at = 0; at < ids.length; at += sliceIds.length) {
      words[HANDLE] = this.#handle;
      words[START] = start + at;
      words[END] = end;
      addon.sortedSetSlice();
      ids.set(sliceIds.subarray(0, results[RESULT] as number), at);
    }
    return ids;
  }

  /** Entries whose rank is below `rank`: where that rank's group starts. */
  countBelowRank(rank: number): number {
    words[HANDLE] = this.#handle;
    words[RANK] = u32(rank, "rank");
    addon.sortedSetCountBelowRank();
    return results[RESULT] as number;
  }

  get size(): number {
    words[HANDLE] = this.#handle;
    addon.sortedSetSize();
    return results[RESULT] as number;
  }

  /**
   * Adds `(ranks[i], names[i], ids[i])` in one call, skipping ids present (in the set or
   * earlier in the batch); returns how many were added. Throws, adding none, if an id is
   * >= 2^26. A batch large next to the set is laid out in one pass (a list's first build).
   */
  addMany(ranks: Uint32Array, names: readonly string[], ids: Uint32Array): number {
    if (names.length !== ids.length) throw new RangeError(`${names.length} names for ${ids.length} ids`);
    const lengths = new Uint32Array(names.length);
    for (let i = 0; i < names.length; i++) lengths[i] = (names[i] as string).length;
    return addon.sortedSetAddMany(this.#handle, ranks, names.join(""), lengths, ids);
  }

  /** Removes the ids present among `ids` in one call; returns how many were. */
  removeMany(ids: Uint32Array): number {
    return addon.sortedSetRemoveMany(this.#handle, ids);
  }

  /**
   * Gives every entry of rank `from[i]` the rank `to[i]`. Throws, changing nothing, if that
   * would reorder the ranks present (their new ranks must increase as the old ones do).
   */
  remapRanks(from: Uint32Array, to: Uint32Array): void {
    addon.sortedSetRemapRanks(this.#handle, from, to);
  }

  /** Heap bytes held natively, not counting name bytes. */
  get heapBytesExcludingNames(): number {
    return addon.sortedSetHeapBytes(this.#handle);
  }

  /** Writes this set and an entry into the frame, for `add` and `update`. */
  #putEntry(rank: number, name: string, id: number): void {
    words[HANDLE] = this.#handle;
    words[RANK] = u32(rank, "rank");
    words[ID] = u32(id, "id");
    putName(name);
  }
}

/** A consistent-hash ring, shared by every Worker of the process under its name. */
export interface HashRing {
  /**
   * Builds generation `generation` (a cluster's membership generation, the same on every
   * node) and swaps it in, if it is above the current one; false, and nothing changes, if not.
   */
  setNodesAt(nodes: string[], generation: number, replicas?: number): boolean;
  /** Builds a new generation (default 512 replicas per node) and swaps it in atomically. */
  setNodes(nodes: string[], replicas?: number): void;
  /**
   * Index into `nodes()` of a snowflake's owner, the snowflake as a decimal string (the
   * form it has at the edge). No bigint form: it cost a BigInt division per key, and
   * nobody needs it; many keys as u64s go to `findMany`.
   */
  find(key: string): number;
  /** Owners of many u64 keys, all from one generation, in one native call. */
  findMany(keys: BigUint64Array): Uint32Array;
  /** Up to `n` distinct nodes clockwise from the key, the owner first. */
  findN(key: string, n: number): Uint32Array;
  nodes(): string[];
  readonly generation: number;
}

/** A lock-free counting semaphore, shared by every Worker of the process under its name. */
export interface Semaphore {
  tryAcquire(): boolean;
  /** Never takes the count below zero. */
  release(): void;
  readonly count: number;
  /** Lowering max below the count makes `tryAcquire` fail until enough releases. */
  max: number;
}

/** MurmurHash3's 32-bit finaliser; mirrors `fmix32` in native/src/hash_ring.rs. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Folds a key's decimal digit groups; mirrors `key_hash` in native/src/hash_ring.rs. */
function foldGroups(top: number, mid: number, low: number): number {
  return fmix32((fmix32((fmix32((top ^ 0x9e3779b9) >>> 0) ^ mid) >>> 0) ^ low) >>> 0);
}

/** Digits `[start, end)` of `text` as an integer, or -1 if any is not a digit. */
function digitGroup(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Where a snowflake sits on the ring, as `key_hash` in native/src/hash_ring.rs
 * computes it: the key's top, middle and low decimal digit groups, folded. The
 * decimal string is cut into groups by position, with no 64-bit parsing (a few
 * tens of ns). Throws a RangeError for anything that is not a u64 in canonical
 * decimal.
 */
export function ringKeyHash(key: string): number {
  const length = key.length;
  const lowStart = Math.max(0, length - 8);
  const midStart = Math.max(0, length - 16);
  const top = digitGroup(key, 0, midStart);
  const mid = digitGroup(key, midStart, lowStart);
  const low = digitGroup(key, lowStart, length);
  const canonical = length > 0 && length <= 20 && (length === 1 || key.charCodeAt(0) !== 48);
  if (!canonical || top < 0 || mid < 0 || low < 0 || exceedsU64(top, mid, low)) {
    throw new RangeError(`ring key "${key}" is not a snowflake (a u64 in canonical decimal)`);
  }
  return foldGroups(top, mid, low);
}

/** Whether groups of a 20-digit decimal exceed 18446744073709551615. */
function exceedsU64(top: number, mid: number, low: number): boolean {
  if (top !== 1844) return top > 1844;
  return mid > 67440737 || (mid === 67440737 && low > 9551615);
}

class SharedHashRing implements HashRing {
  readonly #name: string;
  readonly #generationCell: number;
  #snapshot: RingSnapshot;

  constructor(name: string) {
    this.#name = name;
    this.#generationCell = addon.ringOpen(name);
    this.#snapshot = loadSnapshot(name);
  }

  setNodes(nodes: string[], replicas?: number): void {
    addon.ringSetNodes(this.#name, nodes, replicas);
  }

  setNodesAt(nodes: string[], generation: number, replicas?: number): boolean {
    return addon.ringSetNodesAt(this.#name, nodes, generation, replicas);
  }

  find(key: string): number {
    const ring = this.#nonEmpty();
    return ring.owners[firstPointAt(ring, ringKeyHash(key))] as number;
  }

  findMany(keys: BigUint64Array): Uint32Array {
    const owners = new Uint32Array(keys.length);
    addon.ringFindMany(this.#name, keys, owners);
    return owners;
  }

  findN(key: string, n: number): Uint32Array {
    const ring = this.#nonEmpty();
    const want = Math.min(n, ring.nodes.length);
    const found: number[] = [];
    const start = firstPointAt(ring, ringKeyHash(key));
    const total = ring.points.length;
    for (let step = 0; step < total && found.length < want; step++) {
      const owner = ring.owners[(start + step) % total] as number;
      if (!found.includes(owner)) found.push(owner);
    }
    return Uint32Array.from(found);
  }

  nodes(): string[] {
    return this.#current().nodes.slice();
  }

  get generation(): number {
    return this.#current().generation;
  }

  /** The current generation, re-copied only when its shared number has moved. */
  #current(): RingSnapshot {
    if (Atomics.load(cells, this.#generationCell) !== this.#snapshot.generation) {
      this.#snapshot = loadSnapshot(this.#name);
    }
    return this.#snapshot;
  }

  /** The current generation for a lookup, which needs at least one node. */
  #nonEmpty(): RingSnapshot {
    const ring = this.#current();
    if (ring.points.length === 0) throw new Error(`hash ring "${this.#name}" has no nodes`);
    return ring;
  }
}

/** A ring generation as JS looks keys up in it. */
interface RingSnapshot {
  generation: number;
  nodes: string[];
  /** Point hashes, sorted; `owners[i]` is the node index of `points[i]`. */
  points: Uint32Array;
  owners: Uint32Array;
  /**
   * Where each top-16-bit prefix starts in `points` (2^16 + 1 entries), built here: one
   * lookup at a time, a table this fine probes almost no points (the native one, sized to
   * the points for batches, would cost ~10 ns more a lookup).
   */
  prefixStart: Uint32Array;
}

/** Copies the addon's snapshot into a plain object literal, which the JIT reads fast. */
function loadSnapshot(name: string): RingSnapshot {
  const { generation, nodes, points, owners } = addon.ringSnapshot(name);
  const prefixStart = new Uint32Array(65537);
  let at = 0;
  for (let prefix = 0; prefix <= 65536; prefix++) {
    while (at < points.length && (points[at] as number) >>> 16 < prefix) at++;
    prefixStart[prefix] = at;
  }
  return { generation, nodes, points, owners, prefixStart };
}

/** The first point at or after `hash`, wrapping past the last point to 0. */
function firstPointAt(ring: RingSnapshot, hash: number): number {
  const prefix = hash >>> 16;
  let at = ring.prefixStart[prefix] as number;
  const end = ring.prefixStart[prefix + 1] as number;
  while (at < end && (ring.points[at] as number) < hash) at++;
  return at === ring.points.length ? 0 : at;
}

class SharedSemaphore implements Semaphore {
  /** Index of the count cell; max is the next cell. */
  readonly #at: number;

  constructor(at: number) {
    this.#at = at;
  }

  // The same compare-exchange loop as native/src/semaphore.rs, on the same cells.
  tryAcquire(): boolean {
    const at = this.#at;
    for (;;) {
      const current = Atomics.load(cells, at);
      if (current >= Atomics.load(cells, at + 1)) return false;
      if (Atomics.compareExchange(cells, at, current, current + 1) === current) return true;
    }
  }

  release(): void {
    const at = this.#at;
    for (;;) {
      const current = Atomics.load(cells, at);
      if (current === 0) return;
      if (Atomics.compareExchange(cells, at, current, current - 1) === current) return;
    }
  }

  get count(): number {
    return Atomics.load(cells, this.#at);
  }

  get max(): number {
    return Atomics.load(cells, this.#at + 1);
  }

  set max(max: number) {
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) {
      throw new RangeError(`semaphore max must be an integer from 0 to 2^32-1, got ${max}`);
    }
    Atomics.store(cells, this.#at + 1, max);
  }
}

const rings = new Map<string, SharedHashRing>();

/** The ring shared under `name` in this process (empty until `setNodes`). */
export function openHashRing(name: string): HashRing {
  let ring = rings.get(name);
  if (!ring) {
    ring = new SharedHashRing(name);
    rings.set(name, ring);
  }
  return ring;
}

/**
 * The semaphore shared under `name` in this process. The first open of a name
 * sets its max; later opens share the same counter and leave max as it is.
 */
export function openSemaphore(name: string, max: number): Semaphore {
  return new SharedSemaphore(addon.semaphoreOpen(name, max));
}

/** The result of {@link withPermit}: the function's value, or a refusal at capacity. */
export type PermitResult<T> = { ok: true; value: T } | { ok: false; overCapacity: true; max: number };

/**
 * Runs `fn` holding one permit of `sem`, releasing it when `fn` returns, throws
 * or settles. When the semaphore is full it returns `{ok: false}` at once and
 * never waits: callers bail early, as Discord's semaphore does.
 */
export function withPermit<T>(sem: Semaphore, fn: () => Promise<T>): Promise<PermitResult<T>>;
export function withPermit<T>(sem: Semaphore, fn: () => T): PermitResult<T>;
export function withPermit<T>(
  sem: Semaphore,
  fn: () => T | Promise<T>,
): PermitResult<T> | Promise<PermitResult<T>> {
  if (!sem.tryAcquire()) return { ok: false, overCapacity: true, max: sem.max };
  let result: T | Promise<T>;
  try {
    result = fn();
  } catch (error) {
    sem.release();
    throw error;
  }
  if (result instanceof Promise) {
    return result.then((value) => ({ ok: true as const, value })).finally(() => sem.release());
  }
  sem.release();
  return { ok: true, value: result };
}

/** A zstd-stream connection's first bytes: the frame header, then `frame` as blocks (native/src/zstd_shared). */
export function zstdStreamFirst(frame: string | Uint8Array): Uint8Array {
  return addon.zstdStreamFirst(frame);
}

/** `frame` as zstd blocks that decode the same on every zstd-stream connection past its first frame. */
export function zstdStreamBlocks(frame: string | Uint8Array): Uint8Array {
  return addon.zstdStreamBlocks(frame);
}

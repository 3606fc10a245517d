/**
 * The per-worker resume log (DESIGN.md, "Resume" and "Backpressure"): every frame the worker
 * sent, kept in `s` order so RESUME can replay what a session missed. It is a circular buffer
 * of parallel arrays, bounded by bytes (default 64 MiB) and age (default 5 min), that drops
 * its oldest entries first. When it no longer reaches back to a client's `seq`, `replay`
 * says so with null and the caller answers INVALID_SESSION; nothing is dropped silently.
 */

/** The topics a replay takes frames of (a session's). */
export interface TopicFilter {
  has(topic: string): boolean;
}

/** Bounds of a `ResumeLog`. */
export interface ResumeLogOptions {
  /** Total cost of the entries kept, in bytes: frame length + 64 per entry. Default 64 MiB. */
  maxBytes?: number;
  /** Age after which an entry is dropped, in ms. Default 300 000 (5 min). */
  maxAgeMs?: number;
  /** Monotonic clock in ms. Default `performance.now`. */
  now?: () => number;
}

/** Default `maxBytes`: 64 MiB. */
export const DEFAULT_RESUME_LOG_BYTES = 64 * 1024 * 1024;
/** Default `maxAgeMs`: 5 minutes. */
export const DEFAULT_RESUME_LOG_AGE_MS = 5 * 60_000;
/** Cost charged per entry on top of the frame's length, in bytes (slots, stamps, keys). */
export const RESUME_ENTRY_OVERHEAD = 64;

const INITIAL_CAPACITY = 1024;
const TOPIC = 0;
const DIRECT = 1;
const TOPICS = 2;
const TOPICS_EXCEPT = 3;

/** A TOPICS_EXCEPT entry's key: its topics, and the sessions among their holders it did not go to. */
interface TopicsExcept {
  readonly topics: readonly string[];
  readonly except: readonly string[];
}

type EntryKey = string | readonly string[] | TopicsExcept;

const NONE: readonly string[] = [];

const positive = (name: string, value: number): number => {
  if (!(value > 0)) throw new RangeError(`ResumeLog: ${name} must be > 0, got ${value}`);
  return value;
};

/**
 * Frames a worker sent, each stamped with its `s`, under the topic it was published to or
 * the session it went to directly. Appends are O(1) amortised and allocate nothing but
 * capacity doublings; capacity is kept after eviction, so it settles at the peak entry count.
 */
/** A log entry as `ResumeLog.entries` gives it: `[s, topics, session id, frame, sessions left out]` (the last absent in logs saved by older builds). */
export type SavedEntry = [number, readonly string[] | null, string | null, string, (readonly string[])?];

/** One part of a replay (see `ResumeLog.replayBatch`). */
export interface ReplayBatch {
  readonly frames: string[];
  /** Every entry up to this stamp has been considered. */
  readonly through: number;
  readonly complete: boolean;
}

export class ResumeLog {
  readonly #maxBytes: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  // Entry i of the log lives at slot (#head + i) & (capacity - 1); capacity is a power of 2.
  #stamps = new Float64Array(INITIAL_CAPACITY);
  #times = new Float64Array(INITIAL_CAPACITY);
  #kinds = new Uint8Array(INITIAL_CAPACITY);
  /** A topic or session id, for TOPICS entries the list of topics, for TOPICS_EXCEPT those and the sessions left out. */
  #keys: EntryKey[] = new Array<string>(INITIAL_CAPACITY).fill("");
  #frames: string[] = new Array<string>(INITIAL_CAPACITY).fill("");
  #head = 0;
  #size = 0;
  #bytes = 0;
  #lastStamp = 0;
  #evictedThrough = 0;

  /** Bounds default to 64 MiB and 5 minutes. */
  constructor(options: ResumeLogOptions = {}) {
    this.#maxBytes = positive("maxBytes", options.maxBytes ?? DEFAULT_RESUME_LOG_BYTES);
    this.#maxAgeMs = positive("maxAgeMs", options.maxAgeMs ?? DEFAULT_RESUME_LOG_AGE_MS);
    this.#now = options.now ?? (() => performance.now());
  }

  /** Cost of the entries kept, in bytes (frame length + 64 each). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Number of entries kept. */
  get size(): number {
    return this.#size;
  }

  /** The highest `s` evicted so far, or 0 if nothing was. */
  get evictedThrough(): number {
    return this.#evictedThrough;
  }

  /** A frame published to `topic`, stamped `s`. Throws RangeError unless `s` exceeds every earlier stamp. */
  append(s: number, topic: string, frame: string): void {
    this.#push(s, TOPIC, topic, frame);
  }

  /**
   * One frame published to several topics (one event to several classes), stamped `s`; with
   * `except`, the ids of sessions holding one of them that it did not go to (they got their
   * own copy directly: a message's content for its author and those it mentions).
   */
  appendToTopics(s: number, topics: readonly string[], frame: string, except: readonly string[] = NONE): void {
    if (except.length > 0) this.#push(s, TOPICS_EXCEPT, { topics, except }, frame);
    else this.#push(s, TOPICS, topics, frame);
  }

  /** A frame sent directly to one session (READY, its own GUILD_CREATEs...), stamped `s`. */
  appendDirect(s: number, sessionId: string, frame: string): void {
    this.#push(s, DIRECT, sessionId, frame);
  }

  /**
   * Frames with `s > seq` that went to one of `topics` or directly to `sessionId`, in `s`
   * order; [] when nothing matches. Null when the log no longer reaches back to `seq` (an
   * entry with `s > seq` was evicted, whoever it was for). A `seq` past the last entry
   * replays nothing: READY and RESUMED take stamps the log never sees, so only the gateway's
   * clock can tell a stamp it never gave (4007).
   * Replay does not evict by age: the age bound caps memory, it is not a resume deadline.
   */
  replay(seq: number, topics: TopicFilter, sessionId: string): string[] | null {
    return this.replayBatch(seq, topics, sessionId, Number.POSITIVE_INFINITY)?.frames ?? null;
  }

  /**
   * The next part of a replay: matching frames after `seq` up to about `maxBytes`
   * (at least one frame), and `through`, the stamp to continue from. `complete`
   * means nothing after `through` matches yet. Null as for `replay`. A resume
   * sends batches as the socket drains, so a long replay never meets the
   * socket's backpressure bound.
   */
  replayBatch(seq: number, topics: TopicFilter, sessionId: string, maxBytes: number): ReplayBatch | null {
    // Negated so a NaN seq is refused too.
    if (!(seq >= this.#evictedThrough)) return null;
    const frames: string[] = [];
    let bytes = 0;
    let through = seq;
    const mask = this.#stamps.length - 1;
    for (let i = this.#firstAfter(seq); i < this.#size; i++) {
      const slot = (this.#head + i) & mask;
      if (this.#matches(slot, topics, sessionId)) {
        const frame = this.#frames[slot] as string;
        if (frames.length > 0 && bytes + frame.length > maxBytes) return { frames, through, complete: false };
        frames.push(frame);
        bytes += frame.length;
      }
      through = this.#stamps[slot] as number;
    }
    return { frames, through: Math.max(seq, this.#lastStamp), complete: true };
  }

  /**
   * Frames with `s > seq` whose entry `accept` takes, in `s` order; null when the log no
   * longer reaches back to `seq`. `accept` sees the stamp, and the entry's topics (a direct
   * entry: null), session id (a topic entry: null) and the sessions a topic entry left out.
   * Used when a session moves between workers, where each topic has its own cut-off stamp.
   */
  collect(
    seq: number,
    accept: (s: number, topics: readonly string[] | null, sessionId: string | null, except: readonly string[]) => boolean,
  ): string[] | null {
    if (!(seq >= this.#evictedThrough)) return null;
    const frames: string[] = [];
    const mask = this.#stamps.length - 1;
    for (let i = this.#firstAfter(seq); i < this.#size; i++) {
      const slot = (this.#head + i) & mask;
      const [topics, sessionId, except] = this.#entryOf(slot);
      if (accept(this.#stamps[slot] as number, topics, sessionId, except)) frames.push(this.#frames[slot] as string);
    }
    return frames;
  }

  #matches(slot: number, topics: TopicFilter, sessionId: string): boolean {
    const key = this.#keys[slot] as EntryKey;
    switch (this.#kinds[slot]) {
      case DIRECT:
        return key === sessionId;
      case TOPIC:
        return topics.has(key as string);
      case TOPICS:
        return (key as readonly string[]).some((topic) => topics.has(topic));
      default: {
        const { topics: to, except } = key as TopicsExcept;
        return !except.includes(sessionId) && to.some((topic) => topics.has(topic));
      }
    }
  }

  /** An entry's topics (null for a direct one), session id (null for a topic one) and the sessions it left out. */
  #entryOf(slot: number): [readonly string[] | null, string | null, readonly string[]] {
    const key = this.#keys[slot] as EntryKey;
    switch (this.#kinds[slot]) {
      case DIRECT:
        return [null, key as string, NONE];
      case TOPIC:
        return [[key as string], null, NONE];
      case TOPICS:
        return [key as readonly string[], null, NONE];
      default:
        return [(key as TopicsExcept).topics, null, (key as TopicsExcept).except];
    }
  }

  /**
   * The entries kept, oldest first, to carry across a restart: `[s, topics or null, session
   * id or null, frame, sessions left out]`, what `collect` passes to its filter and the frame.
   */
  entries(): SavedEntry[] {
    const entries: SavedEntry[] = [];
    const mask = this.#stamps.length - 1;
    for (let i = 0; i < this.#size; i++) {
      const slot = (this.#head + i) & mask;
      const [topics, sessionId, except] = this.#entryOf(slot);
      entries.push([this.#stamps[slot] as number, topics, sessionId, this.#frames[slot] as string, except]);
    }
    return entries;
  }

  /**
   * Empties the log for a new epoch of stamps (the worker's counter restarts at 1): every
   * session that held a stamp of the old epoch has been told to IDENTIFY again.
   */
  reset(): void {
    this.#keys.fill("");
    this.#frames.fill("");
    this.#head = 0;
    this.#size = 0;
    this.#bytes = 0;
    this.#lastStamp = 0;
    this.#evictedThrough = 0;
  }

  /** Drops the entries older than the age bound now (append also does this). */
  evictExpired(): void {
    this.#evictAppendedBefore(this.#now() - this.#maxAgeMs);
  }

  #push(s: number, kind: number, key: EntryKey, frame: string): void {
    if (!(s > this.#lastStamp)) {
      throw new RangeError(`ResumeLog: stamp ${s} is not above the last one (${this.#lastStamp})`);
    }
    const now = this.#now();
    this.#evictAppendedBefore(now - this.#maxAgeMs);
    if (this.#size === this.#stamps.length) this.#grow();
    const slot = (this.#head + this.#size) & (this.#stamps.length - 1);
    this.#stamps[slot] = s;
    this.#times[slot] = now;
    this.#kinds[slot] = kind;
    this.#keys[slot] = key;
    this.#frames[slot] = frame;
    this.#size++;
    this.#bytes += frame.length + RESUME_ENTRY_OVERHEAD;
    this.#lastStamp = s;
    // A frame larger than the whole bound evicts itself too: it cannot be replayed, and
    // evictedThrough then says so to any seq before it.
    while (this.#bytes > this.#maxBytes) this.#evictOldest();
  }

  /** Evicts from the oldest end while entries were appended before `cutoff` (ms). */
  #evictAppendedBefore(cutoff: number): void {
    while (this.#size > 0 && (this.#times[this.#head] as number) < cutoff) this.#evictOldest();
  }

  #evictOldest(): void {
    const slot = this.#head;
    this.#evictedThrough = this.#stamps[slot] as number;
    this.#bytes -= (this.#frames[slot] as string).length + RESUME_ENTRY_OVERHEAD;
    // Release the strings now; a slot is otherwise only overwritten a lap later.
    this.#keys[slot] = "";
    this.#frames[slot] = "";
    this.#head = (slot + 1) & (this.#stamps.length - 1);
    this.#size--;
  }

  /** Index (0 = oldest) of the first entry with a stamp above `seq`, or `size` if none. */
  #firstAfter(seq: number): number {
    const mask = this.#stamps.length - 1;
    let lo = 0;
    let hi = this.#size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#stamps[(this.#head + mid) & mask] as number) > seq) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Doubles capacity, unwrapping the entries so the oldest sits at slot 0. */
  #grow(): void {
    const capacity = this.#stamps.length * 2;
    const order = (i: number) => (this.#head + i) & (this.#stamps.length - 1);
    const stamps = new Float64Array(capacity);
    const times = new Float64Array(capacity);
    const kinds = new Uint8Array(capacity);
    const keys: EntryKey[] = new Array<string>(capacity).fill("");
    const frames = new Array<string>(capacity).fill("");
    for (let i = 0; i < this.#size; i++) {
      const slot = order(i);
      stamps[i] = this.#stamps[slot] as number;
      times[i] = this.#times[slot] as number;
      kinds[i] = this.#kinds[slot] as number;
      keys[i] = this.#keys[slot] as EntryKey;
      frames[i] = this.#frames[slot] as string;
    }
    this.#stamps = stamps;
    this.#times = times;
    this.#kinds = kinds;
    this.#keys = keys;
    this.#frames = frames;
    this.#head = 0;
  }
}

/**
 * Who holds which chunks of one member list, on the list's owner: per chunk, how many
 * sessions hold it on each worker (an update goes once to each of those workers), and per
 * member, its sessions' holds (so a member that loses sight of the list can be let go of it).
 */
import type { WorkerId } from "./guilds.ts";

/** One session's hold of one chunk. */
interface Hold {
  worker: WorkerId;
  readonly chunk: number;
}

export class ListHolds {
  /** Per chunk, the sessions holding it, per worker. */
  readonly #byChunk = new Map<number, Map<WorkerId, number>>();
  /** The same holds by member. */
  readonly #byMember = new Map<string, Hold[]>();

  /** A session of `userId` on `worker` holds `chunks`. */
  hold(userId: string, worker: WorkerId, chunks: readonly number[]): void {
    const holds = this.#byMember.get(userId) ?? [];
    this.#byMember.set(userId, holds);
    for (const chunk of chunks) {
      holds.push({ worker, chunk });
      this.#count(chunk, worker, 1);
    }
  }

  /** A session of `userId` lets go of chunks it held (those already let go of are skipped). */
  release(userId: string, worker: WorkerId, chunks: readonly number[]): void {
    const holds = this.#byMember.get(userId);
    if (!holds) return;
    for (const chunk of chunks) {
      const at = holds.findIndex((hold) => hold.worker === worker && hold.chunk === chunk);
      if (at < 0) continue;
      holds.splice(at, 1);
      this.#count(chunk, worker, -1);
    }
    if (holds.length === 0) this.#byMember.delete(userId);
  }

  /** A session's hold of `chunk` moved from worker `from` to `to`; false if it holds it no more. */
  move(userId: string, chunk: number, from: WorkerId, to: WorkerId): boolean {
    const hold = this.#byMember.get(userId)?.find((held) => held.worker === from && held.chunk === chunk);
    if (!hold) return false;
    hold.worker = to;
    this.#count(chunk, from, -1);
    this.#count(chunk, to, 1);
    return true;
  }

  /** Whether any session of the member holds a chunk. */
  has(userId: string): boolean {
    return this.#byMember.has(userId);
  }

  /** Lets go of every hold of the member's sessions. */
  letGo(userId: string): void {
    for (const { worker, chunk } of this.#byMember.get(userId) ?? []) this.#count(chunk, worker, -1);
    this.#byMember.delete(userId);
  }

  /** The members holding chunks. */
  members(): IterableIterator<string> {
    return this.#byMember.keys();
  }

  /** The chunks held, ascending. */
  chunks(): number[] {
    return [...this.#byChunk.keys()].sort((a, b) => a - b);
  }

  /** The workers with sessions holding `chunk`. */
  workersOf(chunk: number): IterableIterator<WorkerId> {
    return (this.#byChunk.get(chunk) ?? new Map<WorkerId, number>()).keys();
  }

  #count(chunk: number, worker: WorkerId, delta: number): void {
    const workers = this.#byChunk.get(chunk) ?? new Map<WorkerId, number>();
    const count = (workers.get(worker) ?? 0) + delta;
    if (count > 0) workers.set(worker, count);
    else workers.delete(worker);
    if (workers.size > 0) this.#byChunk.set(chunk, workers);
    else this.#byChunk.delete(chunk);
  }
}

/**
 * How `MemberList.flush` turns its log of flat-list edits into the ops for one 100-item
 * window (a chunk a client holds): replay the edits against the window, then plan the
 * deletes, inserts and updates that take the client's items to the new ones.
 */
/** Items per chunk: op 14 ranges are served as chunks `[100k, 100k + 99]`. */
export const CHUNK_SIZE = 100;

// An edit is `index * 4 + kind`: one number per edit, in a plain array.
export const INSERT = 0;
export const DELETE = 1;
export const UPDATE = 2;

/** How many items of a list of `length` fall in the chunk starting at `start`. */
export function windowCount(length: number, start: number): number {
  return Math.max(0, Math.min(CHUNK_SIZE, length - start));
}

/** An entry of a tracked window: the client's item at window position p (p >= 0), or not the client's. */
const FRESH = -1;
/** Or-ed into a client's entry whose member was updated in place. */
const DIRTY = 0x100;

/**
 * Where the client's items of one window are after the edits: a run of the list starting at
 * flat index `offset`, whose entries are window positions p of the client's items now there
 * (maybe | DIRTY), or FRESH. `entries` is undefined while no edit has fallen inside the run,
 * which then still is the client's `oldCount` items in order.
 */
export interface TrackedWindow {
  offset: number;
  entries: number[] | undefined;
}

/**
 * Replays the edits against one window. Edits before the run move `offset`, edits after it
 * change nothing, and only edits inside it touch (and first materialise) `entries`, so the
 * run stays about window-sized and most chunks cost one pass over the log.
 */
export function trackWindow(edits: readonly number[], start: number, oldCount: number): TrackedWindow {
  let entries: number[] | undefined;
  let offset = start;
  for (const edit of edits) {
    const kind = edit % 4;
    const at = (edit - kind) / 4 - offset;
    if (at < 0) {
      if (kind !== UPDATE) offset += kind === INSERT ? 1 : -1;
    } else if (at < (entries?.length ?? oldCount)) {
      entries ??= Array.from({ length: oldCount }, (_, p) => p);
      if (kind === INSERT) entries.splice(at, 0, FRESH);
      else if (kind === DELETE) entries.splice(at, 1);
      else if ((entries[at] as number) >= 0) entries[at] = (entries[at] as number) | DIRTY;
    }
  }
  return { offset, entries };
}

/** Window positions to DELETE (client's, descending), then INSERT and UPDATE (new, ascending). */
export interface WindowPlan {
  deletes: number[];
  inserts: number[];
  updates: number[];
}

/**
 * The edit script from the client's window (`oldCount` items) to the new one (`newCount`):
 * delete the client's items that are no longer in the window, insert the new ones, and UPDATE
 * kept members that were updated in place. Kept items keep their relative order (the log only
 * splices), so deleting from the highest position down and then inserting from the lowest up
 * leaves every item in place.
 */
export function planWindow(tracked: TrackedWindow, start: number, oldCount: number, newCount: number): WindowPlan {
  const { offset, entries } = tracked;
  const length = entries?.length ?? oldCount;
  const kept = new Uint8Array(oldCount);
  const plan: WindowPlan = { deletes: [], inserts: [], updates: [] };
  for (let j = 0; j < newCount; j++) {
    const r = start + j - offset;
    const entry = r < 0 || r >= length ? FRESH : entries === undefined ? r : (entries[r] as number);
    if (entry === FRESH) plan.inserts.push(j);
    else {
      kept[entry & (DIRTY - 1)] = 1;
      if (entry & DIRTY) plan.updates.push(j);
    }
  }
  for (let p = oldCount - 1; p >= 0; p--) if (kept[p] === 0) plan.deletes.push(p);
  return plan;
}

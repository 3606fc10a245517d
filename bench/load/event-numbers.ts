/**
 * What the generator needs to tell a duplicate from a new delivery: each event carries its
 * number `n` right after `t0` (`{"t0":…,"n":123,…}`, measure.ts), read from the frame's bytes
 * here, and each session keeps the numbers it got since the phase began, one bit each.
 */

/** Numbers at or above this are not tracked (a bound on the bitmap, far above any phase's count). */
export const MAX_EVENT_NUMBER = 1 << 24;

/** The event number in `,"n":123` at `p` (right after t0's digits), or -1 when there is none. */
export function eventNumberAt(buffer: Uint8Array, p: number): number {
  // , " n " :
  if (buffer[p] !== 44 || buffer[p + 1] !== 34 || buffer[p + 2] !== 110 || buffer[p + 3] !== 34 || buffer[p + 4] !== 58) return -1;
  p += 5;
  let c = buffer[p] ?? 0;
  if (c < 48 || c > 57) return -1;
  let n = 0;
  while (c >= 48 && c <= 57) {
    n = n * 10 + (c - 48);
    c = buffer[++p] ?? 0;
  }
  return n;
}

/** The event numbers one session got, one bit each, grown as numbers come. */
export class EventSet {
  #bits = new Uint8Array(0);

  /** Marks `n` as received; true if it already was. Numbers outside [0, MAX_EVENT_NUMBER) are not tracked (false). */
  add(n: number): boolean {
    if (!(n >= 0 && n < MAX_EVENT_NUMBER)) return false;
    const byte = n >> 3;
    if (byte >= this.#bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.#bits.length * 2, 16));
      grown.set(this.#bits);
      this.#bits = grown;
    }
    const bit = 1 << (n & 7);
    const had = (this.#bits[byte] as number) & bit;
    this.#bits[byte] = (this.#bits[byte] as number) | bit;
    return had !== 0;
  }

  clear(): void {
    this.#bits.fill(0);
  }
}

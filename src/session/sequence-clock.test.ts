import { describe, expect, test } from "bun:test";
import { SEQUENCE_EPOCH_US, SequenceClock } from "./sequence-clock.ts";

/** A clock that returns the queued readings (µs since the Unix epoch) in turn. */
const readings = (...values: number[]) => {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)] ?? 0;
};

describe("SequenceClock", () => {
  test("the epoch constant is 2025-01-01T00:00:00Z in µs", () => {
    expect(SEQUENCE_EPOCH_US).toBe(Date.UTC(2025, 0, 1) * 1000);
    expect(SEQUENCE_EPOCH_US).toBe(1_735_689_600_000 * 1000);
  });

  test("stamps are the clock's µs since the epoch", () => {
    const clock = new SequenceClock(readings(SEQUENCE_EPOCH_US + 5, SEQUENCE_EPOCH_US + 90));
    expect(clock.next()).toBe(5);
    expect(clock.next()).toBe(90);
  });

  test("fractional readings are floored to whole µs", () => {
    // Near 1.7e15 a double resolves 0.25 µs, so 7.75 is exact.
    const clock = new SequenceClock(readings(SEQUENCE_EPOCH_US + 7.75));
    expect(clock.next()).toBe(7);
  });

  test("a tie yields the previous stamp + 1, then the clock takes over again", () => {
    const t = SEQUENCE_EPOCH_US + 1000;
    const clock = new SequenceClock(readings(t, t, t, t + 10));
    expect([clock.next(), clock.next(), clock.next(), clock.next()]).toEqual([1000, 1001, 1002, 1010]);
  });

  test("a run of ties that overtakes the clock keeps counting until the clock passes it", () => {
    const t = SEQUENCE_EPOCH_US + 1000;
    const clock = new SequenceClock(readings(t, t, t, t + 2, t + 3));
    expect([clock.next(), clock.next(), clock.next(), clock.next(), clock.next()]).toEqual([
      1000, 1001, 1002, 1003, 1004,
    ]);
  });

  test("a clock stepping backwards still yields increasing stamps", () => {
    const t = SEQUENCE_EPOCH_US + 5_000_000;
    const clock = new SequenceClock(readings(t, t - 3_000_000, t - 2_999_999, t + 1));
    expect([clock.next(), clock.next(), clock.next(), clock.next()]).toEqual([
      5_000_000, 5_000_001, 5_000_002, 5_000_003,
    ]);
  });

  test("a clock before the epoch starts at 1, never 0 or below", () => {
    const clock = new SequenceClock(readings(0, 0));
    expect([clock.next(), clock.next()]).toEqual([1, 2]);
  });

  test("last is 0 before the first stamp, then the latest stamp", () => {
    const clock = new SequenceClock(readings(SEQUENCE_EPOCH_US + 30, SEQUENCE_EPOCH_US + 30));
    expect(clock.last).toBe(0);
    clock.next();
    clock.next();
    expect(clock.last).toBe(31);
  });

  test("instances are independent", () => {
    const t = SEQUENCE_EPOCH_US + 40;
    const a = new SequenceClock(() => t);
    const b = new SequenceClock(() => t);
    expect([a.next(), a.next(), b.next()]).toEqual([40, 41, 40]);
  });

  test("the default clock is strictly increasing over 1e5 calls", () => {
    const clock = new SequenceClock();
    let previous = clock.next();
    let violations = 0;
    for (let i = 0; i < 100_000; i++) {
      const s = clock.next();
      if (!(s > previous) || !Number.isSafeInteger(s)) violations++;
      previous = s;
    }
    expect(violations).toBe(0);
  });

  test("the default clock reads real time", () => {
    const before = (Date.now() - 1000) * 1000 - SEQUENCE_EPOCH_US;
    const s = new SequenceClock().next();
    const after = (Date.now() + 1000) * 1000 - SEQUENCE_EPOCH_US;
    expect(s).toBeGreaterThanOrEqual(before);
    expect(s).toBeLessThanOrEqual(after);
    expect(Number.isSafeInteger(s)).toBe(true);
  });
});

import { describe, expect, test } from "bun:test";
import { IdentifyLimit } from "./identify-limit.ts";

/** A clock the test moves by hand, in ms. */
const manualClock = () => {
  const clock = { t: 0, now: () => clock.t };
  return clock;
};

describe("IdentifyLimit", () => {
  test("a second identify in the same bucket within 5 s is refused", () => {
    const clock = manualClock();
    const limit = new IdentifyLimit(1, 5000, clock.now);
    expect(limit.tryStart("u1", 0)).toBe(true);
    clock.t = 4999;
    expect(limit.tryStart("u1", 0)).toBe(false);
  });

  test("with maxConcurrency 1 every shard shares one bucket", () => {
    const clock = manualClock();
    const limit = new IdentifyLimit(1, 5000, clock.now);
    expect(limit.tryStart("u1", 0)).toBe(true);
    expect(limit.tryStart("u1", 1)).toBe(false);
    expect(limit.tryStart("u1", 7)).toBe(false);
  });

  test("shards 0 and 1 with maxConcurrency 2 are different buckets; shard 2 shares bucket 0", () => {
    const clock = manualClock();
    const limit = new IdentifyLimit(2, 5000, clock.now);
    expect(limit.tryStart("u1", 0)).toBe(true);
    expect(limit.tryStart("u1", 1)).toBe(true);
    expect(limit.tryStart("u1", 2)).toBe(false);
    expect(limit.tryStart("u1", 3)).toBe(false);
    expect(limit.size).toBe(2);
  });

  test("users do not share buckets", () => {
    const clock = manualClock();
    const limit = new IdentifyLimit(1, 5000, clock.now);
    expect(limit.tryStart("u1", 0)).toBe(true);
    expect(limit.tryStart("u2", 0)).toBe(true);
  });

  test("the bucket opens again once 5 s have passed since the accepted identify", () => {
    const clock = manualClock();
    clock.t = 1000;
    const limit = new IdentifyLimit(1, 5000, clock.now);
    expect(limit.tryStart("u1", 0)).toBe(true);
    clock.t = 3000;
    expect(limit.tryStart("u1", 0)).toBe(false); // refused tries do not extend the window
    clock.t = 6000;
    expect(limit.tryStart("u1", 0)).toBe(true);
    clock.t = 10_999;
    expect(limit.tryStart("u1", 0)).toBe(false);
  });

  test("resetAfterMs counts down to 0", () => {
    const clock = manualClock();
    const limit = new IdentifyLimit(2, 5000, clock.now);
    expect(limit.resetAfterMs("u1", 0)).toBe(0);
    limit.tryStart("u1", 0);
    clock.t = 1200;
    expect(limit.resetAfterMs("u1", 0)).toBe(3800);
    expect(limit.resetAfterMs("u1", 2)).toBe(3800);
    expect(limit.resetAfterMs("u1", 1)).toBe(0);
    clock.t = 5000;
    expect(limit.resetAfterMs("u1", 0)).toBe(0);
    clock.t = 9000;
    expect(limit.resetAfterMs("u1", 0)).toBe(0);
  });

  test("100k distinct users, then time passes: the windows are forgotten", () => {
    const clock = manualClock();
    const limit = new IdentifyLimit(1, 5000, clock.now);
    for (let i = 0; i < 100_000; i++) {
      clock.t = Math.floor(i / 25); // 25 per ms, all within 4 s
      limit.tryStart(`user${i}`, 0);
    }
    expect(limit.size).toBe(100_000);
    clock.t = 6999; // the windows opened at t <= 1999 (the first 50 000) have ended
    expect(limit.size).toBe(50_000);
    clock.t = 9000;
    expect(limit.size).toBe(0);
    expect(limit.tryStart("user0", 0)).toBe(true);
    expect(limit.size).toBe(1);
  });

  test("a steady stream of new users keeps only the last window's worth", () => {
    const clock = manualClock();
    const limit = new IdentifyLimit(1, 5000, clock.now);
    let peak = 0;
    for (let i = 0; i < 100_000; i++) {
      clock.t = i; // one new user per ms
      limit.tryStart(`user${i}`, 0);
      if (i % 1000 === 0) peak = Math.max(peak, limit.size);
    }
    expect(peak).toBe(5000);
    expect(limit.size).toBe(5000);
  });

  test("invalid arguments are refused", () => {
    expect(() => new IdentifyLimit(0)).toThrow(RangeError);
    expect(() => new IdentifyLimit(1.5)).toThrow(RangeError);
    const limit = new IdentifyLimit(2, 5000, () => 0);
    expect(() => limit.tryStart("u1", -1)).toThrow(RangeError);
    expect(() => limit.tryStart("u1", 0.5)).toThrow(RangeError);
  });
});

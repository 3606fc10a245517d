import { describe, expect, test } from "bun:test";
import { FrameRateLimit, type FrameWindow } from "./frame-rate-limit.ts";

/** A clock the test moves by hand, in ms. */
const manualClock = () => {
  const clock = { t: 0, now: () => clock.t };
  return clock;
};

/** One connection under `limit`, as a gateway counts it (the window lives in the socket's data). */
const connection = (limit: FrameRateLimit) => {
  const window: FrameWindow = { frameWindowStart: 0, frameCount: 0 };
  return { hit: () => limit.hit(window) };
};

/** Hits `n` times and returns how many were allowed. */
const hits = (limit: { hit(): boolean }, n: number) => {
  let allowed = 0;
  for (let i = 0; i < n; i++) if (limit.hit()) allowed++;
  return allowed;
};

describe("FrameRateLimit", () => {
  test("allows 120 frames in 60 s and refuses the 121st", () => {
    const clock = manualClock();
    const limit = connection(new FrameRateLimit(undefined, undefined, clock.now));
    expect(hits(limit, 120)).toBe(120);
    clock.t = 59_999;
    expect(limit.hit()).toBe(false);
  });

  test("the window is fixed from the first frame, not sliding", () => {
    const clock = manualClock();
    clock.t = 1_000;
    const limit = connection(new FrameRateLimit(3, 10_000, clock.now));
    expect(limit.hit()).toBe(true); // opens the window [1000, 11000)
    clock.t = 10_000;
    expect(hits(limit, 2)).toBe(2);
    clock.t = 10_999;
    expect(limit.hit()).toBe(false);
    // A sliding window would still count the frames at 10 000; the fixed one has ended.
    clock.t = 11_000;
    expect(hits(limit, 3)).toBe(3);
    expect(limit.hit()).toBe(false);
  });

  test("the next window opens at the first frame after the old one ends, not at its edge", () => {
    const clock = manualClock();
    const limit = connection(new FrameRateLimit(2, 1_000, clock.now));
    expect(hits(limit, 2)).toBe(2);
    clock.t = 5_500; // window [5500, 6500)
    expect(hits(limit, 2)).toBe(2);
    clock.t = 6_499;
    expect(limit.hit()).toBe(false);
    clock.t = 6_500;
    expect(limit.hit()).toBe(true);
  });

  test("refused frames count too, so a flood stays refused until the window ends", () => {
    const clock = manualClock();
    const limit = connection(new FrameRateLimit(1, 1_000, clock.now));
    expect(limit.hit()).toBe(true);
    expect(hits(limit, 50)).toBe(0);
    clock.t = 1_000;
    expect(limit.hit()).toBe(true);
  });

  test("a first frame at clock 0 opens the window there", () => {
    const clock = manualClock();
    const limit = connection(new FrameRateLimit(1, 1_000, clock.now));
    expect(limit.hit()).toBe(true);
    clock.t = 999;
    expect(limit.hit()).toBe(false);
  });

  test("one limit counts each connection on its own", () => {
    const clock = manualClock();
    const shared = new FrameRateLimit(2, 1_000, clock.now);
    const a = connection(shared);
    const b = connection(shared);
    expect(hits(a, 3)).toBe(2);
    expect(hits(b, 2)).toBe(2);
    expect(b.hit()).toBe(false);
  });
});

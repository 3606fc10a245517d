import { describe, expect, test } from "bun:test";
import { DEFAULT_RESUME_LOG_AGE_MS, DEFAULT_RESUME_LOG_BYTES, RESUME_ENTRY_OVERHEAD, ResumeLog } from "./resume-log.ts";

/** A clock the test moves by hand, in ms. */
const manualClock = () => {
  const clock = { t: 0, now: () => clock.t };
  return clock;
};

const topics = (...names: string[]): ReadonlySet<string> => new Set(names);

/** A frame whose byte cost in the log is exactly `cost`. */
const frameCosting = (cost: number, tag: string) => tag.padEnd(cost - RESUME_ENTRY_OVERHEAD, ".");

describe("ResumeLog", () => {
  test("defaults are 64 MiB and 5 minutes", () => {
    expect(DEFAULT_RESUME_LOG_BYTES).toBe(67_108_864);
    expect(DEFAULT_RESUME_LOG_AGE_MS).toBe(300_000);
    const log = new ResumeLog();
    expect([log.size, log.bytes, log.evictedThrough]).toEqual([0, 0, 0]);
  });

  test("reset empties the log so a new epoch's stamps start again at 1", () => {
    const log = new ResumeLog();
    log.append(2_000_000_000, "a", "old1");
    log.appendDirect(2_000_000_001, "S", "old2");
    log.reset();
    expect([log.size, log.bytes, log.evictedThrough]).toEqual([0, 0, 0]);
    log.append(1, "a", "new1");
    log.appendDirect(2, "S", "new2");
    expect(log.replay(0, topics("a"), "S")).toEqual(["new1", "new2"]);
  });

  test("a frame to topics that left sessions out is replayed, collected and saved without them", () => {
    const log = new ResumeLog();
    log.appendToTopics(1, ["a", "b"], "stripped", ["S"]);
    log.appendDirect(2, "S", "own copy");
    expect(log.replay(0, topics("a"), "S")).toEqual(["own copy"]);
    expect(log.replay(0, topics("b"), "T")).toEqual(["stripped"]);
    expect(log.collect(0, (_, to, directTo, except) => directTo === "S" || (to !== null && !except.includes("S")))).toEqual(["own copy"]);
    expect(log.entries()).toEqual([
      [1, ["a", "b"], null, "stripped", ["S"]],
      [2, null, "S", "own copy", []],
    ]);
  });

  test("replay returns the frames after seq in s order", () => {
    const log = new ResumeLog();
    log.append(10, "a", "f10");
    log.append(20, "b", "f20");
    log.append(35, "a", "f35");
    log.append(36, "b", "f36");
    expect(log.replay(0, topics("a", "b"), "S")).toEqual(["f10", "f20", "f35", "f36"]);
    expect(log.replay(20, topics("a", "b"), "S")).toEqual(["f35", "f36"]);
    expect(log.replay(21, topics("a", "b"), "S")).toEqual(["f35", "f36"]);
    expect(log.replay(35, topics("a", "b"), "S")).toEqual(["f36"]);
  });

  test("replay keeps only the session's topics", () => {
    const log = new ResumeLog();
    log.append(1, "g:1:0:0", "x1");
    log.append(2, "g:1:7:0", "y2");
    log.append(3, "g:2:0:0", "z3");
    log.append(4, "g:1:0:0", "x4");
    expect(log.replay(0, topics("g:1:0:0"), "S")).toEqual(["x1", "x4"]);
    expect(log.replay(0, topics("g:1:0:0", "g:2:0:0"), "S")).toEqual(["x1", "z3", "x4"]);
    expect(log.replay(0, topics(), "S")).toEqual([]);
  });

  test("direct frames go only to their session, interleaved with topic frames by s", () => {
    const log = new ResumeLog();
    log.appendDirect(1, "S1", "ready-S1");
    log.append(2, "t", "t2");
    log.appendDirect(3, "S2", "ready-S2");
    log.appendDirect(4, "S1", "guild-S1");
    log.append(5, "t", "t5");
    expect(log.replay(0, topics("t"), "S1")).toEqual(["ready-S1", "t2", "guild-S1", "t5"]);
    expect(log.replay(0, topics(), "S2")).toEqual(["ready-S2"]);
    expect(log.replay(3, topics("t"), "S2")).toEqual(["t5"]);
  });

  test("a topic named like a session id does not receive that session's direct frames", () => {
    const log = new ResumeLog();
    log.appendDirect(1, "S1", "direct");
    log.append(2, "S1", "published");
    expect(log.replay(0, topics("S1"), "other")).toEqual(["published"]);
    expect(log.replay(0, topics(), "S1")).toEqual(["direct"]);
  });

  test("bytes count frame length plus 64 per entry", () => {
    const log = new ResumeLog();
    log.append(1, "t", "abc");
    log.appendDirect(2, "S", "");
    expect(log.bytes).toBe(3 + 64 + 0 + 64);
    expect(log.size).toBe(2);
  });

  test("the byte bound evicts oldest first; an older seq gets null, a newer one a full replay", () => {
    const log = new ResumeLog({ maxBytes: 300 });
    for (let s = 1; s <= 3; s++) log.append(s, "t", frameCosting(100, `f${s}`));
    expect([log.size, log.bytes, log.evictedThrough]).toEqual([3, 300, 0]);

    log.append(4, "t", frameCosting(100, "f4"));
    expect([log.size, log.bytes, log.evictedThrough]).toEqual([3, 300, 1]);
    expect(log.replay(0, topics("t"), "S")).toBeNull();
    const tags = (frames: string[] | null) => frames?.map((f) => f.replace(/\.+$/, ""));
    expect(tags(log.replay(1, topics("t"), "S"))).toEqual(["f2", "f3", "f4"]);
    expect(tags(log.replay(2, topics("t"), "S"))).toEqual(["f3", "f4"]);
  });

  test("a large frame evicts as many old entries as it needs", () => {
    const log = new ResumeLog({ maxBytes: 300 });
    for (let s = 1; s <= 3; s++) log.append(s, "t", frameCosting(100, `f${s}`));
    log.append(4, "t", frameCosting(250, "big"));
    expect([log.size, log.bytes, log.evictedThrough]).toEqual([1, 250, 3]);
  });

  test("a frame larger than the whole bound evicts itself, so no seq before it replays", () => {
    const log = new ResumeLog({ maxBytes: 300 });
    log.append(1, "t", frameCosting(100, "f1"));
    log.append(2, "t", frameCosting(301, "huge"));
    expect([log.size, log.bytes, log.evictedThrough]).toEqual([0, 0, 2]);
    expect(log.replay(1, topics("t"), "S")).toBeNull();
    expect(log.replay(2, topics("t"), "S")).toEqual([]);
  });

  test("an eviction counts against every session, even those not subscribed to the evicted topic", () => {
    const log = new ResumeLog({ maxBytes: 200 });
    log.append(1, "other", frameCosting(100, "o1"));
    log.append(2, "mine", frameCosting(100, "m2"));
    log.append(3, "mine", frameCosting(100, "m3"));
    // s=1 is gone; the log cannot prove the session missed nothing before s=2.
    expect(log.replay(0, topics("mine"), "S")).toBeNull();
  });

  test("seq exactly at evictedThrough replays; one below is null", () => {
    const log = new ResumeLog({ maxBytes: 200 });
    log.append(100, "t", frameCosting(100, "a"));
    log.append(200, "t", frameCosting(100, "b"));
    log.append(300, "t", frameCosting(100, "c"));
    expect(log.evictedThrough).toBe(100);
    expect(log.replay(100, topics("t"), "S")?.length).toBe(2);
    expect(log.replay(99, topics("t"), "S")).toBeNull();
    // Between the evicted stamp and the oldest kept one, nothing was missed.
    expect(log.replay(150, topics("t"), "S")?.length).toBe(2);
  });

  test("age eviction on append, with an injected clock", () => {
    const clock = manualClock();
    const log = new ResumeLog({ maxAgeMs: 1000, now: clock.now });
    log.append(1, "t", "f1");
    clock.t = 500;
    log.append(2, "t", "f2");
    clock.t = 1000;
    log.append(3, "t", "f3"); // f1 is exactly 1000 ms old: kept
    expect([log.size, log.evictedThrough]).toEqual([3, 0]);
    clock.t = 1001;
    log.append(4, "t", "f4"); // f1 is 1001 ms old: dropped
    expect([log.size, log.evictedThrough]).toEqual([3, 1]);
    expect(log.replay(0, topics("t"), "S")).toBeNull();
    expect(log.replay(1, topics("t"), "S")).toEqual(["f2", "f3", "f4"]);
  });

  test("evictExpired drops aged entries without an append; replay alone does not", () => {
    const clock = manualClock();
    const log = new ResumeLog({ maxAgeMs: 1000, now: clock.now });
    log.append(1, "t", "f1");
    clock.t = 400;
    log.append(2, "t", "f2");
    clock.t = 1300;
    expect(log.replay(0, topics("t"), "S")).toEqual(["f1", "f2"]);
    log.evictExpired();
    expect([log.size, log.bytes, log.evictedThrough]).toEqual([1, 2 + 64, 1]);
    clock.t = 5000;
    log.evictExpired();
    expect([log.size, log.bytes, log.evictedThrough]).toEqual([0, 0, 2]);
    expect(log.replay(2, topics("t"), "S")).toEqual([]);
    expect(log.replay(1, topics("t"), "S")).toBeNull();
  });

  test("a seq ahead of the last appended s replays nothing (READY's stamp is never logged)", () => {
    const log = new ResumeLog();
    expect(log.replay(1, topics("t"), "S")).toEqual([]);
    log.append(10, "t", "f10");
    expect(log.replay(11, topics("t"), "S")).toEqual([]);
    expect(log.replay(10, topics("t"), "S")).toEqual([]);
    expect(log.replay(9, topics("t"), "S")).toEqual(["f10"]);
  });

  test("an empty range replays as []", () => {
    const log = new ResumeLog();
    expect(log.replay(0, topics("t"), "S")).toEqual([]);
    log.append(5, "t", "f5");
    log.append(6, "u", "f6");
    expect(log.replay(5, topics("t"), "S")).toEqual([]);
    expect(log.replay(6, topics("t", "u"), "S")).toEqual([]);
  });

  test("a NaN seq is null", () => {
    const log = new ResumeLog();
    log.append(1, "t", "f1");
    expect(log.replay(Number.NaN, topics("t"), "S")).toBeNull();
  });

  test("append refuses a stamp that does not increase", () => {
    const log = new ResumeLog();
    log.append(5, "t", "a");
    expect(() => log.append(5, "t", "b")).toThrow(RangeError);
    expect(() => log.appendDirect(4, "S", "b")).toThrow(RangeError);
    expect(log.size).toBe(1);
  });

  test("non-positive bounds are refused", () => {
    expect(() => new ResumeLog({ maxBytes: 0 })).toThrow(RangeError);
    expect(() => new ResumeLog({ maxAgeMs: -1 })).toThrow(RangeError);
  });

  test("growing while the buffer has wrapped keeps s order", () => {
    const clock = manualClock();
    const log = new ResumeLog({ maxAgeMs: 1000, now: clock.now });
    let s = 0;
    for (; s < 600; ) log.append(++s, "t", `f${s}`);
    clock.t = 600;
    for (; s < 1000; ) log.append(++s, "t", `f${s}`);
    // The next append drops the first 600, so the next 1000 wrap past the end and then grow.
    clock.t = 1100;
    for (; s < 2000; ) log.append(++s, "t", `f${s}`);
    expect([log.size, log.evictedThrough]).toEqual([1400, 600]);
    const expected = Array.from({ length: 1400 }, (_, i) => `f${601 + i}`);
    expect(log.replay(600, topics("t"), "S")).toEqual(expected);
    expect(log.replay(1999, topics("t"), "S")).toEqual(["f2000"]);
  });

  test("100k appends stay within the byte bound and keep exactly the newest frames", () => {
    const maxBytes = 1 << 20;
    const log = new ResumeLog({ maxBytes });
    const costs: number[] = [];
    let over = 0;
    for (let s = 1; s <= 100_000; s++) {
      const frame = `{"op":0,"s":${s},"d":"${"x".repeat(s % 500)}"}`;
      costs.push(frame.length + RESUME_ENTRY_OVERHEAD);
      log.append(s, s % 3 === 0 ? "b" : "a", frame);
      if (log.bytes > maxBytes) over++;
    }
    expect(over).toBe(0);
    // What is kept is the longest suffix that fits, and bytes is its exact cost.
    let kept = 0;
    let sum = 0;
    const costFromEnd = (i: number) => costs[costs.length - 1 - i] as number;
    while (sum + costFromEnd(kept) <= maxBytes) sum += costFromEnd(kept++);
    expect(log.size).toBe(kept);
    expect(log.bytes).toBe(sum);
    expect(log.evictedThrough).toBe(100_000 - kept);
    const frames = log.replay(log.evictedThrough, topics("a", "b"), "S");
    expect(frames?.length).toBe(kept);
    expect(frames?.[0]).toStartWith(`{"op":0,"s":${100_001 - kept},`);
    expect(frames?.[kept - 1]).toStartWith(`{"op":0,"s":100000,`);
    const stampOf = (frame: string) => Number(/"s":(\d+)/.exec(frame)?.[1]);
    expect(log.replay(log.evictedThrough, topics("b"), "S")?.every((f) => stampOf(f) % 3 === 0)).toBe(true);
  });
});

describe("replayBatch", () => {
  test("batches concatenate to the whole replay, each within the byte budget (or one frame)", () => {
    const log = new ResumeLog();
    for (let s = 1; s <= 50; s++) log.append(s, s % 2 === 0 ? "mine" : "other", `frame${s}`.padEnd(s % 7 === 0 ? 40 : 10, "."));
    const whole = log.replay(3, topics("mine"), "S");
    const pieces: string[] = [];
    let seq = 3;
    for (let rounds = 0; rounds < 100; rounds++) {
      const batch = log.replayBatch(seq, topics("mine"), "S", 25);
      if (!batch) throw new Error("unexpected null");
      const bytes = batch.frames.reduce((sum, f) => sum + f.length, 0);
      expect(bytes <= 25 || batch.frames.length === 1).toBe(true);
      pieces.push(...batch.frames);
      seq = batch.through;
      if (batch.complete) break;
    }
    expect(pieces).toEqual(whole as string[]);
    expect(seq).toBe(50);
  });

  test("frames appended between batches are picked up by the next one", () => {
    const log = new ResumeLog();
    log.append(1, "t", "a");
    log.append(2, "t", "b");
    const first = log.replayBatch(0, topics("t"), "S", 1);
    expect(first).toEqual({ frames: ["a"], through: 1, complete: false });
    log.append(3, "t", "c");
    const rest = log.replayBatch(first?.through ?? 0, topics("t"), "S", 100);
    expect(rest).toEqual({ frames: ["b", "c"], through: 3, complete: true });
    expect(log.replayBatch(3, topics("t"), "S", 100)).toEqual({ frames: [], through: 3, complete: true });
  });

  test("is null once eviction passes the batch position", () => {
    const log = new ResumeLog({ maxBytes: 3 * (RESUME_ENTRY_OVERHEAD + 1) });
    log.append(1, "t", "a");
    log.append(2, "t", "b");
    const first = log.replayBatch(0, topics("t"), "S", 1);
    log.append(3, "t", "c");
    log.append(4, "t", "d");
    log.append(5, "t", "e");
    expect(log.replayBatch(first?.through ?? 0, topics("t"), "S", 1)).toBeNull();
  });
});

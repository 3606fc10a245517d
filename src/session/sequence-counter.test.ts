import { describe, expect, test } from "bun:test";
import { EPOCH_HEADROOM, MAX_SEQUENCE, SequenceCounter } from "./sequence-counter.ts";

describe("SequenceCounter", () => {
  test("counts from 1, one by one", () => {
    const counter = new SequenceCounter();
    expect(counter.last).toBe(0);
    expect([counter.next(), counter.next(), counter.next()]).toEqual([1, 2, 3]);
    expect(counter.last).toBe(3);
  });

  test("the limit is the largest signed 32-bit integer", () => {
    expect(MAX_SEQUENCE).toBe(2_147_483_647);
    expect(MAX_SEQUENCE | 0).toBe(MAX_SEQUENCE);
    expect((MAX_SEQUENCE + 1) | 0).toBeLessThan(0);
  });

  test("observe moves the counter ahead, never back", () => {
    const counter = new SequenceCounter();
    counter.next();
    counter.observe(1_000);
    expect(counter.next()).toBe(1_001);
    counter.observe(5);
    expect(counter.next()).toBe(1_002);
  });

  test("nearLimit turns on within the headroom of the limit", () => {
    const counter = new SequenceCounter(MAX_SEQUENCE - EPOCH_HEADROOM - 2);
    expect(counter.nearLimit).toBe(false);
    counter.next();
    expect(counter.nearLimit).toBe(false);
    counter.next();
    expect(counter.nearLimit).toBe(true);
  });

  test("a stamp past the limit is refused, never wrapped", () => {
    const counter = new SequenceCounter(MAX_SEQUENCE - 2);
    expect(counter.next()).toBe(MAX_SEQUENCE - 1);
    expect(counter.next()).toBe(MAX_SEQUENCE);
    expect(() => counter.next()).toThrow(RangeError);
    expect(counter.last).toBe(MAX_SEQUENCE);
    expect(() => counter.observe(MAX_SEQUENCE + 1)).toThrow(RangeError);
  });

  test("restart begins a new epoch at 1", () => {
    const counter = new SequenceCounter(MAX_SEQUENCE - 10);
    counter.next();
    counter.restart();
    expect(counter.last).toBe(0);
    expect(counter.next()).toBe(1);
  });

  test("start must be a count below the limit", () => {
    for (const start of [-1, 0.5, MAX_SEQUENCE, Number.NaN]) expect(() => new SequenceCounter(start)).toThrow(RangeError);
  });
});

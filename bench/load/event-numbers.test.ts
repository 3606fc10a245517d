import { expect, test } from "bun:test";
import { EventSet, eventNumberAt, MAX_EVENT_NUMBER } from "./event-numbers.ts";

test("the event number is read right after t0's digits, and -1 where there is none", () => {
  const frame = Buffer.from('{"op":0,"d":{"t0":1754000000000.125,"n":4071,"content":"x"},"s":9,"t":"LOAD_EVENT"}');
  const afterT0 = frame.indexOf(',"n":');
  expect(eventNumberAt(frame, afterT0)).toBe(4071);
  expect(eventNumberAt(frame, afterT0 - 1)).toBe(-1);
  expect(eventNumberAt(Buffer.from(',"n":x'), 0)).toBe(-1);
  expect(eventNumberAt(Buffer.from(',"n":7'), 0)).toBe(7);
});

test("an event number seen a second time is a duplicate, also past the bitmap's first size; clear forgets them", () => {
  const seen = new EventSet();
  expect([seen.add(3), seen.add(5), seen.add(3)]).toEqual([false, false, true]);
  expect([seen.add(100_000), seen.add(100_000), seen.add(5)]).toEqual([false, true, true]);
  seen.clear();
  expect([seen.add(3), seen.add(100_000)]).toEqual([false, false]);
  expect([seen.add(-1), seen.add(-1), seen.add(MAX_EVENT_NUMBER), seen.add(MAX_EVENT_NUMBER)]).toEqual([false, false, false, false]);
});

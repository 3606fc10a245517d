import { expect, test } from "bun:test";
import { SnowflakeGenerator } from "./snowflake.ts";

test("encodes the timestamp, worker and process as Discord does", () => {
  const ids = new SnowflakeGenerator(3, 5, () => 1_420_070_400_000 + 1000);
  const id = BigInt(ids.next());
  expect(id >> 22n).toBe(1000n);
  expect((id >> 17n) & 31n).toBe(3n);
  expect((id >> 12n) & 31n).toBe(5n);
});

test("stays strictly increasing when the clock stalls or steps back", () => {
  let now = 1_700_000_000_000;
  const ids = new SnowflakeGenerator(0, 0, () => now);
  const seen = [ids.next(), ids.next()];
  now -= 5000;
  seen.push(ids.next());
  const values = seen.map(BigInt);
  expect(values[1]! > values[0]! && values[2]! > values[1]!).toBe(true);
});

test("refuses a worker or process outside 0-31", () => {
  expect(() => new SnowflakeGenerator(32, 0)).toThrow(RangeError);
  expect(() => new SnowflakeGenerator(0, -1)).toThrow(RangeError);
});

test("two nodes' generators with the same worker and clock never make the same id; a new process id applies to the next", () => {
  const now = () => 1_700_000_000_000;
  const [a, b] = [new SnowflakeGenerator(0, 0, now), new SnowflakeGenerator(0, 1, now)];
  const made = Array.from({ length: 100 }, () => [a.next(), b.next()]).flat();
  expect(new Set(made).size).toBe(200);
  a.setProcess(7);
  const id = BigInt(a.next());
  expect((id >> 12n) & 31n).toBe(7n);
  expect(id > BigInt(made.at(-2) as string)).toBe(true);
  expect(() => a.setProcess(32)).toThrow(RangeError);
});

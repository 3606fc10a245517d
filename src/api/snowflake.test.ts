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

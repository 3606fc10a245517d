import { describe, expect, test } from "bun:test";
import { sourcesContaining } from "./test-helpers.ts";
import { discordTimestamp, snowflakeTime } from "./timestamp.ts";

describe("discordTimestamp", () => {
  test("writes Discord's form: microseconds and +00:00", () => {
    expect(discordTimestamp(Date.UTC(2026, 10, 26, 1, 45, 25, 796))).toBe("2026-11-26T01:45:25.796000+00:00");
    expect(discordTimestamp(0)).toBe("1970-01-01T00:00:00.000000+00:00");
    expect(discordTimestamp(1_420_070_400_001)).toBe("2015-01-01T00:00:00.001000+00:00");
  });

  test("reads back to the same millisecond", () => {
    const ms = Date.UTC(2031, 0, 2, 3, 4, 5, 67);
    expect(Date.parse(discordTimestamp(ms))).toBe(ms);
  });

  test("is the only way src/ writes a timestamp (no toISOString elsewhere)", () => {
    expect(sourcesContaining("toISOString(")).toEqual(["protocol/timestamp.ts"]);
  });
});

describe("snowflakeTime", () => {
  test("reads the time a snowflake was made (Discord's documented example)", () => {
    // docs: reference, "Snowflake ID Broken Down in Binary": 175928847299117063 -> 2016-04-30 11:18:25.796 UTC.
    expect(snowflakeTime("175928847299117063")).toBe(1_462_015_105_796);
    expect(snowflakeTime("0")).toBe(1_420_070_400_000);
  });
});

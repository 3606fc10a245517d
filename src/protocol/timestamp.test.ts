import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { discordTimestamp } from "./timestamp.ts";

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
    const src = join(import.meta.dir, "..");
    const offenders = readdirSync(src, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && file !== join("protocol", "timestamp.ts"))
      .filter((file) => readFileSync(join(src, file), "utf8").includes("toISOString("));
    expect(offenders).toEqual([]);
  });
});

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { jsonResponse } from "./json-response.ts";

describe("jsonResponse", () => {
  test("says application/json, exactly, with the status asked for", async () => {
    const response = jsonResponse({ code: 0, message: "x" }, { status: 404 });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ code: 0, message: "x" });
  });

  test("is the only way src/ builds a JSON answer (Bun's Response.json adds ;charset=utf-8)", () => {
    const src = join(import.meta.dir, "..");
    const offenders = readdirSync(src, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
      .filter((file) => readFileSync(join(src, file), "utf8").includes("Response.json("));
    expect(offenders).toEqual([]);
  });
});

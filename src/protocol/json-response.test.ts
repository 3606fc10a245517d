import { describe, expect, test } from "bun:test";
import { jsonResponse } from "./json-response.ts";
import { sourcesContaining } from "./test-helpers.ts";

describe("jsonResponse", () => {
  test("says application/json, exactly, with the status asked for", async () => {
    const response = jsonResponse({ code: 0, message: "x" }, { status: 404 });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ code: 0, message: "x" });
  });

  test("is the only way src/ builds a JSON answer (Bun's Response.json adds ;charset=utf-8)", () => {
    expect(sourcesContaining("Response.json(")).toEqual([]);
  });
});

import { afterEach, expect, spyOn, test } from "bun:test";
import { InternalErrors } from "./internal-errors.ts";

const logged = spyOn(console, "error").mockImplementation(() => {});
afterEach(() => logged.mockClear());

test("answers exactly 500 {code: 0, message: internal error} as application/json, whatever the error says", async () => {
  const errors = new InternalErrors();
  const response = errors.answer(new RangeError("user 1: privilegedIntents must be a subset of 33026"));
  expect(response.status).toBe(500);
  expect(response.headers.get("content-type")).toBe("application/json");
  expect(await response.text()).toBe('{"code":0,"message":"internal error"}');
});

test("logs each error once, with its stack, and counts it", () => {
  const errors = new InternalErrors();
  const error = new Error("boom");
  errors.answer(error);
  errors.answer("a thrown string");
  expect(errors.count).toBe(2);
  expect(logged).toHaveBeenCalledTimes(2);
  expect(String(logged.mock.calls[0]?.[0])).toContain(error.stack as string);
  expect(String(logged.mock.calls[1]?.[0])).toContain("a thrown string");
});

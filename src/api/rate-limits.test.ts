import { describe, expect, test } from "bun:test";
import { RateLimits } from "./rate-limits.ts";

/** A limiter on a clock the test moves. */
function limiter(routeLimit: number, windowMs: number, globalLimit: number) {
  const clock = { now: 1_000_000 };
  return { clock, limits: new RateLimits({ routeLimit, windowMs, globalLimit, now: () => clock.now }) };
}

const headersOf = (taken: ReturnType<RateLimits["take"]>): Record<string, string> => {
  if ("refused" in taken) throw new Error("refused");
  return taken.headers;
};

describe("RateLimits", () => {
  test("a bucket counts down, refuses with retry_after until its window ends, then starts again", async () => {
    const { clock, limits } = limiter(2, 5000, 0);
    expect(headersOf(limits.take("u", "GET /x", "1"))).toMatchObject({ "x-ratelimit-limit": "2", "x-ratelimit-remaining": "1", "x-ratelimit-reset-after": "5.000", "x-ratelimit-reset": "1005.000" });
    clock.now += 1500;
    expect(headersOf(limits.take("u", "GET /x", "1"))).toMatchObject({ "x-ratelimit-remaining": "0", "x-ratelimit-reset-after": "3.500" });
    const refused = limits.take("u", "GET /x", "1");
    if (!("refused" in refused)) throw new Error("not refused");
    expect(refused.refused.status).toBe(429);
    expect(await refused.refused.json()).toEqual({ message: "You are being rate limited.", retry_after: 3.5, global: false });
    expect(refused.refused.headers.get("retry-after")).toBe("4");
    clock.now += 3500;
    expect(headersOf(limits.take("u", "GET /x", "1"))["x-ratelimit-remaining"]).toBe("1");
  });

  test("buckets are per user, route and major parameter, and share the route's bucket id", () => {
    const { limits } = limiter(1, 1000, 0);
    const first = headersOf(limits.take("u", "GET /x", "1"));
    expect(headersOf(limits.take("u", "GET /x", "2"))["x-ratelimit-bucket"]).toBe(first["x-ratelimit-bucket"] as string);
    expect("headers" in limits.take("v", "GET /x", "1")).toBe(true);
    expect(headersOf(limits.take("u", "POST /x", "1"))["x-ratelimit-bucket"]).not.toBe(first["x-ratelimit-bucket"] as string);
    expect("refused" in limits.take("u", "GET /x", "1")).toBe(true);
  });

  test("the global limit is per user per second, across routes: 429 with global true and X-RateLimit-Global", async () => {
    const { clock, limits } = limiter(0, 1000, 2);
    expect(limits.take("u", "GET /a", "")).toEqual({ headers: {} });
    expect(limits.take("u", "GET /b", "")).toEqual({ headers: {} });
    const refused = limits.take("u", "GET /c", "");
    if (!("refused" in refused)) throw new Error("not refused");
    expect(refused.refused.headers.get("x-ratelimit-global")).toBe("true");
    expect(await refused.refused.json()).toMatchObject({ global: true, retry_after: 1 });
    expect("headers" in limits.take("v", "GET /c", "")).toBe(true);
    clock.now += 1000;
    expect("headers" in limits.take("u", "GET /c", "")).toBe(true);
  });
});

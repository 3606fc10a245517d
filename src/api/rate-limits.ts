/**
 * REST rate limits as Discord signals them (docs: topics/rate-limits): every answer of a
 * limited route carries `X-RateLimit-Limit`, `-Remaining`, `-Reset` (epoch seconds),
 * `-Reset-After` (seconds) and `-Bucket` (an opaque id of the route's bucket); over a limit the
 * answer is 429 `{message, retry_after, global}` with `Retry-After`, `X-RateLimit-Scope: user`,
 * and `X-RateLimit-Global: true` for the global limit. A bucket is per user, route and major
 * parameter (the channel or guild), as Discord's are; the global limit is per user.
 *
 * Windows are fixed: a bucket's count resets `windowMs` after its first request. Buckets live
 * on the worker that answers, so with N workers a user may get up to N times a limit.
 */
import { createHash } from "node:crypto";
import { jsonResponse } from "../protocol/json-response.ts";

export interface RateLimitOptions {
  /** Requests per route bucket per window; 0: no route limit (and no headers). */
  readonly routeLimit: number;
  readonly windowMs: number;
  /** Requests per user per second across routes; 0: none. */
  readonly globalLimit: number;
  readonly now?: () => number;
}

interface Window {
  resetAt: number;
  used: number;
}

/** Buckets older than this many windows are forgotten at the next sweep. */
const SWEEP_EVERY = 4096;

export class RateLimits {
  readonly #options: RateLimitOptions;
  readonly #routes = new Map<string, Window>();
  readonly #global = new Map<string, Window>();
  #sinceSweep = 0;

  constructor(options: RateLimitOptions) {
    this.#options = options;
  }

  /**
   * Counts a request of `userId` to `route` (a route template) about `major` (its channel or
   * guild id, or ""). Answers the 429 to send when over a limit, else the headers to add.
   */
  take(userId: string, route: string, major: string): { refused: Response } | { headers: Record<string, string> } {
    const now = (this.#options.now ?? Date.now)();
    if (++this.#sinceSweep >= SWEEP_EVERY) this.#sweep(now);
    const { routeLimit, windowMs, globalLimit } = this.#options;
    if (globalLimit > 0) {
      const global = this.#window(this.#global, userId, now, 1000);
      if (global.used >= globalLimit) return { refused: tooMany(global.resetAt - now, true, undefined) };
      global.used++;
    }
    if (routeLimit === 0) return { headers: {} };
    const bucket = bucketId(route);
    const window = this.#window(this.#routes, `${userId}:${bucket}:${major}`, now, windowMs);
    if (window.used >= routeLimit) {
      return { refused: tooMany(window.resetAt - now, false, limitHeaders(routeLimit, 0, window.resetAt, now, bucket)) };
    }
    window.used++;
    return { headers: limitHeaders(routeLimit, routeLimit - window.used, window.resetAt, now, bucket) };
  }

  #window(windows: Map<string, Window>, key: string, now: number, windowMs: number): Window {
    let window = windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { resetAt: now + windowMs, used: 0 };
      windows.set(key, window);
    }
    return window;
  }

  #sweep(now: number): void {
    this.#sinceSweep = 0;
    for (const windows of [this.#routes, this.#global]) {
      for (const [key, window] of windows) if (window.resetAt <= now) windows.delete(key);
    }
  }
}

const bucketIds = new Map<string, string>();

/** A route's bucket id: a stable hash of its template, as Discord's buckets are opaque strings. */
function bucketId(route: string): string {
  let id = bucketIds.get(route);
  if (id === undefined) {
    id = createHash("sha256").update(route).digest("hex").slice(0, 32);
    bucketIds.set(route, id);
  }
  return id;
}

function limitHeaders(limit: number, remaining: number, resetAt: number, now: number, bucket: string): Record<string, string> {
  return {
    "x-ratelimit-limit": String(limit),
    "x-ratelimit-remaining": String(remaining),
    "x-ratelimit-reset": (resetAt / 1000).toFixed(3),
    "x-ratelimit-reset-after": ((resetAt - now) / 1000).toFixed(3),
    "x-ratelimit-bucket": bucket,
  };
}

/** Discord's 429: `retry_after` in seconds, `Retry-After` too (whole seconds, rounded up). */
function tooMany(retryAfterMs: number, global: boolean, headers: Record<string, string> | undefined): Response {
  const retryAfter = Math.max(0, retryAfterMs) / 1000;
  const response = jsonResponse({ message: "You are being rate limited.", retry_after: Number(retryAfter.toFixed(3)), global }, { status: 429 });
  for (const [name, value] of Object.entries(headers ?? {})) response.headers.set(name, value);
  response.headers.set("retry-after", String(Math.ceil(retryAfter)));
  response.headers.set("x-ratelimit-scope", "user");
  if (global) response.headers.set("x-ratelimit-global", "true");
  return response;
}

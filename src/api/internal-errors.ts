/**
 * The answer to an unexpected exception while handling an HTTP request: an exact,
 * detail-free 500 (no stack, path or source reaches the client), the error logged
 * once with its stack on the server, and a count for /metrics. Both transports
 * call it (Bun.serve's `error` handler, the uWebSockets.js adapter's catch).
 */

/**
 * The 500 body. Built by hand, not with `Response.json`: its Content-Type must be exactly
 * `application/json`, the only one discord.py parses as JSON.
 */
const BODY = '{"code":0,"message":"internal error"}';

export class InternalErrors {
  /** Unexpected exceptions answered since start. */
  count = 0;

  /** Logs `error` with its stack, counts it, and returns the 500 that shows nothing of it. */
  answer(error: unknown): Response {
    this.count++;
    // The stack alone: printing the error object makes Bun add lines of (bundled) source.
    const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
    console.error(`guildgate: unexpected error handling an HTTP request (answered 500): ${detail}`);
    return new Response(BODY, { status: 500, headers: { "content-type": "application/json" } });
  }
}

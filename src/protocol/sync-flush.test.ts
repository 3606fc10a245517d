import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import zlib from "node:zlib";
import { SyncFlushStream } from "./sync-flush.ts";

const SYNC = zlib.constants.Z_SYNC_FLUSH;

describe("SyncFlushStream", () => {
  test("round-trips through a second SyncFlushStream, including output over the scratch size", () => {
    const deflate = new SyncFlushStream(zlib.createDeflate(), SYNC);
    const inflate = new SyncFlushStream(zlib.createInflate(), SYNC);
    // Random bytes do not compress: 200 KB in gives > 64 KB out of both sides per push.
    for (const input of [Buffer.from("hello"), randomBytes(200_000), Buffer.from("bye")]) {
      const compressed = deflate.push(input);
      expect(Buffer.from(inflate.push(compressed)).equals(input)).toBe(true);
    }
  });

  test("returns fresh arrays, not views of shared scratch memory", () => {
    const deflate = new SyncFlushStream(zlib.createDeflate(), SYNC);
    const first = deflate.push(Buffer.from("first message"));
    const copy = Buffer.from(first);
    deflate.push(Buffer.from("second message, which reuses the scratch buffer"));
    expect(Buffer.from(first).equals(copy)).toBe(true);
  });

  test("corrupt input throws at once, closes the stream, and does not crash later", async () => {
    const inflate = new SyncFlushStream(zlib.createInflate(), SYNC);
    expect(() => inflate.push(Buffer.from("not zlib data"))).toThrow("zlib stream failed");
    expect(inflate.closed).toBe(true);
    // The deferred 'error' event fires on a later tick; the test would fail if it were unhandled.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(() => inflate.push(Buffer.from("x"))).toThrow("zlib stream is closed");
  });

  test("rejects a stream without node:zlib internals", () => {
    expect(() => new SyncFlushStream(new PassThrough(), SYNC)).toThrow("node:zlib internals");
  });

  test("close frees the native handle", () => {
    const stream = zlib.createDeflate();
    const flusher = new SyncFlushStream(stream, SYNC);
    flusher.close();
    expect(flusher.closed).toBe(true);
    expect((stream as unknown as { _handle: unknown })._handle).toBeNull();
  });
});

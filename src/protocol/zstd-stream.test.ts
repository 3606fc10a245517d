import { describe, expect, test } from "bun:test";
import type { Transform } from "node:stream";
import zlib from "node:zlib";
import { ZSTD_AVAILABLE } from "./compressor.ts";
import { ZstdStream } from "./zstd-stream.ts";

const createZstdDecompress = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;

/** One persistent decompressor fed message by message, as @discordjs/ws's ZstdNative does. */
function persistentZstdDecoder() {
  if (createZstdDecompress === undefined) throw new Error("no zstd");
  const stream = createZstdDecompress();
  let chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  return async (message: Uint8Array): Promise<string> => {
    await new Promise<void>((resolve, reject) => stream.write(message, (err) => (err ? reject(err) : resolve())));
    // The write callback can run before 'data' is emitted; wait for the output to arrive.
    for (let i = 0; i < 50 && chunks.length === 0; i++) await new Promise((r) => setTimeout(r, 1));
    const text = Buffer.concat(chunks).toString("utf8");
    chunks = [];
    return text;
  };
}

describe.skipIf(!ZSTD_AVAILABLE)("ZstdStream", () => {
  const frames = [
    '{"op":10,"d":{"heartbeat_interval":41250},"s":null,"t":null}',
    `{"op":0,"d":{"content":"${"zstd ünïcode 😀 ".repeat(5000)}"},"s":1,"t":"MESSAGE_CREATE"}`,
    '{"op":11,"d":null,"s":null,"t":null}',
  ];

  test("each message decodes on its own, in order, from one persistent decoder", async () => {
    const z = new ZstdStream();
    expect(z.kind).toBe("zstd-stream");
    const decode = persistentZstdDecoder();
    for (const frame of frames) expect(await decode(z.compress(frame))).toBe(frame);
    z.close();
  });

  test("the stream has one frame header and no frame end", () => {
    const z = new ZstdStream();
    const first = z.compress(frames[0] as string);
    const second = z.compress(frames[0] as string);
    expect([...first.subarray(0, 4)]).toEqual([0x28, 0xb5, 0x2f, 0xfd]); // zstd magic number
    expect([...second.subarray(0, 4)]).not.toEqual([0x28, 0xb5, 0x2f, 0xfd]);
    // The repeat is a back-reference into the shared window.
    expect(second.length).toBeLessThan(first.length);
    z.close();
  });

  test("compress after close throws", () => {
    const z = new ZstdStream();
    z.close();
    expect(() => z.compress("{}")).toThrow("zlib stream is closed");
  });
});

test.skipIf(ZSTD_AVAILABLE)("ZstdStream says why it cannot start without zstd", () => {
  expect(() => new ZstdStream()).toThrow("zstd-stream needs node:zlib zstd support");
});

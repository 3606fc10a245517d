import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import zlib from "node:zlib";
import { ZLIB_SUFFIX, ZlibStream } from "./zlib-stream.ts";

/** Decodes messages the way @discordjs/ws does: one persistent createInflate, fed in order. */
function discordJsInflate() {
  const inflate = zlib.createInflate({ chunkSize: 65_535, flush: zlib.constants.Z_SYNC_FLUSH });
  let chunks: Buffer[] = [];
  inflate.on("data", (chunk: Buffer) => chunks.push(chunk));
  return async (message: Uint8Array): Promise<string> => {
    await new Promise<void>((resolve, reject) => inflate.write(message, (err) => (err ? reject(err) : resolve())));
    const text = Buffer.concat(chunks).toString("utf8");
    chunks = [];
    return text;
  };
}

const frames = [
  '{"op":10,"d":{"heartbeat_interval":41250},"s":null,"t":null}',
  '{"op":11,"d":null,"s":null,"t":null}',
  `{"op":0,"d":{"content":"${"héllo wörld 😀 ".repeat(300)}"},"s":1,"t":"MESSAGE_CREATE"}`,
  '{"op":11,"d":null,"s":null,"t":null}',
  `{"op":0,"d":{"blob":"${randomBytes(100_000).toString("base64")}"},"s":2,"t":"GUILD_CREATE"}`,
  "x",
];

describe("ZlibStream", () => {
  test("every message ends with 00 00 FF FF", () => {
    const z = new ZlibStream();
    expect(z.kind).toBe("zlib-stream");
    for (const frame of frames) {
      const bytes = z.compress(frame);
      expect([...bytes.subarray(-4)]).toEqual([...ZLIB_SUFFIX]);
    }
    z.close();
  });

  test("one persistent inflate (the @discordjs/ws way) gets every frame back", async () => {
    const z = new ZlibStream();
    const inflate = discordJsInflate();
    for (const frame of frames) expect(await inflate(z.compress(frame))).toBe(frame);
    z.close();
  });

  test("the concatenated output is one zlib stream (discord.py's zlib.decompressobj)", () => {
    const z = new ZlibStream();
    const all = Buffer.concat(frames.map((frame) => z.compress(frame)));
    expect(all[0]).toBe(0x78); // zlib header, only at the start of the stream
    expect(zlib.inflateSync(all, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString("utf8")).toBe(frames.join(""));
    z.close();
  });

  test("the context persists: a repeated frame compresses to a back-reference", () => {
    const z = new ZlibStream();
    const frame = `{"op":0,"d":{"content":"${"a long message that repeats, ".repeat(8)}"},"s":1,"t":"X"}`;
    const first = z.compress(frame).length;
    const second = z.compress(frame).length;
    expect(second).toBeLessThan(20);
    expect(second).toBeLessThan(first / 3);
    z.close();
  });

  test("two connections do not share state", async () => {
    const a = new ZlibStream();
    const b = new ZlibStream();
    a.compress(frames[2] as string);
    const inflate = discordJsInflate();
    expect(await inflate(b.compress(frames[0] as string))).toBe(frames[0] as string);
    a.close();
    b.close();
  });

  test("compress after close throws", () => {
    const z = new ZlibStream();
    z.close();
    z.close();
    expect(() => z.compress("{}")).toThrow("zlib stream is closed");
  });
});

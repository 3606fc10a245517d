import { expect, test } from "bun:test";
import zlib from "node:zlib";
import { deflateFirstFrame, deflateFrame } from "./zlib-shared.ts";

/** Inflates a connection's messages with one persistent context, as clients do. */
async function inflateMessages(messages: Uint8Array[]): Promise<string[]> {
  const inflate = zlib.createInflate();
  const out: string[] = [];
  for (const message of messages) {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): number => chunks.push(chunk);
    inflate.on("data", onData);
    inflate.write(message);
    await new Promise<void>((resolve) => inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    inflate.off("data", onData);
    out.push(Buffer.concat(chunks).toString("utf8"));
  }
  inflate.close();
  return out;
}

test("blocks end with the zlib-stream suffix", () => {
  for (const frame of ['{"op":11}', "x".repeat(100_000), '{"t":"É"}']) {
    expect([...deflateFrame(frame).subarray(-4)]).toEqual([0x00, 0x00, 0xff, 0xff]);
  }
});

test("the same frame compresses to the same bytes for every connection", () => {
  const frame = '{"op":0,"d":{"content":"hello"},"s":5,"t":"MESSAGE_CREATE"}';
  expect(deflateFrame(frame)).toEqual(deflateFrame(frame));
});

test("header + shared blocks inflate in order with one persistent context", async () => {
  const frames = [
    '{"op":10,"d":{"heartbeat_interval":41250},"s":null,"t":null}',
    '{"op":0,"d":{"content":"hello hello hello"},"s":1,"t":"MESSAGE_CREATE"}',
    '{"op":11,"d":null,"s":null,"t":null}',
    JSON.stringify({ op: 0, d: { big: "é".repeat(70_000) }, s: 2, t: "X" }),
  ];
  const [first, ...rest] = frames as [string, ...string[]];
  const messages = [deflateFirstFrame(first), ...rest.map(deflateFrame)];
  expect(await inflateMessages(messages)).toEqual(frames);
});

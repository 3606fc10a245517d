/**
 * compress=zstd-stream: `bun bench/zstd.bench.ts`. Frames: a typical MESSAGE_CREATE and a
 * big guild's GUILD_CREATE (bench/frames.ts), as JSON text.
 *
 * 1. Sizes. Per frame (and the same frames as ETF): the shared zlib-stream block (deflateFrame, level 6), the shared
 *    zstd-stream blocks (native zstd_shared), and libzstd's own one-shot frame from a fresh
 *    context at levels 1 and 3 (Bun.zstdCompressSync: not usable on the shared path, whose
 *    blocks must not use repeat offsets or earlier tables; a yardstick). Over a channel's 200
 *    consecutive MESSAGE_CREATEs: the shared blocks against per-connection streams that keep
 *    their history (node:zlib deflate and zstd level 3, flushed after each message), which is
 *    what one compression context per connection would send.
 * 2. Time to compress one frame, once per event, with each.
 */
import { bench, do_not_optimize, group, run, summary } from "mitata";
import zlib from "node:zlib";
import { zstdStreamBlocks } from "../src/native.ts";
import { encodeEtfFrame } from "../src/protocol/etf.ts";
import { deflateFrame } from "../src/protocol/zlib-shared.ts";
import { dispatchFrame, guildCreate, messageCreate } from "./frames.ts";

type FlushingStream = import("node:stream").Transform & { flush(callback: () => void): void; flush(kind: number, callback: () => void): void };
// Bun's node:zlib has zstd streams; the pinned @types/node (20) does not declare them.
const zstdStreams = zlib as unknown as { createZstdCompress(options: { params: Record<number, number> }): FlushingStream };
const ZSTD_C_COMPRESSION_LEVEL = 100;

const message = dispatchFrame("MESSAGE_CREATE", messageCreate());
const guild = dispatchFrame("GUILD_CREATE", guildCreate());
const channel = Array.from({ length: 200 }, (_, n) => dispatchFrame("MESSAGE_CREATE", messageCreate(n + 1), n + 2));

/** The bytes a per-connection stream sends for `frames`, flushed after each (deflate: a sync flush, which keeps the history). */
async function perConnection(stream: FlushingStream, frames: string[], kind?: number): Promise<number> {
  let total = 0;
  stream.on("data", (chunk: Buffer) => (total += chunk.length));
  for (const frame of frames) {
    stream.write(frame);
    await new Promise<void>((resolve) => (kind === undefined ? stream.flush(() => resolve()) : stream.flush(kind, () => resolve())));
  }
  return total;
}

const sum = (frames: string[], compress: (frame: string) => Uint8Array): number => frames.reduce((n, frame) => n + compress(frame).length, 0);
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

const sizeRows: [string, string | Uint8Array][] = [
  ["MESSAGE_CREATE", message],
  ["GUILD_CREATE", guild],
  ["MESSAGE_CREATE as ETF", encodeEtfFrame(message)],
  ["GUILD_CREATE as ETF", encodeEtfFrame(guild)],
];
for (const [name, frame] of sizeRows) {
  const raw = typeof frame === "string" ? Buffer.byteLength(frame) : frame.length;
  const row = (label: string, size: number) => `${label} ${kb(size)} (${(raw / size).toFixed(2)}×)`;
  console.log(
    `${name} ${kb(raw)}: ` +
      [
        row("zlib shared", deflateFrame(frame).length),
        row("zstd shared", zstdStreamBlocks(frame).length),
        row("libzstd -1", Bun.zstdCompressSync(frame, { level: 1 }).length),
        row("libzstd -3", Bun.zstdCompressSync(frame, { level: 3 }).length),
      ].join(", "),
  );
}
const channelRaw = channel.reduce((n, frame) => n + Buffer.byteLength(frame), 0);
const channelRow = (label: string, size: number) => `${label} ${kb(size)} (${(channelRaw / size).toFixed(2)}×)`;
console.log(
  `200 MESSAGE_CREATEs ${kb(channelRaw)}: ` +
    [
      channelRow("zlib shared", sum(channel, deflateFrame)),
      channelRow("zstd shared", sum(channel, zstdStreamBlocks)),
      channelRow("zlib per connection", await perConnection(zlib.createDeflateRaw({ level: 6 }) as FlushingStream, channel, zlib.constants.Z_SYNC_FLUSH)),
      channelRow("zstd -3 per connection", await perConnection(zstdStreams.createZstdCompress({ params: { [ZSTD_C_COMPRESSION_LEVEL]: 3 } }), channel)),
    ].join(", "),
);

for (const [name, frame] of [["MESSAGE_CREATE", message], ["GUILD_CREATE", guild]] as const) {
  summary(() => {
    group(`one ${name} compressed, once per event`, () => {
      bench("zlib-stream shared block (deflateFrame)", () => do_not_optimize(deflateFrame(frame)));
      bench("zstd-stream shared blocks (zstd_shared)", () => do_not_optimize(zstdStreamBlocks(frame)));
      bench("libzstd level 1 (Bun.zstdCompressSync)", () => do_not_optimize(Bun.zstdCompressSync(frame, { level: 1 })));
      bench("libzstd level 3 (Bun.zstdCompressSync)", () => do_not_optimize(Bun.zstdCompressSync(frame, { level: 3 })));
    });
  });
}

await run();

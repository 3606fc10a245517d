/**
 * A connection's transport decompression as clients keep it: one persistent context
 * (zlib inflate, or a zstd decoder) fed each message in order, each read out whole at its
 * flush. Messages are decompressed one after another.
 */
import type { Transform } from "node:stream";
import zlib from "node:zlib";
import type { CompressionKind } from "../../src/protocol/compression.ts";

type FlushingStream = Transform & { flush(callback: () => void): void; close(): void };

// Bun's node:zlib has zstd streams; the pinned @types/node (20) does not declare them.
const zstd = zlib as unknown as { createZstdDecompress(): FlushingStream };

export class StreamDecompressor {
  readonly #stream: FlushingStream;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(kind: CompressionKind) {
    this.#stream = kind === "zstd-stream" ? zstd.createZstdDecompress() : zlib.createInflate();
  }

  /** What `message` decompresses to, after every earlier message. */
  read(message: Uint8Array): Promise<Buffer> {
    const stream = this.#stream;
    const read = this.#queue.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          const chunks: Buffer[] = [];
          const onData = (chunk: Buffer): number => chunks.push(chunk);
          stream.on("data", onData);
          stream.once("error", reject);
          stream.write(message);
          stream.flush(() => {
            stream.off("data", onData);
            stream.off("error", reject);
            resolve(Buffer.concat(chunks));
          });
        }),
    );
    this.#queue = read.catch(() => undefined);
    return read;
  }

  close(): void {
    this.#stream.close();
  }
}

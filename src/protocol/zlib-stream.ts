/**
 * zlib-stream transport compression: one deflate context per connection, and every frame
 * flushed with Z_SYNC_FLUSH so its bytes end in 00 00 FF FF, the suffix clients buffer for.
 * Later frames refer back to earlier ones, so frames must go out in the order compressed.
 * Native memory: about 225 KB per context at the default windowBits 15 / memLevel 8.
 */
import zlib from "node:zlib";
import type { Compressor } from "./compressor.ts";
import { SyncFlushStream } from "./sync-flush.ts";

/** The last four bytes of every zlib-stream message. */
export const ZLIB_SUFFIX: readonly number[] = [0x00, 0x00, 0xff, 0xff];

/** A connection's zlib-stream compressor. */
export class ZlibStream implements Compressor {
  readonly kind = "zlib-stream";
  // chunkSize is the stream's own output buffer, unused here: keep it at the 64-byte minimum.
  readonly #stream = new SyncFlushStream(zlib.createDeflate({ chunkSize: 64 }), zlib.constants.Z_SYNC_FLUSH);

  compress(frame: string): Uint8Array {
    return this.#stream.push(Buffer.from(frame, "utf8"));
  }

  close(): void {
    this.#stream.close();
  }
}

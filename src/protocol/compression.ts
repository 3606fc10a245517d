/**
 * The transport compressions served (`compress=` in the connect URL), each as blocks that
 * are the same for every connection past its first frame: an event is compressed once per
 * wire format and published natively, never per recipient. A connection's first frame
 * carries its stream header.
 * - zlib-stream: sync-flushed deflate blocks from a fresh context (zlib-shared.ts);
 * - zstd-stream: zstd blocks that refer to nothing before them, in one endless zstd frame
 *   (native/src/zstd_shared).
 */
import { zstdStreamBlocks, zstdStreamFirst } from "../native.ts";
import { deflateFirstFrame, deflateFrame } from "./zlib-shared.ts";

/** Transport compression this gateway serves. */
export type CompressionKind = "zlib-stream" | "zstd-stream";

/** `frame` as the shared blocks of `kind` for a connection past its first frame. */
export function compressFrame(kind: CompressionKind, frame: string | Uint8Array): Uint8Array {
  return kind === "zstd-stream" ? zstdStreamBlocks(frame) : deflateFrame(frame);
}

/** A connection's first bytes of `kind`: the stream header, then `frame`. */
export function compressFirstFrame(kind: CompressionKind, frame: string | Uint8Array): Uint8Array {
  return kind === "zstd-stream" ? zstdStreamFirst(frame) : deflateFirstFrame(frame);
}

/**
 * Transport compression for gateway connections (`?compress=` on the connect URL): the
 * `Compressor` contract, the kinds this runtime supports, and the factory. Each connection
 * owns one compressor, because zlib-stream and zstd-stream keep one context per connection.
 */
import zlib from "node:zlib";
import { ZlibStream } from "./zlib-stream.ts";
import { ZstdStream } from "./zstd-stream.ts";

/** Transport compression a client can ask for. */
export type CompressionKind = "zlib-stream" | "zstd-stream";

/** One connection's compression context. Frames must be compressed in send order. */
export interface Compressor {
  readonly kind: CompressionKind;
  /** Compresses one frame; the bytes decode on their own given all earlier output. */
  compress(frame: string): Uint8Array;
  /** Frees the native context; `compress` throws afterwards. */
  close(): void;
}

/** Whether node:zlib has zstd here (Bun 1.4 and Node ≥ 22.15 do; Node 20 does not). */
export const ZSTD_AVAILABLE = typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === "function";

/** The compression kinds this runtime can serve. */
export const SUPPORTED_COMPRESSIONS: readonly CompressionKind[] = ZSTD_AVAILABLE
  ? ["zlib-stream", "zstd-stream"]
  : ["zlib-stream"];

/** A new compressor of `kind`. Throws for zstd-stream when the runtime lacks zstd. */
export function createCompressor(kind: CompressionKind): Compressor {
  return kind === "zlib-stream" ? new ZlibStream() : new ZstdStream();
}

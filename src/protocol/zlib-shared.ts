/**
 * zlib-stream with shared frames. Each frame is deflated on its own, from a
 * fresh context, and sync-flushed: its bytes hold no back-references and end
 * in 00 00 FF FF. Such blocks concatenate into one valid zlib stream after a
 * 2-byte zlib header, so every compressed session on a worker gets the *same*
 * bytes for an event, compressed once, and published natively like plain
 * frames (the DESIGN's "encode once per variant"), with no per-connection
 * deflate context (~225 KB each). The cost is a lower ratio: no history
 * between frames. Clients inflate with one persistent context, as they do.
 */
import zlib from "node:zlib";

/** The zlib stream header (deflate, 32 KB window, default level) that starts every connection. */
export const ZLIB_HEADER = new Uint8Array([0x78, 0x9c]);

const OPTIONS: zlib.ZlibOptions = { finishFlush: zlib.constants.Z_SYNC_FLUSH, level: 6 };

/** One frame as a self-contained, sync-flushed deflate block (ends in 00 00 FF FF). */
export function deflateFrame(frame: string | Uint8Array): Uint8Array {
  return zlib.deflateRawSync(typeof frame === "string" ? Buffer.from(frame, "utf8") : frame, OPTIONS);
}

/** The first bytes a compressed connection receives: the header, then its first frame. */
export function deflateFirstFrame(frame: string | Uint8Array): Uint8Array {
  const block = deflateFrame(frame);
  const out = new Uint8Array(ZLIB_HEADER.length + block.length);
  out.set(ZLIB_HEADER, 0);
  out.set(block, ZLIB_HEADER.length);
  return out;
}

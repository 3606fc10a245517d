/**
 * Reads the connect URL's query (`/?v=10&encoding=json&compress=zlib-stream`) into
 * connection options, or the close code to send right after the upgrade.
 * - `v`: 10 only (Discord docs: required). A missing `v` means 10, as this gateway speaks
 *   nothing else; any other value closes with 4012.
 * - `encoding`: json only; missing means json. etf or anything else closes with 4012 too,
 *   not 4002: 4012 is fatal in discord.py and @discordjs/ws, so a client asking for an
 *   encoding we lack stops, instead of reconnecting forever with the same URL (the docs
 *   name no code for this case).
 * - `compress`: absent means none; zlib-stream, or zstd-stream where the runtime has zstd.
 *   A value we cannot serve (zstd-stream on Node 20, a typo) falls back to plain text
 *   frames instead of closing: discord.py and @discordjs/ws both read text frames as
 *   uncompressed JSON whatever they asked for, and discord.py asks for zstd-stream first.
 */
import { CloseCode } from "./close-codes.ts";
import { SUPPORTED_COMPRESSIONS, type CompressionKind } from "./compressor.ts";

/** Options of an accepted connection. */
export interface GatewayQuery {
  ok: true;
  version: 10;
  encoding: "json";
  /** Transport compression, or null for plain text frames. */
  compress: CompressionKind | null;
}

/** A rejected connection: close with `closeCode` and `reason` (≤ 123 bytes). */
export interface GatewayQueryError {
  ok: false;
  closeCode: CloseCode;
  reason: string;
}

const reject = (reason: string): GatewayQueryError => ({ ok: false, closeCode: CloseCode.INVALID_API_VERSION, reason });

/**
 * Parses `url`: a full URL or a request path with its query.
 * `supported` lists the compressions to serve; it defaults to what this runtime has.
 */
export function parseGatewayQuery(
  url: string | URL,
  supported: readonly CompressionKind[] = SUPPORTED_COMPRESSIONS,
): GatewayQuery | GatewayQueryError {
  const params = new URL(url, "ws://localhost/").searchParams;
  const version = params.get("v");
  if (version !== null && version !== "10") return reject("Invalid API version: only v=10 is supported");
  const encoding = params.get("encoding");
  if (encoding !== null && encoding !== "json") return reject("Unsupported encoding: only encoding=json");
  const compress = supported.find((kind) => kind === params.get("compress")) ?? null;
  return { ok: true, version: 10, encoding: "json", compress };
}

/**
 * Reads the connect URL's query (`/?v=10&encoding=json&compress=zlib-stream`) into
 * connection options, or the close code to send right after the upgrade.
 * - `v`: 10 or 9 (Discord docs: required). Discord still serves v9, and discordgo 0.29 dials
 *   `?v=9`; both get the same payloads (READY's `v` says which was asked for). A missing `v`
 *   means 10; any other value closes with 4012.
 * - `encoding`: json (the default when missing) or etf (etf.ts: binary frames both ways).
 *   Anything else closes with 4012 too, not 4002: 4012 is fatal in discord.py and
 *   @discordjs/ws, so a client asking for an encoding we lack stops, instead of reconnecting
 *   forever with the same URL (the docs name no code for this case).
 * - `compress`: absent means none; zlib-stream and zstd-stream are served (as shared,
 *   history-free blocks: see compression.ts), with either encoding. Anything else (a typo)
 *   falls back to uncompressed frames (text for json) instead of closing: discord.py and
 *   @discordjs/ws both read text frames as uncompressed JSON whatever they asked for.
 */
import { CloseCode } from "./close-codes.ts";
import type { CompressionKind } from "./compression.ts";

/** Payload encodings served: JSON text, or Erlang terms in binary frames (etf.ts). */
export type Encoding = "json" | "etf";

/** Gateway versions served; every one gets the same payloads. */
export type GatewayVersion = 9 | 10;

/** Options of an accepted connection. */
export interface GatewayQuery {
  ok: true;
  version: GatewayVersion;
  encoding: Encoding;
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

/** Parses `url`: a full URL or a request path with its query. */
export function parseGatewayQuery(url: string | URL): GatewayQuery | GatewayQueryError {
  const params = new URL(url, "ws://localhost/").searchParams;
  const version = params.get("v");
  if (version !== null && version !== "10" && version !== "9") return reject("Invalid API version: only v=10 and v=9 are supported");
  const encoding = params.get("encoding");
  if (encoding !== null && encoding !== "json" && encoding !== "etf") return reject("Unsupported encoding: only encoding=json or etf");
  const asked = params.get("compress");
  const compress = asked === "zlib-stream" || asked === "zstd-stream" ? asked : null;
  return { ok: true, version: version === "9" ? 9 : 10, encoding: encoding ?? "json", compress };
}

/**
 * Gateway close codes (Discord's table, 4000–4014; 4006 is unused), their close reasons, and
 * `ProtocolError`: the one error inner code throws to mean "close the socket with this code".
 * The session layer catches it and closes with `err.closeCode` and `err.reason`.
 */

/** Close codes the gateway sends. Discord: topics/opcodes-and-status-codes#gateway-close-event-codes. */
export const CloseCode = {
  UNKNOWN_ERROR: 4000,
  UNKNOWN_OPCODE: 4001,
  DECODE_ERROR: 4002,
  NOT_AUTHENTICATED: 4003,
  AUTHENTICATION_FAILED: 4004,
  ALREADY_AUTHENTICATED: 4005,
  INVALID_SEQ: 4007,
  RATE_LIMITED: 4008,
  SESSION_TIMED_OUT: 4009,
  INVALID_SHARD: 4010,
  SHARDING_REQUIRED: 4011,
  INVALID_API_VERSION: 4012,
  INVALID_INTENTS: 4013,
  DISALLOWED_INTENTS: 4014,
} as const;

/** Any code in `CloseCode`. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Default close reason per code, in Discord's wording. Each is well under 123 bytes. */
export const CLOSE_REASONS: Readonly<Record<CloseCode, string>> = {
  4000: "Unknown error",
  4001: "Unknown opcode",
  4002: "Decode error",
  4003: "Not authenticated",
  4004: "Authentication failed",
  4005: "Already authenticated",
  4007: "Invalid seq",
  4008: "Rate limited",
  4009: "Session timed out",
  4010: "Invalid shard",
  4011: "Sharding required",
  4012: "Invalid API version",
  4013: "Invalid intent(s)",
  4014: "Disallowed intent(s)",
};

/** A WebSocket close frame's reason is limited to 123 bytes of UTF-8 (RFC 6455 §5.5). */
export const MAX_CLOSE_REASON_BYTES = 123;

/** Closes after which the session is gone: normal client closes, and codes that end it. */
const SESSION_ENDING: ReadonlySet<number> = new Set([
  1000,
  1001,
  CloseCode.AUTHENTICATION_FAILED,
  CloseCode.INVALID_SEQ,
  CloseCode.SESSION_TIMED_OUT,
  CloseCode.INVALID_SHARD,
  CloseCode.SHARDING_REQUIRED,
  CloseCode.INVALID_API_VERSION,
  CloseCode.INVALID_INTENTS,
  CloseCode.DISALLOWED_INTENTS,
]);

/**
 * Whether a session stays resumable after its socket closed with `code`.
 * A client close with 1000 or 1001 ends it (discord.py and @discordjs/ws close with 1000 to
 * quit); so do the codes after which Discord requires a fresh IDENTIFY or gives up (4004,
 * 4007, 4009–4014), since clients echo them back. Anything else (4200 from @discordjs/ws,
 * 1006 from a dropped connection, 4000 from backpressure) keeps the session for RESUME.
 */
export function isResumableClose(code: number): boolean {
  return !SESSION_ENDING.has(code);
}

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

/** Thrown by protocol and session code to close the connection with `closeCode`. */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  readonly closeCode: CloseCode;

  /** `detail` is appended to the code's default reason, e.g. "Decode error: d.seq ...". */
  constructor(closeCode: CloseCode, detail?: string) {
    const base = CLOSE_REASONS[closeCode];
    super(detail === undefined ? base : `${base}: ${detail}`);
    this.closeCode = closeCode;
  }

  /** The message cut to fit a close frame (≤ 123 bytes of UTF-8). */
  get reason(): string {
    return truncateUtf8(this.message, MAX_CLOSE_REASON_BYTES);
  }
}

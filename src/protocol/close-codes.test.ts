import { describe, expect, test } from "bun:test";
import {
  CLOSE_REASONS,
  CloseCode,
  MAX_CLOSE_REASON_BYTES,
  ProtocolError,
  isResumableClose,
  truncateUtf8,
} from "./close-codes.ts";

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

describe("CloseCode", () => {
  test("covers 4000-4014 except the unused 4006", () => {
    const codes = Object.values(CloseCode).sort((a, b) => a - b);
    expect(codes).toEqual([4000, 4001, 4002, 4003, 4004, 4005, 4007, 4008, 4009, 4010, 4011, 4012, 4013, 4014]);
  });

  test("every code has a short reason", () => {
    for (const code of Object.values(CloseCode)) {
      const reason = CLOSE_REASONS[code];
      expect(reason.length).toBeGreaterThan(0);
      expect(utf8Length(reason)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    }
    expect(CLOSE_REASONS[CloseCode.DECODE_ERROR]).toBe("Decode error");
    expect(CLOSE_REASONS[CloseCode.INVALID_INTENTS]).toBe("Invalid intent(s)");
  });
});

describe("isResumableClose", () => {
  test("normal client closes end the session", () => {
    expect(isResumableClose(1000)).toBe(false);
    expect(isResumableClose(1001)).toBe(false);
  });

  test("@discordjs/ws's 4200, abnormal 1006 and server 4000 keep it", () => {
    for (const code of [4200, 1006, 1011, 4000, 4001, 4002, 4003, 4005, 4008]) {
      expect(isResumableClose(code)).toBe(true);
    }
  });

  test("codes that need a new IDENTIFY or are fatal end it", () => {
    for (const code of [4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014]) {
      expect(isResumableClose(code)).toBe(false);
    }
  });
});

describe("truncateUtf8", () => {
  test("keeps short text unchanged", () => {
    expect(truncateUtf8("Decode error", 123)).toBe("Decode error");
  });

  test("cuts ASCII at the byte limit", () => {
    expect(truncateUtf8("a".repeat(200), 123)).toBe("a".repeat(123));
  });

  test("never splits a multi-byte character", () => {
    // "é" is 2 bytes, "😀" is 4 bytes.
    expect(truncateUtf8("aé", 2)).toBe("a");
    expect(truncateUtf8("ab😀", 5)).toBe("ab");
    const cut = truncateUtf8("😀".repeat(40), 123);
    expect(cut).toBe("😀".repeat(30));
    expect(utf8Length(cut)).toBe(120);
  });
});

describe("ProtocolError", () => {
  test("carries the close code and names the detail", () => {
    const err = new ProtocolError(CloseCode.DECODE_ERROR, "d.seq must be an integer");
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("ProtocolError");
    expect(err.closeCode).toBe(4002);
    expect(err.message).toBe("Decode error: d.seq must be an integer");
    expect(err.reason).toBe(err.message);
  });

  test("defaults its message to the code's reason", () => {
    const err = new ProtocolError(CloseCode.UNKNOWN_OPCODE);
    expect(err.message).toBe("Unknown opcode");
    expect(err.closeCode).toBe(4001);
  });

  test("reason fits a close frame even for long details", () => {
    const err = new ProtocolError(CloseCode.DECODE_ERROR, `d.channels["${"9".repeat(200)}"]`);
    expect(utf8Length(err.reason)).toBe(MAX_CLOSE_REASON_BYTES);
    expect(err.message.startsWith(err.reason)).toBe(true);
  });
});

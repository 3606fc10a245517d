import { describe, expect, test } from "bun:test";
import { SUPPORTED_COMPRESSIONS, ZSTD_AVAILABLE, createCompressor } from "./compressor.ts";
import { ZlibStream } from "./zlib-stream.ts";
import { ZstdStream } from "./zstd-stream.ts";

describe("createCompressor", () => {
  test("zlib-stream is always supported", () => {
    expect(SUPPORTED_COMPRESSIONS).toContain("zlib-stream");
    const c = createCompressor("zlib-stream");
    expect(c).toBeInstanceOf(ZlibStream);
    expect(c.kind).toBe("zlib-stream");
    c.close();
  });

  test("zstd-stream is supported exactly when the runtime has zstd", () => {
    expect(SUPPORTED_COMPRESSIONS.includes("zstd-stream")).toBe(ZSTD_AVAILABLE);
    if (ZSTD_AVAILABLE) {
      const c = createCompressor("zstd-stream");
      expect(c).toBeInstanceOf(ZstdStream);
      c.close();
    } else {
      expect(() => createCompressor("zstd-stream")).toThrow();
    }
  });

  test("Bun 1.4 has zstd", () => {
    expect(typeof Bun === "undefined" || ZSTD_AVAILABLE).toBe(true);
  });
});

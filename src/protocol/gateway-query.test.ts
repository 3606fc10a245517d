import { describe, expect, test } from "bun:test";
import { parseGatewayQuery } from "./gateway-query.ts";

describe("parseGatewayQuery", () => {
  test("reads @discordjs/ws's URL", () => {
    expect(parseGatewayQuery("ws://127.0.0.1:8080/?v=10&encoding=json&compress=zlib-stream")).toEqual({
      ok: true,
      version: 10,
      encoding: "json",
      compress: "zlib-stream",
    });
  });

  test("reads a request path and defaults missing v, encoding and compress", () => {
    expect(parseGatewayQuery("/")).toEqual({ ok: true, version: 10, encoding: "json", compress: null });
    expect(parseGatewayQuery("/?encoding=json")).toEqual({ ok: true, version: 10, encoding: "json", compress: null });
    expect(parseGatewayQuery(new URL("wss://gw.example/?v=10"))).toEqual({
      ok: true,
      version: 10,
      encoding: "json",
      compress: null,
    });
  });

  test("zstd-stream is served, with either encoding", () => {
    expect(parseGatewayQuery("/?v=10&encoding=json&compress=zstd-stream")).toEqual({ ok: true, version: 10, encoding: "json", compress: "zstd-stream" });
    expect(parseGatewayQuery("/?v=10&encoding=etf&compress=zstd-stream")).toEqual({ ok: true, version: 10, encoding: "etf", compress: "zstd-stream" });
  });

  test("v=9 is served as v10 is (discordgo 0.29 dials ?v=9&encoding=json)", () => {
    expect(parseGatewayQuery("/?v=9&encoding=json")).toEqual({ ok: true, version: 9, encoding: "json", compress: null });
  });

  test("other versions close with 4012", () => {
    for (const v of ["8", "6", "11", "", "10.0", "09", "ten"]) {
      expect(parseGatewayQuery(`/?v=${v}&encoding=json`)).toEqual({
        ok: false,
        closeCode: 4012,
        reason: "Invalid API version: only v=10 and v=9 are supported",
      });
    }
  });

  test("encoding=etf is served, with or without zlib-stream", () => {
    expect(parseGatewayQuery("/?v=10&encoding=etf")).toEqual({ ok: true, version: 10, encoding: "etf", compress: null });
    expect(parseGatewayQuery("/?v=10&encoding=etf&compress=zlib-stream")).toEqual({ ok: true, version: 10, encoding: "etf", compress: "zlib-stream" });
  });

  test("other encodings close with 4012", () => {
    for (const encoding of ["ETF", "msgpack", ""]) {
      expect(parseGatewayQuery(`/?v=10&encoding=${encoding}`)).toEqual({
        ok: false,
        closeCode: 4012,
        reason: "Unsupported encoding: only encoding=json or etf",
      });
    }
  });

  test("unknown compression falls back to plain text frames", () => {
    for (const compress of ["zlib", "ZLIB-STREAM", "gzip", "zstd", ""]) {
      expect(parseGatewayQuery(`/?v=10&encoding=json&compress=${compress}`)).toEqual({
        ok: true,
        version: 10,
        encoding: "json",
        compress: null,
      });
    }
  });
});

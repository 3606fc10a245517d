import { describe, expect, test } from "bun:test";
import { encodeDispatch, encodePayload } from "./json-codec.ts";
import { Op } from "./opcodes.ts";

describe("encodePayload", () => {
  test("writes op, d, s, t in that order", () => {
    expect(encodePayload(Op.HELLO, { heartbeat_interval: 41250 })).toBe(
      '{"op":10,"d":{"heartbeat_interval":41250},"s":null,"t":null}',
    );
    expect(encodePayload(Op.DISPATCH, { v: 10 }, 123, "READY")).toBe('{"op":0,"d":{"v":10},"s":123,"t":"READY"}');
  });

  test("sends false, null and undefined d as Discord does", () => {
    expect(encodePayload(Op.INVALID_SESSION, false)).toBe('{"op":9,"d":false,"s":null,"t":null}');
    expect(encodePayload(Op.HEARTBEAT_ACK, undefined)).toBe('{"op":11,"d":null,"s":null,"t":null}');
    expect(encodePayload(Op.RECONNECT, null)).toBe('{"op":7,"d":null,"s":null,"t":null}');
  });

  test("round-trips through JSON.parse, including characters that need escaping", () => {
    const d = { content: 'quote " backslash \\ newline \n emoji 😀 \u2028', n: [1, 2.5, null] };
    const frame = encodePayload(Op.DISPATCH, d, 9007199254740991, "MESSAGE_CREATE");
    expect(JSON.parse(frame)).toEqual({ op: 0, d, s: 9007199254740991, t: "MESSAGE_CREATE" });
  });
});

describe("encodeDispatch", () => {
  test("splices d without re-serialising it", () => {
    const dJson = '{"id":"175928847299117063","content":"hi"}';
    const frame = encodeDispatch("MESSAGE_CREATE", 31536000000001, dJson);
    expect(frame).toBe(`{"op":0,"d":${dJson},"s":31536000000001,"t":"MESSAGE_CREATE"}`);
    expect(frame.includes(dJson)).toBe(true);
  });

  test("produces the same bytes as encodePayload", () => {
    const d = { guild_id: "1", user: { id: "2", username: "a\"b" }, roles: [] };
    expect(encodeDispatch("GUILD_MEMBER_UPDATE", 77, JSON.stringify(d))).toBe(
      encodePayload(Op.DISPATCH, d, 77, "GUILD_MEMBER_UPDATE"),
    );
  });

  test("round-trips through JSON.parse", () => {
    const d = { a: [1, { b: "c" }], s: "\u0000" };
    expect(JSON.parse(encodeDispatch("TYPING_START", 5, JSON.stringify(d)))).toEqual({
      op: 0,
      d,
      s: 5,
      t: "TYPING_START",
    });
  });
});

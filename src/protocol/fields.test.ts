import { describe, expect, test } from "bun:test";
import {
  isSnowflake,
  optional,
  readArray,
  readBoolean,
  readInteger,
  readObject,
  readSnowflake,
  readString,
  utf8Bytes,
  withDefault,
} from "./fields.ts";
import { protocolErrorOf } from "./test-helpers.ts";

describe("readers", () => {
  test("return valid values unchanged", () => {
    const obj = { a: 1 };
    expect(readObject(obj, "d")).toBe(obj);
    expect(readArray([1], "d")).toEqual([1]);
    expect(readString("", "d")).toBe("");
    expect(readBoolean(false, "d")).toBe(false);
    expect(readInteger(0, "d")).toBe(0);
    expect(readInteger(250, "d", 50, 250)).toBe(250);
  });

  test("throw 4002 naming the field and the problem", () => {
    const cases: [() => unknown, string][] = [
      [() => readObject([], "d"), "Decode error: d must be an object"],
      [() => readObject(null, "d.presence"), "Decode error: d.presence must be an object"],
      [() => readArray({}, "d.activities"), "Decode error: d.activities must be an array"],
      [() => readString(1, "d.token"), "Decode error: d.token must be a string"],
      [() => readBoolean("true", "d.afk"), "Decode error: d.afk must be a boolean"],
      [() => readInteger(1.5, "d.seq"), "Decode error: d.seq must be an integer in [0, 9007199254740991]"],
      [() => readInteger(-1, "d.seq"), "Decode error: d.seq must be an integer in [0, 9007199254740991]"],
      [() => readInteger("1", "d.seq"), "Decode error: d.seq must be an integer in [0, 9007199254740991]"],
      [() => readInteger(251, "d.x", 50, 250), "Decode error: d.x must be an integer in [50, 250]"],
    ];
    for (const [run, message] of cases) {
      const err = protocolErrorOf(run);
      expect(err.closeCode).toBe(4002);
      expect(err.message).toBe(message);
    }
  });
});

describe("snowflakes", () => {
  test("accept decimal u64 strings", () => {
    expect(isSnowflake("0")).toBe(true);
    expect(isSnowflake("175928847299117063")).toBe(true);
    expect(isSnowflake("18446744073709551615")).toBe(true);
  });

  test("reject out-of-range, signed, padded and non-decimal strings", () => {
    for (const text of ["", "18446744073709551616", "99999999999999999999", "100000000000000000000", "-1", "01", " 1", "1e3", "0x10", "12a"]) {
      expect(isSnowflake(text)).toBe(false);
    }
  });

  test("readSnowflake takes safe integer numbers as strings", () => {
    expect(readSnowflake(4177198342314393, "d.guild_id")).toBe("4177198342314393");
    expect(readSnowflake("175928847299117063", "d.guild_id")).toBe("175928847299117063");
  });

  test("readSnowflake rejects other values with the field name", () => {
    for (const value of [-1, 1.5, 2 ** 60, "abc", null, true, ["1"]]) {
      const err = protocolErrorOf(() => readSnowflake(value, "d.user_ids[2]"));
      expect(err.closeCode).toBe(4002);
      expect(err.message).toBe("Decode error: d.user_ids[2] must be a snowflake");
    }
  });
});

describe("optional and withDefault", () => {
  test("treat null like a missing field", () => {
    expect(optional(undefined, "d.x", readString)).toBeUndefined();
    expect(optional(null, "d.x", readString)).toBeUndefined();
    expect(optional("a", "d.x", readString)).toBe("a");
    expect(withDefault(null, "d.afk", readBoolean, false)).toBe(false);
    expect(withDefault(true, "d.afk", readBoolean, false)).toBe(true);
  });

  test("still validate present values", () => {
    expect(protocolErrorOf(() => optional(1, "d.query", readString)).message).toBe("Decode error: d.query must be a string");
  });
});

test("utf8Bytes counts bytes, not UTF-16 units", () => {
  expect(utf8Bytes("abc")).toBe(3);
  expect(utf8Bytes("é")).toBe(2);
  expect(utf8Bytes("😀")).toBe(4);
});

import { describe, expect, test } from "bun:test";
import { validateClientPayload, validateFrame } from "./validate.ts";
import { protocolErrorOf } from "./test-helpers.ts";

const run = (text: string) => validateClientPayload(validateFrame(text));

describe("op 31 REQUEST_SOUNDBOARD_SOUNDS", () => {
  test("accepts the documented payload; ids sent as numbers become strings", () => {
    expect(run('{"op":31,"d":{"guild_ids":["613425648685547541","81384788765712384"]}}')).toEqual({
      op: 31,
      d: { guild_ids: ["613425648685547541", "81384788765712384"] },
    });
    expect(run('{"op":31,"d":{"guild_ids":[613425648685547541]}}').d).toEqual({ guild_ids: ["613425648685547541"] });
  });

  test("a bad shape closes with 4002 naming the field", () => {
    for (const [d, problem] of [
      ["{}", "d.guild_ids must be an array"],
      ['{"guild_ids":["x"]}', "d.guild_ids[0] must be a snowflake"],
    ]) {
      const error = protocolErrorOf(() => run(`{"op":31,"d":${d}}`));
      expect({ code: error.closeCode, message: error.message }).toEqual({ code: 4002, message: `Decode error: ${problem}` });
    }
  });
});

describe("op 43 REQUEST_CHANNEL_INFO", () => {
  test("accepts the documented payload, and fields not known yet", () => {
    expect(run('{"op":43,"d":{"guild_id":"613425648685547541","fields":["status","voice_start_time","later"]}}')).toEqual({
      op: 43,
      d: { guild_id: "613425648685547541", fields: ["status", "voice_start_time", "later"] },
    });
  });

  test("a bad shape closes with 4002 naming the field", () => {
    for (const [d, problem] of [
      ['{"fields":[]}', "d.guild_id must be a snowflake"],
      ['{"guild_id":"1"}', "d.fields must be an array"],
      ['{"guild_id":"1","fields":[1]}', "d.fields[0] must be a string"],
    ]) {
      const error = protocolErrorOf(() => run(`{"op":43,"d":${d}}`));
      expect({ code: error.closeCode, message: error.message }).toEqual({ code: 4002, message: `Decode error: ${problem}` });
    }
  });
});

import { describe, expect, test } from "bun:test";
import { protocolErrorOf } from "./test-helpers.ts";
import {
  MAX_FRAME_BYTES,
  validateClientPayload,
  validateFrame,
  validateHeartbeat,
  validateIdentify,
  validatePresenceUpdate,
  validateResume,
  validateVoiceStateUpdate,
} from "./validate.ts";

const closeCodeOf = (fn: () => unknown) => protocolErrorOf(fn).closeCode;

describe("validateFrame", () => {
  test("returns op and raw d of a client frame", () => {
    expect(validateFrame('{"op":1,"d":null}')).toEqual({ op: 1, d: null });
    expect(validateFrame('{"op":2,"d":{"token":"x"},"s":null,"t":null}')).toEqual({ op: 2, d: { token: "x" } });
  });

  test("bad JSON and non-objects close with 4002", () => {
    for (const text of ["", "{", "{op:1}", "null", "[1]", '"op"', "1"]) {
      const err = protocolErrorOf(() => validateFrame(text));
      expect(err.closeCode).toBe(4002);
    }
    expect(protocolErrorOf(() => validateFrame("{")).message).toBe("Decode error: frame is not valid JSON");
    expect(protocolErrorOf(() => validateFrame("[1]")).message).toBe("Decode error: frame must be a JSON object");
  });

  test("a missing or non-integer op closes with 4002", () => {
    for (const text of ['{"d":1}', '{"op":"1"}', '{"op":1.5}', '{"op":null}', '{"op":123456789012345678901}']) {
      const err = protocolErrorOf(() => validateFrame(text));
      expect(err.closeCode).toBe(4002);
      expect(err.message).toBe("Decode error: op must be an integer");
    }
  });

  test("server-only and unknown opcodes close with 4001", () => {
    for (const op of [0, 5, 7, 9, 10, 11, 12, 13, 15, 36, 38, -1]) {
      const err = protocolErrorOf(() => validateFrame(`{"op":${op},"d":null}`));
      expect(err.closeCode).toBe(4001);
      expect(err.message).toBe(`Unknown opcode: op ${op}`);
    }
  });

  test("frames over 4096 bytes close with 4002, counting UTF-8 bytes", () => {
    const frame = (filler: string) => `{"op":3,"d":{"x":"${filler}"}}`;
    const overhead = frame("").length;
    expect(validateFrame(frame("a".repeat(MAX_FRAME_BYTES - overhead))).op).toBe(3);
    expect(closeCodeOf(() => validateFrame(frame("a".repeat(MAX_FRAME_BYTES - overhead + 1))))).toBe(4002);
    // 2200 UTF-16 units, but 4400 bytes of UTF-8.
    const emoji = frame("😀".repeat(1100));
    expect(emoji.length).toBeLessThan(MAX_FRAME_BYTES);
    expect(protocolErrorOf(() => validateFrame(emoji)).message).toBe("Decode error: frame is over 4096 bytes");
  });

  test("keeps numeric snowflakes above 2^53 exact", () => {
    const frame = validateFrame('{"op":8,"d":{"guild_id":175928847299117063,"query":"","limit":0}}');
    expect(frame.d).toEqual({ guild_id: "175928847299117063", query: "", limit: 0 });
  });
});

describe("validateHeartbeat", () => {
  test("takes the last sequence or null", () => {
    expect(validateHeartbeat(null)).toBeNull();
    expect(validateHeartbeat(undefined)).toBeNull();
    expect(validateHeartbeat(0)).toBe(0);
    expect(validateHeartbeat(31536000000000)).toBe(31536000000000);
  });

  test("rejects anything else with 4002 naming d", () => {
    for (const d of ["1", -1, 1.5, {}, true]) {
      const err = protocolErrorOf(() => validateHeartbeat(d));
      expect(err.closeCode).toBe(4002);
      expect(err.message.startsWith("Decode error: d must be an integer")).toBe(true);
    }
  });
});

// discord.py 2.x DiscordWebSocket.identify(), with an activity and no status set.
const discordPyIdentify = {
  token: "tok",
  properties: { os: "linux", browser: "discord.py", device: "discord.py" },
  compress: true,
  large_threshold: 250,
  shard: [1, 4],
  presence: { status: null, game: { name: "chess", type: 0 }, since: 0, afk: false },
  intents: 3276799,
};

// @discordjs/ws WebSocketShard.identify() with an initial presence.
const discordJsIdentify = {
  token: "tok",
  properties: { browser: "@discordjs/ws 2.0.0", device: "@discordjs/ws 2.0.0", os: "linux" },
  intents: 513,
  compress: false,
  shard: [0, 1],
  presence: { activities: [{ name: "with bits", type: 0 }], status: "dnd", afk: false, since: null },
};

// discordgo 0.29.0 Session.identify(), as encoding/json marshals discordgo.New(token).Identify.
const discordgoIdentify = {
  token: "Bot tok",
  properties: { $os: "linux", $browser: "DiscordGo v0.29.0", $device: "", $referer: "", $referring_domain: "" },
  compress: true,
  large_threshold: 250,
  presence: {
    since: 0,
    game: {
      name: "",
      type: 0,
      created_at: "0001-01-01T00:00:00Z",
      timestamps: {},
      emoji: { id: "", name: "", roles: null, user: null, require_colons: false, managed: false, animated: false, available: false },
      party: {},
      assets: {},
      secrets: {},
    },
    status: "",
    afk: false,
  },
  intents: 3243773,
};

describe("validateIdentify", () => {
  test("accepts discord.py's payload (game, null status)", () => {
    expect(validateIdentify(discordPyIdentify)).toEqual({
      token: "tok",
      properties: { os: "linux", browser: "discord.py", device: "discord.py" },
      compress: true,
      large_threshold: 250,
      shard: [1, 4],
      presence: { since: 0, activities: [{ name: "chess", type: 0 }], status: "online", afk: false },
      intents: 3276799,
    });
  });

  test("accepts discordgo 0.29's payload: empty status, zero-value game with a Go zero time", () => {
    const d = validateIdentify(discordgoIdentify);
    expect(d.presence).toEqual({ since: 0, activities: [], status: "online", afk: false });
    expect(d.properties).toEqual({ os: "linux", browser: "DiscordGo v0.29.0", device: "" });
  });

  test("reads IDENTIFY's presence liberally: what is not as documented takes its default", () => {
    const presence = (p: unknown) => validateIdentify({ ...discordJsIdentify, presence: p }).presence;
    for (const status of ["", "away", "ONLINE", 1, null]) expect(presence({ status })?.status).toBe("online");
    expect(presence({ status: "idle", since: "yesterday", afk: "no" })).toEqual({ since: null, activities: [], status: "idle", afk: false });
    const activities = [{ name: "chess", type: 0, extra: { deep: true } }, { type: 0 }, { name: "x", type: -1 }, "junk", { name: "", type: 2 }];
    expect(presence({ activities })?.activities).toEqual([{ name: "chess", type: 0 }]);
    expect(presence({ game: { name: "go", type: 1, url: "https://twitch.tv/x", created_at: "0001-01-01T00:00:00Z" } })?.activities).toEqual([
      { name: "go", type: 1, url: "https://twitch.tv/x" },
    ]);
    for (const junk of [null, "online", 3, []]) expect(presence(junk)).toBeUndefined();
  });

  test("accepts @discordjs/ws's payload", () => {
    expect(validateIdentify(discordJsIdentify)).toEqual({
      token: "tok",
      properties: { os: "linux", browser: "@discordjs/ws 2.0.0", device: "@discordjs/ws 2.0.0" },
      intents: 513,
      compress: false,
      shard: [0, 1],
      presence: { since: null, activities: [{ name: "with bits", type: 0 }], status: "dnd", afk: false },
    });
  });

  test("accepts a minimal payload and v6-style $-prefixed properties", () => {
    const d = { token: "t", properties: { $os: "linux", $browser: "b" }, intents: 0 };
    expect(validateIdentify(d)).toEqual({ token: "t", properties: { os: "linux", browser: "b", device: "" }, intents: 0 });
  });

  test("clamps large_threshold into 50..250", () => {
    expect(validateIdentify({ ...discordJsIdentify, large_threshold: 1000 }).large_threshold).toBe(250);
    expect(validateIdentify({ ...discordJsIdentify, large_threshold: 0 }).large_threshold).toBe(50);
    expect(protocolErrorOf(() => validateIdentify({ ...discordJsIdentify, large_threshold: "50" })).message).toBe(
      "Decode error: d.large_threshold must be an integer in [0, 9007199254740991]",
    );
  });

  test("missing, negative, fractional or unknown-bit intents close with 4013", () => {
    const { intents: _, ...withoutIntents } = discordJsIdentify;
    expect(closeCodeOf(() => validateIdentify(withoutIntents))).toBe(4013);
    for (const intents of [-1, 1.5, "513", null, 1 << 17, 1 << 26, 53608447 + 1, 2 ** 40]) {
      expect(closeCodeOf(() => validateIdentify({ ...discordJsIdentify, intents }))).toBe(4013);
    }
    expect(validateIdentify({ ...discordJsIdentify, intents: 53608447 }).intents).toBe(53608447);
  });

  test("a bad shard closes with 4010", () => {
    for (const shard of [[1, 1], [-1, 2], [0, 0], [0], [0, 1, 2], "0,1", [0.5, 2], ["0", "1"], {}]) {
      const err = protocolErrorOf(() => validateIdentify({ ...discordJsIdentify, shard }));
      expect(err.closeCode).toBe(4010);
      expect(err.message).toContain("d.shard");
    }
    expect(validateIdentify({ ...discordJsIdentify, shard: [15, 16] }).shard).toEqual([15, 16]);
    expect(validateIdentify({ ...discordJsIdentify, shard: null }).shard).toBeUndefined();
  });

  test("shape errors close with 4002 naming the field", () => {
    const cases: [unknown, string][] = [
      [null, "d must be an object"],
      [{ ...discordJsIdentify, token: undefined }, "d.token must be a string"],
      [{ ...discordJsIdentify, properties: undefined }, "d.properties must be an object"],
      [{ ...discordJsIdentify, properties: { os: 1 } }, "d.properties.os must be a string"],
      [{ ...discordJsIdentify, compress: "zlib" }, "d.compress must be a boolean"],
    ];
    for (const [d, problem] of cases) {
      const err = protocolErrorOf(() => validateIdentify(d));
      expect(err.closeCode).toBe(4002);
      expect(err.message).toBe(`Decode error: ${problem}`);
    }
  });
});

describe("validatePresenceUpdate", () => {
  test("accepts discord.py's change_presence payload", () => {
    const d = { activities: [{ name: "x", type: 4, state: "hi", url: null }], afk: false, since: 1700000000000.7, status: "idle" };
    expect(validatePresenceUpdate(d)).toEqual({
      since: 1700000000000,
      activities: [{ name: "x", type: 4, state: "hi" }],
      status: "idle",
      afk: false,
    });
  });

  test("fills defaults for missing fields and drops unknown activity fields", () => {
    expect(validatePresenceUpdate({ activities: [{ name: "x", type: 2, assets: {} }] })).toEqual({
      since: null,
      activities: [{ name: "x", type: 2 }],
      status: "online",
      afk: false,
    });
  });

  test("rejects bad fields with 4002 naming them", () => {
    const cases: [unknown, string][] = [
      [{ activities: {} }, "d.activities must be an array"],
      [{ activities: [{ type: 0 }] }, "d.activities[0].name must be a string"],
      [{ activities: [{ name: "a", type: -1 }] }, "d.activities[0].type must be an integer in [0, 255]"],
      [{ since: -5 }, "d.since must be a non-negative number or null"],
      [{ afk: "no" }, "d.afk must be a boolean"],
    ];
    for (const [d, problem] of cases) {
      expect(protocolErrorOf(() => validatePresenceUpdate(d)).message).toBe(`Decode error: ${problem}`);
    }
  });
});

describe("validateVoiceStateUpdate", () => {
  test("takes discord.py's numeric ids as strings", () => {
    expect(validateVoiceStateUpdate({ guild_id: 4177198342314393, channel_id: null, self_mute: false, self_deaf: true })).toEqual({
      guild_id: "4177198342314393",
      channel_id: null,
      self_mute: false,
      self_deaf: true,
    });
  });

  test("a parsed frame keeps unsafe numeric ids exact", () => {
    const frame = validateFrame('{"op":4,"d":{"guild_id":175928847299117063,"channel_id":175928847299117064}}');
    expect(validateClientPayload(frame)).toEqual({
      op: 4,
      d: { guild_id: "175928847299117063", channel_id: "175928847299117064", self_mute: false, self_deaf: false },
    });
  });
});

describe("validateResume", () => {
  test("accepts @discordjs/ws's payload", () => {
    expect(validateResume({ token: "t", seq: 42, session_id: "abc" })).toEqual({ token: "t", session_id: "abc", seq: 42 });
  });

  test("rejects missing or mistyped fields with 4002", () => {
    expect(protocolErrorOf(() => validateResume({ token: "t", session_id: "abc" })).message).toBe(
      "Decode error: d.seq must be an integer in [0, 9007199254740991]",
    );
    expect(protocolErrorOf(() => validateResume({ token: "t", session_id: 5, seq: 1 })).message).toBe(
      "Decode error: d.session_id must be a string",
    );
  });
});

describe("validateClientPayload", () => {
  test("runs the validator for each client opcode", () => {
    const run = (text: string) => validateClientPayload(validateFrame(text));
    expect(run('{"op":1,"d":7}')).toEqual({ op: 1, d: 7 });
    expect(run(JSON.stringify({ op: 2, d: discordJsIdentify })).op).toBe(2);
    expect(run('{"op":3,"d":{"status":"dnd"}}')).toEqual({
      op: 3,
      d: { since: null, activities: [], status: "dnd", afk: false },
    });
    expect(run('{"op":6,"d":{"token":"t","session_id":"s","seq":1}}')).toEqual({
      op: 6,
      d: { token: "t", session_id: "s", seq: 1 },
    });
    expect(run('{"op":8,"d":{"guild_id":"1","user_ids":"2"}}')).toEqual({
      op: 8,
      d: { guild_id: "1", user_ids: ["2"], limit: 0, presences: false },
    });
    expect(run('{"op":14,"d":{"guild_id":"1","typing":true}}')).toEqual({ op: 14, d: { guild_id: "1", typing: true } });
    expect(run('{"op":37,"d":{"subscriptions":{"1":{"typing":true}}}}')).toEqual({
      op: 37,
      d: { subscriptions: { "1": { typing: true } } },
    });
  });

  test("an invalid d surfaces the validator's close code", () => {
    expect(closeCodeOf(() => validateClientPayload(validateFrame('{"op":2,"d":{"token":"t","properties":{},"intents":-1}}')))).toBe(4013);
    expect(closeCodeOf(() => validateClientPayload(validateFrame('{"op":6,"d":null}')))).toBe(4002);
  });
});

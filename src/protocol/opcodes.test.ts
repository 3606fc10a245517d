import { describe, expect, test } from "bun:test";
import { ALL_INTENTS, CLIENT_OPS, Intent, Op, PRIVILEGED_INTENTS, isClientOp } from "./opcodes.ts";

describe("Op", () => {
  test("matches Discord's opcode numbers", () => {
    expect(Op).toEqual({
      DISPATCH: 0,
      HEARTBEAT: 1,
      IDENTIFY: 2,
      PRESENCE_UPDATE: 3,
      VOICE_STATE_UPDATE: 4,
      RESUME: 6,
      RECONNECT: 7,
      REQUEST_GUILD_MEMBERS: 8,
      INVALID_SESSION: 9,
      HELLO: 10,
      HEARTBEAT_ACK: 11,
      LAZY_REQUEST: 14,
      GUILD_SUBSCRIPTIONS_BULK: 37,
      REQUEST_SOUNDBOARD_SOUNDS: 31,
      REQUEST_CHANNEL_INFO: 43,
    });
  });

  test("client ops are exactly Discord's documented ones (1, 2, 3, 4, 6, 8, 31, 43) and 14, 37", () => {
    expect([...CLIENT_OPS].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 6, 8, 14, 31, 37, 43]);
    for (let op = -1; op <= 50; op++) {
      expect(isClientOp(op)).toBe((CLIENT_OPS as readonly number[]).includes(op));
    }
  });

  test("server-only ops are not client ops", () => {
    for (const op of [Op.DISPATCH, Op.RECONNECT, Op.INVALID_SESSION, Op.HELLO, Op.HEARTBEAT_ACK]) {
      expect(isClientOp(op)).toBe(false);
    }
  });
});

describe("Intent", () => {
  test("bit positions match the Discord docs", () => {
    expect(Intent.GUILDS).toBe(1);
    expect(Intent.GUILD_MEMBERS).toBe(2);
    expect(Intent.GUILD_VOICE_STATES).toBe(128);
    expect(Intent.GUILD_PRESENCES).toBe(256);
    expect(Intent.GUILD_MESSAGES).toBe(512);
    expect(Intent.MESSAGE_CONTENT).toBe(32768);
    expect(Intent.GUILD_SCHEDULED_EVENTS).toBe(65536);
    expect(Intent.AUTO_MODERATION_CONFIGURATION).toBe(1048576);
    expect(Intent.AUTO_MODERATION_EXECUTION).toBe(2097152);
    expect(Intent.GUILD_MESSAGE_POLLS).toBe(16777216);
    expect(Intent.DIRECT_MESSAGE_POLLS).toBe(33554432);
  });

  test("every intent is a distinct single bit", () => {
    const bits = Object.values(Intent);
    expect(new Set(bits).size).toBe(bits.length);
    for (const bit of bits) expect(bit & (bit - 1)).toBe(0);
  });

  test("ALL_INTENTS equals discord.js IntentsBitField.All (53608447)", () => {
    expect(ALL_INTENTS).toBe(53608447);
  });

  test("PRIVILEGED_INTENTS is GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT", () => {
    expect(PRIVILEGED_INTENTS).toBe(2 | 256 | 32768);
    expect(PRIVILEGED_INTENTS & ~ALL_INTENTS).toBe(0);
  });
});

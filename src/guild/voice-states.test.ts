import { describe, expect, test } from "bun:test";
import { VoiceStates, voiceStateJson, type VoiceRequest } from "./voice-states.ts";

const join = (channelId: string | null, overrides: Partial<VoiceRequest> = {}): VoiceRequest => ({ sessionId: "s1", channelId, selfMute: false, selfDeaf: false, ...overrides });

describe("VoiceStates", () => {
  test("apply answers whether anything changed: a join, the same request again, a mute, a move, a leave, a leave when out", () => {
    const states = new VoiceStates();
    expect(states.apply("1", join("10"))).toBe(true);
    expect(states.apply("1", join("10"))).toBe(false);
    expect(states.apply("1", join("10", { selfMute: true }))).toBe(true);
    expect(states.apply("1", join("11", { selfMute: true }))).toBe(true);
    expect(states.apply("1", join("11", { selfMute: true, sessionId: "s2" }))).toBe(true);
    expect(states.get("1")).toEqual({ userId: "1", channelId: "11", sessionId: "s2", selfMute: true, selfDeaf: false });
    expect(states.apply("1", join(null))).toBe(true);
    expect(states.apply("1", join(null))).toBe(false);
    expect([...states.values()]).toEqual([]);
  });

  test("remove answers the state it took away, once", () => {
    const states = new VoiceStates();
    states.apply("1", join("10"));
    states.apply("2", join("10"));
    expect(states.remove("1")).toMatchObject({ userId: "1", channelId: "10" });
    expect(states.remove("1")).toBeUndefined();
    expect([...states.values()].map((state) => state.userId)).toEqual(["2"]);
  });

  test("the JSON of GUILD_CREATE's voice_states has no guild_id or member; server mute, deafen and suppress are false", () => {
    expect(voiceStateJson("1", { sessionId: "s1", channelId: "10", selfMute: true, selfDeaf: false })).toEqual({
      channel_id: "10",
      user_id: "1",
      session_id: "s1",
      deaf: false,
      mute: false,
      self_deaf: false,
      self_mute: true,
      self_stream: false,
      self_video: false,
      suppress: false,
      request_to_speak_timestamp: null,
    });
  });
});

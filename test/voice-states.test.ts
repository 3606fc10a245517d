/**
 * Op 4 (voice state update) over real gateway sockets: a member joins a voice channel it may
 * view and connect to, mutes itself and leaves; VOICE_STATE_UPDATE reaches the guild's sessions
 * with GUILD_VOICE_STATES that can view the channel, and no other; GUILD_CREATE carries the
 * guild's voice states; a request for a channel it may not join changes nothing; there is no
 * voice server, so VOICE_SERVER_UPDATE never comes.
 */
import { describe, expect, test } from "bun:test";
import type { RawClient } from "./support/gateway-client.ts";
import type { Json } from "./support/http.ts";
import { Intents, restServer, type Account } from "./support/rest-world.ts";

const { GUILDS, GUILD_VOICE_STATES } = Intents;

const rest = restServer("voice");

/** A new member of the guild (a user identifies at most once per 5 s, so each session here is another user's). */
async function newcomer(guildId: string, name: string): Promise<Account> {
  const account = await rest.user(name);
  await rest.join(guildId, account);
  return account;
}

/**
 * A guild with a voice channel of `type` (2 voice, 13 stage), the owner watching voice states
 * and the member in the channel (its join seen by the watcher).
 */
async function memberInVoice(type: number) {
  const w = await rest.world();
  const room = (await rest.created(`/internal/guilds/${w.guild.id}/channels`, { name: "room", type })) as { id: string };
  const watcher = await rest.session(w.owner, GUILDS | GUILD_VOICE_STATES, w.guild.id);
  const speaker = await rest.session(w.member, GUILDS, w.guild.id);
  voice(speaker, w.guild.id, room.id);
  await rest.event(watcher, "VOICE_STATE_UPDATE", 0, (d) => d.channel_id === room.id);
  return { w, room, watcher, speaker };
}

const sessionIdOf = (client: RawClient): string => (client.frames.find((f) => f.t === "READY")?.d as Json).session_id as string;

const voice = (client: RawClient, guildId: string, channelId: string | null, selfMute = false): void =>
  client.send({ op: 4, d: { guild_id: guildId, channel_id: channelId, self_mute: selfMute, self_deaf: false } });

describe("op 4, voice states", () => {
  test("joining, muting and leaving: VOICE_STATE_UPDATE with GUILD_VOICE_STATES only, voice_states in GUILD_CREATE, never VOICE_SERVER_UPDATE", async () => {
    const w = await rest.world();
    const room = (await rest.created(`/internal/guilds/${w.guild.id}/channels`, { name: "room", type: 2 })) as { id: string };
    const watcher = await rest.session(w.owner, GUILDS | GUILD_VOICE_STATES, w.guild.id);
    const blind = await rest.session(await newcomer(w.guild.id, "blind"), GUILDS, w.guild.id);
    const speaker = await rest.session(w.member, GUILDS, w.guild.id);
    const from = blind.frames.length;
    voice(speaker, w.guild.id, room.id, true);
    const joined = await rest.event(watcher, "VOICE_STATE_UPDATE", 0);
    expect(joined).toMatchObject({
      guild_id: w.guild.id,
      channel_id: room.id,
      user_id: w.member.id,
      session_id: sessionIdOf(speaker),
      member: { user: { id: w.member.id } },
      self_mute: true,
      self_deaf: false,
      mute: false,
      deaf: false,
      suppress: false,
    });
    await rest.nothingSince(blind, w.guild.id, "VOICE_STATE_UPDATE", from);

    const late = await rest.session(await newcomer(w.guild.id, "late"), GUILDS | GUILD_VOICE_STATES, w.guild.id);
    const guildCreate = late.frames.find((f) => f.t === "GUILD_CREATE")?.d as Json;
    expect(guildCreate.voice_states).toEqual([
      expect.objectContaining({ channel_id: room.id, user_id: w.member.id, session_id: sessionIdOf(speaker), self_mute: true }),
    ]);
    expect((guildCreate.voice_states as Json[])[0]?.guild_id).toBeUndefined();
    const lateBlind = await rest.session(await newcomer(w.guild.id, "late-blind"), GUILDS, w.guild.id);
    expect((lateBlind.frames.find((f) => f.t === "GUILD_CREATE")?.d as Json).voice_states).toEqual([]);

    const mark = watcher.frames.length;
    voice(speaker, w.guild.id, room.id, false);
    expect(await rest.event(watcher, "VOICE_STATE_UPDATE", mark)).toMatchObject({ channel_id: room.id, self_mute: false });
    voice(speaker, w.guild.id, null);
    expect(await rest.event(watcher, "VOICE_STATE_UPDATE", mark, (d) => d.channel_id === null)).toMatchObject({ user_id: w.member.id, session_id: sessionIdOf(speaker) });
    await rest.nothingSince(watcher, w.guild.id, "VOICE_SERVER_UPDATE", 0);
  });

  test("a text channel, a voice channel it cannot view, a guild it is not in, or leaving when not in voice change nothing", async () => {
    const w = await rest.world();
    const view = (1n << 10n).toString();
    const hidden = (await rest.created(`/internal/guilds/${w.guild.id}/channels`, {
      name: "hidden",
      type: 2,
      permission_overwrites: [{ id: w.guild.id, type: 0, allow: "0", deny: view }],
    })) as { id: string };
    const room = (await rest.created(`/internal/guilds/${w.guild.id}/channels`, { name: "room", type: 2 })) as { id: string };
    const watcher = await rest.session(w.owner, GUILDS | GUILD_VOICE_STATES, w.guild.id);
    const speaker = await rest.session(w.member, GUILDS, w.guild.id);
    const from = watcher.frames.length;
    voice(speaker, w.guild.id, null);
    voice(speaker, w.guild.id, w.lobby.id);
    voice(speaker, w.guild.id, hidden.id);
    voice(speaker, "123", room.id);
    // The barrier: a session's ops reach the owner in order, so this one's event comes after any of theirs.
    voice(speaker, w.guild.id, room.id);
    await rest.event(watcher, "VOICE_STATE_UPDATE", from, (d) => d.channel_id === room.id);
    expect(watcher.frames.slice(from).filter((f) => f.t === "VOICE_STATE_UPDATE").map((f) => (f.d as Json).channel_id)).toEqual([room.id]);
    // Voice states are the gateway's state: a backend cannot push one.
    expect(await rest.api("POST", `/internal/guilds/${w.guild.id}/dispatch`, { t: "VOICE_STATE_UPDATE", d: {}, intents: 0, permissions: "0" })).toMatchObject({ status: 400 });
    const late = await rest.session(await newcomer(w.guild.id, "late"), GUILDS | GUILD_VOICE_STATES, w.guild.id);
    expect(((late.frames.find((f) => f.t === "GUILD_CREATE")?.d as Json).voice_states as Json[]).map((state) => state.channel_id)).toEqual([room.id]);
  });

  test("a member in voice whose last session ends leaves voice: VOICE_STATE_UPDATE with channel_id null", async () => {
    const { w, watcher, speaker } = await memberInVoice(13);
    speaker.close(1000);
    expect(await rest.event(watcher, "VOICE_STATE_UPDATE", 0, (d) => d.channel_id === null)).toMatchObject({ user_id: w.member.id });
  });

  test("a voice channel deleted with a member in it: VOICE_STATE_UPDATE with channel_id null before CHANNEL_DELETE, and no voice state left", async () => {
    const { w, room, watcher } = await memberInVoice(2);
    const from = watcher.frames.length;
    expect((await rest.api("DELETE", `/internal/guilds/${w.guild.id}/channels/${room.id}`)).status).toBeLessThan(300);
    await rest.event(watcher, "CHANNEL_DELETE", from, (d) => d.id === room.id);
    const events = watcher.frames.slice(from).filter((f) => f.t === "VOICE_STATE_UPDATE" || f.t === "CHANNEL_DELETE");
    expect(events.map((f) => [f.t, (f.d as Json).channel_id ?? null])).toEqual([
      ["VOICE_STATE_UPDATE", null],
      ["CHANNEL_DELETE", null],
    ]);
    const late = await rest.session(await newcomer(w.guild.id, "late"), GUILDS | GUILD_VOICE_STATES, w.guild.id);
    expect((late.frames.find((f) => f.t === "GUILD_CREATE")?.d as Json).voice_states).toEqual([]);
  });
});

/**
 * Reactions and typing over Discord's REST routes, over real HTTP and gateway sockets: each
 * event reaches only sessions with its intent (GUILD_MESSAGE_REACTIONS, GUILD_MESSAGE_TYPING)
 * that can view the channel; the permissions Discord asks (ADD_REACTIONS for a new emoji,
 * MANAGE_MESSAGES for others' reactions, SEND_MESSAGES to type) are checked.
 */
import { describe, expect, test } from "bun:test";
import { Intents, restServer, type World } from "./support/rest-world.ts";

const { GUILDS, GUILD_MESSAGES, GUILD_MESSAGE_REACTIONS, GUILD_MESSAGE_TYPING } = Intents;
const ADD_REACTIONS = 1n << 6n;

const rest = restServer("reactions");

const THUMBS = encodeURIComponent("👍");
const HEART = encodeURIComponent("❤️");

async function posted(w: World, channelId = w.lobby.id): Promise<string> {
  const { status, json } = await rest.api("POST", `/api/v10/channels/${channelId}/messages`, { content: "react to me" }, w.owner.auth);
  expect(status).toBe(200);
  return json.id as string;
}

const reactions = (w: World, messageId: string, rest_ = "", channelId = w.lobby.id): string => `/api/v10/channels/${channelId}/messages/${messageId}/reactions${rest_}`;

describe("reactions", () => {
  test("PUT @me: MESSAGE_REACTION_ADD with the member to sessions with GUILD_MESSAGE_REACTIONS only; reactors listed; the message counts it", async () => {
    const w = await rest.world();
    const watcher = await rest.session(w.owner, GUILDS | GUILD_MESSAGE_REACTIONS, w.guild.id);
    const deaf = await rest.session(w.member, GUILDS | GUILD_MESSAGES, w.guild.id);
    const id = await posted(w);
    const from = deaf.frames.length;
    expect((await rest.api("PUT", reactions(w, id, `/${THUMBS}/@me`), undefined, w.member.auth)).status).toBe(204);
    const added = await rest.event(watcher, "MESSAGE_REACTION_ADD", 0);
    expect(added).toMatchObject({
      user_id: w.member.id,
      channel_id: w.lobby.id,
      message_id: id,
      guild_id: w.guild.id,
      emoji: { id: null, name: "👍" },
      message_author_id: w.owner.id,
      burst: false,
      burst_colors: [],
      type: 0,
      member: { user: { id: w.member.id } },
    });
    await rest.nothingSince(deaf, w.guild.id, "MESSAGE_REACTION_ADD", from);
    // Again: nothing changes, no second event.
    const again = watcher.frames.length;
    expect((await rest.api("PUT", reactions(w, id, `/${THUMBS}/@me`), undefined, w.member.auth)).status).toBe(204);
    await rest.nothingSince(watcher, w.guild.id, "MESSAGE_REACTION_ADD", again);
    expect(await rest.api("GET", reactions(w, id, `/${THUMBS}`), undefined, w.owner.auth)).toMatchObject({ status: 200, json: [{ id: w.member.id }] });
    const message = await rest.api("GET", `/api/v10/channels/${w.lobby.id}/messages/${id}`, undefined, w.member.auth);
    expect(message.json.reactions).toEqual([{ count: 1, count_details: { burst: 0, normal: 1 }, me: true, me_burst: false, emoji: { id: null, name: "👍" }, burst_colors: [] }]);
  });

  test("ADD_REACTIONS is needed for a new emoji only; custom or bogus emojis are 10014; unknown message 10008", async () => {
    const w = await rest.world();
    const id = await posted(w);
    const plain = (await rest.created(`/internal/guilds/${w.guild.id}/channels`, {
      name: "no-new-reactions",
      permission_overwrites: [{ id: w.guild.id, type: 0, allow: "0", deny: ADD_REACTIONS.toString() }],
    })) as { id: string };
    const there = await posted(w, plain.id);
    expect(await rest.api("PUT", reactions(w, there, `/${THUMBS}/@me`, plain.id), undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    expect((await rest.api("PUT", reactions(w, there, `/${THUMBS}/@me`, plain.id), undefined, w.owner.auth)).status).toBe(204);
    expect((await rest.api("PUT", reactions(w, there, `/${THUMBS}/@me`, plain.id), undefined, w.member.auth)).status).toBe(204);
    expect(await rest.api("PUT", reactions(w, id, "/custom:123/@me"), undefined, w.member.auth)).toMatchObject({ status: 400, json: { code: 10014 } });
    expect(await rest.api("PUT", reactions(w, id, "/abc/@me"), undefined, w.member.auth)).toMatchObject({ status: 400, json: { code: 10014 } });
    expect(await rest.api("PUT", reactions(w, "1", `/${THUMBS}/@me`), undefined, w.member.auth)).toMatchObject({ status: 404, json: { code: 10008 } });
    const hidden = await posted(w, w.secret.id);
    expect(await rest.api("PUT", reactions(w, hidden, `/${THUMBS}/@me`, w.secret.id), undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
  });

  test("DELETE @me, another user's (MANAGE_MESSAGES), per emoji and all: REMOVE, REMOVE_EMOJI, REMOVE_ALL", async () => {
    const w = await rest.world();
    const watcher = await rest.session(w.owner, GUILDS | GUILD_MESSAGE_REACTIONS, w.guild.id);
    const id = await posted(w);
    for (const [emoji, who] of [[THUMBS, w.member], [THUMBS, w.owner], [HEART, w.member]] as const) {
      expect((await rest.api("PUT", reactions(w, id, `/${emoji}/@me`), undefined, who.auth)).status).toBe(204);
    }
    let from = watcher.frames.length;
    expect((await rest.api("DELETE", reactions(w, id, `/${THUMBS}/@me`), undefined, w.member.auth)).status).toBe(204);
    expect(await rest.event(watcher, "MESSAGE_REACTION_REMOVE", from)).toEqual({
      user_id: w.member.id,
      channel_id: w.lobby.id,
      message_id: id,
      guild_id: w.guild.id,
      emoji: { id: null, name: "👍" },
      burst: false,
      type: 0,
    });
    expect(await rest.api("DELETE", reactions(w, id, `/${THUMBS}/${w.owner.id}`), undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    expect(await rest.api("DELETE", reactions(w, id, `/${HEART}`), undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    from = watcher.frames.length;
    expect((await rest.api("DELETE", reactions(w, id, `/${HEART}/${w.member.id}`), undefined, w.owner.auth)).status).toBe(204);
    expect(await rest.event(watcher, "MESSAGE_REACTION_REMOVE", from)).toMatchObject({ user_id: w.member.id, emoji: { name: "❤️" } });
    expect((await rest.api("PUT", reactions(w, id, `/${HEART}/@me`), undefined, w.member.auth)).status).toBe(204);
    from = watcher.frames.length;
    expect((await rest.api("DELETE", reactions(w, id, `/${HEART}`), undefined, w.owner.auth)).status).toBe(204);
    expect(await rest.event(watcher, "MESSAGE_REACTION_REMOVE_EMOJI", from)).toEqual({ channel_id: w.lobby.id, message_id: id, guild_id: w.guild.id, emoji: { id: null, name: "❤️" } });
    from = watcher.frames.length;
    expect((await rest.api("DELETE", reactions(w, id), undefined, w.owner.auth)).status).toBe(204);
    expect(await rest.event(watcher, "MESSAGE_REACTION_REMOVE_ALL", from)).toEqual({ channel_id: w.lobby.id, message_id: id, guild_id: w.guild.id });
    expect(await rest.api("GET", reactions(w, id, `/${THUMBS}`), undefined, w.owner.auth)).toMatchObject({ status: 200, json: [] });
  });
});

describe("typing", () => {
  test("POST /typing: 204 and TYPING_START with the member to GUILD_MESSAGE_TYPING sessions only; SEND_MESSAGES needed", async () => {
    const w = await rest.world();
    const watcher = await rest.session(w.owner, GUILDS | GUILD_MESSAGE_TYPING, w.guild.id);
    const other = await rest.user("other");
    await rest.join(w.guild.id, other);
    const deaf = await rest.session(other, GUILDS | GUILD_MESSAGES, w.guild.id);
    const from = deaf.frames.length;
    expect((await rest.api("POST", `/api/v10/channels/${w.lobby.id}/typing`, undefined, w.member.auth)).status).toBe(204);
    const typing = await rest.event(watcher, "TYPING_START", 0);
    expect(typing).toMatchObject({ channel_id: w.lobby.id, guild_id: w.guild.id, user_id: w.member.id, member: { user: { id: w.member.id } } });
    expect(Number.isInteger(typing.timestamp)).toBe(true);
    await rest.nothingSince(deaf, w.guild.id, "TYPING_START", from);
    expect(await rest.api("POST", `/api/v10/channels/${w.secret.id}/typing`, undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
    const muted = (await rest.created(`/internal/guilds/${w.guild.id}/channels`, {
      name: "muted",
      permission_overwrites: [{ id: w.guild.id, type: 0, allow: "0", deny: (1n << 11n).toString() }],
    })) as { id: string };
    expect(await rest.api("POST", `/api/v10/channels/${muted.id}/typing`, undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
  });
});

/**
 * DMs over Discord's REST routes, over real HTTP and gateway sockets: opening a DM channel
 * (one per pair of users), reading it, and sending, editing and deleting its messages; each
 * event reaches both users' sessions that asked for DIRECT_MESSAGES, with the content even
 * without MESSAGE_CONTENT, and no other session; refusals answer Discord's codes.
 */
import { describe, expect, test } from "bun:test";
import type { Json } from "./support/http.ts";
import { Intents, restServer, type Account } from "./support/rest-world.ts";

const { GUILDS, GUILD_MESSAGES, DIRECT_MESSAGES, DIRECT_MESSAGE_REACTIONS, DIRECT_MESSAGE_TYPING } = Intents;

const rest = restServer("rest-dms");

async function open(from: Account, to: Account): Promise<Json> {
  const { status, json } = await rest.api("POST", "/api/v10/users/@me/channels", { recipient_id: to.id }, from.auth);
  expect({ status, json }).toMatchObject({ status: 200, json: { type: 1 } });
  return json;
}

const at = (channelId: string, rest = ""): string => `/api/v10/channels/${channelId}/messages${rest}`;

describe("POST /users/@me/channels", () => {
  test("one DM channel per pair, whoever opens it, the recipient as a JSON number too; GET /channels/:id to its recipients only", async () => {
    const w = await rest.world();
    const outsider = await rest.user("outsider");
    const opened = await open(w.owner, w.member);
    expect(opened).toMatchObject({ type: 1, last_message_id: null, recipients: [{ id: w.member.id, username: "member" }] });
    const back = await open(w.member, w.owner);
    expect(back).toMatchObject({ id: opened.id, recipients: [{ id: w.owner.id }] });
    // discord.py sends the id as a JSON number, past 2^53: it must stay exact.
    const asNumber = await fetch(`${rest.httpBase}/api/v10/users/@me/channels`, {
      method: "POST",
      headers: { authorization: w.owner.auth, "content-type": "application/json" },
      body: `{"recipient_id": ${w.member.id}}`,
    });
    expect(await asNumber.json()).toMatchObject({ id: opened.id });
    expect(await rest.api("GET", `/api/v10/channels/${opened.id}`, undefined, w.member.auth)).toMatchObject({ status: 200, json: { id: opened.id, type: 1, recipients: [{ id: w.owner.id }] } });
    expect(await rest.api("GET", `/api/v10/channels/${opened.id}`, undefined, outsider.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
  });

  test("refusals: the caller itself 50007, a user that does not exist 10013, a bad id 50035", async () => {
    const w = await rest.world();
    const post = (body: Json) => rest.api("POST", "/api/v10/users/@me/channels", body, w.owner.auth);
    expect(await post({ recipient_id: w.owner.id })).toMatchObject({ status: 403, json: { code: 50007 } });
    expect(await post({ recipient_id: "123" })).toMatchObject({ status: 404, json: { code: 10013 } });
    expect(await post({ recipient_id: "x" })).toMatchObject({ status: 400, json: { code: 50035, errors: { recipient_id: {} } } });
  });

  test("a user (not a bot) that opens a DM gets CHANNEL_CREATE; a bot gets none", async () => {
    const w = await rest.world();
    const bot = await rest.user("dm-bot", 0, true);
    await rest.join(w.guild.id, bot);
    const person = await rest.session(w.member, GUILDS | DIRECT_MESSAGES, w.guild.id);
    const robot = await rest.session(bot, GUILDS | DIRECT_MESSAGES, w.guild.id);
    const from = robot.frames.length;
    const opened = await open(w.member, bot);
    expect(await rest.event(person, "CHANNEL_CREATE", 0, (d) => d.id === opened.id)).toMatchObject({ type: 1, recipients: [{ id: bot.id }] });
    await open(bot, w.member);
    await rest.nothingForUserSince(robot, bot.id, "CHANNEL_CREATE", from);
  });
});

describe("messages in a DM channel", () => {
  test("MESSAGE_CREATE/UPDATE/DELETE reach both users' sessions with DIRECT_MESSAGES, content and all, and no other session", async () => {
    const w = await rest.world();
    const dm = await open(w.owner, w.member);
    // The owner (a bot here) has no MESSAGE_CONTENT in this session: DMs keep their content.
    const ownerSession = await rest.session(w.owner, GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES, w.guild.id);
    const memberSession = await rest.session(w.member, GUILDS | DIRECT_MESSAGES, w.guild.id);
    // A third user in a DM with the owner, whose session did not ask for DIRECT_MESSAGES.
    const other = await rest.user("other");
    await rest.join(w.guild.id, other);
    const guildOnly = await rest.session(other, GUILDS | GUILD_MESSAGES, w.guild.id);
    const otherDm = await open(other, w.owner);
    const from = guildOnly.frames.length;
    const sent = await rest.api("POST", at(dm.id as string), { content: `psst <@${w.owner.id}>`, nonce: "n1" }, w.member.auth);
    expect(sent).toMatchObject({ status: 200, json: { channel_id: dm.id, author: { id: w.member.id }, content: `psst <@${w.owner.id}>`, mentions: [{ id: w.owner.id }], nonce: "n1" } });
    const message = sent.json;
    expect(message.guild_id).toBeUndefined();
    for (const session of [ownerSession, memberSession]) {
      const created = await rest.event(session, "MESSAGE_CREATE", 0, (d) => d.id === message.id);
      expect(created).toMatchObject({ channel_id: dm.id, content: message.content, channel_type: 1 });
      expect(created.guild_id).toBeUndefined();
      expect(created.member).toBeUndefined();
    }
    const toOther = (await rest.api("POST", at(otherDm.id as string), { content: "to the other" }, w.owner.auth)).json;
    await rest.event(ownerSession, "MESSAGE_CREATE", 0, (d) => d.id === toOther.id);
    await rest.nothingForUserSince(guildOnly, other.id, "MESSAGE_CREATE", from);

    const history = await rest.api("GET", at(dm.id as string), undefined, w.owner.auth);
    expect(history).toMatchObject({ status: 200, json: [{ id: message.id, content: message.content }] });
    expect(await rest.api("GET", at(dm.id as string, `/${message.id}`), undefined, w.owner.auth)).toMatchObject({ status: 200, json: { id: message.id } });
    expect((await rest.api("GET", `/api/v10/channels/${dm.id}`, undefined, w.owner.auth)).json.last_message_id).toBe(message.id);

    const edited = await rest.api("PATCH", at(dm.id as string, `/${message.id}`), { content: "edited" }, w.member.auth);
    expect(edited).toMatchObject({ status: 200, json: { content: "edited" } });
    expect(await rest.event(ownerSession, "MESSAGE_UPDATE", 0, (d) => d.id === message.id)).toMatchObject({ content: "edited", channel_id: dm.id });
    expect((await rest.api("DELETE", at(dm.id as string, `/${message.id}`), undefined, w.member.auth)).status).toBe(204);
    expect(await rest.event(ownerSession, "MESSAGE_DELETE", 0, (d) => d.id === message.id)).toEqual({ id: message.id, channel_id: dm.id });
    expect(await rest.api("GET", at(dm.id as string), undefined, w.owner.auth)).toMatchObject({ status: 200, json: [] });
    const otherEdit = (await rest.api("PATCH", at(otherDm.id as string, `/${toOther.id}`), { content: "edited" }, w.owner.auth)).json;
    expect(otherEdit).toMatchObject({ content: "edited" });
    expect((await rest.api("DELETE", at(otherDm.id as string, `/${toOther.id}`), undefined, w.owner.auth)).status).toBe(204);
    await rest.event(ownerSession, "MESSAGE_DELETE", 0, (d) => d.id === toOther.id);
    await rest.nothingForUserSince(guildOnly, other.id, "MESSAGE_UPDATE", from);
    expect(guildOnly.frames.slice(from).filter((f) => f.t === "MESSAGE_DELETE")).toEqual([]);
  });

  test("only the author edits (50005) or deletes (50003) a DM's message; others than its recipients get 50001; an unknown message 10008", async () => {
    const w = await rest.world();
    const outsider = await rest.user("outsider");
    await rest.join(w.guild.id, outsider);
    const dm = (await open(w.owner, w.member)).id as string;
    const message = (await rest.api("POST", at(dm), { content: "mine" }, w.member.auth)).json;
    expect(await rest.api("PATCH", at(dm, `/${message.id}`), { content: "theirs" }, w.owner.auth)).toMatchObject({ status: 403, json: { code: 50005 } });
    expect(await rest.api("DELETE", at(dm, `/${message.id}`), undefined, w.owner.auth)).toMatchObject({ status: 403, json: { code: 50003 } });
    expect(await rest.api("POST", at(dm), { content: "hi" }, outsider.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
    expect(await rest.api("GET", at(dm), undefined, outsider.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
    expect(await rest.api("PATCH", at(dm, `/${message.id}`), { content: "x" }, outsider.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
    expect(await rest.api("DELETE", at(dm, "/123"), undefined, w.member.auth)).toMatchObject({ status: 404, json: { code: 10008 } });
    expect(await rest.api("POST", at(dm), {}, w.member.auth)).toMatchObject({ status: 400, json: { code: 50006 } });
  });

  test("50007: a bot cannot DM a bot, and nobody DMs a user it shares no guild with", async () => {
    const w = await rest.world();
    const [a, b, stranger] = [await rest.user("bot-a", 0, true), await rest.user("bot-b", 0, true), await rest.user("stranger")];
    await rest.join(w.guild.id, a);
    await rest.join(w.guild.id, b);
    const bots = (await open(a, b)).id as string;
    expect(await rest.api("POST", at(bots), { content: "beep" }, a.auth)).toMatchObject({ status: 403, json: { code: 50007 } });
    const apart = (await open(w.member, stranger)).id as string;
    expect(await rest.api("POST", at(apart), { content: "hello?" }, w.member.auth)).toMatchObject({ status: 403, json: { code: 50007 } });
    expect(await rest.api("GET", at(apart), undefined, w.member.auth)).toMatchObject({ status: 200, json: [] });
  });

  test("typing: TYPING_START to the sessions with DIRECT_MESSAGE_TYPING; pins: CHANNEL_PINS_UPDATE with DIRECT_MESSAGES; bulk delete answers 50003 in a DM", async () => {
    const w = await rest.world();
    const outsider = await rest.user("outsider");
    const dm = (await open(w.owner, w.member)).id as string;
    const watcher = await rest.session(w.owner, GUILDS | DIRECT_MESSAGE_TYPING, w.guild.id);
    const typist = await rest.session(w.member, GUILDS | DIRECT_MESSAGES, w.guild.id);
    const from = typist.frames.length;
    expect((await rest.api("POST", `/api/v10/channels/${dm}/typing`, undefined, w.member.auth)).status).toBe(204);
    expect(await rest.event(watcher, "TYPING_START", 0)).toMatchObject({ channel_id: dm, user_id: w.member.id });
    await rest.nothingForUserSince(typist, w.member.id, "TYPING_START", from);
    expect(await rest.api("POST", `/api/v10/channels/${dm}/typing`, undefined, outsider.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
    const message = (await rest.api("POST", at(dm), { content: "pin me" }, w.member.auth)).json.id as string;
    expect((await rest.api("PUT", at(dm, `/pins/${message}`), undefined, w.owner.auth)).status).toBe(204);
    const update = await rest.event(typist, "CHANNEL_PINS_UPDATE", from);
    expect(update).toMatchObject({ channel_id: dm });
    expect(typeof update.last_pin_timestamp).toBe("string");
    expect(update.guild_id).toBeUndefined();
    expect(await rest.api("GET", at(dm, "/pins"), undefined, w.member.auth)).toMatchObject({ status: 200, json: { items: [{ message: { id: message, pinned: true } }] } });
    expect((await rest.api("DELETE", `/api/v10/channels/${dm}/pins/${message}`, undefined, w.member.auth)).status).toBe(204);
    expect(await rest.event(typist, "CHANNEL_PINS_UPDATE", from, (d) => d.last_pin_timestamp === null)).toMatchObject({ channel_id: dm });
    // The owner's session asked for typing only.
    await rest.nothingForUserSince(watcher, w.owner.id, "CHANNEL_PINS_UPDATE", 0);
    expect(await rest.api("POST", at(dm, "/bulk-delete"), { messages: [message, "123"] }, w.member.auth)).toMatchObject({ status: 403, json: { code: 50003 } });
  });

  test("reactions: the recipients react and take theirs back (DIRECT_MESSAGE_REACTIONS); removing another's, or all, answers 50003", async () => {
    const w = await rest.world();
    const dm = (await open(w.owner, w.member)).id as string;
    const reactor = await rest.session(w.owner, GUILDS | DIRECT_MESSAGE_REACTIONS, w.guild.id);
    const author = await rest.session(w.member, GUILDS | DIRECT_MESSAGES, w.guild.id);
    const from = author.frames.length;
    const message = (await rest.api("POST", at(dm), { content: "react to me" }, w.member.auth)).json.id as string;
    const thumbs = `/${message}/reactions/${encodeURIComponent("👍")}`;
    expect((await rest.api("PUT", at(dm, `${thumbs}/@me`), undefined, w.owner.auth)).status).toBe(204);
    const added = await rest.event(reactor, "MESSAGE_REACTION_ADD", 0);
    expect(added).toEqual({ user_id: w.owner.id, channel_id: dm, message_id: message, emoji: { id: null, name: "👍" }, burst: false, type: 0, message_author_id: w.member.id, burst_colors: [] });
    expect((await rest.api("GET", at(dm, `/${message}`), undefined, w.member.auth)).json.reactions).toMatchObject([{ count: 1, me: false, emoji: { name: "👍" } }]);
    expect((await rest.api("GET", at(dm, thumbs), undefined, w.member.auth)).json).toMatchObject([{ id: w.owner.id }]);
    const refused = { status: 403, json: { code: 50003 } };
    expect(await rest.api("DELETE", at(dm, `${thumbs}/${w.owner.id}`), undefined, w.member.auth)).toMatchObject(refused);
    expect(await rest.api("DELETE", at(dm, thumbs), undefined, w.member.auth)).toMatchObject(refused);
    expect(await rest.api("DELETE", at(dm, `/${message}/reactions`), undefined, w.member.auth)).toMatchObject(refused);
    expect((await rest.api("DELETE", at(dm, `${thumbs}/@me`), undefined, w.owner.auth)).status).toBe(204);
    expect(await rest.event(reactor, "MESSAGE_REACTION_REMOVE", 0)).toEqual({ user_id: w.owner.id, channel_id: dm, message_id: message, emoji: { id: null, name: "👍" }, burst: false, type: 0 });
    await rest.nothingForUserSince(author, w.member.id, "MESSAGE_REACTION_ADD", from);
    expect(author.frames.slice(from).filter((f) => f.t === "MESSAGE_REACTION_REMOVE")).toEqual([]);
  });
});

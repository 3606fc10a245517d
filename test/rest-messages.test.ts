/**
 * Messages over Discord's REST routes, over real HTTP and gateway sockets: send (replies,
 * mentions, allowed_mentions, embeds, components, enforce_nonce), history pages, one message,
 * edit, delete, bulk delete and pins; each event reaches the sessions Discord's rule gives it
 * to (the intent, the channel's viewers, content stripped without MESSAGE_CONTENT) and no
 * other; refusals answer Discord's codes.
 */
import { describe, expect, test } from "bun:test";
import type { Json } from "./support/http.ts";
import { RawClient } from "./support/gateway-client.ts";
import { Intents, restServer, type World } from "./support/rest-world.ts";

const { GUILDS, GUILD_MESSAGES, MESSAGE_CONTENT } = Intents;
const MANAGE_MESSAGES = 1n << 13n;
const PIN_MESSAGES = 1n << 51n;
const MENTION_EVERYONE = 1n << 17n;

const rest = restServer("rest");

const at = (channelId: string, rest = ""): string => `/api/v10/channels/${channelId}/messages${rest}`;

async function send(w: World, who: "owner" | "member", body: Json, channelId = w.lobby.id): Promise<Json> {
  const { status, json } = await rest.api("POST", at(channelId), body, w[who].auth);
  expect({ status, json }).toMatchObject({ status: 200 });
  return json;
}

describe("POST /channels/:id/messages", () => {
  test("a reply with mentions, an embed and a button: the answer, and MESSAGE_CREATE to the channel's viewers only", async () => {
    const w = await rest.world();
    const outsider = await rest.user("outsider");
    await rest.join(w.guild.id, outsider);
    const bystander = await rest.user("bystander");
    await rest.join(w.guild.id, bystander);
    const owner = await rest.session(w.owner, GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT, w.guild.id);
    const member = await rest.session(w.member, GUILDS | GUILD_MESSAGES, w.guild.id);
    const unmentioned = await rest.session(bystander, GUILDS | GUILD_MESSAGES, w.guild.id);
    const first = await send(w, "member", { content: "hello" });
    const from = owner.frames.length;
    const reply = await send(w, "owner", {
      content: `hi <@${w.member.id}> and <@${outsider.id}>, <@&${w.role.id}> @everyone`,
      message_reference: { message_id: first.id },
      allowed_mentions: { parse: ["roles", "everyone"], users: [outsider.id], replied_user: true },
      embeds: [{ title: "An embed", description: "with words" }],
      components: [{ type: 1, components: [{ type: 2, style: 1, label: "Press", custom_id: "press" }] }],
      nonce: "n-1",
    });
    expect(reply).toMatchObject({
      type: 19,
      channel_id: w.lobby.id,
      guild_id: w.guild.id,
      author: { id: w.owner.id },
      edited_timestamp: null,
      mention_everyone: true,
      mention_roles: [w.role.id],
      embeds: [{ type: "rich", title: "An embed" }],
      components: [{ type: 1 }],
      nonce: "n-1",
      message_reference: { message_id: first.id, channel_id: w.lobby.id, guild_id: w.guild.id },
      referenced_message: { id: first.id, content: "hello" },
    });
    // The replied-to author through replied_user, the outsider through `users`.
    expect((reply.mentions as Json[]).map((u) => u.id).sort()).toEqual([w.member.id, outsider.id].sort());
    const created = await rest.event(owner, "MESSAGE_CREATE", from, (d) => d.id === reply.id);
    expect(created).toMatchObject({ guild_id: w.guild.id, member: { roles: [] }, content: reply.content, channel_type: 0 });
    expect((created.mentions as Json[]).every((u) => typeof u.member === "object")).toBe(true);
    // No MESSAGE_CONTENT: the copy without content or embeds, but for the mentioned (docs: "content in which the app is mentioned").
    const stripped = await rest.event(unmentioned, "MESSAGE_CREATE", 0, (d) => d.id === reply.id);
    expect(stripped).toMatchObject({ content: "", embeds: [], components: [] });
    expect(await rest.event(member, "MESSAGE_CREATE", 0, (d) => d.id === reply.id)).toMatchObject({ content: reply.content, embeds: [{ title: "An embed" }] });
    // In the secret channel: the owner sees it, the member (who cannot view it) does not.
    const before = member.frames.length;
    const hidden = await send(w, "owner", { content: "secret" }, w.secret.id);
    await rest.event(owner, "MESSAGE_CREATE", from, (d) => d.id === hidden.id);
    await rest.nothingSince(member, w.guild.id, "MESSAGE_CREATE", before);
  });

  test("without MESSAGE_CONTENT a bot gets the content of its own messages and of those that mention it, once, also on a RESUME", async () => {
    const w = await rest.world();
    const bystander = await rest.user("bystander");
    await rest.join(w.guild.id, bystander);
    const author = await rest.session(w.member, GUILDS | GUILD_MESSAGES, w.guild.id);
    const watcher = await rest.session(bystander, GUILDS | GUILD_MESSAGES, w.guild.id);
    const ready = (await author.dispatch("READY")).d as Json;
    const seq = author.frames.filter((f) => f.s !== null).at(-1)?.s as number;
    const own = await send(w, "member", { content: "my own words" });
    const mentioning = await send(w, "owner", { content: `hey <@${bystander.id}>` });
    expect(await rest.event(author, "MESSAGE_CREATE", 0, (d) => d.id === own.id)).toMatchObject({ content: "my own words" });
    expect(await rest.event(author, "MESSAGE_CREATE", 0, (d) => d.id === mentioning.id)).toMatchObject({ content: "" });
    expect(await rest.event(watcher, "MESSAGE_CREATE", 0, (d) => d.id === own.id)).toMatchObject({ content: "" });
    expect(await rest.event(watcher, "MESSAGE_CREATE", 0, (d) => d.id === mentioning.id)).toMatchObject({ content: `hey <@${bystander.id}>` });
    await rest.nothingSince(author, w.guild.id, "NOTHING", 0);
    // Exactly one copy each, live and replayed by a RESUME from before both.
    const copies = (client: typeof author, id: unknown) => client.frames.filter((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === id).map((f) => (f.d as Json).content);
    expect(copies(author, own.id)).toEqual(["my own words"]);
    author.close(4200);
    const again = new RawClient(`${rest.gatewayUrl}/?v=10&encoding=json`);
    await again.opened();
    await again.op(10);
    again.send({ op: 6, d: { token: w.member.token, session_id: ready.session_id, seq } });
    await again.dispatch("RESUMED");
    expect(copies(again, own.id)).toEqual(["my own words"]);
    expect(copies(again, mentioning.id)).toEqual([""]);
    again.close();
  });

  test("allowed_mentions honoured: none parsed mentions no one; a role that is not mentionable pings only with MENTION_EVERYONE", async () => {
    const w = await rest.world();
    const none = await send(w, "owner", { content: `<@${w.member.id}> @everyone`, allowed_mentions: { parse: [] } });
    expect(none).toMatchObject({ mentions: [], mention_everyone: false });
    const hidden = (await rest.created(`/internal/guilds/${w.guild.id}/roles`, { name: "quiet", mentionable: false })) as { id: string };
    const byMember = await send(w, "member", { content: `<@&${hidden.id}> <@&${w.role.id}> @here` });
    expect(byMember).toMatchObject({ mention_roles: [w.role.id], mention_everyone: false });
    const byOwner = await send(w, "owner", { content: `<@&${hidden.id}>` });
    expect(byOwner.mention_roles).toEqual([hidden.id]);
  });

  test("an author who may no longer send edits its message, but pings nobody with @everyone or a role it may not mention (no SEND_MESSAGES takes MENTION_EVERYONE away)", async () => {
    const w = await rest.world();
    const loud = (await rest.created(`/internal/guilds/${w.guild.id}/roles`, { name: "loud", permissions: MENTION_EVERYONE.toString() })) as { id: string };
    const quiet = (await rest.created(`/internal/guilds/${w.guild.id}/roles`, { name: "quiet", mentionable: false })) as { id: string };
    expect((await rest.api("PUT", `/internal/guilds/${w.guild.id}/members/${w.member.id}`, { roles: [loud.id] })).status).toBe(200);
    const said = await send(w, "member", { content: "@everyone soon" });
    expect(said).toMatchObject({ mention_everyone: true });
    const muted = [{ id: w.guild.id, type: 0, allow: "0", deny: (1n << 11n).toString() }];
    expect((await rest.api("PATCH", `/internal/guilds/${w.guild.id}/channels/${w.lobby.id}`, { permission_overwrites: muted })).status).toBe(200);
    const edited = await rest.api("PATCH", at(w.lobby.id, `/${said.id}`), { content: `@everyone now <@&${quiet.id}>` }, w.member.auth);
    expect(edited).toMatchObject({ status: 200, json: { content: `@everyone now <@&${quiet.id}>`, mention_everyone: false, mention_roles: [] } });
  });

  test("enforce_nonce answers the first message again instead of sending twice", async () => {
    const w = await rest.world();
    const one = await send(w, "owner", { content: "once", nonce: "same", enforce_nonce: true });
    const two = await send(w, "owner", { content: "once", nonce: "same", enforce_nonce: true });
    expect(two.id).toBe(one.id);
    const three = await send(w, "owner", { content: "once", nonce: "same" });
    expect(three.id).not.toBe(one.id);
  });

  test("refusals: empty 50006, bad fields 50035 with errors, no access 50001, no SEND_MESSAGES 50013, unknown reply 50035", async () => {
    const w = await rest.world();
    const post = (body: Json, channelId = w.lobby.id, who = w.member) => rest.api("POST", at(channelId), body, who.auth);
    expect(await post({})).toMatchObject({ status: 400, json: { code: 50006 } });
    expect(await post({ content: "x", embeds: [{ title: "t".repeat(257) }] })).toEqual({
      status: 400,
      json: {
        code: 50035,
        message: "Invalid Form Body: embeds[0].title must be a string of 0 to 256 characters",
        errors: { embeds: { "0": { title: { _errors: [{ code: "BASE_TYPE_INVALID", message: "Invalid Form Body: embeds[0].title must be a string of 0 to 256 characters" }] } } } },
      },
    });
    expect(await post({ content: "x", allowed_mentions: { parse: ["users"], users: [w.owner.id] } })).toMatchObject({ status: 400, json: { code: 50035 } });
    expect(await post({ content: "x", flags: 1 })).toMatchObject({ status: 400, json: { code: 50035 } });
    expect(await post({ content: "x", flags: 1 << 15 })).toMatchObject({ status: 400, json: { code: 50035 } });
    // @everyone has no SEND_TTS_MESSAGES here; the owner has every permission.
    expect(await post({ content: "x", tts: true })).toMatchObject({ status: 403, json: { code: 50013 } });
    expect((await post({ content: "x", tts: true }, w.lobby.id, w.owner)).json).toMatchObject({ tts: true });
    expect((await post({ content: "x", embeds: [{ type: "image", title: "t" }] })).json.embeds).toEqual([{ type: "rich", title: "t" }]);
    expect(await post({ content: "x" }, w.secret.id)).toMatchObject({ status: 403, json: { code: 50001 } });
    expect(await post({ content: "x", message_reference: { message_id: "123" } })).toMatchObject({ status: 400, json: { code: 50035 } });
    expect((await post({ content: "x", message_reference: { message_id: "123", fail_if_not_exists: false } })).json).toMatchObject({ type: 0 });
    const muted = (await rest.created(`/internal/guilds/${w.guild.id}/channels`, {
      name: "muted",
      permission_overwrites: [{ id: w.guild.id, type: 0, allow: "0", deny: (1n << 11n).toString() }],
    })) as { id: string };
    expect(await post({ content: "x" }, muted.id)).toMatchObject({ status: 403, json: { code: 50013 } });
    expect(await post({ content: "x" }, "1")).toMatchObject({ status: 404, json: { code: 10003 } });
    expect((await rest.api("POST", at(w.lobby.id), { content: "x" }, "Bot nope")).status).toBe(401);
  });
});

describe("history and one message", () => {
  test("pages newest first by before, after and around; one by id; 10008 for none; nothing without READ_MESSAGE_HISTORY; 50001 without VIEW_CHANNEL", async () => {
    const w = await rest.world();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await send(w, "owner", { content: `m${i}` })).id as string);
    const page = async (query: string, who = w.member): Promise<unknown> => {
      const { status, json } = await rest.api("GET", at(w.lobby.id, query), undefined, who.auth);
      expect({ query, status }).toEqual({ query, status: 200 });
      return (json as unknown as Json[]).map((m) => m.id);
    };
    expect(await page("")).toEqual([...ids].reverse());
    expect(await page("?limit=2")).toEqual([ids[6], ids[5]]);
    expect(await page(`?before=${ids[3]}&limit=2`)).toEqual([ids[2], ids[1]]);
    expect(await page(`?after=${ids[3]}&limit=2`)).toEqual([ids[5], ids[4]]);
    expect(await page(`?around=${ids[3]}&limit=3`)).toEqual([ids[4], ids[3], ids[2]]);
    const one = await rest.api("GET", at(w.lobby.id, `/${ids[0]}`), undefined, w.member.auth);
    expect(one).toMatchObject({ status: 200, json: { id: ids[0], content: "m0", pinned: false } });
    expect(await rest.api("GET", at(w.lobby.id, "/1"), undefined, w.member.auth)).toMatchObject({ status: 404, json: { code: 10008 } });
    expect(await rest.api("GET", at(w.lobby.id, "?limit=101"), undefined, w.member.auth)).toMatchObject({ status: 400, json: { code: 50035 } });
    expect(await rest.api("GET", at(w.lobby.id, `?before=${ids[1]}&after=${ids[0]}`), undefined, w.member.auth)).toMatchObject({ status: 400, json: { code: 50035 } });
    expect(await rest.api("GET", at(w.secret.id), undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
    // A voice channel's messages also need CONNECT.
    const voice = (await rest.created(`/internal/guilds/${w.guild.id}/channels`, {
      name: "voice",
      type: 2,
      permission_overwrites: [{ id: w.guild.id, type: 0, allow: "0", deny: (1n << 20n).toString() }],
    })) as { id: string };
    expect(await rest.api("GET", at(voice.id), undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
    expect(await rest.api("GET", at(voice.id), undefined, w.owner.auth)).toEqual({ status: 200, json: [] as unknown as Json });
    const noHistory = (await rest.created(`/internal/guilds/${w.guild.id}/channels`, {
      name: "no-history",
      permission_overwrites: [{ id: w.guild.id, type: 0, allow: "0", deny: (1n << 16n).toString() }],
    })) as { id: string };
    // Discord: without READ_MESSAGE_HISTORY "no messages will be returned"; one message is refused.
    const unseen = (await send(w, "owner", { content: "unseen" }, noHistory.id)).id as string;
    expect(await rest.api("GET", at(noHistory.id), undefined, w.member.auth)).toEqual({ status: 200, json: [] as unknown as Json });
    expect(await rest.api("GET", at(noHistory.id, "/pins"), undefined, w.member.auth)).toEqual({ status: 200, json: { items: [], has_more: false } });
    expect(await rest.api("GET", at(noHistory.id, `/${unseen}`), undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
  });
});

describe("edit and delete", () => {
  test("PATCH: MESSAGE_UPDATE with edited_timestamp and new mentions; another's message 50005; emptied 50006", async () => {
    const w = await rest.world();
    const owner = await rest.session(w.owner, GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT, w.guild.id);
    const member = await rest.session(w.member, GUILDS | GUILD_MESSAGES, w.guild.id);
    const sent = await send(w, "owner", { content: "before" });
    expect((await rest.api("PATCH", at(w.lobby.id, `/${sent.id}`), { content: "unmentioned" }, w.owner.auth)).status).toBe(200);
    expect(await rest.event(member, "MESSAGE_UPDATE", 0)).toMatchObject({ id: sent.id, content: "" });
    const from = member.frames.length;
    const edited = await rest.api("PATCH", at(w.lobby.id, `/${sent.id}`), { content: `after <@${w.member.id}>` }, w.owner.auth);
    expect(edited).toMatchObject({ status: 200, json: { id: sent.id, content: `after <@${w.member.id}>`, mentions: [{ id: w.member.id }] } });
    expect(typeof edited.json.edited_timestamp).toBe("string");
    expect(await rest.event(owner, "MESSAGE_UPDATE", 0, (d) => d.content !== "unmentioned")).toMatchObject({ id: sent.id, content: `after <@${w.member.id}>`, guild_id: w.guild.id });
    // Now mentioned: the content without MESSAGE_CONTENT.
    expect(await rest.event(member, "MESSAGE_UPDATE", from)).toMatchObject({ id: sent.id, content: `after <@${w.member.id}>` });
    expect(await rest.api("PATCH", at(w.lobby.id, `/${sent.id}`), { content: "mine now" }, w.member.auth)).toMatchObject({ status: 403, json: { code: 50005 } });
    expect(await rest.api("PATCH", at(w.lobby.id, `/${sent.id}`), { content: null }, w.owner.auth)).toMatchObject({ status: 400, json: { code: 50006 } });
    // Flags: SUPPRESS_EMBEDS set and unset; other bits ignored (Discord: "ignored without error").
    expect(await rest.api("PATCH", at(w.lobby.id, `/${sent.id}`), { flags: 4 | 1 }, w.owner.auth)).toMatchObject({ status: 200, json: { flags: 4 } });
    expect(await rest.api("PATCH", at(w.lobby.id, `/${sent.id}`), { flags: 0 }, w.owner.auth)).toMatchObject({ status: 200, json: { flags: 0 } });
    // Another member may change flags only, with MANAGE_MESSAGES.
    expect(await rest.api("PATCH", at(w.lobby.id, `/${sent.id}`), { flags: 4 }, w.member.auth)).toMatchObject({ status: 403, json: { code: 50005 } });
    expect(await rest.api("PATCH", at(w.lobby.id, "/1"), { content: "x" }, w.owner.auth)).toMatchObject({ status: 404, json: { code: 10008 } });
  });

  test("DELETE: the author may, others need MANAGE_MESSAGES; MESSAGE_DELETE to viewers with GUILD_MESSAGES, none without", async () => {
    const w = await rest.world();
    const owner = await rest.session(w.owner, GUILDS | GUILD_MESSAGES, w.guild.id);
    const deaf = await rest.session(w.member, GUILDS, w.guild.id);
    const mine = await send(w, "owner", { content: "mine" });
    expect(await rest.api("DELETE", at(w.lobby.id, `/${mine.id}`), undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    const from = deaf.frames.length;
    expect((await rest.api("DELETE", at(w.lobby.id, `/${mine.id}`), undefined, w.owner.auth)).status).toBe(204);
    expect(await rest.event(owner, "MESSAGE_DELETE", 0)).toEqual({ id: mine.id, channel_id: w.lobby.id, guild_id: w.guild.id });
    await rest.nothingSince(deaf, w.guild.id, "MESSAGE_DELETE", from);
    expect(await rest.api("GET", at(w.lobby.id, `/${mine.id}`), undefined, w.owner.auth)).toMatchObject({ status: 404, json: { code: 10008 } });
    const theirs = await send(w, "member", { content: "theirs" });
    expect((await rest.api("DELETE", at(w.lobby.id, `/${theirs.id}`), undefined, w.owner.auth)).status).toBe(204);
  });

  test("bulk delete: 2 to 100 ids (50016), MANAGE_MESSAGES (50013), MESSAGE_DELETE_BULK with the ids that were there", async () => {
    const w = await rest.world();
    const owner = await rest.session(w.owner, GUILDS | GUILD_MESSAGES, w.guild.id);
    const a = (await send(w, "member", { content: "a" })).id as string;
    const b = (await send(w, "member", { content: "b" })).id as string;
    const bulk = (ids: string[], who = w.owner) => rest.api("POST", at(w.lobby.id, "/bulk-delete"), { messages: ids }, who.auth);
    expect(await bulk([a])).toMatchObject({ status: 400, json: { code: 50016 } });
    expect(await bulk([a, b], w.member)).toMatchObject({ status: 403, json: { code: 50013 } });
    expect(await bulk([a, "1"])).toMatchObject({ status: 400, json: { code: 50034 } });
    expect((await bulk([a, b])).status).toBe(204);
    expect(await rest.event(owner, "MESSAGE_DELETE_BULK", 0)).toEqual({ ids: [a, b], channel_id: w.lobby.id, guild_id: w.guild.id });
    expect(await rest.api("GET", at(w.lobby.id), undefined, w.owner.auth)).toMatchObject({ status: 200, json: [] });
  });
});

describe("pins", () => {
  test("PUT and DELETE pin (PIN_MESSAGES): CHANNEL_PINS_UPDATE; both list routes", async () => {
    const w = await rest.world();
    const member = await rest.session(w.member, GUILDS, w.guild.id);
    const one = (await send(w, "member", { content: "pin me" })).id as string;
    const two = (await send(w, "member", { content: "and me" })).id as string;
    expect(await rest.api("PUT", at(w.lobby.id, `/pins/${one}`), undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    expect((await rest.api("PUT", at(w.lobby.id, `/pins/${one}`), undefined, w.owner.auth)).status).toBe(204);
    const pinned = await rest.event(member, "CHANNEL_PINS_UPDATE", 0);
    expect(pinned).toMatchObject({ guild_id: w.guild.id, channel_id: w.lobby.id });
    expect(typeof pinned.last_pin_timestamp).toBe("string");
    expect((await rest.api("PUT", `/api/v10/channels/${w.lobby.id}/pins/${two}`, undefined, w.owner.auth)).status).toBe(204);
    const listed = await rest.api("GET", at(w.lobby.id, "/pins"), undefined, w.member.auth);
    expect(listed.status).toBe(200);
    expect(listed.json.has_more).toBe(false);
    expect((listed.json.items as Json[]).map((item) => (item.message as Json).id)).toEqual([two, one]);
    expect((listed.json.items as Json[]).every((item) => typeof item.pinned_at === "string" && (item.message as Json).pinned === true)).toBe(true);
    const from = member.frames.length;
    expect((await rest.api("DELETE", at(w.lobby.id, `/pins/${two}`), undefined, w.owner.auth)).status).toBe(204);
    expect(await rest.event(member, "CHANNEL_PINS_UPDATE", from)).toMatchObject({ last_pin_timestamp: pinned.last_pin_timestamp });
    const old = await rest.api("GET", `/api/v10/channels/${w.lobby.id}/pins`, undefined, w.member.auth);
    expect((old.json as unknown as Json[]).map((m) => m.id)).toEqual([one]);
  });

  test("pinning needs PIN_MESSAGES and only it: not MANAGE_MESSAGES (since 2026-02-23), not READ_MESSAGE_HISTORY", async () => {
    const w = await rest.world();
    const noHistory = (await rest.created(`/internal/guilds/${w.guild.id}/channels`, {
      name: "no-history",
      permission_overwrites: [{ id: w.guild.id, type: 0, allow: "0", deny: (1n << 16n).toString() }],
    })) as { id: string };
    const pinners = (await rest.created(`/internal/guilds/${w.guild.id}/roles`, { name: "pinners", permissions: PIN_MESSAGES.toString() })) as { id: string };
    const mods = (await rest.created(`/internal/guilds/${w.guild.id}/roles`, { name: "mods", permissions: MANAGE_MESSAGES.toString() })) as { id: string };
    const pinner = await rest.user("pinner");
    const mod = await rest.user("mod");
    await rest.join(w.guild.id, pinner, [pinners.id]);
    await rest.join(w.guild.id, mod, [mods.id]);
    const id = (await send(w, "owner", { content: "pin me" }, noHistory.id)).id as string;
    expect(await rest.api("PUT", at(noHistory.id, `/pins/${id}`), undefined, mod.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    expect((await rest.api("PUT", at(noHistory.id, `/pins/${id}`), undefined, pinner.auth)).status).toBe(204);
    expect(await rest.api("DELETE", at(noHistory.id, `/pins/${id}`), undefined, mod.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    expect((await rest.api("DELETE", at(noHistory.id, `/pins/${id}`), undefined, pinner.auth)).status).toBe(204);
  });

  test("a role with MANAGE_MESSAGES may suppress embeds of and delete others' messages, not edit their content", async () => {
    const w = await rest.world();
    const mods = (await rest.created(`/internal/guilds/${w.guild.id}/roles`, { name: "mods", permissions: MANAGE_MESSAGES.toString() })) as { id: string };
    const mod = await rest.user("mod");
    await rest.join(w.guild.id, mod, [mods.id]);
    const theirs = (await send(w, "owner", { content: "theirs" })).id as string;
    expect(await rest.api("PATCH", at(w.lobby.id, `/${theirs}`), { flags: 4 }, mod.auth)).toMatchObject({ status: 200, json: { flags: 4, content: "theirs" } });
    expect(await rest.api("PATCH", at(w.lobby.id, `/${theirs}`), { content: "mine" }, mod.auth)).toMatchObject({ status: 403, json: { code: 50005 } });
    expect((await rest.api("DELETE", at(w.lobby.id, `/${theirs}`), undefined, mod.auth)).status).toBe(204);
  });
});

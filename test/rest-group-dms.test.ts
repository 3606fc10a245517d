/**
 * Group DMs (Discord's channel type 3) over Discord's REST routes, over real HTTP and gateway
 * sockets: made by a user with `recipients`, renamed, grown and shrunk by its recipients, left;
 * its messages, reactions, typing and pins reach every recipient's sessions with the
 * DIRECT_MESSAGE_* intents, and nobody else; a bot's calls need OAuth2 access tokens
 * guildgate never grants (50025); refusals answer Discord's codes.
 */
import { describe, expect, test } from "bun:test";
import type { RawClient } from "./support/gateway-client.ts";
import type { Json } from "./support/http.ts";
import { Intents, restServer, type Account, type World } from "./support/rest-world.ts";

const { GUILDS, DIRECT_MESSAGES, DIRECT_MESSAGE_REACTIONS, DIRECT_MESSAGE_TYPING } = Intents;
const ALL_DM = GUILDS | DIRECT_MESSAGES | DIRECT_MESSAGE_REACTIONS | DIRECT_MESSAGE_TYPING;

const rest = restServer("rest-group-dms");

const channels = "/api/v10/users/@me/channels";
const at = (channelId: string, rest = ""): string => `/api/v10/channels/${channelId}${rest}`;

/** The world's guild with `n` more users (not bots) in it, so they may be in a group DM together. */
async function people(w: World, n: number): Promise<Account[]> {
  const made: Account[] = [];
  for (let i = 0; i < n; i++) {
    const person = await rest.user(`person${i}`);
    await rest.join(w.guild.id, person);
    made.push(person);
  }
  return made;
}

async function group(owner: Account, others: readonly Account[]): Promise<Json> {
  const { status, json } = await rest.api("POST", channels, { recipients: others.map((o) => o.id) }, owner.auth);
  expect({ status, json }).toMatchObject({ status: 200, json: { type: 3, owner_id: owner.id } });
  return json;
}

const ids = (d: Json): string[] => ((d.recipients as Json[]) ?? []).map((u) => u.id as string).sort();

describe("group DMs", () => {
  test("a user makes one with two others: CHANNEL_CREATE to each (recipients: the others); messages, reactions, typing and pins reach every recipient, content whole", async () => {
    const w = await rest.world();
    const [a, b, c, d] = (await people(w, 4)) as [Account, Account, Account, Account];
    const [sa, sb, sc] = await Promise.all([a, b, c].map((p) => rest.session(p, ALL_DM, w.guild.id)));
    const deaf = await rest.session(d, GUILDS, w.guild.id);
    const made = await group(a, [b, c, d]);
    expect(made).toMatchObject({ name: null, icon: null, last_message_id: null });
    expect(ids(made)).toEqual([b.id, c.id, d.id].sort());
    for (const [session, who] of [[sa, a], [sb, b], [sc, c], [deaf, d]] as const) {
      const created = await rest.event(session as RawClient, "CHANNEL_CREATE", 0, (e) => e.id === made.id);
      expect(ids(created)).toEqual([a.id, b.id, c.id, d.id].filter((id) => id !== who.id).sort());
    }
    expect(await rest.api("GET", at(made.id as string), undefined, b.auth)).toMatchObject({ status: 200, json: { id: made.id, type: 3, owner_id: a.id } });

    const sent = await rest.api("POST", at(made.id as string, "/messages"), { content: "hello group" }, b.auth);
    expect(sent).toMatchObject({ status: 200, json: { channel_id: made.id, content: "hello group" } });
    const id = sent.json.id as string;
    for (const session of [sa, sb, sc]) expect(await rest.event(session as RawClient, "MESSAGE_CREATE", 0, (d) => d.id === id)).toMatchObject({ content: "hello group", channel_type: 3 });
    expect((await rest.api("PUT", at(made.id as string, `/messages/${id}/reactions/${encodeURIComponent("👍")}/@me`), undefined, c.auth)).status).toBe(204);
    expect((await rest.api("POST", at(made.id as string, "/typing"), undefined, a.auth)).status).toBe(204);
    expect((await rest.api("PUT", at(made.id as string, `/messages/pins/${id}`), undefined, c.auth)).status).toBe(204);
    for (const session of [sa, sb]) {
      expect(await rest.event(session as RawClient, "MESSAGE_REACTION_ADD", 0)).toMatchObject({ message_id: id, user_id: c.id });
      expect(await rest.event(session as RawClient, "TYPING_START", 0)).toMatchObject({ channel_id: made.id, user_id: a.id });
      expect(await rest.event(session as RawClient, "CHANNEL_PINS_UPDATE", 0)).toMatchObject({ channel_id: made.id });
    }
    const history = await rest.api("GET", at(made.id as string, "/messages"), undefined, c.auth);
    expect((history.json as unknown as Json[]).map((m) => m.id)).toEqual([id]);
    // A session of a recipient without DIRECT_MESSAGES gets no message; a user not in it reads and writes nothing.
    await rest.nothingForUserSince(deaf, d.id, "MESSAGE_CREATE", 0);
    expect(await rest.api("GET", at(made.id as string), undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
    expect(await rest.api("POST", at(made.id as string, "/messages"), { content: "let me in" }, w.member.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
    // Only the author deletes its message, as in a DM.
    expect(await rest.api("DELETE", at(made.id as string, `/messages/${id}`), undefined, a.auth)).toMatchObject({ status: 403, json: { code: 50003 } });
  });

  test("PATCH renames it and sets its icon (CHANNEL_UPDATE to every recipient); a DM answers 50003, a guild channel 50024 (not served)", async () => {
    const w = await rest.world();
    const [a, b] = (await people(w, 2)) as [Account, Account];
    const sb = await rest.session(b, GUILDS | DIRECT_MESSAGES, w.guild.id);
    const made = await group(a, [b]);
    const from = sb.frames.length;
    const renamed = await rest.api("PATCH", at(made.id as string), { name: "plans", icon: "data:image/png;base64,iVBORw0KGgo=" }, b.auth);
    expect(renamed).toMatchObject({ status: 200, json: { id: made.id, name: "plans", owner_id: a.id } });
    expect(renamed.json.icon).toMatch(/^[0-9a-f]{32}$/);
    expect(await rest.event(sb, "CHANNEL_UPDATE", from, (d) => d.id === made.id)).toMatchObject({ name: "plans", icon: renamed.json.icon });
    expect(await rest.api("PATCH", at(made.id as string), { name: "n".repeat(101) }, a.auth)).toMatchObject({ status: 400, json: { code: 50035 } });
    expect(await rest.api("PATCH", at(made.id as string), { icon: "not an image" }, a.auth)).toMatchObject({ status: 400, json: { code: 50035 } });
    const dm = (await rest.api("POST", channels, { recipient_id: b.id }, a.auth)).json;
    expect(await rest.api("PATCH", at(dm.id as string), { name: "x" }, a.auth)).toMatchObject({ status: 403, json: { code: 50003 } });
    // Closing a DM changes nothing here: it answers the channel.
    expect(await rest.api("DELETE", at(dm.id as string), undefined, a.auth)).toMatchObject({ status: 200, json: { id: dm.id, type: 1 } });
    expect(await rest.api("PATCH", at(w.lobby.id), { name: "x" }, w.owner.auth)).toMatchObject({ status: 400, json: { code: 50024 } });
    expect(await rest.api("DELETE", at(w.lobby.id), undefined, w.owner.auth)).toMatchObject({ status: 400, json: { code: 50024 } });
  });

  test("recipients: anyone in it adds a user (CHANNEL_RECIPIENT_ADD to those in it, CHANNEL_CREATE to the user); only the owner removes another (CHANNEL_DELETE to it, CHANNEL_RECIPIENT_REMOVE to the rest)", async () => {
    const w = await rest.world();
    const [a, b, c] = (await people(w, 3)) as [Account, Account, Account];
    const [sa, sc] = await Promise.all([a, c].map((p) => rest.session(p, GUILDS, w.guild.id)));
    const made = await group(a, [b]);
    const id = made.id as string;
    expect((await rest.api("PUT", at(id, `/recipients/${c.id}`), undefined, b.auth)).status).toBe(204);
    expect(await rest.event(sa as RawClient, "CHANNEL_RECIPIENT_ADD", 0)).toMatchObject({ channel_id: id, user: { id: c.id } });
    expect(ids(await rest.event(sc as RawClient, "CHANNEL_CREATE", 0, (d) => d.id === id))).toEqual([a.id, b.id].sort());
    // Again: nothing changes, nothing is sent.
    const before = (sa as RawClient).frames.length;
    expect((await rest.api("PUT", at(id, `/recipients/${c.id}`), undefined, a.auth)).status).toBe(204);
    await rest.nothingForUserSince(sa as RawClient, a.id, "CHANNEL_RECIPIENT_ADD", before);
    expect(await rest.api("DELETE", at(id, `/recipients/${a.id}`), undefined, b.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    expect((await rest.api("DELETE", at(id, `/recipients/${c.id}`), undefined, a.auth)).status).toBe(204);
    expect(await rest.event(sc as RawClient, "CHANNEL_DELETE", 0, (d) => d.id === id)).toMatchObject({ type: 3 });
    expect(await rest.event(sa as RawClient, "CHANNEL_RECIPIENT_REMOVE", 0)).toMatchObject({ channel_id: id, user: { id: c.id } });
    expect(await rest.api("POST", at(id, "/messages"), { content: "still here?" }, c.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
  });

  test("leaving: DELETE /channels/:id answers the channel; the owner that leaves hands it on (CHANNEL_UPDATE); the last one out ends it", async () => {
    const w = await rest.world();
    const [a, b] = (await people(w, 2)) as [Account, Account];
    const sb = await rest.session(b, GUILDS, w.guild.id);
    const made = await group(a, [b]);
    const id = made.id as string;
    expect(await rest.api("DELETE", at(id), undefined, a.auth)).toMatchObject({ status: 200, json: { id, owner_id: a.id } });
    expect(await rest.event(sb, "CHANNEL_RECIPIENT_REMOVE", 0)).toMatchObject({ channel_id: id, user: { id: a.id } });
    expect(await rest.event(sb, "CHANNEL_UPDATE", 0, (d) => d.id === id)).toMatchObject({ owner_id: b.id, recipients: [] });
    expect(await rest.api("GET", at(id), undefined, a.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
    expect((await rest.api("DELETE", at(id), undefined, b.auth)).status).toBe(200);
    expect(await rest.api("GET", at(id), undefined, b.auth)).toMatchObject({ status: 404, json: { code: 10003 } });
  });

  test("refusals: 10 recipients at most (30004), a bot (50033), a user it shares no guild with (50033), an unknown user (10013); a bot's call needs access tokens (50025); recipient routes on a guild channel 50024", async () => {
    const w = await rest.world();
    const crowd = await people(w, 11);
    const [a, ...others] = crowd as [Account, ...Account[]];
    const post = (body: Json, who = a) => rest.api("POST", channels, body, who.auth);
    expect(await post({ recipients: others.map((o) => o.id) })).toMatchObject({ status: 400, json: { code: 30004 } });
    const full = await group(a, others.slice(0, 9));
    expect(await rest.api("PUT", at(full.id as string, `/recipients/${w.member.id}`), undefined, a.auth)).toMatchObject({ status: 400, json: { code: 30004 } });
    const bot = await rest.user("bot", 0, true);
    await rest.join(w.guild.id, bot);
    expect(await post({ recipients: [bot.id] })).toMatchObject({ status: 400, json: { code: 50033 } });
    const stranger = await rest.user("stranger");
    expect(await post({ recipients: [stranger.id] })).toMatchObject({ status: 400, json: { code: 50033 } });
    expect(await post({ recipients: ["123"] })).toMatchObject({ status: 404, json: { code: 10013 } });
    expect(await post({ recipients: [] })).toMatchObject({ status: 400, json: { code: 50035 } });
    expect(await post({ recipients: ["x"] })).toMatchObject({ status: 400, json: { code: 50035, errors: { recipients: { "0": {} } } } });
    expect(await post({ access_tokens: ["token"], nicks: {} }, bot)).toMatchObject({ status: 400, json: { code: 50025 } });
    expect(await post({ recipients: [a.id] }, bot)).toMatchObject({ status: 400, json: { code: 50035, errors: { access_tokens: {} } } });
    const small = await group(a, [others[0] as Account]);
    expect(await rest.api("PUT", at(small.id as string, `/recipients/${bot.id}`), { access_token: "t" }, bot.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
    expect(await rest.api("PUT", at(w.lobby.id, `/recipients/${a.id}`), undefined, w.owner.auth)).toMatchObject({ status: 400, json: { code: 50024 } });
  });
});

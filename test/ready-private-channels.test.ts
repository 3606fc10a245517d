/**
 * READY's `private_channels` over real HTTP and gateway sockets: a user's session lists its DM
 * and group DM channels, each the channel object REST answers it (recipients: the others, and
 * `last_message_id`), the latest active first, on shard 0 (where DMs go); a bot's is empty, as
 * on Discord, though it has DMs; a user with none gets [].
 */
import { describe, expect, test } from "bun:test";
import type { RawClient } from "./support/gateway-client.ts";
import type { Json } from "./support/http.ts";
import { Intents, restServer, type Account, type World } from "./support/rest-world.ts";

const { GUILDS, DIRECT_MESSAGES } = Intents;

const rest = restServer("ready-private-channels");

const channels = "/api/v10/users/@me/channels";

function readyOf(client: RawClient): Json {
  const ready = client.frames.find((f) => f.t === "READY");
  if (!ready) throw new Error("no READY");
  return ready.d as Json;
}

async function member(w: World, name: string, bot = false): Promise<Account> {
  const account = await rest.user(name, 0, bot);
  await rest.join(w.guild.id, account);
  return account;
}

async function post(from: Account, channelId: string, content: string): Promise<string> {
  const sent = await rest.api("POST", `/api/v10/channels/${channelId}/messages`, { content }, from.auth);
  expect(sent.status).toBe(200);
  return sent.json.id as string;
}

/** The channel as REST answers it to `viewer` (GET /channels/:id). */
async function restView(viewer: Account, channelId: string): Promise<Json> {
  const { status, json } = await rest.api("GET", `/api/v10/channels/${channelId}`, undefined, viewer.auth);
  expect(status).toBe(200);
  return json;
}

describe("READY's private_channels", () => {
  test("a user's session lists its DM and its group DM, as REST shows them to it, with recipients and last_message_id, the latest active first", async () => {
    const w = await rest.world();
    const [a, b, c] = [await member(w, "pc-a"), await member(w, "pc-b"), await member(w, "pc-c")];
    const dm = (await rest.api("POST", channels, { recipient_id: b.id }, a.auth)).json.id as string;
    const said = await post(b, dm, "hello a");
    const group = (await rest.api("POST", channels, { recipients: [b.id, c.id] }, a.auth)).json.id as string;
    const later = await post(c, group, "hello both");

    const listed = readyOf(await rest.session(a, GUILDS | DIRECT_MESSAGES, w.guild.id)).private_channels as Json[];
    expect(listed).toEqual([await restView(a, group), await restView(a, dm)]);
    expect(listed[0]).toMatchObject({ id: group, type: 3, owner_id: a.id, last_message_id: later });
    expect((listed[0]?.recipients as Json[]).map((u) => u.id)).toEqual([b.id, c.id]);
    expect(listed[1]).toMatchObject({ id: dm, type: 1, last_message_id: said, recipients: [{ id: b.id, username: "pc-b" }] });

    // Each recipient sees its own view: c is in the group DM only, with a and b as its recipients.
    const ofC = readyOf(await rest.session(c, GUILDS, w.guild.id)).private_channels as Json[];
    expect(ofC).toEqual([await restView(c, group)]);
    expect((ofC[0]?.recipients as Json[]).map((u) => u.id)).toEqual([a.id, b.id]);
    // DMs go to shard 0 only: b's session on another shard lists none.
    expect(readyOf(await rest.session(b, GUILDS | DIRECT_MESSAGES, w.guild.id, { shard: [1, 2] })).private_channels).toEqual([]);
  });

  test("a bot's READY has an empty private_channels though it has a DM; the user it wrote to has the DM in its READY", async () => {
    const w = await rest.world();
    const bot = await member(w, "pc-bot", true);
    const person = await member(w, "pc-person");
    const dm = (await rest.api("POST", channels, { recipient_id: person.id }, bot.auth)).json.id as string;
    const said = await post(bot, dm, "a bot says hi");
    expect(readyOf(await rest.session(bot, GUILDS | DIRECT_MESSAGES, w.guild.id)).private_channels).toEqual([]);
    const listed = readyOf(await rest.session(person, GUILDS | DIRECT_MESSAGES, w.guild.id)).private_channels as Json[];
    expect(listed).toEqual([await restView(person, dm)]);
    expect(listed[0]).toMatchObject({ id: dm, type: 1, last_message_id: said, recipients: [{ id: bot.id, bot: true }] });
  });

  test("a user with no DMs gets an empty private_channels", async () => {
    const w = await rest.world();
    const loner = await member(w, "pc-loner");
    expect(readyOf(await rest.session(loner, GUILDS | DIRECT_MESSAGES, w.guild.id)).private_channels).toEqual([]);
  });
});

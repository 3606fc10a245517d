/**
 * Interactions over real HTTP and sockets: a user invokes a slash command, clicks a button or
 * submits a modal (`POST /api/v10/interactions`, as Discord's client does, or a backend through
 * `POST /internal/interactions`); only the application's bot sessions get INTERACTION_CREATE;
 * the app answers through the callback (once, within 3 s), then edits and follows up through
 * the interaction's webhook (15 minutes). Every refusal is Discord's code. The windows are
 * crossed by moving the server's clock, never by waiting.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { RawClient } from "./support/gateway-client.ts";
import type { Json } from "./support/http.ts";
import { Intents, restServer, type Account, type World } from "./support/rest-world.ts";

let skew = 0;
// Two IDENTIFY buckets, so a bot may open two shards at once.
const rest = restServer("interactions", ["--max-concurrency", "2"], () => Date.now() + skew);
afterEach(() => {
  skew = 0;
});

const MESSAGES = Intents.GUILDS | Intents.GUILD_MESSAGES;
const VIEW = 1n << 10n;
const USE_APPLICATION_COMMANDS = 1n << 31n;

interface Scene extends World {
  app: Account;
  /** The global slash command `echo` (`text` required string, `who` optional user). */
  echo: Json;
  appSession: RawClient;
  memberSession: RawClient;
}

async function scene(): Promise<Scene> {
  const world = await rest.world();
  // The invoker reads content (MESSAGE_CONTENT), so the tests see what the responses say.
  const member = await rest.user("invoker", Intents.MESSAGE_CONTENT);
  await rest.join(world.guild.id, member);
  const app = await rest.user("app", 0, true);
  await rest.join(world.guild.id, app);
  const echo = (
    await rest.api(
      "POST",
      `/api/v10/applications/${app.id}/commands`,
      {
        name: "echo",
        description: "Echoes",
        options: [
          { type: 3, name: "text", description: "What", required: true },
          { type: 6, name: "who", description: "Whom" },
        ],
      },
      app.auth,
    )
  ).json;
  const appSession = await rest.session(app, MESSAGES | Intents.DIRECT_MESSAGES, world.guild.id);
  const memberSession = await rest.session(member, MESSAGES | Intents.DIRECT_MESSAGES | Intents.MESSAGE_CONTENT, world.guild.id);
  return { ...world, member, app, echo, appSession, memberSession };
}

/** Another member's session in the guild: it must see no ephemeral message. */
async function bystander(s: Scene): Promise<RawClient> {
  const other = await rest.user("bystander");
  await rest.join(s.guild.id, other);
  return rest.session(other, MESSAGES, s.guild.id);
}

/** The body Discord's client sends to invoke `echo` in `channelId`. */
function echoBody(s: Scene, channelId: string, options: unknown[] = [{ type: 3, name: "text", value: "hi" }]): Json {
  return {
    type: 2,
    application_id: s.app.id,
    guild_id: s.guild.id,
    channel_id: channelId,
    session_id: "client-session",
    nonce: "1",
    data: { version: s.echo.version, id: s.echo.id, name: "echo", type: 1, options },
  };
}

/** Invokes `body` as `as` and answers the INTERACTION_CREATE the app's session got. */
async function invoked(s: Scene, body: Json, as: Account = s.member): Promise<Json> {
  const from = s.appSession.frames.length;
  expect(await rest.api("POST", "/api/v10/interactions", body, as.auth)).toEqual({ status: 204, json: {} });
  return rest.event(s.appSession, "INTERACTION_CREATE", from);
}

const callback = (interaction: Json, body: unknown, query = "") => rest.api("POST", `/api/v10/interactions/${interaction.id}/${interaction.token}/callback${query}`, body, "");
const webhook = (interaction: Json, method: string, path = "", body?: unknown) => rest.api(method, `/api/v10/webhooks/${interaction.application_id}/${interaction.token}${path}`, body, "");

describe("starting an interaction", () => {
  test("a slash command: 204; only the app's bot sessions get INTERACTION_CREATE, shaped as Discord's", async () => {
    const s = await scene();
    const from = s.memberSession.frames.length;
    const d = await invoked(s, echoBody(s, s.lobby.id, [{ type: 3, name: "text", value: "hi" }, { type: 6, name: "who", value: s.owner.id }]));
    expect(d).toMatchObject({
      application_id: s.app.id,
      type: 2,
      data: { id: s.echo.id, name: "echo", type: 1, options: [{ type: 3, name: "text", value: "hi" }, { type: 6, name: "who", value: s.owner.id }] },
      guild_id: s.guild.id,
      guild: { id: s.guild.id },
      channel_id: s.lobby.id,
      channel: { id: s.lobby.id, type: 0, name: "lobby" },
      member: { user: { id: s.member.id }, roles: [] },
      version: 1,
      locale: "en-US",
      guild_locale: "en-US",
      entitlements: [],
      authorizing_integration_owners: { "0": s.guild.id },
      context: 0,
    });
    expect(typeof d.token).toBe("string");
    expect(BigInt((d.member as Json).permissions as string) & VIEW).toBe(VIEW);
    expect(typeof d.app_permissions).toBe("string");
    const resolved = (d.data as Json).resolved as Json;
    expect(resolved).toMatchObject({ users: { [s.owner.id]: { id: s.owner.id } }, members: { [s.owner.id]: { roles: [] } } });
    expect(typeof ((resolved.members as Json)[s.owner.id] as Json).permissions).toBe("string");
    await rest.nothingSince(s.memberSession, s.guild.id, "INTERACTION_CREATE", from);
  });

  test("only the bot's session on the guild's shard, (guild_id >> 22) % num_shards, gets it", async () => {
    const app = await rest.user("sharded-app", 0, true);
    const invoker = await rest.user("sharded-invoker");
    // A guild on shard 1 of 2: the bot's shard-0 session (which holds its user events) must not get it.
    // Its id is a day old, so no id the server makes now (the channel's, the command's) can equal it.
    let id = (BigInt(Date.now() - 86_400_000 - 1_420_070_400_000) << 22n) | 1n;
    while ((id >> 22n) % 2n !== 1n) id += 1n << 22n;
    const guild = await rest.created("/internal/guilds", { id: id.toString(), name: "Sharded", owner_id: invoker.id });
    const channel = await rest.created(`/internal/guilds/${guild.id}/channels`, { name: "here" });
    await rest.join(guild.id as string, app);
    const command = (await rest.api("POST", `/api/v10/applications/${app.id}/commands`, { name: "ping", description: "Ping" }, app.auth)).json;
    const zero = await rest.session(app, MESSAGES, guild.id as string, { shard: [0, 2] });
    const one = await rest.session(app, MESSAGES, guild.id as string, { shard: [1, 2] });
    const [fromZero, fromOne] = [zero.frames.length, one.frames.length];
    const body = { type: 2, application_id: app.id, guild_id: guild.id, channel_id: channel.id, session_id: "s", nonce: "1", data: { id: command.id, name: "ping", type: 1 } };
    expect((await rest.api("POST", "/api/v10/interactions", body, invoker.auth)).status).toBe(204);
    expect(await rest.event(one, "INTERACTION_CREATE", fromOne)).toMatchObject({ guild_id: guild.id });
    await rest.nothingForUserSince(zero, app.id, "INTERACTION_CREATE", fromZero);
  });

  test("context menus: a USER command resolves its target user and member, a MESSAGE command its message; the answers are type 23", async () => {
    const s = await scene();
    const register = async (type: number, name: string) => (await rest.api("POST", `/api/v10/applications/${s.app.id}/commands`, { type, name }, s.app.auth)).json;
    const [inspect, quote] = [await register(2, "Inspect"), await register(3, "Quote")];
    const target = (await rest.api("POST", `/api/v10/channels/${s.lobby.id}/messages`, { content: "quote me" }, s.owner.auth)).json;
    const menu = (command: Json, targetId: unknown): Json => ({ ...echoBody(s, s.lobby.id), data: { id: command.id, name: command.name, type: command.type, target_id: targetId } });
    const onUser = await invoked(s, menu(inspect, s.owner.id));
    expect(onUser.data).toMatchObject({ type: 2, name: "Inspect", target_id: s.owner.id, resolved: { users: { [s.owner.id]: { id: s.owner.id } }, members: { [s.owner.id]: { roles: [] } } } });
    const answer = await callback(onUser, { type: 4, data: { content: "inspected" } }, "?with_response=true");
    expect(answer.json.resource).toMatchObject({ message: { type: 23, interaction_metadata: { command_type: 2, target_user: { id: s.owner.id } } } });
    const onMessage = await invoked(s, menu(quote, target.id));
    expect(onMessage.data).toMatchObject({ type: 3, target_id: target.id, resolved: { messages: { [target.id as string]: { id: target.id, content: "quote me" } } } });
    const quoted = await callback(onMessage, { type: 4, data: { content: "quoted" } }, "?with_response=true");
    expect(quoted.json.resource).toMatchObject({ message: { type: 23, interaction_metadata: { command_type: 3, target_message_id: target.id } } });
    expect(await rest.api("POST", "/api/v10/interactions", menu(quote, "1"), s.member.auth)).toMatchObject({ status: 404, json: { code: 10008 } });
    expect(await rest.api("POST", "/api/v10/interactions", menu(inspect, undefined), s.member.auth)).toMatchObject({ status: 400, json: { code: 50035 } });
  });

  test("a backend starts one for a user through POST /internal/interactions (ingress secret)", async () => {
    const s = await scene();
    const from = s.appSession.frames.length;
    expect(await rest.api("POST", "/internal/interactions", { ...echoBody(s, s.lobby.id), user_id: s.member.id })).toEqual({ status: 204, json: {} });
    expect(await rest.event(s.appSession, "INTERACTION_CREATE", from)).toMatchObject({ member: { user: { id: s.member.id } } });
    expect((await rest.api("POST", "/internal/interactions", { ...echoBody(s, s.lobby.id), user_id: s.member.id }, "Bearer wrong")).status).toBe(401);
    expect(await rest.api("POST", "/internal/interactions", { ...echoBody(s, s.lobby.id), user_id: "1" })).toMatchObject({ status: 404, json: { code: 10013 } });
  });

  test("refusals: Discord's codes, nothing sent", async () => {
    const s = await scene();
    const from = s.appSession.frames.length;
    const outsider = await rest.user("outsider");
    const stranger = await rest.user("stranger-bot", 0, true);
    const cases: [string, Json, number, number, Account?][] = [
      ["an unknown command", { ...echoBody(s, s.lobby.id), data: { ...(echoBody(s, s.lobby.id).data as Json), id: "1" } }, 404, 10063],
      ["a wrong option type", echoBody(s, s.lobby.id, [{ type: 3, name: "text", value: 5 }]), 400, 50035],
      ["no required option", echoBody(s, s.lobby.id, []), 400, 50035],
      ["an unknown option", echoBody(s, s.lobby.id, [{ type: 3, name: "text", value: "a" }, { type: 3, name: "nope", value: "b" }]), 400, 50035],
      ["a user option that is not a snowflake", echoBody(s, s.lobby.id, [{ type: 3, name: "text", value: "a" }, { type: 6, name: "who", value: "me" }]), 400, 50035],
      ["an application that is no bot", { ...echoBody(s, s.lobby.id), application_id: s.member.id }, 404, 10002],
      ["a channel of another guild", { ...echoBody(s, s.lobby.id), channel_id: "1" }, 404, 10003],
      ["a channel the invoker cannot view", echoBody(s, s.secret.id), 403, 50001],
      ["an invoker who is no member", echoBody(s, s.lobby.id), 403, 50001, outsider],
      ["an app whose bot is not in the guild", { ...echoBody(s, s.lobby.id), application_id: stranger.id }, 404, 10063],
      ["type 4 (autocomplete) with no focused option", { ...echoBody(s, s.lobby.id), type: 4 }, 400, 50035],
      ["no data", { ...echoBody(s, s.lobby.id), data: null }, 400, 50035],
    ];
    for (const [what, body, status, code, as] of cases) {
      const answer = await rest.api("POST", "/api/v10/interactions", body, (as ?? s.member).auth);
      expect({ what, status: answer.status, code: answer.json.code }).toEqual({ what, status, code });
    }
    expect((await rest.api("POST", "/api/v10/interactions", echoBody(s, s.lobby.id), "")).status).toBe(401);
    const bad = await rest.fetch("POST", "/api/v10/interactions", s.member.auth);
    expect(bad.status).toBe(400);
    await rest.nothingSince(s.appSession, s.guild.id, "INTERACTION_CREATE", from);
  });

  test("USE_APPLICATION_COMMANDS denied in the channel: 403 50013; the bot not in the guild: 403 50001", async () => {
    const s = await scene();
    const denied = await rest.created(`/internal/guilds/${s.guild.id}/channels`, {
      name: "no-commands",
      permission_overwrites: [{ id: s.guild.id, type: 0, allow: "0", deny: USE_APPLICATION_COMMANDS.toString() }],
    });
    expect(await rest.api("POST", "/api/v10/interactions", echoBody(s, denied.id as string), s.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    expect((await rest.api("DELETE", `/internal/guilds/${s.guild.id}/members/${s.app.id}`)).status).toBe(204);
    expect(await rest.api("POST", "/api/v10/interactions", echoBody(s, s.lobby.id), s.member.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
  });

  test("command permissions and default_member_permissions decide who may invoke (403 50013), as Discord's Permissions v2", async () => {
    const s = await scene();
    const commandPermissions = `/api/v10/applications/${s.app.id}/guilds/${s.guild.id}/commands`;
    const invoke = (as: Account) => rest.api("POST", "/api/v10/interactions", echoBody(s, s.lobby.id), as.auth);
    // The app is kept out of the lobby for everyone; the command lets the member in.
    const all = { permissions: [{ id: s.lobby.id, type: 3, permission: false }] };
    expect((await rest.api("PUT", `${commandPermissions}/${s.app.id}/permissions`, all, s.owner.auth)).status).toBe(200);
    expect(await invoke(s.member)).toMatchObject({ status: 403, json: { code: 50013 } });
    const memberAllowed = { permissions: [{ id: s.lobby.id, type: 3, permission: true }, { id: s.member.id, type: 2, permission: true }] };
    expect((await rest.api("PUT", `${commandPermissions}/${s.echo.id}/permissions`, memberAllowed, s.owner.auth)).status).toBe(200);
    expect(await invoke(s.member)).toEqual({ status: 204, json: {} });
    // A command for admins only ("0"): the member may no longer, unless the command names it; the owner always may.
    const adminsOnly = await rest.api("PATCH", `/api/v10/applications/${s.app.id}/commands/${s.echo.id}`, { default_member_permissions: "0" }, s.app.auth);
    expect(adminsOnly.status).toBe(200);
    expect(await invoke(s.member)).toEqual({ status: 204, json: {} });
    expect((await rest.api("PUT", `${commandPermissions}/${s.echo.id}/permissions`, { permissions: [] }, s.owner.auth)).status).toBe(200);
    expect((await rest.api("PUT", `${commandPermissions}/${s.app.id}/permissions`, { permissions: [] }, s.owner.auth)).status).toBe(200);
    expect(await invoke(s.member)).toMatchObject({ status: 403, json: { code: 50013 } });
    expect(await invoke(s.owner)).toEqual({ status: 204, json: {} });
  });

  test("multipart/form-data with payload_json is read as the JSON body", async () => {
    const s = await scene();
    const from = s.appSession.frames.length;
    const form = new FormData();
    form.set("payload_json", JSON.stringify(echoBody(s, s.lobby.id)));
    const response = await fetch(`${rest.httpBase}/api/v10/interactions`, { method: "POST", headers: { authorization: s.member.auth }, body: form });
    expect(response.status).toBe(204);
    expect(await rest.event(s.appSession, "INTERACTION_CREATE", from)).toMatchObject({ type: 2, data: { name: "echo" } });
  });
});

describe("responding", () => {
  test("CHANNEL_MESSAGE_WITH_SOURCE: a stored type-20 message by the app's bot, to the channel's viewers; once only (40060)", async () => {
    const s = await scene();
    const d = await invoked(s, echoBody(s, s.lobby.id));
    const from = s.memberSession.frames.length;
    expect(await callback(d, { type: 4, data: { content: "pong" } })).toEqual({ status: 204, json: {} });
    const created = await rest.event(s.memberSession, "MESSAGE_CREATE", from);
    expect(created).toMatchObject({
      type: 20,
      content: "pong",
      channel_id: s.lobby.id,
      guild_id: s.guild.id,
      author: { id: s.app.id, bot: true },
      application_id: s.app.id,
      webhook_id: s.app.id,
      interaction_metadata: { id: d.id, type: 2, user: { id: s.member.id }, authorizing_integration_owners: { "0": s.guild.id }, name: "echo", command_type: 1 },
      interaction: { id: d.id, type: 2, name: "echo", user: { id: s.member.id } },
    });
    expect(await callback(d, { type: 4, data: { content: "again" } })).toMatchObject({ status: 400, json: { code: 40060, message: "Interaction has already been acknowledged." } });
    const history = (await rest.api("GET", `/api/v10/channels/${s.lobby.id}/messages`, undefined, s.member.auth)).json as unknown as Json[];
    expect(history[0]).toMatchObject({ id: created.id, type: 20, interaction_metadata: { id: d.id } });
  });

  test("with_response=true answers the interaction callback response", async () => {
    const s = await scene();
    const d = await invoked(s, echoBody(s, s.lobby.id));
    // discord.py sends with_response=1, discord.js with_response=true.
    const answer = await callback(d, { type: 4, data: { content: "pong" } }, "?with_response=1");
    expect(answer).toMatchObject({
      status: 200,
      json: { interaction: { id: d.id, type: 2, response_message_loading: false, response_message_ephemeral: false }, resource: { type: 4, message: { content: "pong", type: 20 } } },
    });
    expect((answer.json.interaction as Json).response_message_id).toBe(((answer.json.resource as Json).message as Json).id);
    // discord.py asks with_response=1 (and wait=1): Discord reads true, True and 1 alike.
    const again = await invoked(s, echoBody(s, s.lobby.id));
    expect(await callback(again, { type: 4, data: { content: "pong" } }, "?with_response=1")).toMatchObject({ status: 200, json: { interaction: { id: again.id } } });
    expect(await webhook(again, "POST", "?wait=1", { content: "more" })).toMatchObject({ status: 200, json: { content: "more" } });
  });

  test("the 3 s window, unknown ids, wrong and forged tokens: 404 10062; PONG and update types for a command: 400 50035", async () => {
    const s = await scene();
    const d = await invoked(s, echoBody(s, s.lobby.id));
    const token = d.token as string;
    expect(await callback({ ...d, id: "1" }, { type: 4, data: { content: "x" } })).toMatchObject({ status: 404, json: { code: 10062 } });
    expect(await callback({ ...d, token: `${token.slice(0, -2)}AA` }, { type: 4, data: { content: "x" } })).toMatchObject({ status: 404, json: { code: 10062 } });
    expect(await callback({ ...d, token: "aW50ZXJhY3Rpb246MTox.abc" }, { type: 4, data: { content: "x" } })).toMatchObject({ status: 404, json: { code: 10062 } });
    // Any segment is a token to check, as on Discord: one of no shape here is refused the same way.
    expect(await callback({ ...d, token: "not-a-token" }, { type: 4, data: { content: "x" } })).toMatchObject({ status: 404, json: { code: 10062 } });
    expect(await webhook({ ...d, token: "not-a-token" }, "POST", "", { content: "x" })).toMatchObject({ status: 401, json: { code: 50027 } });
    expect(await callback(d, { type: 1 })).toMatchObject({ status: 400, json: { code: 50035 } });
    expect(await callback(d, { type: 7, data: { content: "x" } })).toMatchObject({ status: 400, json: { code: 50035 } });
    expect(await callback(d, { type: 6 })).toMatchObject({ status: 400, json: { code: 50035 } });
    expect(await callback(d, { type: 4, data: {} })).toMatchObject({ status: 400, json: { code: 50006 } });
    expect(await callback(d, { type: 11 })).toMatchObject({ status: 400, json: { code: 50035 } });
    expect((await rest.api("GET", `/api/v10/interactions/${d.id}/${token}/callback`, undefined, "")).status).toBe(405);
    skew = 3_001;
    expect(await callback(d, { type: 4, data: { content: "late" } })).toMatchObject({ status: 404, json: { code: 10062, message: "Unknown interaction" } });
  });

  test("DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: a LOADING message, then editing @original fills it (MESSAGE_UPDATE, LOADING cleared)", async () => {
    const s = await scene();
    const d = await invoked(s, echoBody(s, s.lobby.id));
    const from = s.memberSession.frames.length;
    const answer = await callback(d, { type: 5 }, "?with_response=true");
    expect(answer).toMatchObject({ status: 200, json: { interaction: { response_message_loading: true }, resource: { type: 5, message: { flags: 128, content: "" } } } });
    const loading = await rest.event(s.memberSession, "MESSAGE_CREATE", from);
    expect(loading).toMatchObject({ flags: 128, content: "", author: { id: s.app.id } });
    const edited = await webhook(d, "PATCH", "/messages/@original", { content: "done", embeds: [{ title: "Result" }] });
    expect(edited).toMatchObject({ status: 200, json: { id: loading.id, content: "done", flags: 0, embeds: [{ title: "Result", type: "rich" }] } });
    expect(await rest.event(s.memberSession, "MESSAGE_UPDATE", from)).toMatchObject({ id: loading.id, content: "done", flags: 0 });
    expect(await webhook(d, "GET", "/messages/@original")).toMatchObject({ status: 200, json: { id: loading.id, content: "done" } });
    // discord.js sends it URL-encoded.
    expect(await webhook(d, "GET", "/messages/%40original")).toMatchObject({ status: 200, json: { id: loading.id } });
  });

  test("EPHEMERAL: only the invoker's sessions get it, never stored in history; edits and deletes reach the invoker alone", async () => {
    const s = await scene();
    const otherSession = await bystander(s);
    const d = await invoked(s, echoBody(s, s.lobby.id));
    const [fromMember, fromOther, fromApp] = [s.memberSession.frames.length, otherSession.frames.length, s.appSession.frames.length];
    expect((await callback(d, { type: 4, data: { content: "secret", flags: 64 } })).status).toBe(204);
    const created = await rest.event(s.memberSession, "MESSAGE_CREATE", fromMember);
    expect(created).toMatchObject({ content: "secret", flags: 64, type: 20, author: { id: s.app.id } });
    await rest.nothingSince(otherSession, s.guild.id, "MESSAGE_CREATE", fromOther);
    await rest.nothingSince(s.appSession, s.guild.id, "MESSAGE_CREATE", fromApp);
    const history = (await rest.api("GET", `/api/v10/channels/${s.lobby.id}/messages`, undefined, s.member.auth)).json as unknown as Json[];
    expect(history.map((m) => m.id)).not.toContain(created.id);
    expect(await webhook(d, "GET", "/messages/@original")).toMatchObject({ status: 200, json: { id: created.id, flags: 64 } });
    expect((await webhook(d, "PATCH", "/messages/@original", { content: "secret 2" })).status).toBe(200);
    expect(await rest.event(s.memberSession, "MESSAGE_UPDATE", fromMember)).toMatchObject({ id: created.id, content: "secret 2" });
    expect((await webhook(d, "DELETE", "/messages/@original")).status).toBe(204);
    expect(await rest.event(s.memberSession, "MESSAGE_DELETE", fromMember)).toMatchObject({ id: created.id });
    await rest.nothingSince(otherSession, s.guild.id, "MESSAGE_UPDATE", fromOther);
    expect(otherSession.frames.slice(fromOther).filter((f) => f.t === "MESSAGE_DELETE")).toEqual([]);
  });

  test("a reply in a channel some members cannot view reaches none of them", async () => {
    const s = await scene();
    const insider = await rest.user("insider");
    await rest.join(s.guild.id, insider, [s.role.id]);
    await rest.join(s.guild.id, s.app, [s.role.id]);
    const insiderSession = await rest.session(insider, MESSAGES, s.guild.id);
    const d = await invoked(s, echoBody(s, s.secret.id), insider);
    const [fromInsider, fromMember] = [insiderSession.frames.length, s.memberSession.frames.length];
    expect((await callback(d, { type: 4, data: { content: "for insiders" } })).status).toBe(204);
    expect(await rest.event(insiderSession, "MESSAGE_CREATE", fromInsider)).toMatchObject({ type: 20, author: { id: s.app.id }, channel_id: s.secret.id });
    await rest.nothingSince(s.memberSession, s.guild.id, "MESSAGE_CREATE", fromMember);
  });
});

describe("the interaction's webhook", () => {
  test("follow-ups (?wait), reading, editing and deleting them; only the interaction's messages", async () => {
    const s = await scene();
    const d = await invoked(s, echoBody(s, s.lobby.id));
    expect(await webhook(d, "POST", "?wait=true", { content: "too early" })).toMatchObject({ status: 404, json: { code: 10015 } });
    expect(await webhook(d, "GET", "/messages/@original")).toMatchObject({ status: 404, json: { code: 10015 } });
    const original = (await callback(d, { type: 4, data: { content: "first" } }, "?with_response=true")).json.interaction as Json;
    const from = s.memberSession.frames.length;
    const followUp = await webhook(d, "POST", "?wait=true", { content: "second" });
    expect(followUp).toMatchObject({ status: 200, json: { content: "second", type: 20, author: { id: s.app.id }, interaction_metadata: { id: d.id, original_response_message_id: original.response_message_id } } });
    // The original's MESSAGE_CREATE may still be on its way: the follow-up's is found by its id.
    const isFollowUp = (e: Json): boolean => e.id === followUp.json.id;
    expect(await rest.event(s.memberSession, "MESSAGE_CREATE", from, isFollowUp)).toMatchObject({ content: "second" });
    expect(await webhook(d, "POST", "", { content: "third" })).toEqual({ status: 204, json: {} });
    expect(await webhook(d, "POST", "?wait=0", { content: "fourth" })).toEqual({ status: 204, json: {} });
    // discord.py sends its booleans as 1.
    expect(await webhook(d, "POST", "?wait=1", { content: "fifth" })).toMatchObject({ status: 200, json: { content: "fifth" } });
    expect(await webhook(d, "GET", `/messages/${followUp.json.id}`)).toMatchObject({ status: 200, json: { content: "second" } });
    expect(await webhook(d, "PATCH", `/messages/${followUp.json.id}`, { content: "second!" })).toMatchObject({ status: 200, json: { content: "second!" } });
    expect(await rest.event(s.memberSession, "MESSAGE_UPDATE", from, isFollowUp)).toMatchObject({ content: "second!" });
    const someone = (await rest.api("POST", `/api/v10/channels/${s.lobby.id}/messages`, { content: "not the app's" }, s.member.auth)).json;
    expect(await webhook(d, "GET", `/messages/${someone.id}`)).toMatchObject({ status: 404, json: { code: 10008 } });
    expect(await webhook(d, "PATCH", `/messages/${someone.id}`, { content: "x" })).toMatchObject({ status: 404, json: { code: 10008 } });
    expect((await webhook(d, "DELETE", `/messages/${followUp.json.id}`)).status).toBe(204);
    expect(await rest.event(s.memberSession, "MESSAGE_DELETE", from, isFollowUp)).toMatchObject({ channel_id: s.lobby.id });
    expect(await webhook(d, "GET", `/messages/${followUp.json.id}`)).toMatchObject({ status: 404, json: { code: 10008 } });
    expect((await webhook(d, "PUT", "")).status).toBe(405);
  });

  test("valid 15 minutes: after, and for another application or a forged token, 401 50027", async () => {
    const s = await scene();
    const d = await invoked(s, echoBody(s, s.lobby.id));
    expect((await callback(d, { type: 4, data: { content: "first" } })).status).toBe(204);
    expect(await webhook({ ...d, application_id: s.member.id }, "GET", "/messages/@original")).toMatchObject({ status: 401, json: { code: 50027 } });
    expect(await webhook({ ...d, token: "x.y" }, "GET", "/messages/@original")).toMatchObject({ status: 401, json: { code: 50027, message: "Invalid Webhook Token" } });
    skew = 15 * 60_000 - 1_000;
    expect((await webhook(d, "GET", "/messages/@original")).status).toBe(200);
    skew = 15 * 60_000 + 1;
    expect(await webhook(d, "GET", "/messages/@original")).toMatchObject({ status: 401, json: { code: 50027 } });
    expect(await webhook(d, "POST", "?wait=true", { content: "late" })).toMatchObject({ status: 401, json: { code: 50027 } });
  });
});

/** The app posts a message with an embed and a button (custom_id `press`) in the lobby. */
async function buttonMessage(s: Scene): Promise<Json> {
  const body = {
    content: "Press it",
    embeds: [{ title: "A button" }],
    components: [{ type: 1, components: [{ type: 2, style: 1, label: "Press", custom_id: "press" }] }],
  };
  const posted = await rest.api("POST", `/api/v10/channels/${s.lobby.id}/messages`, body, s.app.auth);
  expect(posted.status).toBe(200);
  return posted.json;
}

function clickBody(s: Scene, message: Json, customId = "press", componentType = 2): Json {
  return {
    type: 3,
    application_id: s.app.id,
    guild_id: s.guild.id,
    channel_id: s.lobby.id,
    message_id: message.id,
    message_flags: 0,
    session_id: "client-session",
    nonce: "2",
    data: { component_type: componentType, custom_id: customId },
  };
}

describe("components", () => {
  test("a click: INTERACTION_CREATE with the message; UPDATE_MESSAGE edits it (MESSAGE_UPDATE); once only", async () => {
    const s = await scene();
    const message = await buttonMessage(s);
    const d = await invoked(s, clickBody(s, message));
    expect(d).toMatchObject({ type: 3, data: { component_type: 2, custom_id: "press" }, message: { id: message.id, author: { id: s.app.id } }, member: { user: { id: s.member.id } } });
    const from = s.memberSession.frames.length;
    const updated = await callback(d, { type: 7, data: { content: "Pressed", components: [] } }, "?with_response=true");
    expect(updated).toMatchObject({ status: 200, json: { interaction: { id: d.id, type: 3, response_message_id: message.id }, resource: { type: 7, message: { id: message.id, content: "Pressed", components: [] } } } });
    expect(await rest.event(s.memberSession, "MESSAGE_UPDATE", from)).toMatchObject({ id: message.id, content: "Pressed", components: [], embeds: [{ title: "A button" }] });
    expect(await callback(d, { type: 6 })).toMatchObject({ status: 400, json: { code: 40060 } });
  });

  test("DEFERRED_UPDATE_MESSAGE, then @original is the component's message; a reply to a click is a REPLY to it", async () => {
    const s = await scene();
    const message = await buttonMessage(s);
    const d = await invoked(s, clickBody(s, message));
    expect(await callback(d, { type: 6 })).toEqual({ status: 204, json: {} });
    expect(await webhook(d, "PATCH", "/messages/@original", { content: "Later" })).toMatchObject({ status: 200, json: { id: message.id, content: "Later" } });
    const again = await invoked(s, clickBody(s, message));
    const reply = await callback(again, { type: 4, data: { content: "Clicked" } }, "?with_response=true");
    expect(reply.json.resource).toMatchObject({ message: { type: 19, message_reference: { message_id: message.id }, interaction_metadata: { type: 3, interacted_message_id: message.id } } });
    // A component's response names its message instead of carrying the deprecated `interaction`.
    expect(((reply.json.resource as Json).message as Json).interaction).toBeUndefined();
  });

  test("a button on an ephemeral reply: its click reaches the app; UPDATE_MESSAGE reaches the invoker alone and stores nothing", async () => {
    const s = await scene();
    const otherSession = await bystander(s);
    const d = await invoked(s, echoBody(s, s.lobby.id));
    const components = [{ type: 1, components: [{ type: 2, style: 1, label: "Press", custom_id: "press" }] }];
    const reply = (await callback(d, { type: 4, data: { content: "only you", flags: 64, components } }, "?with_response=true")).json.resource as Json;
    const ephemeral = reply.message as Json;
    const click = await invoked(s, { ...clickBody(s, ephemeral), message_flags: 64 });
    expect(click.message).toMatchObject({ id: ephemeral.id, flags: 64 });
    const [fromMember, fromOther] = [s.memberSession.frames.length, otherSession.frames.length];
    expect((await callback(click, { type: 7, data: { content: "pressed", components: [] } })).status).toBe(204);
    expect(await rest.event(s.memberSession, "MESSAGE_UPDATE", fromMember)).toMatchObject({ id: ephemeral.id, content: "pressed", flags: 64 });
    await rest.nothingSince(otherSession, s.guild.id, "MESSAGE_UPDATE", fromOther);
    expect(await rest.api("GET", `/api/v10/channels/${s.lobby.id}/messages/${ephemeral.id}`, undefined, s.member.auth)).toMatchObject({ status: 404, json: { code: 10008 } });
  });

  test("a response with a file (multipart, payload_json and files[0]) is a message with the attachment", async () => {
    const s = await scene();
    const d = await invoked(s, echoBody(s, s.lobby.id));
    const form = new FormData();
    form.set("payload_json", JSON.stringify({ type: 4, data: { content: "see file", attachments: [{ id: 0, filename: "note.txt" }] } }));
    form.set("files[0]", new File(["hello"], "note.txt", { type: "text/plain" }));
    const response = await fetch(`${rest.httpBase}/api/v10/interactions/${d.id}/${d.token}/callback?with_response=true`, { method: "POST", body: form });
    expect(response.status).toBe(200);
    const message = ((await response.json()) as Json).resource as Json;
    expect(message).toMatchObject({ message: { content: "see file", attachments: [{ filename: "note.txt", size: 5 }] } });
  });

  test("select menus: the values chosen (among the options, as many as the select takes), and the users a user select names in resolved", async () => {
    const s = await scene();
    const components = [
      { type: 1, components: [{ type: 3, custom_id: "pick", options: [{ label: "A", value: "a" }, { label: "B", value: "b" }] }] },
      { type: 1, components: [{ type: 5, custom_id: "who" }] },
    ];
    const message = (await rest.api("POST", `/api/v10/channels/${s.lobby.id}/messages`, { content: "Choose", components }, s.app.auth)).json;
    const pick = { ...clickBody(s, message, "pick", 3), data: { component_type: 3, custom_id: "pick", values: ["b"] } };
    expect((await invoked(s, pick)).data).toEqual({ component_type: 3, custom_id: "pick", values: ["b"] });
    const who = { ...clickBody(s, message, "who", 5), data: { component_type: 5, custom_id: "who", values: [s.owner.id] } };
    expect((await invoked(s, who)).data).toMatchObject({ component_type: 5, values: [s.owner.id], resolved: { users: { [s.owner.id]: { id: s.owner.id } } } });
    for (const values of [undefined, [], ["c"], ["a", "b"]]) {
      const refused = await rest.api("POST", "/api/v10/interactions", { ...pick, data: { component_type: 3, custom_id: "pick", values } }, s.member.auth);
      expect({ values, status: refused.status, code: refused.json.code }).toEqual({ values, status: 400, code: 50035 });
    }
  });

  test("refusals: no such custom_id or component type, a message not the app's, an unknown message", async () => {
    const s = await scene();
    const message = await buttonMessage(s);
    const someone = (await rest.api("POST", `/api/v10/channels/${s.lobby.id}/messages`, { content: "mine" }, s.member.auth)).json;
    const cases: [string, Json, number, number][] = [
      ["an unknown custom_id", clickBody(s, message, "nope"), 400, 50035],
      ["a select menu type for a button", { ...clickBody(s, message, "press", 3), data: { component_type: 3, custom_id: "press", values: ["a"] } }, 400, 50035],
      ["a message not the app's", clickBody(s, someone), 400, 50035],
      ["an unknown message", clickBody(s, { id: "1" }), 404, 10008],
      ["component type 4", clickBody(s, message, "press", 4), 400, 50035],
    ];
    for (const [what, body, status, code] of cases) {
      const answer = await rest.api("POST", "/api/v10/interactions", body, s.member.auth);
      expect({ what, status: answer.status, code: answer.json.code }).toEqual({ what, status, code });
    }
  });
});

describe("modals", () => {
  test("MODAL answers a command; the user's MODAL_SUBMIT (type 5) reaches the app; a modal never shown is refused", async () => {
    const s = await scene();
    const d = await invoked(s, echoBody(s, s.lobby.id));
    const modal = { custom_id: "feedback", title: "Feedback", components: [{ type: 1, components: [{ type: 4, custom_id: "text", label: "Text", style: 1 }] }] };
    expect(await callback(d, { type: 9, data: modal })).toEqual({ status: 204, json: {} });
    const submit = { type: 5, application_id: s.app.id, guild_id: s.guild.id, channel_id: s.lobby.id, session_id: "client-session", nonce: "3", data: { custom_id: "feedback", components: [{ type: 1, components: [{ type: 4, custom_id: "text", value: "great" }] }] } };
    const submitted = await invoked(s, submit);
    expect(submitted).toMatchObject({ type: 5, data: { custom_id: "feedback", components: [{ type: 1, components: [{ custom_id: "text", value: "great" }] }] } });
    expect(await callback(submitted, { type: 9, data: modal })).toMatchObject({ status: 400, json: { code: 50035 } });
    const thanks = await callback(submitted, { type: 4, data: { content: "Thanks" } }, "?with_response=true");
    expect(thanks.json.resource).toMatchObject({ message: { type: 20, content: "Thanks", interaction_metadata: { id: submitted.id, type: 5 } } });
    expect(await rest.api("POST", "/api/v10/interactions", { ...submit, data: { ...submit.data, custom_id: "other" } }, s.member.auth)).toMatchObject({ status: 400, json: { code: 50035 } });
  });
});

describe("in a DM with the app's bot", () => {
  /** The scene's DM between the invoker and the app's bot (the scene's sessions get DMs: shard 0, DIRECT_MESSAGES). */
  async function dm(s: Scene): Promise<{ channelId: string; appSession: RawClient; memberSession: RawClient }> {
    const channelId = (await rest.api("POST", "/api/v10/users/@me/channels", { recipient_id: s.app.id }, s.member.auth)).json.id as string;
    return { channelId, appSession: s.appSession, memberSession: s.memberSession };
  }

  function dmBody(s: Scene, channelId: string): Json {
    const { guild_id: _guild, ...body } = echoBody(s, channelId);
    return body;
  }

  test("a global command: INTERACTION_CREATE with `user` and no guild (context 1); the reply and its follow-up reach both, an ephemeral one the invoker alone", async () => {
    const s = await scene();
    const { channelId, appSession, memberSession } = await dm(s);
    const from = appSession.frames.length;
    expect(await rest.api("POST", "/api/v10/interactions", dmBody(s, channelId), s.member.auth)).toEqual({ status: 204, json: {} });
    const d = await rest.event(appSession, "INTERACTION_CREATE", from);
    expect(d).toMatchObject({ type: 2, channel_id: channelId, channel: { id: channelId, type: 1 }, user: { id: s.member.id }, context: 1, authorizing_integration_owners: { "0": "0" }, data: { name: "echo" } });
    expect([d.guild_id, d.member]).toEqual([undefined, undefined]);
    const [fromApp, fromMember] = [appSession.frames.length, memberSession.frames.length];
    expect((await callback(d, { type: 4, data: { content: "in private" } })).status).toBe(204);
    for (const [session, at] of [[appSession, fromApp], [memberSession, fromMember]] as const) {
      const created = await rest.event(session, "MESSAGE_CREATE", at);
      expect(created).toMatchObject({ type: 20, content: "in private", channel_id: channelId, author: { id: s.app.id }, interaction_metadata: { id: d.id, authorizing_integration_owners: { "0": "0" } } });
      expect(created.guild_id).toBeUndefined();
    }
    const beforeFollowUp = appSession.frames.length;
    const followUp = await webhook(d, "POST", "?wait=true", { content: "just you", flags: 64 });
    expect(followUp).toMatchObject({ status: 200, json: { flags: 64, content: "just you" } });
    expect(await rest.event(memberSession, "MESSAGE_CREATE", fromMember, (e) => e.id === followUp.json.id)).toMatchObject({ content: "just you" });
    await rest.nothingForUserSince(appSession, s.app.id, "MESSAGE_CREATE", beforeFollowUp);
    expect(await webhook(d, "PATCH", "/messages/@original", { content: "edited" })).toMatchObject({ status: 200, json: { content: "edited" } });
    expect(await rest.event(memberSession, "MESSAGE_UPDATE", fromMember)).toMatchObject({ content: "edited", channel_id: channelId });
  });

  test("a button in the DM: the click (no guild_id) reaches the app; UPDATE_MESSAGE edits the message for both", async () => {
    const s = await scene();
    const { channelId, appSession, memberSession } = await dm(s);
    const components = [{ type: 1, components: [{ type: 2, style: 1, label: "Press", custom_id: "press" }] }];
    const message = (await rest.api("POST", `/api/v10/channels/${channelId}/messages`, { content: "Press", components }, s.app.auth)).json;
    const from = appSession.frames.length;
    const click: Json = { ...clickBody(s, message), channel_id: channelId };
    delete click.guild_id;
    expect(await rest.api("POST", "/api/v10/interactions", click, s.member.auth)).toEqual({ status: 204, json: {} });
    const d = await rest.event(appSession, "INTERACTION_CREATE", from);
    expect(d).toMatchObject({ type: 3, context: 1, message: { id: message.id, channel_id: channelId }, user: { id: s.member.id } });
    const fromMember = memberSession.frames.length;
    expect((await callback(d, { type: 7, data: { content: "Pressed", components: [] } })).status).toBe(204);
    expect(await rest.event(memberSession, "MESSAGE_UPDATE", fromMember)).toMatchObject({ id: message.id, content: "Pressed", components: [] });
  });

  test("refusals: a guild command, a command not allowed in DMs, a DM the invoker is not in or without the app's bot", async () => {
    const s = await scene();
    const { channelId } = await dm(s);
    const local = (await rest.api("POST", `/api/v10/applications/${s.app.id}/guilds/${s.guild.id}/commands`, { name: "local", description: "Here" }, s.app.auth)).json;
    const guildOnly = (await rest.api("POST", `/api/v10/applications/${s.app.id}/commands`, { name: "guildonly", description: "No DMs", dm_permission: false }, s.app.auth)).json;
    const outsider = await rest.user("dm-outsider");
    const other = await rest.user("dm-other");
    await rest.join(s.guild.id, other);
    const otherDm = (await rest.api("POST", "/api/v10/users/@me/channels", { recipient_id: other.id }, s.member.auth)).json.id as string;
    const command = (c: Json, channel = channelId): Json => ({ ...dmBody(s, channel), data: { id: c.id, name: c.name, type: 1 } });
    const cases: [string, Json, number, number, Account?][] = [
      ["a guild command", command(local), 404, 10063],
      ["dm_permission false", command(guildOnly), 403, 50001],
      ["a DM the invoker is not in", dmBody(s, channelId), 403, 50001, outsider],
      ["a DM without the app's bot", dmBody(s, otherDm), 403, 50001],
      ["no such channel", dmBody(s, "1"), 404, 10003],
    ];
    for (const [what, body, status, code, as] of cases) {
      const answer = await rest.api("POST", "/api/v10/interactions", body, (as ?? s.member).auth);
      expect({ what, status: answer.status, code: answer.json.code }).toEqual({ what, status, code });
    }
  });
});

describe("autocomplete", () => {
  /** The global command `find`: `query` (required string, autocomplete), `count` (integer 1–10, autocomplete), `weight` (number, autocomplete), `plain` (string). */
  async function finder(s: Scene): Promise<Json> {
    const options = [
      { type: 3, name: "query", description: "What", required: true, autocomplete: true },
      { type: 4, name: "count", description: "How many", autocomplete: true, min_value: 1, max_value: 10 },
      { type: 10, name: "weight", description: "How heavy", autocomplete: true },
      { type: 3, name: "plain", description: "No help here" },
    ];
    const made = await rest.api("POST", `/api/v10/applications/${s.app.id}/commands`, { name: "find", description: "Finds", options }, s.app.auth);
    expect(made.status).toBe(201);
    return made.json;
  }

  /** The body Discord's client sends while the user types `find`'s options (one of them `focused: true`). */
  function typing(s: Scene, find: Json, options: unknown[], channelId = s.lobby.id): Json {
    return { ...echoBody(s, channelId), type: 4, nonce: "1180000000000000077", data: { version: find.version, id: find.id, name: "find", type: 1, options } };
  }

  const focused = (name: string, type: number, value: unknown) => ({ type, name, value, focused: true });
  /** `field` if Discord's nested `errors` name it (`data.options[0].value` -> `{data: {options: {"0": {value: {_errors}}}}}`), else what they name. */
  const erredField = (json: Json, field: string): string => {
    let at: unknown = json.errors;
    for (const key of field.split(/[.[\]]+/).filter(Boolean)) at = (at as Json | undefined)?.[key];
    return Array.isArray((at as Json | undefined)?._errors) ? field : JSON.stringify(json.errors);
  };
  const choices = [
    { name: "hello", value: "hello" },
    { name: "help", value: "help", name_localizations: { fr: "aide" } },
  ];

  test("type 4: only the app's bot sessions get INTERACTION_CREATE; its choices (callback 8) reach the invoker's sessions alone, with the client's nonce; once; no message, no webhook", async () => {
    const s = await scene();
    const find = await finder(s);
    const otherSession = await bystander(s);
    const [fromMember, fromOther] = [s.memberSession.frames.length, otherSession.frames.length];
    const d = await invoked(s, typing(s, find, [focused("query", 3, "he")]));
    expect(d).toMatchObject({
      type: 4,
      application_id: s.app.id,
      guild_id: s.guild.id,
      channel_id: s.lobby.id,
      member: { user: { id: s.member.id } },
      data: { id: find.id, name: "find", type: 1, options: [{ type: 3, name: "query", value: "he", focused: true }] },
      version: 1,
      context: 0,
    });
    expect(typeof d.token).toBe("string");
    await rest.nothingSince(s.memberSession, s.guild.id, "INTERACTION_CREATE", fromMember);
    await rest.nothingSince(otherSession, s.guild.id, "INTERACTION_CREATE", fromOther);

    const fromApp = s.appSession.frames.length;
    expect(await callback(d, { type: 8, data: { choices } }, "?with_response=true")).toEqual({ status: 200, json: { interaction: { id: d.id, type: 4 }, resource: { type: 8 } } });
    expect(await rest.event(s.memberSession, "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE", fromMember)).toEqual({ choices, nonce: "1180000000000000077" });
    await rest.nothingSince(otherSession, s.guild.id, "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE", fromOther);
    await rest.nothingSince(s.appSession, s.guild.id, "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE", fromApp);
    // Once: the second answer is refused, and the invoker got one response.
    expect(await callback(d, { type: 8, data: { choices } })).toMatchObject({ status: 400, json: { code: 40060 } });
    await rest.nothingSince(s.memberSession, s.guild.id, "MESSAGE_CREATE", fromMember);
    expect(s.memberSession.frames.slice(fromMember).filter((f) => f.t === "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE").length).toBe(1);
    // No message was made and there is no webhook to follow up on.
    expect(await webhook(d, "POST", "?wait=true", { content: "more" })).toMatchObject({ status: 404, json: { code: 10015 } });
    expect(await webhook(d, "GET", "/messages/@original")).toMatchObject({ status: 404, json: { code: 10015 } });
    expect(await webhook(d, "PATCH", "/messages/@original", { content: "x" })).toMatchObject({ status: 404, json: { code: 10015 } });
  });

  test("partial input: required options missing, values not yet valid, the focused value a string even for an INTEGER or NUMBER option; the choices' values of its type", async () => {
    const s = await scene();
    const find = await finder(s);
    // `query` (required) is not typed yet; `count` is being typed: "1" so far, and its bound (1–10) is not held against it.
    const onCount = await invoked(s, typing(s, find, [focused("count", 4, "1")]));
    expect((onCount.data as Json).options).toEqual([{ type: 4, name: "count", value: "1", focused: true }]);
    expect(await callback(onCount, { type: 8, data: { choices: [{ name: "one", value: "1" }] } })).toMatchObject({ status: 400, json: { code: 50035 } });
    expect(await callback(onCount, { type: 8, data: { choices: [{ name: "one and a half", value: 1.5 }] } })).toMatchObject({ status: 400, json: { code: 50035 } });
    const from = s.memberSession.frames.length;
    expect(await callback(onCount, { type: 8, data: { choices: [{ name: "one", value: 1 }, { name: "ten", value: 10 }] } })).toEqual({ status: 204, json: {} });
    expect(await rest.event(s.memberSession, "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE", from)).toMatchObject({ choices: [{ name: "one", value: 1 }, { name: "ten", value: 10 }] });
    // A filled option out of its bounds (count 50) beside the focused one; an empty focused value; a NUMBER's choices.
    const onWeight = await invoked(s, typing(s, find, [{ type: 4, name: "count", value: 50 }, focused("weight", 10, "")]));
    expect((onWeight.data as Json).options).toEqual([{ type: 4, name: "count", value: 50 }, { type: 10, name: "weight", value: "", focused: true }]);
    expect(await callback(onWeight, { type: 8, data: { choices: [{ name: "light", value: "0.5" }] } })).toMatchObject({ status: 400, json: { code: 50035 } });
    expect((await callback(onWeight, { type: 8, data: { choices: [{ name: "light", value: 0.5 }] } })).status).toBe(204);
    // No choices at all is an answer too, as `[]` or with no `choices` (discordgo omits an empty list).
    for (const data of [{ choices: [] }, {}]) {
      const empty = await invoked(s, typing(s, find, [focused("query", 3, "zzz")]));
      const before = s.memberSession.frames.length;
      expect((await callback(empty, { type: 8, data })).status).toBe(204);
      expect(await rest.event(s.memberSession, "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE", before)).toEqual({ choices: [], nonce: "1180000000000000077" });
    }
  });

  test("refusals of the request: no focused option, two, one without autocomplete, its value not a string, an unknown command, a context menu: Discord's codes, nothing sent", async () => {
    const s = await scene();
    const find = await finder(s);
    const inspect = (await rest.api("POST", `/api/v10/applications/${s.app.id}/commands`, { type: 2, name: "Inspect" }, s.app.auth)).json;
    const from = s.appSession.frames.length;
    const cases: [string, Json, number, number, string][] = [
      ["no focused option", typing(s, find, [{ type: 3, name: "query", value: "he" }]), 400, 50035, "data.options"],
      ["no options", typing(s, find, []), 400, 50035, "data.options"],
      ["two focused options", typing(s, find, [focused("query", 3, "he"), focused("count", 4, "1")]), 400, 50035, "data.options[1].focused"],
      ["focused on an option without autocomplete", typing(s, find, [focused("plain", 3, "he")]), 400, 50035, "data.options[0].focused"],
      ["a focused value that is no string", typing(s, find, [focused("count", 4, 1)]), 400, 50035, "data.options[0].value"],
      ["a filled value of the wrong type", typing(s, find, [{ type: 4, name: "count", value: "x" }, focused("query", 3, "he")]), 400, 50035, "data.options[0].value"],
      ["an unknown option", typing(s, find, [focused("nope", 3, "he")]), 400, 50035, "data.options[0].name"],
      ["an unknown command", { ...typing(s, find, [focused("query", 3, "he")]), data: { id: "1", name: "find", type: 1, options: [focused("query", 3, "he")] } }, 404, 10063, ""],
      ["a context menu command", { ...typing(s, find, []), data: { id: inspect.id, name: "Inspect", type: 2, target_id: s.owner.id } }, 400, 50035, "data.type"],
    ];
    for (const [what, body, status, code, field] of cases) {
      const answer = await rest.api("POST", "/api/v10/interactions", body, s.member.auth);
      expect({ what, status: answer.status, code: answer.json.code, field: field && erredField(answer.json, field) }).toEqual({ what, status, code, field });
    }
    await rest.nothingSince(s.appSession, s.guild.id, "INTERACTION_CREATE", from);
  });

  test("refusals of the answer: another callback type for an autocomplete, choices for a command, too many or malformed choices: 400 50035; after 3 s, 404 10062", async () => {
    const s = await scene();
    const find = await finder(s);
    const d = await invoked(s, typing(s, find, [focused("query", 3, "he")]));
    const from = s.memberSession.frames.length;
    const many = Array.from({ length: 26 }, (_, i) => ({ name: `c${i}`, value: `c${i}` }));
    const refused: [string, unknown, number, number][] = [
      ["a message for an autocomplete", { type: 4, data: { content: "hi" } }, 400, 50035],
      ["a deferral for an autocomplete", { type: 5 }, 400, 50035],
      ["a modal for an autocomplete", { type: 9, data: { custom_id: "m", title: "T", components: [{ type: 1, components: [] }] } }, 400, 50035],
      ["26 choices", { type: 8, data: { choices: many } }, 400, 50035],
      ["choices that are no array", { type: 8, data: { choices: "hello" } }, 400, 50035],
      ["an empty name", { type: 8, data: { choices: [{ name: "", value: "a" }] } }, 400, 50035],
      ["a name of 101 characters", { type: 8, data: { choices: [{ name: "n".repeat(101), value: "a" }] } }, 400, 50035],
      ["a value of 101 characters", { type: 8, data: { choices: [{ name: "n", value: "v".repeat(101) }] } }, 400, 50035],
      ["a value that is no string for a STRING option", { type: 8, data: { choices: [{ name: "n", value: 1 }] } }, 400, 50035],
      ["no value", { type: 8, data: { choices: [{ name: "n" }] } }, 400, 50035],
    ];
    for (const [what, body, status, code] of refused) {
      const answer = await callback(d, body);
      expect({ what, status: answer.status, code: answer.json.code }).toEqual({ what, status, code });
    }
    // Choices answer an autocomplete only.
    const command = await invoked(s, echoBody(s, s.lobby.id));
    expect(await callback(command, { type: 8, data: { choices } })).toMatchObject({ status: 400, json: { code: 50035 } });
    expect((await callback(command, { type: 4, data: { content: "still answerable" } })).status).toBe(204);
    // The refusals answered nothing: the autocomplete still takes its one answer, within 3 s only.
    const late = await invoked(s, typing(s, find, [focused("query", 3, "hel")]));
    expect((await callback(d, { type: 8, data: { choices } })).status).toBe(204);
    expect(await rest.event(s.memberSession, "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE", from)).toMatchObject({ choices });
    skew = 3_001;
    expect(await callback(late, { type: 8, data: { choices } })).toMatchObject({ status: 404, json: { code: 10062 } });
    expect(await callback({ ...late, id: "1" }, { type: 8, data: { choices } })).toMatchObject({ status: 404, json: { code: 10062 } });
  });

  test("USE_APPLICATION_COMMANDS denied in the channel: 403 50013, as for the command", async () => {
    const s = await scene();
    const find = await finder(s);
    const denied = await rest.created(`/internal/guilds/${s.guild.id}/channels`, {
      name: "no-autocomplete",
      permission_overwrites: [{ id: s.guild.id, type: 0, allow: "0", deny: USE_APPLICATION_COMMANDS.toString() }],
    });
    expect(await rest.api("POST", "/api/v10/interactions", typing(s, find, [focused("query", 3, "he")], denied.id as string), s.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
  });

  test("in a DM with the app's bot: the choices reach the invoker's DM sessions, not the bot's", async () => {
    const s = await scene();
    const find = await finder(s);
    const channelId = (await rest.api("POST", "/api/v10/users/@me/channels", { recipient_id: s.app.id }, s.member.auth)).json.id as string;
    const { guild_id: _guild, ...body } = typing(s, find, [focused("query", 3, "he")], channelId);
    const fromApp = s.appSession.frames.length;
    expect(await rest.api("POST", "/api/v10/interactions", body, s.member.auth)).toEqual({ status: 204, json: {} });
    const d = await rest.event(s.appSession, "INTERACTION_CREATE", fromApp);
    expect(d).toMatchObject({ type: 4, context: 1, user: { id: s.member.id }, channel_id: channelId });
    const [fromMember, afterCreate] = [s.memberSession.frames.length, s.appSession.frames.length];
    expect((await callback(d, { type: 8, data: { choices } })).status).toBe(204);
    expect(await rest.event(s.memberSession, "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE", fromMember)).toEqual({ choices, nonce: "1180000000000000077" });
    await rest.nothingForUserSince(s.appSession, s.app.id, "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE", afterCreate);
  });
});

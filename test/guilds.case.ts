/**
 * Guilds over real sockets, for any transport, driven only through the public surface
 * (ingress HTTP, `POST /api/v10/channels/:id/messages`, the gateway): GUILD_CREATE after
 * READY with the channels a member's class can view, permission-filtered MESSAGE_CREATE,
 * MESSAGE_CONTENT stripping, class moves on role changes (CHANNEL_CREATE/DELETE), members
 * joining and leaving, presences, and the ingress API's errors.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RawClient, type Frame } from "./support/gateway-client.ts";
import type { Harness, HarnessFactory } from "./support/harness.ts";
import { callJson } from "./support/http.ts";

const SECRET = "guild-token-secret-0123456789abcdef";
const GUILDS = 1 << 0;
const GUILD_MEMBERS = 1 << 1;
const GUILD_MODERATION = 1 << 2;
const GUILD_INVITES = 1 << 6;
const DIRECT_MESSAGES = 1 << 12;
const GUILD_PRESENCES = 1 << 8;
const GUILD_MESSAGES = 1 << 9;
const MESSAGE_CONTENT = 1 << 15;
const VIEW_CHANNEL = 1n << 10n;

type Json = Record<string, unknown>;

export function guildsContract(harness: HarnessFactory): void {
  describe(`guilds on ${harness.name}`, () => {
    let server: Harness;
    const open: RawClient[] = [];

    beforeAll(async () => {
      server = await harness.start({ node: "guilds", tokenSecret: SECRET, args: ["--heartbeat-interval-ms", "30000"] });
    });

    afterAll(async () => {
      for (const client of open) client.close();
      await server.stop();
    });

    const api = (method: string, path: string, body?: unknown, auth = "Bearer ingress") => callJson(server.httpBase, method, path, body, auth);

    async function created(path: string, body: unknown): Promise<Json> {
      const { status, json } = await api("POST", path, body);
      expect({ status, json }).toMatchObject({ status: 201 });
      return json;
    }

    async function user(name: string, privileged = 0): Promise<{ id: string; token: string }> {
      const { id } = (await created("/internal/users", { username: name, privileged_intents: privileged })) as { id: string };
      return { id, token: await mint(id) };
    }

    async function mint(userId: string): Promise<string> {
      return (await api("POST", `/internal/users/${userId}/token`)).json.token as string;
    }

    /** A session through READY; resolves with the client and READY's `d`. */
    async function session(who: { token: string }, intents: number): Promise<{ client: RawClient; ready: Json }> {
      const client = new RawClient(`${server.gatewayUrl}/?v=10&encoding=json`);
      open.push(client);
      await client.opened();
      await client.op(10);
      client.send({ op: 2, d: { token: who.token, intents, properties: { os: "linux", browser: "t", device: "t" } } });
      const ready = (await client.dispatch("READY")).d as Json;
      return { client, ready };
    }

    function guildCreate(client: RawClient, guildId: string): Promise<Frame> {
      return client.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guildId);
    }

    /** Waits for a marker event sent after `t` would have been; proves `t` did not arrive (order is total). */
    async function expectNothingBefore(client: RawClient, guildId: string, t: string, from: number): Promise<void> {
      const marker = `MARK_${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
      expect((await api("POST", `/internal/guilds/${guildId}/dispatch`, { t: marker, d: {}, intents: 0, permissions: "0" })).status).toBe(202);
      await client.next((f) => f.t === marker, 5_000, from);
      expect(client.frames.slice(from).filter((f) => f.t === t)).toEqual([]);
    }

    async function message(token: string, channelId: string, content: string): Promise<{ status: number; json: Json }> {
      return api("POST", `/api/v10/channels/${channelId}/messages`, { content }, `Bot ${token}`);
    }

    /** A guild owned by a bot with MESSAGE_CONTENT, a public and a private channel, a role that unlocks the private one. */
    async function world() {
      const owner = await user("owner", MESSAGE_CONTENT | GUILD_PRESENCES | GUILD_MEMBERS);
      const guild = (await created("/internal/guilds", { name: "Test Guild", owner_id: owner.id })) as { id: string };
      const role = (await created(`/internal/guilds/${guild.id}/roles`, { name: "insiders", permissions: "0", hoist: true })) as { id: string };
      const lobby = (await created(`/internal/guilds/${guild.id}/channels`, { name: "lobby" })) as { id: string };
      const secret = (await created(`/internal/guilds/${guild.id}/channels`, {
        name: "secret",
        permission_overwrites: [
          { id: guild.id, type: 0, allow: "0", deny: VIEW_CHANNEL.toString() },
          { id: role.id, type: 0, allow: VIEW_CHANNEL.toString(), deny: "0" },
        ],
      })) as { id: string };
      const member = await user("member", GUILD_PRESENCES);
      expect((await api("PUT", `/internal/guilds/${guild.id}/members/${member.id}`, {})).status).toBe(201);
      return { owner, guild, role, lobby, secret, member };
    }

    test("READY lists the guild as unavailable, then GUILD_CREATE carries the channels the member's class can view", async () => {
      const w = await world();
      const { client, ready } = await session(w.member, GUILDS | GUILD_MESSAGES);
      expect(ready.guilds).toEqual([{ id: w.guild.id, unavailable: true }]);
      const d = (await guildCreate(client, w.guild.id)).d as Json;
      expect(d).toMatchObject({ id: w.guild.id, name: "Test Guild", owner_id: w.owner.id, member_count: 2, large: false, unavailable: false });
      expect((d.channels as Json[]).map((c) => c.id)).toEqual([w.lobby.id]);
      expect((d.roles as Json[]).map((r) => r.id).sort()).toEqual([w.guild.id, w.role.id].sort());
      expect((d.members as Json[]).map((m) => (m.user as Json).id).sort()).toEqual([w.owner.id, w.member.id].sort());
      const owner = await session(w.owner, GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT);
      const ownerCreate = (await guildCreate(owner.client, w.guild.id)).d as Json;
      expect((ownerCreate.channels as Json[]).map((c) => c.id).sort()).toEqual([w.lobby.id, w.secret.id].sort());
    });

    test("MESSAGE_CREATE reaches those who can view the channel, with content only for MESSAGE_CONTENT and the author", async () => {
      const w = await world();
      const owner = await session(w.owner, GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT);
      const member = await session(w.member, GUILDS | GUILD_MESSAGES);
      await guildCreate(owner.client, w.guild.id);
      await guildCreate(member.client, w.guild.id);

      const sent = await message(w.owner.token, w.lobby.id, "hello lobby");
      expect(sent.status).toBe(200);
      expect(sent.json).toMatchObject({ channel_id: w.lobby.id, guild_id: w.guild.id, content: "hello lobby", author: { id: w.owner.id } });
      const toOwner = (await owner.client.dispatch("MESSAGE_CREATE")).d as Json;
      const toMember = (await member.client.dispatch("MESSAGE_CREATE")).d as Json;
      expect(toOwner).toMatchObject({ id: sent.json.id, content: "hello lobby" });
      expect(toMember).toMatchObject({ id: sent.json.id, content: "" });
      // Its own message: the content without MESSAGE_CONTENT (docs: "content in messages that an app sends").
      const own = await message(w.member.token, w.lobby.id, "my words");
      expect(((await member.client.next((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === own.json.id)).d as Json).content).toBe("my words");

      const from = member.client.frames.length;
      const hidden = await message(w.owner.token, w.secret.id, "insiders only");
      expect(hidden.status).toBe(200);
      await owner.client.next((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === hidden.json.id);
      await expectNothingBefore(member.client, w.guild.id, "MESSAGE_CREATE", from);

      expect(await message(w.member.token, w.secret.id, "let me in")).toMatchObject({ status: 403, json: { code: 50001 } });
      expect(await message("not-a-token", w.lobby.id, "x")).toMatchObject({ status: 401 });
      expect(await message(w.member.token, w.lobby.id, "")).toMatchObject({ status: 400, json: { code: 50006 } });
    });

    test("timestamps are in Discord's form: GUILD_CREATE and member joined_at, message timestamp", async () => {
      const discordForm = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;
      const w = await world();
      const owner = await session(w.owner, GUILDS | GUILD_MESSAGES | GUILD_MEMBERS);
      const d = (await guildCreate(owner.client, w.guild.id)).d as Json & { members: Json[] };
      expect(d.joined_at).toMatch(discordForm);
      for (const member of d.members) expect(member.joined_at).toMatch(discordForm);
      const sent = await message(w.member.token, w.lobby.id, "when?");
      expect(sent.json.timestamp).toMatch(discordForm);
      expect(((await owner.client.dispatch("MESSAGE_CREATE")).d as Json).timestamp).toBe(sent.json.timestamp);
      const joined = await api("GET", `/internal/guilds/${w.guild.id}/members/${w.member.id}`);
      expect(joined.json.joined_at).toMatch(discordForm);
    });

    test("documented ops guildgate has little for are answered as Discord does: 31 SOUNDBOARD_SOUNDS, 43 CHANNEL_INFO", async () => {
      const w = await world();
      const { client } = await session(w.member, GUILDS);
      await guildCreate(client, w.guild.id);
      // A guild the session is not in gets no answer, as its data is not the session's to see.
      client.send({ op: 31, d: { guild_ids: [w.guild.id, "81384788765712384"] } });
      expect((await client.dispatch("SOUNDBOARD_SOUNDS")).d).toEqual({ soundboard_sounds: [], guild_id: w.guild.id });
      client.send({ op: 43, d: { guild_id: w.guild.id, fields: ["status", "voice_start_time"] } });
      expect((await client.dispatch("CHANNEL_INFO")).d).toEqual({ guild_id: w.guild.id, channels: [] });
      client.send({ op: 1, d: null });
      await client.op(11);
      expect(client.frames.filter((f) => f.t === "SOUNDBOARD_SOUNDS" || f.t === "CHANNEL_INFO").length).toBe(2);
      expect(client.readyState).toBe(WebSocket.OPEN);
    });

    test("a role that grants a channel moves the member's class: CHANNEL_CREATE, its messages, then CHANNEL_DELETE", async () => {
      const w = await world();
      const member = await session(w.member, GUILDS | GUILD_MESSAGES);
      await guildCreate(member.client, w.guild.id);

      expect((await api("PUT", `/internal/guilds/${w.guild.id}/members/${w.member.id}`, { roles: [w.role.id] })).status).toBe(200);
      const create = (await member.client.dispatch("CHANNEL_CREATE")).d as Json;
      expect(create).toMatchObject({ id: w.secret.id, name: "secret" });
      const sent = await message(w.owner.token, w.secret.id, "welcome in");
      await member.client.next((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === sent.json.id);

      expect((await api("PUT", `/internal/guilds/${w.guild.id}/members/${w.member.id}`, { roles: [] })).status).toBe(200);
      expect((await member.client.dispatch("CHANNEL_DELETE")).d).toMatchObject({ id: w.secret.id });
      const from = member.client.frames.length;
      await message(w.owner.token, w.secret.id, "gone again");
      await expectNothingBefore(member.client, w.guild.id, "MESSAGE_CREATE", from);
    });

    test("a member gets its own GUILD_MEMBER_UPDATE without GUILD_MEMBERS, and nobody else's", async () => {
      const w = await world();
      const member = await session(w.member, GUILDS);
      await guildCreate(member.client, w.guild.id);
      await api("PUT", `/internal/guilds/${w.guild.id}/members/${w.owner.id}`, { nick: "Boss" });
      await api("PUT", `/internal/guilds/${w.guild.id}/members/${w.member.id}`, { nick: "Me" });
      const own = (await member.client.dispatch("GUILD_MEMBER_UPDATE")).d as Json;
      expect(own).toMatchObject({ guild_id: w.guild.id, nick: "Me", user: { id: w.member.id } });
      expect(member.client.frames.filter((f) => f.t === "GUILD_MEMBER_UPDATE").length).toBe(1);
    });

    test("an overwrite change flips a whole class: CHANNEL_DELETE to those who lose the channel, CHANNEL_UPDATE to the rest", async () => {
      const w = await world();
      const owner = await session(w.owner, GUILDS);
      const member = await session(w.member, GUILDS);
      await guildCreate(owner.client, w.guild.id);
      await guildCreate(member.client, w.guild.id);
      const patch = { permission_overwrites: [{ id: w.guild.id, type: 0, allow: "0", deny: VIEW_CHANNEL.toString() }] };
      expect((await api("PATCH", `/internal/guilds/${w.guild.id}/channels/${w.lobby.id}`, patch)).status).toBe(200);
      expect((await member.client.dispatch("CHANNEL_DELETE")).d).toMatchObject({ id: w.lobby.id });
      expect((await owner.client.dispatch("CHANNEL_UPDATE")).d).toMatchObject({ id: w.lobby.id });
      expect(member.client.frames.filter((f) => f.t === "CHANNEL_UPDATE")).toEqual([]);
    });

    test("a new member's live session gets GUILD_CREATE; a removed one GUILD_DELETE and no more events", async () => {
      const w = await world();
      const late = await user("late");
      const { client, ready } = await session(late, GUILDS | GUILD_MESSAGES);
      expect(ready.guilds).toEqual([]);
      expect((await api("PUT", `/internal/guilds/${w.guild.id}/members/${late.id}`, {})).status).toBe(201);
      expect(((await guildCreate(client, w.guild.id)).d as Json).member_count).toBe(3);
      expect((await api("DELETE", `/internal/guilds/${w.guild.id}/members/${late.id}`)).status).toBe(204);
      expect((await client.dispatch("GUILD_DELETE")).d).toEqual({ id: w.guild.id });
      const from = client.frames.length;
      await message(w.owner.token, w.lobby.id, "after you left");
      await Bun.sleep(100);
      expect(client.frames.slice(from).filter((f) => f.t === "MESSAGE_CREATE")).toEqual([]);
    });

    test("deleting a user: its guilds see GUILD_MEMBER_REMOVE, its sessions GUILD_DELETE then 4004; an owner is refused", async () => {
      const w = await world();
      const owner = await session(w.owner, GUILDS | GUILD_MEMBERS);
      const member = await session(w.member, GUILDS);
      await guildCreate(owner.client, w.guild.id);
      await guildCreate(member.client, w.guild.id);

      const refused = await api("DELETE", `/internal/users/${w.owner.id}`);
      expect(refused).toMatchObject({ status: 400, json: { code: 40011 } });
      expect(refused.json.message as string).toContain(w.guild.id);

      expect((await api("DELETE", `/internal/users/${w.member.id}`)).status).toBe(204);
      const removed = (await owner.client.dispatch("GUILD_MEMBER_REMOVE")).d as Json;
      expect(removed).toMatchObject({ guild_id: w.guild.id, user: { id: w.member.id } });
      expect((await member.client.dispatch("GUILD_DELETE")).d).toEqual({ id: w.guild.id });
      expect((await member.client.closed).code).toBe(4004);

      // Nothing is left to inherit: a user created again with that id is in no guild.
      expect((await api("POST", "/internal/users", { id: w.member.id, username: "again" })).status).toBe(201);
      expect((await api("GET", `/internal/guilds/${w.guild.id}/members/${w.member.id}`)).status).toBe(404);
      expect((await api("GET", `/internal/guilds/${w.guild.id}`)).json.member_count).toBe(1);
      expect((await message(w.member.token, w.lobby.id, "still here?")).status).toBe(401);
    });

    test("a GUILD_CREATE the client missed while away comes after RESUMED (GUILD_CREATEs are not in the resume log)", async () => {
      const w = await world();
      const late = await user("away");
      const { client, ready } = await session(late, GUILDS | GUILD_MESSAGES);
      const seq = (client.frames.find((f) => f.t === "READY") as Frame).s as number;
      client.close(4200);
      await client.closed;
      expect((await api("PUT", `/internal/guilds/${w.guild.id}/members/${late.id}`, {})).status).toBe(201);
      const sent = await message(w.owner.token, w.lobby.id, "while you were away");
      const again = new RawClient(`${server.gatewayUrl}/?v=10&encoding=json`);
      open.push(again);
      await again.opened();
      await again.op(10);
      again.send({ op: 6, d: { token: late.token, session_id: ready.session_id, seq } });
      await again.dispatch("RESUMED");
      expect(((await guildCreate(again, w.guild.id)).d as Json).member_count).toBe(3);
      const order = again.frames.filter((f) => f.op === 0).map((f) => f.t);
      expect(order.indexOf("GUILD_CREATE")).toBeGreaterThan(order.indexOf("RESUMED"));
      expect(again.frames.some((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === sent.json.id)).toBe(true);
    });

    test("GUILD_MEMBER_ADD goes only to sessions with GUILD_MEMBERS; presences to those with GUILD_PRESENCES", async () => {
      const w = await world();
      const owner = await session(w.owner, GUILDS | GUILD_MEMBERS | GUILD_PRESENCES);
      const member = await session(w.member, GUILDS);
      await guildCreate(owner.client, w.guild.id);
      await guildCreate(member.client, w.guild.id);
      const late = await user("late2");
      await api("PUT", `/internal/guilds/${w.guild.id}/members/${late.id}`, { nick: "Latecomer" });
      expect((await owner.client.dispatch("GUILD_MEMBER_ADD")).d).toMatchObject({ guild_id: w.guild.id, nick: "Latecomer", user: { id: late.id } });
      member.client.send({ op: 3, d: { since: null, activities: [], status: "dnd", afk: false } });
      const presence = await owner.client.next((f) => f.t === "PRESENCE_UPDATE" && (f.d as Json).status === "dnd");
      expect(presence.d).toMatchObject({ user: { id: w.member.id }, guild_id: w.guild.id, status: "dnd" });
      member.client.close(1000);
      await owner.client.next((f) => f.t === "PRESENCE_UPDATE" && (f.d as Json).status === "offline");
      await expectNothingBefore(owner.client, w.guild.id, "GUILD_MEMBER_UPDATE", 0);
      expect(member.client.frames.filter((f) => f.t === "GUILD_MEMBER_ADD" || f.t === "PRESENCE_UPDATE")).toEqual([]);
    });

    test("a channel dispatch reaches only viewers; a guild dispatch everyone", async () => {
      const w = await world();
      const owner = await session(w.owner, GUILDS);
      const member = await session(w.member, GUILDS);
      await guildCreate(owner.client, w.guild.id);
      await guildCreate(member.client, w.guild.id);
      const from = member.client.frames.length;
      expect(await api("POST", `/internal/channels/${w.secret.id}/dispatch`, { t: "SECRET_THING", d: { n: 1 }, intents: 0, permissions: "0" })).toMatchObject({ status: 202 });
      expect((await owner.client.dispatch("SECRET_THING")).d).toEqual({ n: 1 });
      await expectNothingBefore(member.client, w.guild.id, "SECRET_THING", from);
    });

    test("a guild dispatch goes by Discord's rule for its event: the channel d names, the intent, the permissions", async () => {
      const w = await world();
      const owner = await session(w.owner, GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT | GUILD_MODERATION | GUILD_INVITES);
      const member = await session(w.member, GUILDS | GUILD_MESSAGES | GUILD_MODERATION | GUILD_INVITES);
      await guildCreate(owner.client, w.guild.id);
      await guildCreate(member.client, w.guild.id);
      const from = member.client.frames.length;
      const dispatch = (body: Json) => api("POST", `/internal/guilds/${w.guild.id}/dispatch`, body);
      // A message in the hidden channel, pushed to the guild: only those who can view the channel.
      const hidden = { id: "1", channel_id: w.secret.id, guild_id: w.guild.id, content: "hush", author: { id: w.owner.id } };
      expect((await dispatch({ t: "MESSAGE_CREATE", d: hidden })).status).toBe(202);
      expect(((await owner.client.dispatch("MESSAGE_CREATE")).d as Json).content).toBe("hush");
      // Audit log entries need VIEW_AUDIT_LOG (the owner has every permission), invites MANAGE_CHANNELS.
      expect((await dispatch({ t: "GUILD_AUDIT_LOG_ENTRY_CREATE", d: { id: "2", guild_id: w.guild.id, action_type: 1 } })).status).toBe(202);
      await owner.client.dispatch("GUILD_AUDIT_LOG_ENTRY_CREATE");
      expect((await dispatch({ t: "INVITE_CREATE", d: { code: "abc", channel_id: w.lobby.id, guild_id: w.guild.id } })).status).toBe(202);
      await owner.client.dispatch("INVITE_CREATE");
      await expectNothingBefore(member.client, w.guild.id, "MESSAGE_CREATE", from);
      expect(member.client.frames.slice(from).filter((f) => f.t === "GUILD_AUDIT_LOG_ENTRY_CREATE" || f.t === "INVITE_CREATE")).toEqual([]);

      // Bad audiences are refused, saying why.
      const refused = async (body: Json, field: string): Promise<void> => {
        const { status, json } = await dispatch(body);
        expect({ status, code: json.code }).toEqual({ status: 400, code: 50035 });
        expect(json.message).toContain(field);
      };
      await refused({ t: "MESSAGE_CREATE", d: { id: "3", content: "where?" } }, "d.channel_id");
      await refused({ t: "MESSAGE_CREATE", d: { id: "3", channel_id: "1234567890123" } }, "d.channel_id");
      await refused({ t: "GUILD_ROLE_UPDATE", d: {} }, "from its state");
      await refused({ t: "INTERACTION_CREATE", d: {} }, "/internal/users/:id/dispatch");
      await refused({ t: "APP_THING", d: {} }, "state its audience");
      await refused({ t: "APP_THING", d: {}, intents: 1 << 12, permissions: "0" }, "intents");
      await refused({ t: "MESSAGE_DELETE", d: { id: "3", channel_id: w.lobby.id }, intents: 0, permissions: "0" }, "intents");

      // An app's own event with a stated audience: the intents and permissions it names.
      const moderators = { t: "APP_MOD_NOTE", d: { n: 1 }, intents: GUILD_MODERATION, permissions: (1n << 7n).toString() };
      expect((await dispatch(moderators)).status).toBe(202);
      await owner.client.dispatch("APP_MOD_NOTE");
      await expectNothingBefore(member.client, w.guild.id, "APP_MOD_NOTE", from);
    });

    test("a DM pushed to a user reaches it only with DIRECT_MESSAGES, content and all; an app's notice reaches it anyway", async () => {
      const [plain, dms] = [await user("dm-plain"), await user("dm-reader")];
      const without = await session(plain, GUILDS);
      const withDms = await session(dms, GUILDS | DIRECT_MESSAGES);
      const from = without.client.frames.length;
      for (const who of [plain, dms]) {
        const dm = { id: "9", channel_id: "9", content: "psst", author: { id: who.id } };
        expect((await api("POST", `/internal/users/${who.id}/dispatch`, { t: "MESSAGE_CREATE", d: dm })).status).toBe(202);
        expect((await api("POST", `/internal/users/${who.id}/dispatch`, { t: "APP_NOTICE", d: {} })).status).toBe(202);
      }
      expect(((await withDms.client.dispatch("MESSAGE_CREATE")).d as Json).content).toBe("psst");
      await withDms.client.dispatch("APP_NOTICE");
      // The notice is addressed to the user, so it arrives, after where the DM would have been.
      await without.client.next((f) => f.t === "APP_NOTICE", 5_000, from);
      expect(without.client.frames.slice(from).filter((f) => f.t === "MESSAGE_CREATE")).toEqual([]);
      expect((await api("POST", `/internal/users/${plain.id}/dispatch`, { t: "READY", d: {} })).status).toBe(400);
    });

    test("op 8 answers GUILD_MEMBERS_CHUNK by list, ids and prefix, with nonce and not_found, and rate-limits", async () => {
      const w = await world();
      const owner = await session(w.owner, GUILDS | GUILD_MEMBERS | GUILD_PRESENCES);
      const member = await session(w.member, GUILDS);
      await guildCreate(owner.client, w.guild.id);
      await guildCreate(member.client, w.guild.id);
      const chunk = async (client: RawClient, d: Json): Promise<Json> => {
        const nonce = Math.random().toString(36).slice(2, 10);
        client.send({ op: 8, d: { guild_id: w.guild.id, ...d, nonce } });
        return (await client.next((f) => f.t === "GUILD_MEMBERS_CHUNK" && (f.d as Json).nonce === nonce)).d as Json;
      };
      const ids = (d: Json) => (d.members as Json[]).map((m) => (m.user as Json).id).sort();

      const all = await chunk(owner.client, { query: "", limit: 0, presences: true });
      expect(all).toMatchObject({ guild_id: w.guild.id, chunk_index: 0, chunk_count: 1 });
      expect(ids(all)).toEqual([w.owner.id, w.member.id].sort());
      expect((all.presences as Json[]).map((p) => (p.user as Json).id).sort()).toEqual([w.owner.id, w.member.id].sort());
      const byId = await chunk(owner.client, { user_ids: [w.member.id, "42"] });
      expect(ids(byId)).toEqual([w.member.id]);
      expect(byId.not_found).toEqual(["42"]);
      expect(ids(await chunk(owner.client, { query: "MEM", limit: 10 }))).toEqual([w.member.id]);
      // Without GUILD_MEMBERS the whole list is not given: an empty chunk, at once.
      expect(await chunk(member.client, { query: "", limit: 0 })).toMatchObject({ members: [], chunk_count: 1 });

      for (let i = 0; i < 10; i++) member.client.send({ op: 8, d: { guild_id: w.guild.id, user_ids: [w.owner.id] } });
      const limited = (await member.client.dispatch("RATE_LIMITED")).d as Json;
      expect(limited).toMatchObject({ opcode: 8, meta: { guild_id: w.guild.id } });
      expect(limited.retry_after).toBeGreaterThan(0);
    });

    test("op 14 gets a member-list SYNC; joins, leaves, presences, nicks and roles arrive as ops that keep it exact", async () => {
      const w = await world();
      // A hoisted role with its own group, and a few more members.
      const others = [await user("zed"), await user("amy"), await user("bob")];
      for (const other of others) expect((await api("PUT", `/internal/guilds/${w.guild.id}/members/${other.id}`, {})).status).toBe(201);
      const viewer = await session(w.owner, GUILDS);
      await guildCreate(viewer.client, w.guild.id);
      // A second member whose fresh op 14 shows the list as the server holds it.
      const prober = await user("prober");
      await api("PUT", `/internal/guilds/${w.guild.id}/members/${prober.id}`, {});
      const probe = await session(prober, GUILDS);
      await guildCreate(probe.client, w.guild.id);
      const range = { guild_id: w.guild.id, typing: true, channels: { [w.lobby.id]: [[0, 99]] } };

      /** The flat list a client keeps by applying GUILD_MEMBER_LIST_UPDATE ops, as Discord's client does. */
      const applied: unknown[] = [];
      let applyFrom = 0;
      const apply = (client: RawClient): void => {
        for (const frame of client.frames.slice(applyFrom)) {
          if (frame.t !== "GUILD_MEMBER_LIST_UPDATE") continue;
          const d = frame.d as { groups: { count: number }[]; ops: Json[] };
          for (const op of d.ops) {
            if (op.op === "SYNC") (op.items as unknown[]).forEach((item, i) => (applied[(op.range as number[])[0] as number + i] = item));
            if (op.op === "INSERT") applied.splice(op.index as number, 0, op.item);
            if (op.op === "DELETE") applied.splice(op.index as number, 1);
            if (op.op === "UPDATE") applied[op.index as number] = op.item;
          }
          applied.length = d.groups.reduce((total, group) => total + group.count + 1, 0);
        }
        applyFrom = client.frames.length;
      };
      const label = (item: unknown): string => {
        const { group, member } = item as { group?: { id: string }; member?: { user: { id: string }; nick: string | null; presence: { status: string } } };
        return group ? `#${group.id}` : `${member?.user.id}:${member?.nick ?? ""}:${member?.presence.status}`;
      };
      /** The list as the server holds it now: a fresh SYNC to a new session, after a marker. */
      const serverList = async (): Promise<string[]> => {
        const marker = `MARK_${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
        await api("POST", `/internal/guilds/${w.guild.id}/dispatch`, { t: marker, d: {}, intents: 0, permissions: "0" });
        await viewer.client.dispatch(marker);
        apply(viewer.client);
        const from = probe.client.frames.length;
        probe.client.send({ op: 14, d: range });
        const sync = await probe.client.next((f) => f.t === "GUILD_MEMBER_LIST_UPDATE" && ((f.d as Json).ops as Json[])[0]?.op === "SYNC", 5_000, from);
        return (((sync.d as Json).ops as { items: unknown[] }[])[0]?.items ?? []).map(label);
      };

      viewer.client.send({ op: 14, d: range });
      const first = (await viewer.client.dispatch("GUILD_MEMBER_LIST_UPDATE")).d as Json;
      expect(first).toMatchObject({ guild_id: w.guild.id, id: "everyone", member_count: 6 });
      apply(viewer.client);
      /** Waits for the server's list, then checks the viewer's applied ops give exactly it. */
      const expectExact = async (): Promise<string[]> => {
        const list = await serverList();
        expect(applied.map(label)).toEqual(list);
        return list;
      };
      expect((await expectExact())[0]).toBe("#online");

      // Presences: members come online (some with the hoisted role), then one leaves.
      const zed = await session(others[0] as { token: string }, GUILDS);
      await api("PUT", `/internal/guilds/${w.guild.id}/members/${w.member.id}`, { roles: [w.role.id], nick: "Mod Member" });
      const member = await session(w.member, GUILDS);
      await guildCreate(member.client, w.guild.id);
      const updates = viewer.client.frames.filter((f) => f.t === "GUILD_MEMBER_LIST_UPDATE").length;
      expect(await expectExact()).toContain(`#${w.role.id}`);
      expect(viewer.client.frames.filter((f) => f.t === "GUILD_MEMBER_LIST_UPDATE").length).toBeGreaterThan(updates);
      zed.client.close(1000);
      await zed.client.closed;
      await api("PUT", `/internal/guilds/${w.guild.id}/members/${(others[1] as { id: string }).id}`, { nick: "Aardvark" });
      await api("DELETE", `/internal/guilds/${w.guild.id}/members/${(others[2] as { id: string }).id}`);
      const late = await user("late3");
      await api("PUT", `/internal/guilds/${w.guild.id}/members/${late.id}`, {});
      const list = await expectExact();
      expect(list).toContain(`${(others[1] as { id: string }).id}:Aardvark:offline`);
      expect(list.some((item) => item.startsWith((others[2] as { id: string }).id))).toBe(false);
      // A role change rebuilds the list: a SYNC for the held chunk.
      await api("PATCH", `/internal/guilds/${w.guild.id}/roles/${w.role.id}`, { hoist: false });
      expect(await expectExact()).not.toContain(`#${w.role.id}`);
    });

    test("op 37 (op 14 for many guilds at once) gets the same member-list SYNC as op 14 for each guild it names", async () => {
      const w = await world();
      const viewer = await session(w.owner, GUILDS);
      await guildCreate(viewer.client, w.guild.id);
      const channels = { [w.lobby.id]: [[0, 99]] };
      const syncOf = async (payload: unknown): Promise<Json> => {
        const from = viewer.client.frames.length;
        viewer.client.send(payload);
        return (await viewer.client.next((f) => f.t === "GUILD_MEMBER_LIST_UPDATE", 5_000, from)).d as Json;
      };
      const single = await syncOf({ op: 14, d: { guild_id: w.guild.id, channels } });
      const bulk = await syncOf({ op: 37, d: { subscriptions: { [w.guild.id]: { typing: true, channels } } } });
      expect(single).toMatchObject({ guild_id: w.guild.id, id: "everyone", ops: [{ op: "SYNC", range: [0, 99] }] });
      expect(bulk).toEqual(single);
    });

    test("a member that loses sight of a private channel gets nothing more of its member list, whatever takes it away", async () => {
      const w = await world();
      await api("PUT", `/internal/guilds/${w.guild.id}/members/${w.member.id}`, { roles: [w.role.id] });
      const owner = await session(w.owner, GUILDS);
      await guildCreate(owner.client, w.guild.id);
      const member = await session(w.member, GUILDS);
      await guildCreate(member.client, w.guild.id);
      const subscribe = async (): Promise<string> => {
        const from = member.client.frames.length;
        member.client.send({ op: 14, d: { guild_id: w.guild.id, channels: { [w.secret.id]: [[0, 99]] } } });
        const sync = await member.client.next((f) => f.t === "GUILD_MEMBER_LIST_UPDATE", 5_000, from);
        return (sync.d as Json).id as string;
      };
      /** Changes that show who is in the list: a nick, an activity, a role rename. Nothing of them may arrive. */
      const expectListSilent = async (listId: string, from: number): Promise<void> => {
        await api("PUT", `/internal/guilds/${w.guild.id}/members/${w.owner.id}`, { nick: `nick${from}` });
        owner.client.send({ op: 3, d: { since: null, activities: [{ name: `game${from}`, type: 0 }], status: "online", afk: false } });
        await api("PATCH", `/internal/guilds/${w.guild.id}/roles/${w.role.id}`, { name: `renamed${from}` });
        await expectNothingBefore(member.client, w.guild.id, "GUILD_MEMBER_LIST_UPDATE", from);
        expect(member.client.frames.slice(from).filter((f) => (f.d as Json | null)?.id === listId)).toEqual([]);
      };

      // 1. The role that grants the channel is taken away.
      const listId = await subscribe();
      let from = member.client.frames.length;
      await api("PUT", `/internal/guilds/${w.guild.id}/members/${w.member.id}`, { roles: [] });
      await member.client.next((f) => f.t === "CHANNEL_DELETE" && (f.d as Json).id === w.secret.id, 5_000, from);
      await expectListSilent(listId, from);

      // 2. A member overwrite denies the channel to it alone.
      await api("PUT", `/internal/guilds/${w.guild.id}/members/${w.member.id}`, { roles: [w.role.id] });
      await member.client.next((f) => f.t === "CHANNEL_CREATE" && (f.d as Json).id === w.secret.id, 5_000, from);
      const sameList = await subscribe();
      from = member.client.frames.length;
      await api("PATCH", `/internal/guilds/${w.guild.id}/channels/${w.secret.id}`, {
        permission_overwrites: [
          { id: w.guild.id, type: 0, allow: "0", deny: VIEW_CHANNEL.toString() },
          { id: w.role.id, type: 0, allow: VIEW_CHANNEL.toString(), deny: "0" },
          { id: w.member.id, type: 1, allow: "0", deny: VIEW_CHANNEL.toString() },
        ],
      });
      await member.client.next((f) => f.t === "CHANNEL_DELETE" && (f.d as Json).id === w.secret.id, 5_000, from);
      await expectListSilent(sameList, from);
    });

    test("the ingress API names bad fields, unknown ids and missing auth", async () => {
      const w = await world();
      expect(await api("POST", "/internal/guilds", { name: "x" })).toMatchObject({ status: 400, json: { code: 50035 } });
      expect((await api("POST", "/internal/guilds", { name: "Guild", owner_id: "12" })).json.message).toContain("owner_id");
      expect(await api("GET", "/internal/guilds/1")).toMatchObject({ status: 404, json: { code: 10004 } });
      expect(await api("GET", `/internal/guilds/${w.guild.id}`, undefined, "Bearer wrong")).toMatchObject({ status: 401 });
      const badRole = await api("PUT", `/internal/guilds/${w.guild.id}/members/${w.member.id}`, { roles: ["1"] });
      expect(badRole).toMatchObject({ status: 400 });
      expect(badRole.json.message).toContain("roles[0]");
      const badBits = await api("POST", `/internal/guilds/${w.guild.id}/roles`, { name: "r", permissions: "-1" });
      expect(badBits.json.message).toContain("permissions");
      expect(await api("DELETE", `/internal/guilds/${w.guild.id}/roles/${w.guild.id}`)).toMatchObject({ status: 400 });
      expect(await api("GET", `/internal/guilds/${w.guild.id}/channels/1`)).toMatchObject({ status: 404, json: { code: 10003 } });
      const got = await api("GET", `/internal/guilds/${w.guild.id}`);
      expect(got.json).toMatchObject({ id: w.guild.id, member_count: 2 });
      expect((got.json.channels as Json[]).length).toBe(2);
    });
  });

  describe(`guild limits on ${harness.name}`, () => {
    let server: Harness;
    const open: RawClient[] = [];

    beforeAll(async () => {
      const args = ["--guilds-per-shard", "2", "--passive-threshold", "2"];
      server = await harness.start({ node: "limits", tokenSecret: SECRET, args });
    });

    afterAll(async () => {
      for (const client of open) client.close();
      await server.stop();
    });

    const mint = async (userId: string): Promise<string> => (await post(`/internal/users/${userId}/token`, {})).token as string;

    async function post(path: string, body: unknown, method = "POST"): Promise<Json> {
      const response = await fetch(`${server.httpBase}${path}`, {
        method,
        headers: { authorization: "Bearer ingress", "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(response.status).toBeLessThan(300);
      return (await response.json()) as Json;
    }

    async function connect(token: string, d: Json): Promise<RawClient> {
      const client = new RawClient(`${server.gatewayUrl}/?v=10&encoding=json`);
      open.push(client);
      await client.opened();
      await client.op(10);
      client.send({ op: 2, d: { token, properties: { os: "linux", browser: "t", device: "t" }, ...d } });
      return client;
    }

    test("a session that would hold more guilds than --guilds-per-shard is closed with 4011; shards split them", async () => {
      const user = (await post("/internal/users", { username: "many", bot: true })) as { id: string };
      const token = await mint(user.id);
      // Guild ids whose shard of 2 is known: (id >> 22) % 2.
      const ids = [1n, 2n, 3n].map((k) => (k << 22n).toString());
      for (const id of ids) await post("/internal/guilds", { id, name: `guild ${id}`, owner_id: user.id });
      expect((await (await connect(token, { intents: GUILDS })).closed).code).toBe(4011);
      const shard1 = await connect(token, { intents: GUILDS, shard: [1, 2] });
      expect(((await shard1.dispatch("READY")).d as Json).guilds).toEqual([ids[0], ids[2]].map((id) => ({ id, unavailable: true })));
      await Bun.sleep(5_100); // one IDENTIFY per user and bucket per 5 s (max_concurrency 1)
      const shard0 = await connect(token, { intents: GUILDS, shard: [0, 2] });
      expect(((await shard0.dispatch("READY")).d as Json).guilds).toEqual([{ id: ids[1], unavailable: true }]);
      const gateway = await fetch(`${server.httpBase}/api/v10/gateway/bot`, { headers: { authorization: `Bot ${token}` } });
      expect(((await gateway.json()) as Json).shards).toBe(1);
    }, 15_000);

    test("above --passive-threshold, a user session gets no messages until op 14; a bot session gets them all along", async () => {
      const owner = (await post("/internal/users", { username: "owner", bot: true })) as { id: string };
      const human = (await post("/internal/users", { username: "human" })) as { id: string };
      const third = (await post("/internal/users", { username: "third" })) as { id: string };
      const guild = (await post("/internal/guilds", { name: "Big Guild", owner_id: owner.id })) as { id: string };
      const channel = (await post(`/internal/guilds/${guild.id}/channels`, { name: "general" })) as { id: string };
      for (const id of [human.id, third.id]) await post(`/internal/guilds/${guild.id}/members/${id}`, {}, "PUT");
      const bot = await connect(await mint(owner.id), { intents: GUILDS | GUILD_MESSAGES });
      const user = await connect(await mint(human.id), { intents: GUILDS | GUILD_MESSAGES });
      await bot.dispatch("GUILD_CREATE");
      await user.dispatch("GUILD_CREATE");
      const say = (content: string) =>
        fetch(`${server.httpBase}/api/v10/channels/${channel.id}/messages`, {
          method: "POST",
          headers: { authorization: `Bot ${thirdToken}`, "content-type": "application/json" },
          body: JSON.stringify({ content }),
        });
      const thirdToken = await mint(third.id);
      const sent = await say("while passive");
      expect(sent.status).toBe(200);
      const { id } = (await sent.json()) as { id: string };
      await bot.next((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === id);
      // Structural events still reach the passive session, in order after the message.
      await post(`/internal/guilds/${guild.id}/channels`, { name: "news" });
      await user.dispatch("CHANNEL_CREATE");
      expect(user.frames.filter((f) => f.t === "MESSAGE_CREATE")).toEqual([]);
      user.send({ op: 14, d: { guild_id: guild.id, typing: true, channels: { [channel.id]: [[0, 99]] } } });
      await Bun.sleep(50);
      expect((await say("after op 14")).status).toBe(200);
      expect(((await user.dispatch("MESSAGE_CREATE")).d as Json).content).toBe("");
    });
  });
}

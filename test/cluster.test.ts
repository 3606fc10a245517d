/**
 * Two workers of one node, in this process: each its own server on its own port, linked by
 * a MessagePort bus, sharing one store and one ring (the binary's Workers share a port with
 * reusePort instead; test/binary.test.ts runs those). Own ports make "which worker" a
 * choice: a guild owned by one worker, sessions on both, a RESUME landing on the other.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { peerId } from "../src/cluster/bus.ts";
import { PortBus } from "../src/cluster/bus-ports.ts";
import { parseCommand } from "../src/config.ts";
import { openHashRing } from "../src/native.ts";
import { startServer, type RunningServer } from "../src/server.ts";
import { MemoryGuildStore } from "../src/store/memory.ts";
import { startBunTransport } from "../src/transport/bun.ts";
import { RawClient, type Frame } from "./support/gateway-client.ts";

const SECRET = "cluster-token-secret-0123456789abcdef";
const GUILDS_AND_MESSAGES = (1 << 0) | (1 << 9);
type Json = Record<string, unknown>;

describe("two workers", () => {
  const ring = openHashRing(`test-cluster-${process.pid}`);
  const servers: RunningServer[] = [];
  const open: RawClient[] = [];
  const base = (worker: number) => `http://${servers[worker]?.transport.hostname}:${servers[worker]?.transport.port}`;

  beforeAll(() => {
    ring.setNodes([peerId("cluster", 0), peerId("cluster", 1)]);
    const { port1, port2 } = new MessageChannel();
    const links = [new Map([[peerId("cluster", 1), port1]]), new Map([[peerId("cluster", 0), port2]])];
    const store = new MemoryGuildStore();
    const command = parseCommand(["--port", "0", "--heartbeat-interval-ms", "30000"], {});
    if (command.kind !== "run") throw new Error("bad test config");
    for (const worker of [0, 1]) {
      servers.push(
        startServer({
          config: command.config,
          secrets: { tokenSecret: SECRET, ingressSecret: "ingress" },
          store,
          startTransport: startBunTransport,
          version: "test",
          node: "cluster",
          worker,
          bus: new PortBus(peerId("cluster", worker), links[worker] as Map<string, MessagePort>),
          ring,
          // Counters far apart: a session moving to the worker behind must still see `s` increase.
          sequenceStart: worker === 0 ? 1_000_000 : 0,
        }),
      );
    }
  });

  afterAll(async () => {
    for (const client of open) client.close();
    await Promise.all(servers.map((server) => server.stop()));
  });

  async function api(worker: number, method: string, path: string, body?: unknown, auth = "Bearer ingress"): Promise<Json> {
    const response = await fetch(`${base(worker)}${path}`, {
      method,
      headers: { authorization: auth, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    const text = await response.text();
    return text === "" ? {} : (JSON.parse(text) as Json);
  }

  async function user(name: string): Promise<{ id: string; token: string }> {
    const { id } = (await api(0, "POST", "/internal/users", { username: name, bot: true })) as { id: string };
    return { id, token: (await api(0, "POST", `/internal/users/${id}/token`)).token as string };
  }

  /** A user that is not a bot (DMs between bots are refused). */
  async function human(name: string): Promise<{ id: string; token: string }> {
    const { id } = (await api(0, "POST", "/internal/users", { username: name })) as { id: string };
    return { id, token: (await api(0, "POST", `/internal/users/${id}/token`)).token as string };
  }

  /** A guild id the ring gives to `owner`, with a channel and `members`. */
  async function guildOwnedBy(owner: number, members: string[]): Promise<{ guildId: string; channelId: string }> {
    let n = BigInt(Date.now()) << 22n;
    while (ring.find((++n).toString()) !== owner);
    const guildId = n.toString();
    await api(1 - owner, "POST", "/internal/guilds", { id: guildId, name: "Shared Guild", owner_id: members[0] });
    const { id: channelId } = (await api(1 - owner, "POST", `/internal/guilds/${guildId}/channels`, { name: "general" })) as { id: string };
    for (const member of members.slice(1)) await api(owner, "PUT", `/internal/guilds/${guildId}/members/${member}`, {});
    return { guildId, channelId };
  }

  async function connect(worker: number, d: Json): Promise<RawClient> {
    const client = new RawClient(`${servers[worker]?.gatewayUrl}/?v=10&encoding=json`);
    open.push(client);
    await client.opened();
    await client.op(10);
    client.send(d);
    return client;
  }

  function identify(token: string, intents = GUILDS_AND_MESSAGES): Json {
    return { op: 2, d: { token, intents, properties: { os: "linux", browser: "t", device: "t" } } };
  }

  async function post(worker: number, token: string, channelId: string, content: string): Promise<string> {
    return (await api(worker, "POST", `/api/v10/channels/${channelId}/messages`, { content }, `Bot ${token}`)).id as string;
  }

  const dispatches = (client: RawClient, from = 0): Frame[] => client.frames.slice(from).filter((f) => f.op === 0);
  const messageIds = (frames: Frame[]): string[] => frames.filter((f) => f.t === "MESSAGE_CREATE").map((f) => (f.d as Json).id as string);

  test("a guild owned by one worker reaches sessions on both, in the owner's order", async () => {
    const [a, b] = [await user("alpha"), await user("beta")];
    const { guildId, channelId } = await guildOwnedBy(1, [a.id, b.id]);
    const onZero = await connect(0, identify(a.token));
    const onOne = await connect(1, identify(b.token));
    await onZero.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guildId);
    await onOne.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guildId);
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) sent.push(await post(i % 2, i % 2 ? b.token : a.token, channelId, `message ${i}`));
    await onZero.next((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === sent.at(-1));
    await onOne.next((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === sent.at(-1));
    expect(messageIds(dispatches(onZero))).toEqual(sent);
    expect(messageIds(dispatches(onOne))).toEqual(sent);
  });

  test("a RESUME on the other worker moves the session: every missed event once, in order, then live; and back again", async () => {
    const [owner, mover] = [await user("owner"), await user("mover")];
    const { guildId, channelId } = await guildOwnedBy(1, [owner.id, mover.id]);
    const first = await connect(0, identify(mover.token));
    const ready = (await first.dispatch("READY")).d as Json;
    await first.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guildId);
    const before = await post(1, owner.token, channelId, "before the drop");
    await first.next((f) => (f.d as Json)?.id === before);
    const seen = dispatches(first);
    const seq = Math.max(...seen.map((f) => f.s as number));
    first.close(4000);
    await first.closed;

    const missed: string[] = [];
    for (let i = 0; i < 10; i++) {
      missed.push(await post(i % 2, owner.token, channelId, `missed ${i}`));
      await api(i % 2, "POST", `/internal/users/${mover.id}/dispatch`, { t: "NOTICE", d: { n: i } });
    }
    const second = await connect(1, { op: 6, d: { token: mover.token, session_id: ready.session_id, seq } });
    await second.dispatch("RESUMED");
    const replayed = dispatches(second).filter((f) => f.t !== "RESUMED");
    expect(messageIds(replayed)).toEqual(missed);
    expect(replayed.filter((f) => f.t === "NOTICE").map((f) => (f.d as Json).n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(replayed.length).toBe(20);
    const stamps = dispatches(second).map((f) => f.s as number);
    expect(stamps.every((s, i) => s > (i === 0 ? seq : (stamps[i - 1] as number)))).toBe(true);
    expect(servers[0]?.gateway.stats().sessions).toBe(1); // alpha/beta's from the first test stay; the mover left
    const live = await post(0, owner.token, channelId, "live after the move");
    await second.next((f) => (f.d as Json)?.id === live);

    // Back to worker 0, whose id it still carries: worker 0 knows where it went.
    const lastSeq = Math.max(...dispatches(second).map((f) => f.s as number));
    second.close(4000);
    await second.closed;
    const away = await post(1, owner.token, channelId, "while away again");
    const third = await connect(0, { op: 6, d: { token: mover.token, session_id: ready.session_id, seq: lastSeq } });
    await third.dispatch("RESUMED");
    expect(messageIds(dispatches(third))).toEqual([away]);
    const allStamps = [...seen, ...dispatches(second), ...dispatches(third)].map((f) => f.s as number);
    expect(allStamps.every((s, i) => i === 0 || s > (allStamps[i - 1] as number))).toBe(true);
    expect(Math.max(...allStamps)).toBeLessThanOrEqual(2 ** 31 - 1);
  });

  test("max_concurrency holds across workers: a second IDENTIFY within 5 s, on the other worker, gets op 9", async () => {
    const twice = await user("twice");
    const first = await connect(0, identify(twice.token));
    await first.dispatch("READY");
    const second = await connect(1, identify(twice.token));
    expect((await second.op(9)).d).toBe(false);
  });

  test("a RESUME on the other worker with a seq its home never sent closes with 4007", async () => {
    const lonely = await user("lonely");
    const first = await connect(0, identify(lonely.token));
    const ready = (await first.dispatch("READY")).d as Json;
    first.close(4000);
    await first.closed;
    const second = await connect(1, { op: 6, d: { token: lonely.token, session_id: ready.session_id, seq: Number.MAX_SAFE_INTEGER } });
    expect((await second.closed).code).toBe(4007);
  });

  test("50 concurrent PATCHes of one role's fields, half on each worker: no change is lost to another", async () => {
    const [owner, watcher] = [await user("role-owner"), await user("role-watcher")];
    const { guildId } = await guildOwnedBy(1, [owner.id, watcher.id]);
    const role = (await api(0, "POST", `/internal/guilds/${guildId}/roles`, { name: "original", color: 1, position: 1 })) as { id: string };
    const watching = await connect(0, identify(watcher.token));
    await watching.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guildId);
    // Patch i sets one field to a value only it writes; the original values are written by none.
    const fields = [
      (i: number) => ({ name: `name ${i}` }),
      (i: number) => ({ color: 100 + i }),
      (i: number) => ({ position: 100 + i }),
      (i: number) => ({ permissions: String(1 << (i % 30)) }),
      (i: number) => ({ hoist: true, mentionable: i % 2 === 0 }),
    ];
    const patches = Array.from({ length: 50 }, (_, i) => (fields[i % fields.length] as (i: number) => Json)(i));
    await Promise.all(patches.map((patch, i) => api(i % 2, "PATCH", `/internal/guilds/${guildId}/roles/${role.id}`, patch)));
    const final = await api(0, "GET", `/internal/guilds/${guildId}/roles/${role.id}`);
    const written = (key: string) => patches.filter((patch) => key in patch).map((patch) => patch[key]);
    for (const key of ["name", "color", "position", "permissions", "hoist"]) expect(written(key)).toContain(final[key]);
    // The sessions saw the same role last.
    await watching.next((f) => f.t === "GUILD_ROLE_UPDATE" && ((f.d as Json).role as Json).name === final.name);
  });

  test("a message posted on the worker that does not own the guild costs one bus round trip", async () => {
    const author = await user("one-trip");
    const { channelId } = await guildOwnedBy(1, [author.id]);
    const bus = servers[0]?.bus;
    if (!bus) throw new Error("no worker 0");
    const before = { sent: bus.stats.sent.get("owner") ?? 0, replies: bus.stats.received.get("reply") ?? 0 };
    await post(0, author.token, channelId, "one trip");
    expect((bus.stats.sent.get("owner") ?? 0) - before.sent).toBe(1);
    expect((bus.stats.received.get("reply") ?? 0) - before.replies).toBe(1);
  });

  test("a DM channel is owned by the worker the ring names by its id: a post on the other is one owner call; both users' sessions, on both workers, get the posts in one order", async () => {
    const [a, b] = [await human("dm-a"), await human("dm-b")];
    await guildOwnedBy(0, [a.id, b.id]);
    const intents = GUILDS_AND_MESSAGES | (1 << 12);
    const sessions = [await connect(0, identify(a.token, intents)), await connect(1, identify(b.token, intents))];
    for (const client of sessions) await client.dispatch("READY");
    const dm = (await api(0, "POST", "/api/v10/users/@me/channels", { recipient_id: b.id }, `Bot ${a.token}`)).id as string;
    const owner = ring.find(dm);
    const bus = servers[1 - owner]?.bus;
    if (!bus) throw new Error("no such worker");
    const before = bus.stats.sent.get("owner") ?? 0;
    const far = (await api(1 - owner, "POST", `/api/v10/channels/${dm}/messages`, { content: "from the other worker" }, `Bot ${a.token}`)).id as string;
    expect((bus.stats.sent.get("owner") ?? 0) - before).toBe(1);
    const near = (await api(owner, "POST", `/api/v10/channels/${dm}/messages`, { content: "on the owner" }, `Bot ${b.token}`)).id as string;
    for (const client of sessions) {
      await client.next((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === near);
      expect(messageIds(dispatches(client))).toEqual([far, near]);
    }
  });

  test("a group DM is owned by the worker the ring names by its id: made, grown and written to from the other worker, each one owner call; every recipient on both workers gets its events in one order", async () => {
    const [a, b, c] = [await human("gdm-a"), await human("gdm-b"), await human("gdm-c")];
    await guildOwnedBy(0, [a.id, b.id, c.id]);
    const intents = GUILDS_AND_MESSAGES | (1 << 12);
    const sessions = [await connect(0, identify(a.token, intents)), await connect(1, identify(b.token, intents))];
    for (const client of sessions) await client.dispatch("READY");
    const made = (await api(0, "POST", "/api/v10/users/@me/channels", { recipients: [b.id] }, `Bot ${a.token}`)) as Json;
    const group = made.id as string;
    const owner = ring.find(group);
    const bus = servers[1 - owner]?.bus;
    if (!bus) throw new Error("no such worker");
    const before = bus.stats.sent.get("owner") ?? 0;
    await api(1 - owner, "PUT", `/api/v10/channels/${group}/recipients/${c.id}`, undefined, `Bot ${b.token}`);
    const far = (await api(1 - owner, "POST", `/api/v10/channels/${group}/messages`, { content: "from the other worker" }, `Bot ${a.token}`)).id as string;
    expect((bus.stats.sent.get("owner") ?? 0) - before).toBe(2);
    const near = (await api(owner, "POST", `/api/v10/channels/${group}/messages`, { content: "on the owner" }, `Bot ${c.token}`)).id as string;
    for (const client of sessions) {
      await client.next((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === near);
      expect(messageIds(dispatches(client))).toEqual([far, near]);
      expect(dispatches(client).filter((f) => f.t === "CHANNEL_CREATE" || f.t === "CHANNEL_RECIPIENT_ADD").map((f) => f.t)).toEqual(["CHANNEL_CREATE", "CHANNEL_RECIPIENT_ADD"]);
    }
  });

  test("READY on either worker lists a user's DM and group DM, whichever worker made them, read from the shared store: no owner call", async () => {
    const [a, b, c] = [await human("ready-a"), await human("ready-b"), await human("ready-c")];
    const { guildId } = await guildOwnedBy(0, [c.id, a.id, b.id]);
    const dm = (await api(1, "POST", "/api/v10/users/@me/channels", { recipient_id: b.id }, `Bot ${a.token}`)).id as string;
    const said = await post(ring.find(dm), b.token, dm, "in the DM");
    const group = (await api(1, "POST", "/api/v10/users/@me/channels", { recipients: [b.id, c.id] }, `Bot ${a.token}`)).id as string;
    const later = await post(1 - ring.find(group), c.token, group, "in the group");
    // a and b in no guild now, so no guild join follows their READY: every owner call counted would be READY's.
    for (const gone of [a, b]) await api(0, "DELETE", `/internal/guilds/${guildId}/members/${gone.id}`);
    for (const [worker, who] of [[0, a], [1, b]] as const) {
      const bus = servers[worker]?.bus;
      if (!bus) throw new Error("no such worker");
      const before = bus.stats.sent.get("owner") ?? 0;
      const client = await connect(worker, identify(who.token, GUILDS_AND_MESSAGES | (1 << 12)));
      const ready = (await client.dispatch("READY")).d as Json;
      expect((bus.stats.sent.get("owner") ?? 0) - before).toBe(0);
      expect((ready.private_channels as Json[]).map((channel) => [channel.id, channel.last_message_id])).toEqual([
        [group, later],
        [dm, said],
      ]);
    }
  });

  test("a worker answers guild-holds with the voice state each of its sessions asked for there (op 4), also after the session moved, so a new owner of the guild takes it over", async () => {
    const a = await user("speaker");
    const { guildId } = await guildOwnedBy(1, [a.id]);
    const { id: room } = (await api(1, "POST", `/internal/guilds/${guildId}/channels`, { name: "room", type: 2 })) as { id: string };
    const client = await connect(0, identify(a.token, GUILDS_AND_MESSAGES | (1 << 7)));
    const ready = await client.next((f) => f.t === "READY");
    await client.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guildId);
    client.send({ op: 4, d: { guild_id: guildId, channel_id: room, self_mute: false, self_deaf: true } });
    await client.next((f) => f.t === "VOICE_STATE_UPDATE" && (f.d as Json).channel_id === room);
    const bus = servers[0]?.bus;
    if (!bus) throw new Error("no worker 0");
    const holders = await bus.request(bus.self, { k: "guild-holds", guildId });
    const voice = { sessionId: (ready.d as Json).session_id, channelId: room, selfMute: false, selfDeaf: true };
    expect(holders).toEqual([expect.objectContaining({ userId: a.id, voice })]);
    // A RESUME on the other worker moves the session, and what it asked for with it.
    const seq = Math.max(...dispatches(client).map((f) => f.s as number));
    client.close(4000);
    await client.closed;
    const resumed = await connect(1, { op: 6, d: { token: a.token, session_id: voice.sessionId, seq } });
    await resumed.dispatch("RESUMED");
    const there = servers[1]?.bus;
    if (!there) throw new Error("no worker 1");
    expect(await there.request(there.self, { k: "guild-holds", guildId })).toEqual([expect.objectContaining({ userId: a.id, voice })]);
  });

  test("the REST routes from the worker that does not own the guild: reply, edit, react, pin, history and reads, events on both workers", async () => {
    const [a, b] = [await user("restful"), await user("other")];
    const { guildId, channelId } = await guildOwnedBy(1, [a.id, b.id]);
    const intents = GUILDS_AND_MESSAGES | (1 << 10);
    const onZero = await connect(0, { op: 2, d: { token: a.token, intents, properties: { os: "linux", browser: "t", device: "t" } } });
    const onOne = await connect(1, { op: 2, d: { token: b.token, intents, properties: { os: "linux", browser: "t", device: "t" } } });
    await onZero.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guildId);
    await onOne.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guildId);
    const at = `/api/v10/channels/${channelId}/messages`;
    const auth = `Bot ${a.token}`;
    const first = await post(0, b.token, channelId, "first");
    const reply = (await api(0, "POST", at, { content: "reply", message_reference: { message_id: first } }, auth)).id as string;
    await api(0, "PATCH", `${at}/${reply}`, { content: "edited" }, auth);
    await api(0, "PUT", `${at}/${reply}/reactions/${encodeURIComponent("👍")}/@me`, undefined, auth);
    await api(0, "PUT", `${at}/pins/${reply}`, undefined, auth);
    for (const client of [onZero, onOne]) {
      await client.next((f) => f.t === "CHANNEL_PINS_UPDATE");
      const events = dispatches(client).map((f) => f.t).filter((t) => t?.startsWith("MESSAGE") || t === "CHANNEL_PINS_UPDATE");
      expect(events).toEqual(["MESSAGE_CREATE", "MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_REACTION_ADD", "CHANNEL_PINS_UPDATE"]);
    }
    const history = (await api(0, "GET", at, undefined, auth)) as unknown as Json[];
    expect(history.map((m) => [m.id, m.content, m.pinned])).toEqual([[reply, "edited", true], [first, "first", false]]);
    expect(history[0]).toMatchObject({ referenced_message: { id: first }, reactions: [{ count: 1, me: true }] });
    expect(await api(0, "GET", `/api/v10/guilds/${guildId}?with_counts=true`, undefined, auth)).toMatchObject({ id: guildId, approximate_member_count: 2, approximate_presence_count: 2 });
  });

  test("an interaction on a guild the other worker owns: invoked on one, answered and followed up on either; a second answer on the other worker is 40060", async () => {
    const app = await user("interactive-app");
    // A user who reads content (MESSAGE_CONTENT), so the test sees what the responses say.
    const { id: invokerId } = (await api(0, "POST", "/internal/users", { username: "invoker", privileged_intents: 1 << 15 })) as { id: string };
    const invoker = { id: invokerId, token: (await api(0, "POST", `/internal/users/${invokerId}/token`)).token as string };
    const { guildId, channelId } = await guildOwnedBy(1, [app.id, invoker.id]);
    const command = await api(0, "POST", `/api/v10/applications/${app.id}/commands`, { name: "ping", description: "Ping" }, `Bot ${app.token}`);
    const appSession = await connect(0, identify(app.token));
    const invokerSession = await connect(1, identify(invoker.token, GUILDS_AND_MESSAGES | (1 << 15)));
    await appSession.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guildId);
    await invokerSession.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guildId);
    const invoke = { type: 2, application_id: app.id, guild_id: guildId, channel_id: channelId, session_id: "s", nonce: "1", data: { version: command.version, id: command.id, name: "ping", type: 1 } };
    await api(0, "POST", "/api/v10/interactions", invoke, `Bot ${invoker.token}`);
    const d = (await appSession.next((f) => f.t === "INTERACTION_CREATE")).d as Json;
    const at = (worker: number, path: string, method = "POST", body?: unknown) =>
      fetch(`${base(worker)}/api/v10${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    expect((await at(0, `/interactions/${d.id}/${d.token}/callback`, "POST", { type: 5 })).status).toBe(204);
    const second = await at(1, `/interactions/${d.id}/${d.token}/callback`, "POST", { type: 4, data: { content: "again" } });
    expect({ status: second.status, body: await second.json() }).toMatchObject({ status: 400, body: { code: 40060 } });
    const edited = await at(1, `/webhooks/${app.id}/${d.token}/messages/@original`, "PATCH", { content: "pong" });
    expect(await edited.json()).toMatchObject({ content: "pong", flags: 0, type: 20 });
    expect((await at(0, `/webhooks/${app.id}/${d.token}?wait=true`, "POST", { content: "more" })).status).toBe(200);
    await invokerSession.next((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).content === "more");
    const seen = dispatches(invokerSession).filter((f) => f.t?.startsWith("MESSAGE_")).map((f) => [f.t, (f.d as Json).content, (f.d as Json).flags]);
    expect(seen).toEqual([["MESSAGE_CREATE", "", 128], ["MESSAGE_UPDATE", "pong", 0], ["MESSAGE_CREATE", "more", 0]]);
  });

  test("an interaction survives its guild's move to the other worker: answered after it (no 10062), a second answer 40060, its @original edited and followed up there", async () => {
    const app = await user("moving-app");
    const { id: invokerId } = (await api(0, "POST", "/internal/users", { username: "moving-invoker", privileged_intents: 1 << 15 })) as { id: string };
    const invoker = { id: invokerId, token: (await api(0, "POST", `/internal/users/${invokerId}/token`)).token as string };
    const { guildId, channelId } = await guildOwnedBy(1, [app.id, invoker.id]);
    const command = await api(0, "POST", `/api/v10/applications/${app.id}/commands`, { name: "ping", description: "Ping" }, `Bot ${app.token}`);
    const appSession = await connect(0, identify(app.token));
    await appSession.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guildId);
    const invoke = { type: 2, application_id: app.id, guild_id: guildId, channel_id: channelId, session_id: "s", nonce: "1", data: { version: command.version, id: command.id, name: "ping", type: 1 } };
    await api(1, "POST", "/api/v10/interactions", invoke, `Bot ${invoker.token}`);
    const d = (await appSession.next((f) => f.t === "INTERACTION_CREATE")).d as Json;
    const at = (worker: number, path: string, method = "POST", body?: unknown) =>
      fetch(`${base(worker)}/api/v10${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    // Worker 1 leaves the ring (as in a rolling restart): the guild is worker 0's from now on.
    ring.setNodes([peerId("cluster", 0)]);
    try {
      expect(ring.find(guildId)).toBe(0);
      const answered = await at(1, `/interactions/${d.id}/${d.token}/callback?with_response=true`, "POST", { type: 4, data: { content: "pong" } });
      expect({ status: answered.status, body: await answered.json() }).toMatchObject({ status: 200, body: { resource: { type: 4, message: { content: "pong" } } } });
      const second = await at(0, `/interactions/${d.id}/${d.token}/callback`, "POST", { type: 4, data: { content: "again" } });
      expect({ status: second.status, body: await second.json() }).toMatchObject({ status: 400, body: { code: 40060 } });
      const edited = await at(0, `/webhooks/${app.id}/${d.token}/messages/@original`, "PATCH", { content: "edited" });
      expect({ status: edited.status, body: await edited.json() }).toMatchObject({ status: 200, body: { content: "edited" } });
      const followUp = await at(1, `/webhooks/${app.id}/${d.token}?wait=true`, "POST", { content: "more" });
      expect({ status: followUp.status, body: await followUp.json() }).toMatchObject({ status: 200, body: { content: "more" } });
    } finally {
      ring.setNodes([peerId("cluster", 0), peerId("cluster", 1)]);
    }
  });

  test("an autocomplete on a guild the other worker owns: answered on either, its choices reach the invoker's session on the worker that does not own the guild; a second answer is 40060", async () => {
    const app = await user("completing-app");
    const typist = await human("typist");
    const { guildId, channelId } = await guildOwnedBy(1, [app.id, typist.id]);
    const options = [{ type: 3, name: "query", description: "What", required: true, autocomplete: true }];
    const command = await api(0, "POST", `/api/v10/applications/${app.id}/commands`, { name: "find", description: "Finds", options }, `Bot ${app.token}`);
    const appSession = await connect(1, identify(app.token));
    const typistSession = await connect(0, identify(typist.token));
    await appSession.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guildId);
    await typistSession.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guildId);
    const data = { version: command.version, id: command.id, name: "find", type: 1, options: [{ type: 3, name: "query", value: "he", focused: true }] };
    await api(0, "POST", "/api/v10/interactions", { type: 4, application_id: app.id, guild_id: guildId, channel_id: channelId, session_id: "s", nonce: "42", data }, `Bot ${typist.token}`);
    const d = (await appSession.next((f) => f.t === "INTERACTION_CREATE")).d as Json;
    expect(d).toMatchObject({ type: 4, data: { options: [{ value: "he", focused: true }] } });
    const answer = (worker: number) =>
      fetch(`${base(worker)}/api/v10/interactions/${d.id}/${d.token}/callback`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: 8, data: { choices: [{ name: "hello", value: "hello" }] } }) });
    expect((await answer(0)).status).toBe(204);
    expect((await typistSession.next((f) => f.t === "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE")).d).toEqual({ choices: [{ name: "hello", value: "hello" }], nonce: "42" });
    const second = await answer(1);
    expect({ status: second.status, body: await second.json() }).toMatchObject({ status: 400, body: { code: 40060 } });
  });

  test("threads from the worker that does not own the guild: a private thread's member with its session there gets its messages one by one across the bus, content stripped without MESSAGE_CONTENT", async () => {
    const [a, b] = [await user("threader"), await user("invited")];
    const { guildId, channelId } = await guildOwnedBy(1, [a.id, b.id]);
    const onZero = await connect(0, identify(b.token));
    await onZero.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guildId);
    const auth = `Bot ${a.token}`;
    const thread = (await api(0, "POST", `/api/v10/channels/${channelId}/threads`, { name: "quiet", type: 12 }, auth)).id as string;
    await api(0, "PUT", `/api/v10/channels/${thread}/thread-members/${b.id}`, undefined, auth);
    expect((await onZero.next((f) => f.t === "THREAD_CREATE")).d).toMatchObject({ id: thread, member: { user_id: b.id } });
    const id = await post(0, a.token, thread, "for members");
    expect((await onZero.next((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === id)).d).toMatchObject({ channel_id: thread, content: "" });
  });
});

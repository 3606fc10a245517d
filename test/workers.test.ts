/**
 * The compiled binary with `--workers 2`: two worker threads share the port (reusePort), so
 * the kernel, not the test, picks the worker of each connection. READY's and RESUMED's
 * `_trace` say which worker answered. Sessions land on both; all get one guild's events in
 * the same order; a RESUME that lands on the other worker moves the session with nothing lost;
 * a worker busy with a large guild does not hold up the other worker's guilds.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { peerId } from "../src/cluster/bus.ts";
import { parseCommand, type Config } from "../src/config.ts";
import { openHashRing } from "../src/native.ts";
import { mintToken } from "../src/session/auth.ts";
import type { GuildWrite } from "../src/store/guild-store.ts";
import { SqliteGuildStore } from "../src/store/sqlite.ts";
import { RawClient, type Frame } from "./support/gateway-client.ts";

const SECRET = "workers-token-secret-0123456789abcdef";
const INTENTS = (1 << 0) | (1 << 1) | (1 << 9);
const BIG_GUILD = "4194304000";
const BIG_MEMBERS = 150_000;
type Json = Record<string, unknown>;

describe("the binary with --workers 2", () => {
  const dir = mkdtempSync(join(tmpdir(), "guildgate-workers-"));
  const open: RawClient[] = [];
  let child: ReturnType<typeof Bun.spawn>;
  let base = "";
  let gateway = "";
  let bigOwner = "";

  beforeAll(async () => {
    // A large guild straight into the store, so its first load keeps its owner busy for a while.
    const store = new SqliteGuildStore(join(dir, "data"));
    bigOwner = "4194304001";
    const members: GuildWrite[] = [{ k: "member", member: { guildId: BIG_GUILD, userId: bigOwner, roleIds: [], nick: null, joinedAt: 0 } }];
    // One transaction for the users: each call writes before it returns (sqlite.ts `batch`).
    store.batch(() => {
      void store.putUser({ id: bigOwner, username: "big-owner", globalName: null, avatar: null, bot: true, privilegedIntents: 2, createdAt: 0, tokenGeneration: 0 });
      for (let i = 0; i < BIG_MEMBERS; i++) {
        const id = String(5_000_000_000n + BigInt(i));
        void store.putUser({ id, username: `m${i}`, globalName: null, avatar: null, bot: false, privilegedIntents: 0, createdAt: 0, tokenGeneration: 0 });
        members.push({ k: "member", member: { guildId: BIG_GUILD, userId: id, roleIds: [], nick: null, joinedAt: 0 } });
      }
    });
    await store.writeGuild(BIG_GUILD, 0, [{ k: "guild", guild: { id: BIG_GUILD, name: "Big", ownerId: bigOwner, icon: null, createdAt: 0 } }, ...members]);
    await store.close();
    const binary = resolve(import.meta.dir, "../dist/guildgate");
    const args = ["--port", "0", "--workers", "2", "--data-dir", join(dir, "data"), "--ingress-secret", "ingress", "--token-secret", SECRET];
    child = Bun.spawn([binary, ...args], { stdout: "pipe", stderr: "inherit" });
    const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
    let output = "";
    const pattern = /listening on (http:\/\/\S+) \(gateway (ws:\/\/\S+)\) with 2 workers/;
    while (!pattern.test(output)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the binary did not start: ${output}`);
      output += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    [, base, gateway] = pattern.exec(output) as unknown as [string, string, string];
  }, 60_000);

  afterAll(async () => {
    for (const client of open) client.close();
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  async function api(method: string, path: string, body?: unknown, auth = "Bearer ingress"): Promise<Json> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: auth, "content-type": "application/json", connection: "close" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    return (await response.json()) as Json;
  }

  async function connect(payload: Json): Promise<RawClient> {
    const client = new RawClient(`${gateway}/?v=10&encoding=json`);
    open.push(client);
    await client.opened();
    await client.op(10);
    client.send(payload);
    return client;
  }

  const identify = (token: string): Json => ({ op: 2, d: { token, intents: INTENTS, properties: { os: "linux", browser: "t", device: "t" } } });
  const ring = openHashRing(`test-workers-${process.pid}`);
  // The binary's ring: its workers' peer ids under its node id (the host's name by default).
  const { nodeId } = (parseCommand([], {}) as { config: Config }).config;
  ring.setNodes([peerId(nodeId, 0), peerId(nodeId, 1)]);
  const guildIdOwnedBy = (worker: number): string => {
    let n = BigInt(Date.now()) << 22n;
    while (ring.find((++n).toString()) !== worker);
    return n.toString();
  };
  const workerOf = (frame: Frame): string => ((frame.d as Json)._trace as string[])[0]?.replace(/^.*-worker-/, "") ?? "";
  const messages = (client: RawClient, from = 0): string[] =>
    client.frames.slice(from).filter((f) => f.t === "MESSAGE_CREATE").map((f) => (f.d as Json).id as string);

  /** A guild with `count` members, each with a session; returns them with the worker each landed on. */
  async function populatedGuild(count: number, owner?: number) {
    const people: { id: string; token: string }[] = [];
    for (let i = 0; i < count; i++) {
      const { id } = (await api("POST", "/internal/users", { username: `person${i}`, bot: true, privileged_intents: 2 })) as { id: string };
      people.push({ id, token: (await api("POST", `/internal/users/${id}/token`)).token as string });
    }
    const id = owner === undefined ? undefined : guildIdOwnedBy(owner);
    const { id: guildId } = (await api("POST", "/internal/guilds", { id, name: "Workers", owner_id: people[0]?.id })) as { id: string };
    const { id: channelId } = (await api("POST", `/internal/guilds/${guildId}/channels`, { name: "general" })) as { id: string };
    for (const person of people.slice(1)) await api("PUT", `/internal/guilds/${guildId}/members/${person.id}`, {});
    const sessions = await Promise.all(
      people.map(async (person) => {
        const client = await connect(identify(person.token));
        const ready = await client.dispatch("READY");
        await client.dispatch("GUILD_CREATE");
        return { ...person, client, ready: ready.d as Json, worker: workerOf(ready) };
      }),
    );
    return { guildId, channelId, sessions };
  }

  test("sessions land on both workers and all get one guild's events in the same order", async () => {
    const { channelId, sessions } = await populatedGuild(16);
    expect(new Set(sessions.map((s) => s.worker))).toEqual(new Set(["0", "1"]));
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      const author = sessions[i % sessions.length] as (typeof sessions)[number];
      sent.push((await api("POST", `/api/v10/channels/${channelId}/messages`, { content: `m${i}` }, `Bot ${author.token}`)).id as string);
    }
    for (const { client } of sessions) await client.next((f) => (f.d as Json)?.id === sent.at(-1));
    for (const { client } of sessions) expect(messages(client)).toEqual(sent);
    // Whichever worker answers /metrics, it counts the whole process.
    const text = await (await fetch(`${base}/metrics`, { headers: { connection: "close" } })).text();
    expect(Number(/^guildgate_sessions{node="[^"]+"} (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(16);
    expect(Number(/^guildgate_dispatches_total\{node="[^"]+",t="MESSAGE_CREATE"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(40);
  }, 30_000);

  test("a RESUME that lands on the other worker moves the session; nothing is lost", async () => {
    const { channelId, sessions } = await populatedGuild(2);
    const [author, mover] = sessions as [(typeof sessions)[number], (typeof sessions)[number]];
    let client = mover.client;
    let home = mover.worker;
    let moved = 0;
    const received: string[] = [];
    const sent: string[] = [];
    // The kernel picks the worker: keep dropping and resuming until two resumes crossed over.
    for (let attempt = 0; attempt < 40 && moved < 2; attempt++) {
      received.push(...messages(client));
      const seq = Math.max(...client.frames.filter((f) => f.op === 0).map((f) => f.s as number));
      client.close(4000);
      await client.closed;
      for (let i = 0; i < 3; i++) {
        sent.push((await api("POST", `/api/v10/channels/${channelId}/messages`, { content: `a${attempt}.${i}` }, `Bot ${author.token}`)).id as string);
      }
      client = await connect({ op: 6, d: { token: mover.token, session_id: mover.ready.session_id, seq } });
      const resumed = await client.dispatch("RESUMED");
      if (workerOf(resumed) !== home) moved++;
      home = workerOf(resumed);
    }
    await client.next((f) => (f.d as Json)?.id === sent.at(-1));
    received.push(...messages(client));
    expect(moved).toBe(2);
    expect(received).toEqual(sent);
  }, 60_000);

  test("a worker busy loading a large guild does not hold up the other worker's guilds", async () => {
    // The ring is the same function in every process: the big guild's owner is the busy worker.
    const busy = ring.find(BIG_GUILD);
    const { channelId, sessions } = await populatedGuild(12, 1 - busy);
    const idle = sessions.find((s) => s.worker === String(1 - busy));
    expect(idle).toBeDefined();
    const bigToken = mintToken(SECRET, { id: bigOwner, tokenGeneration: 0 });
    // The big guild's first load happens when its owner first needs it: right after this READY.
    const big = await connect(identify(bigToken));
    await big.dispatch("READY");
    const bigCreate = big.dispatch("GUILD_CREATE", 30_000);
    let finished = false;
    void bigCreate.then(() => (finished = true));
    // Messages in the idle worker's guild, posted on separate connections: the kernel sends
    // about half to the idle worker, which answers and delivers while the other is busy.
    for (let i = 0; i < 12; i++) {
      const author = sessions[i % sessions.length] as (typeof sessions)[number];
      void api("POST", `/api/v10/channels/${channelId}/messages`, { content: `busy ${i}` }, `Bot ${author.token}`).catch(() => undefined);
    }
    await idle?.client.dispatch("MESSAGE_CREATE", 30_000);
    expect(finished).toBe(false);
    expect(((await bigCreate).d as Json).member_count).toBe(BIG_MEMBERS + 1);
  }, 60_000);
});

describe("a drain and a restart", () => {
  const dir = mkdtempSync(join(tmpdir(), "guildgate-restart-"));
  const binary = resolve(import.meta.dir, "../dist/guildgate");
  const args = ["--port", "0", "--workers", "2", "--data-dir", join(dir, "data"), "--ingress-secret", "ingress", "--token-secret", SECRET];

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function start(): Promise<{ child: ReturnType<typeof Bun.spawn>; base: string; gateway: string }> {
    const child = Bun.spawn([binary, ...args], { stdout: "pipe", stderr: "inherit" });
    const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
    let output = "";
    const pattern = /listening on (http:\/\/\S+) \(gateway (ws:\/\/\S+)\)/;
    while (!pattern.test(output)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the binary did not start: ${output}`);
      output += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    const [, base, gateway] = pattern.exec(output) as unknown as [string, string, string];
    return { child, base, gateway };
  }

  async function post(base: string, path: string, body: unknown, auth = "Bearer ingress"): Promise<Json> {
    const response = await fetch(`${base}${path}`, { method: "POST", headers: { authorization: auth, "content-type": "application/json", connection: "close" }, body: JSON.stringify(body) });
    expect(response.status).toBeLessThan(300);
    return (await response.json()) as Json;
  }

  test("SIGTERM sends op 7 and exits 0; after a restart the client RESUMEs and gets what it missed, once", async () => {
    const first = await start();
    const { id: userId } = (await post(first.base, "/internal/users", { username: "survivor", bot: true })) as { id: string };
    const { token } = (await post(first.base, `/internal/users/${userId}/token`, {})) as { token: string };
    const { id: guildId } = (await post(first.base, "/internal/guilds", { name: "Lasting", owner_id: userId })) as { id: string };
    const { id: channelId } = (await post(first.base, `/internal/guilds/${guildId}/channels`, { name: "general" })) as { id: string };
    const say = async (base: string, content: string): Promise<string> =>
      (await post(base, `/api/v10/channels/${channelId}/messages`, { content }, `Bot ${token}`)).id as string;

    const client = new RawClient(`${first.gateway}/?v=10&encoding=json`);
    await client.opened();
    await client.op(10);
    client.send({ op: 2, d: { token, intents: INTENTS & ~2, properties: { os: "linux", browser: "t", device: "t" } } });
    const ready = (await client.dispatch("READY")).d as Json;
    await client.dispatch("GUILD_CREATE");
    const before = await say(first.base, "before the restart");
    await client.next((f) => (f.d as Json)?.id === before);

    first.child.kill("SIGTERM");
    await client.op(7);
    client.close(4200);
    expect(await first.child.exited).toBe(0);
    const seq = Math.max(...client.frames.filter((f) => f.op === 0).map((f) => f.s as number));

    const second = await start();
    try {
      const missed = [await say(second.base, "while the client was away"), await say(second.base, "and another")];
      const resumed = new RawClient(`${second.gateway}/?v=10&encoding=json`);
      open.push(resumed);
      await resumed.opened();
      await resumed.op(10);
      resumed.send({ op: 6, d: { token, session_id: ready.session_id, seq } });
      await resumed.dispatch("RESUMED");
      const replayed = resumed.frames.filter((f) => f.t === "MESSAGE_CREATE").map((f) => (f.d as Json).id);
      expect(replayed).toEqual(missed);
      const live = await say(second.base, "live again");
      await resumed.next((f) => (f.d as Json)?.id === live);
      expect(resumed.frames.filter((f) => f.t === "MESSAGE_CREATE").map((f) => (f.d as Json).id)).toEqual([...missed, live]);
    } finally {
      second.child.kill("SIGTERM");
      expect(await second.child.exited).toBe(0);
    }
  }, 60_000);

  test("a torn sessions file (say, a full disk at the last drain) is set aside, and the gateway starts", async () => {
    const sessions = join(dir, "data", "sessions");
    mkdirSync(sessions, { recursive: true });
    writeFileSync(join(sessions, "worker-0.json"), '{"sessions": [{"id": "trunc');
    const running = await start();
    try {
      expect((await fetch(`${running.base}/healthz`)).status).toBe(200);
      expect(existsSync(join(sessions, "worker-0.json"))).toBe(false);
    } finally {
      running.child.kill("SIGTERM");
      expect(await running.child.exited).toBe(0);
    }
  }, 30_000);

  const open: RawClient[] = [];
  afterAll(() => {
    for (const client of open) client.close();
  });
});

/**
 * The gateway protocol contract, over real sockets, for any transport: every
 * close code the session layer produces, heartbeats, READY, resume, zlib-stream
 * and sharding. `gateway.test.ts` runs it on Bun.serve, `gateway-node.test.ts`
 * on uWebSockets.js under Node.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { CompressionKind } from "../src/protocol/compression.ts";
import { mintToken } from "../src/session/auth.ts";
import { userTopic } from "../src/protocol/topics.ts";
import type { User } from "../src/store/guild-store.ts";
import { RawClient, type Frame } from "./support/gateway-client.ts";
import type { Harness, HarnessFactory } from "./support/harness.ts";
import { callJson } from "./support/http.ts";

const SECRET = "test-token-secret-0123456789abcdef";
const HEARTBEAT_MS = 1_000;
const GUILD_MEMBERS = 1 << 1;
const MESSAGE_CONTENT = 1 << 15;

/** Distinct users per test: IDENTIFY is limited to one per user and bucket per 5 s, as on Discord. */
let nextUser = 175928847299117063n;
function newUser(): User {
  nextUser += 1n;
  return {
    id: nextUser.toString(),
    username: `user${nextUser % 1000n}`,
    globalName: "Alice",
    avatar: null,
    bot: true,
    privilegedIntents: MESSAGE_CONTENT,
    createdAt: 1_700_000_000_000,
    tokenGeneration: 0,
  };
}

export function gatewayContract(harness: HarnessFactory): void {
  describe(`gateway protocol on ${harness.name}`, () => {
    let server: Harness;
    let url = "";
    const open: RawClient[] = [];

    beforeAll(async () => {
      server = await harness.start({ node: "test", tokenSecret: SECRET, args: ["--heartbeat-interval-ms", String(HEARTBEAT_MS)] });
      url = `${server.gatewayUrl}/?v=10&encoding=json`;
    });

    afterAll(async () => {
      for (const client of open) client.close();
      await server.stop();
    });

    /** A socket on the gateway URL with `query` appended, or on `path` (with its own query) instead. */
    async function connect(query = "", compress?: CompressionKind, path?: string): Promise<RawClient> {
      const client = new RawClient(path === undefined ? url + query : server.gatewayUrl + path, { compress });
      open.push(client);
      await client.opened();
      return client;
    }

    /** A new user in the store, and a token for it. */
    async function account(): Promise<{ user: User; token: string }> {
      const user = newUser();
      await server.putUser(user);
      return { user, token: mintToken(SECRET, user) };
    }

    async function identify(client: RawClient, extra: Record<string, unknown> = {}, who?: { token: string }): Promise<void> {
      const { token } = who ?? (await account());
      client.send({ op: 2, d: { token, intents: 513, properties: { os: "linux", browser: "t", device: "t" }, ...extra } });
    }

    async function ready(query = "", compress?: CompressionKind, path?: string): Promise<{ client: RawClient; frame: Frame; user: User; token: string }> {
      const who = await account();
      const client = await connect(query, compress, path);
      await client.op(10);
      await identify(client, {}, who);
      return { client, frame: await client.dispatch("READY"), ...who };
    }

    test("GET /healthz answers 200 beside the gateway, before the ring has nodes", async () => {
      const response = await fetch(`${server.httpBase}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: "ok", workers: [] });
    });

    test("every JSON answer says Content-Type: application/json, exactly (discord.py parses nothing else)", async () => {
      const { token } = await account();
      const bot = { authorization: `Bot ${token}` };
      const ingress = { authorization: "Bearer ingress", "content-type": "application/json" };
      const calls: [string, RequestInit, number][] = [
        ["/healthz", {}, 200],
        ["/api/v10/gateway", {}, 200],
        ["/api/v9/gateway/bot", { headers: bot }, 200],
        ["/api/v10/users/@me", { headers: bot }, 200],
        ["/api/v10/oauth2/applications/@me", { headers: bot }, 200],
        ["/api/v10/users/@me", {}, 401],
        ["/internal/users", { method: "POST", headers: ingress, body: JSON.stringify({ username: "typed" }) }, 201],
        ["/internal/users", { method: "POST", headers: ingress, body: "{bad" }, 400],
        ["/internal/guilds/1", { headers: ingress }, 404],
        ["/nope", {}, 404],
      ];
      for (const [path, init, status] of calls) {
        const response = await fetch(`${server.httpBase}${path}`, init);
        expect({ path, status: response.status, type: response.headers.get("content-type") }).toEqual({ path, status, type: "application/json" });
      }
    });

    test("GET /metrics counts sessions, dispatches by type and refused IDENTIFYs", async () => {
      const { user, token, client } = await ready();
      await server.dispatch(userTopic(user.id), "METRICS_PROBE", "{}");
      await client.dispatch("METRICS_PROBE");
      const again = await connect();
      await again.op(10);
      await identify(again, {}, { token });
      await again.op(9);
      const response = await fetch(`${server.httpBase}/metrics`);
      expect(response.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
      const text = await response.text();
      expect(text).toMatch(/guildgate_dispatches_total\{node="[^"]+",t="METRICS_PROBE"\} 1\n/);
      expect(Number(/^guildgate_sessions{node="[^"]+"} (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
      expect(Number(/^guildgate_identify_refused_total\{node="[^"]+",reason="max_concurrency"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
    });

    test("HELLO carries the heartbeat interval, and heartbeats are acknowledged before IDENTIFY", async () => {
      const client = await connect();
      const hello = await client.op(10);
      expect(hello).toEqual({ op: 10, d: { heartbeat_interval: HEARTBEAT_MS }, s: null, t: null });
      client.send({ op: 1, d: null });
      expect(await client.op(11)).toEqual({ op: 11, d: null, s: null, t: null });
    });

    test("IDENTIFY gets READY with what discord.js and discord.py read", async () => {
      const { frame, user } = await ready();
      const d = frame.d as Record<string, unknown>;
      expect(d.v).toBe(10);
      expect(d.user).toMatchObject({ id: user.id, username: user.username, global_name: "Alice", bot: true, discriminator: "0" });
      expect(d.guilds).toEqual([]);
      expect(d.session_id).toMatch(/^test\.0\.[0-9a-f]{24}$/);
      expect(d.resume_gateway_url).toBe(server.gatewayUrl);
      expect(d.shard).toEqual([0, 1]);
      expect(d.application).toEqual({ id: user.id, flags: 0 });
      expect(frame.s).toBeGreaterThan(0);
    });

    const closes: [string, (client: RawClient) => void | Promise<void>, number][] = [
      ["an unknown opcode", (c) => c.send({ op: 99, d: null }), 4001],
      ["bad JSON", (c) => c.send("{not json"), 4002],
      ["a frame over 4096 bytes", (c) => c.send({ op: 1, d: null, pad: "x".repeat(5000) }), 4002],
      ["an op 3 before IDENTIFY", (c) => c.send({ op: 3, d: { since: null, activities: [], status: "online", afk: false } }), 4003],
      ["a bad token", (c) => c.send({ op: 2, d: { token: "nope", intents: 1, properties: {} } }), 4004],
      ["a shard id not below the count", (c) => identify(c, { shard: [2, 2] }), 4010],
      ["intents outside the known bits", (c) => identify(c, { intents: 1 << 30 }), 4013],
      ["a privileged intent the user may not use", (c) => identify(c, { intents: GUILD_MEMBERS | 1 }), 4014],
    ];
    for (const [what, act, code] of closes) {
      test(`closes with ${code} for ${what}`, async () => {
        const client = await connect();
        await client.op(10);
        await act(client);
        expect((await client.closed).code).toBe(code);
      });
    }

    test("v=9 (discordgo's) gets the same HELLO and READY as v10, READY saying v 9", async () => {
      const { client, frame } = await ready("", undefined, "/?v=9&encoding=json");
      expect(client.frames[0]).toEqual({ op: 10, d: { heartbeat_interval: HEARTBEAT_MS }, s: null, t: null });
      expect(frame.d).toMatchObject({ v: 9, guilds: [], resume_gateway_url: server.gatewayUrl });
    });

    test("a frame past the transport's 64 KiB bound is cut by the runtime itself, and the session stays resumable", async () => {
      const { client, frame, token } = await ready();
      client.send({ op: 1, d: null, pad: "x".repeat(70 * 1024) });
      // Native code refuses the frame at its header, before any JS runs: Bun.serve sends
      // 1009, uWebSockets.js drops the TCP connection (1006). Neither can be made 4002.
      expect([1006, 1009]).toContain((await client.closed).code);
      const again = await connect();
      await again.op(10);
      again.send({ op: 6, d: { token, session_id: (frame.d as { session_id: string }).session_id, seq: frame.s } });
      await again.dispatch("RESUMED");
    });

    const ingress = (method: string, path: string) => callJson(server.httpBase, method, path);
    const me = async (token: string) => (await fetch(`${server.httpBase}/api/v10/users/@me`, { headers: { authorization: `Bot ${token}` } })).status;

    async function identifyCloses(token: string): Promise<number> {
      const client = await connect();
      await client.op(10);
      await identify(client, {}, { token });
      return (await client.closed).code;
    }

    test("revoking a user's tokens closes its live session with 4004; the old token then gets 4004 and 401, a new one works", async () => {
      const { client, user, token } = await ready();
      expect((await ingress("POST", `/internal/users/${user.id}/tokens/revoke`)).status).toBe(204);
      expect(await client.closed).toEqual({ code: 4004, reason: "Token revoked" });
      expect(await identifyCloses(token)).toBe(4004);
      expect(await me(token)).toBe(401);
      const { json } = await ingress("POST", `/internal/users/${user.id}/token`);
      expect(await me(json.token as string)).toBe(200);
    });

    test("a user deleted and created again with the same id: its old token gets 4004 on IDENTIFY and 401 on REST", async () => {
      const { id } = newUser();
      const create = () => callJson(server.httpBase, "POST", "/internal/users", { id, username: "phoenix", bot: true });
      expect((await create()).status).toBe(201);
      const old = (await ingress("POST", `/internal/users/${id}/token`)).json.token as string;
      expect(await me(old)).toBe(200);
      expect((await ingress("DELETE", `/internal/users/${id}`)).status).toBe(204);
      expect((await create()).status).toBe(201);
      expect(await identifyCloses(old)).toBe(4004);
      expect(await me(old)).toBe(401);
      expect(await me((await ingress("POST", `/internal/users/${id}/token`)).json.token as string)).toBe(200);
    });

    test("closes with 4012 for an unsupported version or encoding", async () => {
      for (const query of ["/?v=8&encoding=json", "/?v=10&encoding=msgpack"]) {
        const client = new RawClient(server.gatewayUrl + query);
        expect((await client.closed).code).toBe(4012);
      }
    });

    test("binary frames are read as UTF-8 JSON (hikari sends every payload so): IDENTIFY, heartbeat, op 3", async () => {
      const { token } = await account();
      const client = await connect();
      await client.op(10);
      client.sendBinary({ op: 2, d: { token, intents: 513, properties: { os: "linux", browser: "é", device: "t" } } });
      await client.dispatch("READY");
      client.sendBinary({ op: 3, d: { since: null, activities: [{ name: "naïve ☕", type: 0 }], status: "idle", afk: false } });
      client.sendBinary({ op: 1, d: null });
      expect(await client.op(11)).toEqual({ op: 11, d: null, s: null, t: null });
      expect(client.readyState).toBe(WebSocket.OPEN);
    });

    test("encoding=etf, plain, with zlib-stream and with zstd-stream: IDENTIFY, op 3 and a heartbeat in ETF; HELLO, READY, a dispatch and the ACK in ETF", async () => {
      for (const compress of [undefined, "zlib-stream", "zstd-stream"] as const) {
        const { user, token } = await account();
        const client = new RawClient(`${server.gatewayUrl}/?v=10&encoding=etf${compress ? `&compress=${compress}` : ""}`, { etf: true, compress });
        open.push(client);
        await client.opened();
        expect(await client.op(10)).toEqual({ op: 10, d: { heartbeat_interval: HEARTBEAT_MS }, s: null, t: null });
        client.send({ op: 2, d: { token, intents: 513, properties: { os: "linux", browser: "é", device: "t" } } });
        expect((await client.dispatch("READY")).d).toMatchObject({ v: 10, user: { id: user.id }, shard: [0, 1] });
        client.send({ op: 3, d: { since: null, activities: [{ name: "naïve ☕", type: 0 }], status: "idle", afk: false } });
        await server.dispatch(userTopic(user.id), "ETF_PROBE", JSON.stringify({ user_id: user.id, n: 1.5 }));
        expect((await client.dispatch("ETF_PROBE")).d).toEqual({ user_id: user.id, n: 1.5 });
        client.send({ op: 1, d: null });
        expect(await client.op(11)).toEqual({ op: 11, d: null, s: null, t: null });
        expect(client.readyState).toBe(WebSocket.OPEN);
      }
    });

    const badBinary: [string, Uint8Array][] = [
      ["is not valid UTF-8", Uint8Array.of(0x7b, 0x22, 0x6f, 0x70, 0x22, 0x3a, 0xff, 0xfe, 0x7d)],
      ["is not valid JSON", new TextEncoder().encode("{op: 1}")],
      ["is over 4096 bytes", new TextEncoder().encode(JSON.stringify({ op: 1, d: null, pad: "x".repeat(5000) }))],
    ];
    for (const [problem, bytes] of badBinary) {
      test(`closes with 4002 for a binary frame that ${problem}`, async () => {
        const client = await connect();
        await client.op(10);
        client.sendBinary(bytes);
        expect(await client.closed).toEqual({ code: 4002, reason: `Decode error: frame ${problem}` });
      });
    }

    test("closes with 4005 for a second IDENTIFY", async () => {
      const { client, token } = await ready();
      await identify(client, {}, { token });
      expect((await client.closed).code).toBe(4005);
    });

    test("closes with 4008 past 120 frames in a minute", async () => {
      const client = await connect();
      await client.op(10);
      for (let i = 0; i < 121; i++) client.send({ op: 1, d: null });
      expect((await client.closed).code).toBe(4008);
      expect(client.frames.filter((f) => f.op === 11).length).toBe(120);
    });

    test("closes a silent socket: 4009 before IDENTIFY, 4000 (resumable) after", async () => {
      const silent = await connect();
      const { client } = await ready();
      expect((await silent.closed).code).toBe(4009);
      expect((await client.closed).code).toBe(4000);
      // Before giving up, the gateway asked each for a heartbeat, once.
      expect(silent.frames.filter((f) => f.op === 1)).toEqual([{ op: 1, d: null, s: null, t: null }]);
      expect(client.frames.filter((f) => f.op === 1).length).toBe(1);
    });

    test("a heartbeat answering op 1 keeps the socket open", async () => {
      const { client } = await ready();
      await client.op(1, 3_000);
      client.send({ op: 1, d: null });
      await client.next((f) => f.op === 11, 1_000);
      await Bun.sleep(HEARTBEAT_MS);
      expect(client.readyState).toBe(WebSocket.OPEN);
    });

    test("RESUME replays every missed dispatch once, in order, then RESUMED", async () => {
      const { client, frame, user, token } = await ready();
      const sessionId = (frame.d as { session_id: string }).session_id;
      const topic = userTopic(user.id);
      for (let i = 0; i < 5; i++) await server.dispatch(topic, "TEST_EVENT", JSON.stringify({ n: i }));
      const fifth = await client.next((f) => f.t === "TEST_EVENT" && (f.d as { n: number }).n === 4);
      client.close(4200, "resume later");
      await client.closed;
      for (let i = 5; i < 10; i++) await server.dispatch(topic, "TEST_EVENT", JSON.stringify({ n: i }));

      const again = await connect();
      await again.op(10);
      again.send({ op: 6, d: { token, session_id: sessionId, seq: fifth.s } });
      await again.dispatch("RESUMED");
      await server.dispatch(topic, "TEST_EVENT", JSON.stringify({ n: 10 }));
      await again.next((f) => f.t === "TEST_EVENT" && (f.d as { n: number }).n === 10);

      const seen = [...client.frames, ...again.frames].filter((f) => f.t === "TEST_EVENT").map((f) => (f.d as { n: number }).n);
      expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const stamps = again.frames.filter((f) => f.op === 0).map((f) => f.s as number);
      expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
      // Typed SDKs keep `s` in a signed 32-bit integer (Java's getInt, C#'s uint RESUME seq).
      const all = [...client.frames, ...again.frames].filter((f) => f.op === 0).map((f) => f.s as number);
      expect(all.filter((s) => (s | 0) !== s || s < 1)).toEqual([]);
    });

    /** A session whose socket dropped (4200), and a new socket that got HELLO, to RESUME on. */
    async function dropped(): Promise<{ again: RawClient; sessionId: string; token: string; readySeq: number }> {
      const { client, frame, token } = await ready();
      client.close(4200);
      await client.closed;
      const again = await connect();
      await again.op(10);
      return { again, sessionId: (frame.d as { session_id: string }).session_id, token, readySeq: frame.s as number };
    }

    test("RESUME right after READY, with READY's s (a stamp the resume log never saw), resumes", async () => {
      const { again, sessionId, token, readySeq } = await dropped();
      again.send({ op: 6, d: { token, session_id: sessionId, seq: readySeq } });
      await again.dispatch("RESUMED");
    });

    test("RESUME of an unknown or ended session gets INVALID_SESSION(false)", async () => {
      const { client, frame, token } = await ready();
      const sessionId = (frame.d as { session_id: string }).session_id;
      client.close(1000);
      await client.closed;
      for (const id of [sessionId, "test.0.000000000000000000000000"]) {
        const again = await connect();
        await again.op(10);
        again.send({ op: 6, d: { token, session_id: id, seq: frame.s } });
        expect(await again.op(9)).toEqual({ op: 9, d: false, s: null, t: null });
      }
    });

    test("RESUME with a seq never sent closes with 4007", async () => {
      const { again, sessionId, token, readySeq } = await dropped();
      again.send({ op: 6, d: { token, session_id: sessionId, seq: readySeq + 10 ** 12 } });
      expect((await again.closed).code).toBe(4007);
    });

    test("zlib-stream: HELLO, READY and dispatches inflate with one context", async () => {
      const { client, user } = await ready("&compress=zlib-stream", "zlib-stream");
      await server.dispatch(userTopic(user.id), "TEST_EVENT", JSON.stringify({ text: "compressed" }));
      const event = await client.dispatch("TEST_EVENT");
      expect(event.d).toEqual({ text: "compressed" });
      expect(client.frames.map((f) => f.op)).toEqual([10, 0, 0]);
    });

    test("zstd-stream: HELLO, READY, the ACK and dispatches, one over 128 KiB (several blocks), decode from one zstd context", async () => {
      const { client, user } = await ready("&compress=zstd-stream", "zstd-stream");
      client.send({ op: 1, d: null });
      await client.op(11);
      const members = Array.from({ length: 2_000 }, (_, i) => ({ user: { id: String(10n ** 17n + BigInt(i * 7919)), username: `member ${i}` }, roles: [], joined_at: "2026-11-26T08:00:00.000000+00:00" }));
      expect(JSON.stringify(members).length).toBeGreaterThan(128 * 1024);
      await server.dispatch(userTopic(user.id), "TEST_EVENT", JSON.stringify({ text: "compressed" }));
      await server.dispatch(userTopic(user.id), "TEST_BIG", JSON.stringify({ members }));
      expect((await client.dispatch("TEST_EVENT")).d).toEqual({ text: "compressed" });
      expect((await client.dispatch("TEST_BIG")).d).toEqual({ members });
      expect(client.frames.map((f) => f.op)).toEqual([10, 0, 11, 0, 0]);
    });

    test("zstd-stream RESUME: the new socket's stream starts afresh and replays what the session missed", async () => {
      const { client, frame, token, user } = await ready("&compress=zstd-stream", "zstd-stream");
      client.close(4200);
      await client.closed;
      await server.dispatch(userTopic(user.id), "MISSED", JSON.stringify({ n: 1 }));
      const again = await connect("&compress=zstd-stream", "zstd-stream");
      await again.op(10);
      again.send({ op: 6, d: { token, session_id: (frame.d as { session_id: string }).session_id, seq: frame.s } });
      expect((await again.dispatch("MISSED")).d).toEqual({ n: 1 });
      await again.dispatch("RESUMED");
    });

    test("user events reach shard 0 only; a second shard within 5 s gets INVALID_SESSION", async () => {
      // One user must wait 5 s between its shards (max_concurrency 1), so shard 0
      // is user A and shard 1 is user B; each would hold its own user topic.
      const a = await account();
      const b = await account();
      const zero = await connect();
      await zero.op(10);
      await identify(zero, { shard: [0, 2] }, a);
      await zero.dispatch("READY");
      const one = await connect();
      await one.op(10);
      await identify(one, { shard: [1, 2] }, b);
      await one.dispatch("READY");
      await server.dispatch(userTopic(a.user.id), "TEST_SHARD", "{}");
      await server.dispatch(userTopic(b.user.id), "TEST_SHARD", "{}");
      await zero.dispatch("TEST_SHARD");
      one.send({ op: 1, d: null });
      await one.op(11);
      expect(one.frames.some((f) => f.t === "TEST_SHARD")).toBe(false);

      const again = await connect();
      await again.op(10);
      await identify(again, { shard: [1, 2] }, a);
      expect(await again.op(9)).toEqual({ op: 9, d: false, s: null, t: null });
    });
  });
}

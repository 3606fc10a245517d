/**
 * Guild loads are bounded by a native semaphore shared by every worker of the process
 * (DESIGN.md, "Limited concurrency"). With every permit taken, a join is refused at once,
 * not queued: READY keeps the guild as an unavailable stub and its GUILD_CREATE follows once
 * a retry loads it. An ingress call on the guild is asked again for about 5 s (as while a
 * cluster's guilds move): it succeeds if a permit frees meanwhile, else answers 503 with a
 * clear message.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { openSemaphore } from "../src/native.ts";
import type { RunningServer } from "../src/server.ts";
import type { MemoryGuildStore } from "../src/store/memory.ts";
import { startBunTransport } from "../src/transport/bun.ts";
import { RawClient } from "./support/gateway-client.ts";
import { startTestServer } from "./support/harness.ts";
import { callJson, type Json } from "./support/http.ts";

const SECRET = "guild-load-secret-0123456789abcdef";
let server: RunningServer;
let store: MemoryGuildStore;

beforeAll(() => {
  ({ server, store } = startTestServer({ node: "load", tokenSecret: SECRET, args: ["--guild-loads-in-flight", "4"] }, startBunTransport));
});

afterAll(() => server.stop());

test("with every load permit taken, a join is refused at once and retried; ingress waits, then answers 503", async () => {
  const httpBase = `http://${server.transport.hostname}:${server.transport.port}`;
  const api = (method: string, path: string, body?: unknown) => callJson(httpBase, method, path, body);
  const { json: user } = await api("POST", "/internal/users", { username: "patient", bot: true });
  // A guild in the store that no worker has loaded yet (as after a restart).
  const guild = { id: "4194304100", name: "Slow Guild", ownerId: user.id as string, icon: null, createdAt: 0 };
  await store.writeGuild(guild.id, 0, [
    { k: "guild", guild },
    { k: "role", role: { id: guild.id, guildId: guild.id, name: "@everyone", permissions: 1n << 10n, position: 0, hoist: false, color: 0, mentionable: false } },
    { k: "member", member: { guildId: guild.id, userId: guild.ownerId, roleIds: [], nick: null, joinedAt: 0 } },
  ]);
  // Another process's worth of loads in flight: take every permit of the shared semaphore.
  const loads = openSemaphore("guildgate:guild-load", 4);
  let taken = 0;
  while (loads.tryAcquire()) taken++;
  try {
    const client = new RawClient(`${server.gatewayUrl}/?v=10&encoding=json`);
    await client.opened();
    await client.op(10);
    client.send({ op: 2, d: { token: (await api("POST", `/internal/users/${user.id}/token`)).json.token, intents: 1, properties: { os: "l", browser: "t", device: "t" } } });
    expect(((await client.dispatch("READY")).d as Json).guilds).toEqual([{ id: guild.id, unavailable: true }]);
    const refused = await api("POST", `/internal/guilds/${guild.id}/dispatch`, { t: "PING", d: {}, intents: 0, permissions: "0" });
    expect(refused.status).toBe(503);
    expect(refused.json.message).toContain("guild loads are in flight");
    // Asked again while it waits, a call goes through once a permit frees.
    const waiting = api("POST", `/internal/guilds/${guild.id}/dispatch`, { t: "PING", d: {}, intents: 0, permissions: "0" });
    await Bun.sleep(200);
    for (; taken > 0; taken--) loads.release();
    expect((await waiting).status).toBe(202);
    expect(((await client.dispatch("GUILD_CREATE")).d as Json).id).toBe(guild.id);
    client.close(1000);
  } finally {
    for (; taken > 0; taken--) loads.release();
  }
}, 20_000);

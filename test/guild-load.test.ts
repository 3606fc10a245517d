/**
 * Guild loads are bounded by a native semaphore shared by every worker of the process
 * (DESIGN.md, "Limited concurrency"). With every permit taken, a join is refused at once,
 * not queued: READY keeps the guild as an unavailable stub and its GUILD_CREATE follows once
 * a retry loads it; an ingress call on the guild answers 503 with a clear message.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { openSemaphore } from "../src/native.ts";
import { RawClient } from "./support/gateway-client.ts";
import { bunHarness } from "./support/bun-harness.ts";
import { callJson, type Json } from "./support/http.ts";
import type { Harness } from "./support/harness.ts";

const SECRET = "guild-load-secret-0123456789abcdef";
let server: Harness;

beforeAll(async () => {
  server = await bunHarness.start({ node: "load", tokenSecret: SECRET, args: ["--guild-loads-in-flight", "4"] });
});

afterAll(() => server.stop());

test("with every load permit taken, a join is refused at once and retried; ingress answers 503", async () => {
  const api = (method: string, path: string, body?: unknown) => callJson(server.httpBase, method, path, body);
  const { json: user } = await api("POST", "/internal/users", { username: "patient", bot: true });
  const { json: guild } = await api("POST", "/internal/guilds", { name: "Slow Guild", owner_id: user.id });
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
    for (; taken > 0; taken--) loads.release();
    expect(((await client.dispatch("GUILD_CREATE")).d as Json).id).toBe(guild.id);
    client.close(1000);
  } finally {
    for (; taken > 0; taken--) loads.release();
  }
});

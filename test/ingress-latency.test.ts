/**
 * Ingress-to-send latency, end to end on one worker: a message posted over REST is one
 * observation however many sessions get it, and an event no HTTP request caused (a presence
 * from op 3) is none.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { bunHarness } from "./support/bun-harness.ts";
import { RawClient } from "./support/gateway-client.ts";
import type { Harness } from "./support/harness.ts";
import { callJson } from "./support/http.ts";

const GUILDS = 1;
const GUILD_PRESENCES = 1 << 8;
const GUILD_MESSAGES = 1 << 9;
let server: Harness;
const open: RawClient[] = [];

beforeAll(async () => {
  server = await bunHarness.start({ node: "latency", tokenSecret: "latency-secret-0123456789abcdef", args: ["--heartbeat-interval-ms", "30000"] });
});

afterAll(async () => {
  for (const client of open) client.close();
  await server.stop();
});

const api = (method: string, path: string, body?: unknown, auth?: string) => callJson(server.httpBase, method, path, body, auth);

/** The histogram's `_count` in /metrics. */
async function observations(): Promise<number> {
  const text = await (await fetch(`${server.httpBase}/metrics`)).text();
  return Number(/^guildgate_ingress_to_send_seconds_count{node="[^"]+"} (\d+)$/m.exec(text)?.[1]);
}

async function session(token: string): Promise<RawClient> {
  const client = new RawClient(`${server.gatewayUrl}/?v=10&encoding=json`);
  open.push(client);
  await client.op(10);
  client.send({ op: 2, d: { token, intents: GUILDS | GUILD_MESSAGES | GUILD_PRESENCES, properties: { os: "t", browser: "t", device: "t" } } });
  await client.dispatch("GUILD_CREATE");
  return client;
}

test("one observation per event, not per recipient, and none for an event no request caused", async () => {
  const users = await Promise.all(
    ["ann", "ben"].map(async (username) => {
      const { json } = await api("POST", "/internal/users", { username, privileged_intents: GUILD_PRESENCES });
      return { id: json.id as string, token: (await api("POST", `/internal/users/${json.id}/token`)).json.token as string };
    }),
  );
  const [ann, ben] = users as [{ id: string; token: string }, { id: string; token: string }];
  const guild = (await api("POST", "/internal/guilds", { name: "latency", owner_id: ann.id })).json.id as string;
  await api("PUT", `/internal/guilds/${guild}/members/${ben.id}`, {});
  const channel = (await api("POST", `/internal/guilds/${guild}/channels`, { name: "general" })).json.id as string;
  const [annClient, benClient] = [await session(ann.token), await session(ben.token)];

  const before = await observations();
  expect((await api("POST", `/api/v10/channels/${channel}/messages`, { content: "hi" }, `Bot ${ann.token}`)).status).toBe(200);
  await Promise.all([annClient.dispatch("MESSAGE_CREATE"), benClient.dispatch("MESSAGE_CREATE")]);
  expect(await observations()).toBe(before + 1);

  // A presence (op 3) reaches ben with no HTTP request behind it; a marker dispatched after it
  // is the barrier, and only the marker's request is observed.
  annClient.send({ op: 3, d: { status: "idle", since: null, activities: [], afk: false } });
  await benClient.dispatch("PRESENCE_UPDATE");
  expect((await api("POST", `/internal/guilds/${guild}/dispatch`, { t: "MARKER", d: {}, intents: 0, permissions: "0" })).status).toBe(202);
  await benClient.dispatch("MARKER");
  expect(await observations()).toBe(before + 2);
});

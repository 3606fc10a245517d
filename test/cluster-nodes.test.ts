/**
 * Three nodes of the compiled binary behind one real nats-server, sharing one PostgreSQL
 * (scripts/local-cluster.ts): a guild owned by the third node; a session on every node; a
 * message posted on one node reaches all three; GET /cluster shows the three. Then the
 * guild's owner is killed (SIGKILL): its client comes back on another node (op 9 to its
 * RESUME, then IDENTIFY) and is READY with the guild; the guild is owned again; the other
 * nodes' sessions get every message exactly once, in order. Then a node started again leaves
 * (SIGTERM) under a stream of messages: its session gets op 7, RESUMEs on another node, and
 * across its two sockets gets every message exactly once, in order. Last, across the two
 * nodes left: a slash command invoked on one is answered and followed up on the other (a
 * second answer refused), and a thread started on one is talked in from the other.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { peerId } from "../src/cluster/bus.ts";
import { openHashRing } from "../src/native.ts";
import { startLocalCluster, type LocalCluster } from "../scripts/local-cluster.ts";
import { RawClient, type Frame } from "./support/gateway-client.ts";
import { freshDatabase } from "./support/postgres.ts";

type Json = Record<string, unknown>;
const INTENTS = (1 << 0) | (1 << 9);

let cluster: LocalCluster;
let database: Awaited<ReturnType<typeof freshDatabase>>;
const open: RawClient[] = [];

beforeAll(async () => {
  database = await freshDatabase();
  cluster = await startLocalCluster({ nodes: 3, workers: 1, database: database.url });
}, 60_000);

afterAll(async () => {
  for (const client of open) client.close();
  if (process.env.CLUSTER_LOGS) for (const node of cluster?.nodes ?? []) console.log(`--- ${node.id}\n${node.log}`);
  await cluster?.close();
  await database?.drop();
});

async function api(node: number, method: string, path: string, body?: unknown, auth = `Bearer ${cluster.ingressSecret}`): Promise<Json> {
  const response = await fetch(`${cluster.nodes[node]?.base}${path}`, {
    method,
    headers: { authorization: auth, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path} on node ${node + 1}: ${response.status} ${text}`);
  return JSON.parse(text) as Json;
}

async function connect(node: number): Promise<RawClient> {
  const client = new RawClient(`ws${cluster.nodes[node]?.base.slice(4)}/?v=10&encoding=json`);
  open.push(client);
  await client.opened();
  await client.op(10);
  return client;
}

const identify = (token: string): Json => ({ op: 2, d: { token, intents: INTENTS, properties: { os: "linux", browser: "t", device: "t" } } });
/**
 * IDENTIFY until READY, as a client does after op 9: an IDENTIFY within 5 s of the user's last
 * one is itself answered op 9 (max_concurrency 1), and the client waits and tries again.
 */
async function identifyAgain(client: RawClient, token: string): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const from = client.frames.length;
    client.send(identify(token));
    const answer = await client.next((f) => f.t === "READY" || f.op === 9, 10_000, from);
    if (answer.t === "READY") return;
    await Bun.sleep(1_000);
  }
  throw new Error("no READY after 10 IDENTIFYs");
}

/** The ids of the messages a client got, in order. */
const messages = (client: RawClient): string[] => client.frames.filter((f: Frame) => f.t === "MESSAGE_CREATE").map((f) => (f.d as Json).id as string);

/** A guild id the ring of these three nodes gives to node `node` (0-based). */
function guildIdOwnedBy(node: number): string {
  const ring = openHashRing(`test-cluster-nodes-${process.pid}`);
  ring.setNodes(cluster.nodes.map((n) => peerId(n.id, 0)));
  let id = BigInt(Date.now()) << 22n;
  while (ring.find((++id).toString()) !== node);
  return id.toString();
}

type Person = { id: string; token: string };
/** Shared by the tests in order: the first builds the guild, the second goes on from where it left. */
const people: Person[] = [];
const sent: string[] = [];
let channelId = "";
let clients: RawClient[] = [];
/** The third member's session, started on node 3 in the second test and moved from there. */
let thirdSessionId = "";

/** Posts a message as `author` through node `node`; remembers its id once acknowledged. */
async function post(node: number, author: Person, content: string): Promise<void> {
  sent.push((await api(node, "POST", `/api/v10/channels/${channelId}/messages`, { content }, `Bot ${author.token}`)).id as string);
}

test("a message posted on one node reaches sessions on all three; a killed owner's session is READY again elsewhere", async () => {
  for (let i = 0; i < 3; i++) {
    const { id } = (await api(0, "POST", "/internal/users", { username: `member${i}` })) as { id: string };
    people.push({ id, token: (await api(0, "POST", `/internal/users/${id}/token`)).token as string });
  }
  const [first, second, third] = people as [Person, Person, Person];
  const { id: guildId } = (await api(0, "POST", "/internal/guilds", { id: guildIdOwnedBy(2), name: "Cluster", owner_id: first.id })) as { id: string };
  channelId = ((await api(1, "POST", `/internal/guilds/${guildId}/channels`, { name: "general" })) as { id: string }).id;
  for (const person of [second, third]) await api(2, "PUT", `/internal/guilds/${guildId}/members/${person.id}`, {});

  // One session per node.
  clients = await Promise.all(
    people.map(async (person, node) => {
      const client = await connect(node);
      client.send(identify(person.token));
      const ready = await client.dispatch("READY", 10_000);
      expect(((ready.d as Json)._trace as string[])[0]).toStartWith(`guildgate-${cluster.nodes[node]?.id}-worker-`);
      await client.dispatch("GUILD_CREATE", 10_000);
      return client;
    }),
  );
  for (let i = 0; i < 10; i++) await post(i % 3, people[i % 3] as Person, `before ${i}`);
  for (const client of clients) await client.next((f) => (f.d as Json)?.id === sent.at(-1), 10_000);
  for (const client of clients) expect(messages(client)).toEqual(sent);

  const view = (await api(1, "GET", "/cluster")) as { nodes: { id: string; answered: number; sessions: number; guilds: number }[] };
  expect(view.nodes.map((n) => [n.id, n.answered, n.sessions])).toEqual([
    ["node-1", 1, 1],
    ["node-2", 1, 1],
    ["node-3", 1, 1],
  ]);
  expect(view.nodes[2]?.guilds).toBe(1);

  // kill -9 the guild's owner, which also holds the third session.
  const onThird = clients[2] as RawClient;
  const ready = onThird.frames.find((f) => f.t === "READY") as Frame;
  await cluster.kill(2);
  expect((await onThird.closed).code).toBe(1006);
  const back = await connect(0);
  back.send({ op: 6, d: { token: third.token, session_id: (ready.d as Json).session_id, seq: onThird.frames.at(-1)?.s } });
  expect((await back.op(9, 10_000)).d).toBe(false);
  await identifyAgain(back, third.token);
  const guild = await back.dispatch("GUILD_CREATE", 10_000);
  expect((guild.d as Json).id).toBe(guildId);

  // The guild is owned again (by node 1 or 2) and delivers to everyone, exactly once, in order.
  for (let i = 0; i < 10; i++) await post(i % 2, people[i % 2] as Person, `after ${i}`);
  for (const client of [clients[0], clients[1], back] as RawClient[]) await client.next((f) => (f.d as Json)?.id === sent.at(-1), 10_000);
  expect(messages(clients[0] as RawClient)).toEqual(sent);
  expect(messages(clients[1] as RawClient)).toEqual(sent);
  expect(messages(back)).toEqual(sent.slice(10));
  const after = (await api(0, "GET", "/cluster")) as { nodes: { id: string }[] };
  expect(after.nodes.map((n) => n.id)).toEqual(["node-1", "node-2"]);
  clients[2] = back;
}, 90_000);

test("a node that leaves (SIGTERM) under a stream of messages: its sessions RESUME on the others with nothing lost or doubled", async () => {
  const third = people[2] as Person;
  await cluster.start(2);
  const onThird = await connect(2);
  await identifyAgain(onThird, third.token);
  await onThird.dispatch("GUILD_CREATE", 10_000);
  const from = sent.length;

  // Messages keep coming through nodes 1 and 2 while node 3 leaves.
  let posting = true;
  const stream = (async () => {
    for (let i = 0; posting && i < 500; i++) await post(i % 2, people[i % 2] as Person, `stream ${i}`);
  })();
  await Bun.sleep(200);
  const stopped = cluster.stop(2);
  await onThird.op(7, 10_000);
  // As a client does on op 7: close with a code that keeps the session, and RESUME elsewhere.
  onThird.close(4000, "reconnect");
  await onThird.closed;
  const ready = onThird.frames.find((f) => f.t === "READY") as Frame;
  thirdSessionId = (ready.d as Json).session_id as string;
  const moved = await connect(1);
  moved.send({ op: 6, d: { token: third.token, session_id: (ready.d as Json).session_id, seq: onThird.frames.filter((f) => f.s !== null).at(-1)?.s } });
  const resumed = await moved.dispatch("RESUMED", 10_000);
  expect(((resumed.d as Json)._trace as string[])[0]).toStartWith("guildgate-node-2-");
  expect(await stopped).toBe(0);
  await Bun.sleep(300);
  posting = false;
  await stream;
  for (const client of [clients[0], clients[1], moved] as RawClient[]) await client.next((f) => (f.d as Json)?.id === sent.at(-1), 10_000);
  expect(messages(clients[0] as RawClient)).toEqual(sent);
  expect(messages(clients[1] as RawClient)).toEqual(sent);
  // The session's messages, across both sockets: each exactly once, in order.
  expect([...messages(onThird), ...messages(moved)]).toEqual(sent.slice(from));
  const view = (await api(0, "GET", "/cluster")) as { nodes: { id: string }[] };
  expect(view.nodes.map((n) => n.id)).toEqual(["node-1", "node-2"]);
  clients[2] = moved;
}, 90_000);

test("a session that moved once moves again after its first home restarted: every node is asked where it is", async () => {
  // The third member's session lives on node 2 now, under an id that names node 3.
  await cluster.start(2);
  const from = sent.length;
  let posting = true;
  const stream = (async () => {
    for (let i = 0; posting && i < 500; i++) await post(i % 2 === 0 ? 0 : 2, people[0] as Person, `again ${i}`);
  })();
  await Bun.sleep(200);
  // Node 2 leaves: both its sessions get op 7 and RESUME on node 1.
  const stopped = cluster.stop(1);
  const moving = [clients[1], clients[2]] as RawClient[];
  const again = await Promise.all(
    moving.map(async (client, i) => {
      await client.op(7, 10_000);
      client.close(4000, "reconnect");
      await client.closed;
      // The moved session's socket saw RESUMED, not READY: its id is the one its first socket got.
      const sessionId = (client.frames.find((f) => f.t === "READY")?.d as Json | undefined)?.session_id ?? thirdSessionId;
      const next = await connect(0);
      next.send({ op: 6, d: { token: (people[i + 1] as Person).token, session_id: sessionId, seq: client.frames.filter((f) => f.s !== null).at(-1)?.s } });
      const resumed = await next.dispatch("RESUMED", 10_000);
      expect(((resumed.d as Json)._trace as string[])[0]).toStartWith("guildgate-node-1-");
      return next;
    }),
  );
  expect(await stopped).toBe(0);
  await Bun.sleep(300);
  posting = false;
  await stream;
  for (const client of [clients[0], ...again] as RawClient[]) await client.next((f) => (f.d as Json)?.id === sent.at(-1), 10_000);
  expect(messages(clients[0] as RawClient)).toEqual(sent);
  moving.forEach((client, i) => {
    const after = [...messages(client), ...messages(again[i] as RawClient)];
    expect(after.slice(after.indexOf(sent[from] as string))).toEqual(sent.slice(from));
  });
}, 90_000);

test("across nodes: a slash command invoked on one node is answered and followed up on the other; a thread started on one is talked in from the other", async () => {
  // Nodes 1 and 3 are up now (node 2 left in the test before). Whichever owns the new guild, each step below crosses NATS one way or the other.
  const [onFirst, onThird] = [0, 2];
  const newUser = async (username: string, bot: boolean): Promise<Person> => {
    const { id } = (await api(onFirst, "POST", "/internal/users", { username, bot })) as { id: string };
    return { id, token: (await api(onFirst, "POST", `/internal/users/${id}/token`)).token as string };
  };
  const [app, human] = [await newUser("cluster-app", true), await newUser("cluster-human", false)];
  const { id: guildId } = (await api(onFirst, "POST", "/internal/guilds", { name: "Interactions", owner_id: human.id })) as { id: string };
  const lobby = ((await api(onThird, "POST", `/internal/guilds/${guildId}/channels`, { name: "lobby" })) as { id: string }).id;
  await api(onThird, "PUT", `/internal/guilds/${guildId}/members/${app.id}`, {});
  const command = await api(onFirst, "POST", `/api/v10/applications/${app.id}/commands`, { name: "ping", description: "Ping" }, `Bot ${app.token}`);
  const appSession = await connect(onThird);
  appSession.send(identify(app.token));
  await appSession.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guildId, 10_000);
  const humanSession = await connect(onFirst);
  humanSession.send(identify(human.token));
  await humanSession.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guildId, 10_000);

  const invoke = { type: 2, application_id: app.id, guild_id: guildId, channel_id: lobby, session_id: "s", nonce: "1", data: { version: command.version, id: command.id, name: "ping", type: 1 } };
  const invoked = await fetch(`${cluster.nodes[onFirst]?.base}/api/v10/interactions`, { method: "POST", headers: { authorization: human.token, "content-type": "application/json" }, body: JSON.stringify(invoke) });
  expect(invoked.status).toBe(204);
  const interaction = (await appSession.next((f) => f.t === "INTERACTION_CREATE", 10_000)).d as Json;
  const answered = await api(onThird, "POST", `/api/v10/interactions/${interaction.id}/${interaction.token}/callback?with_response=true`, { type: 4, data: { content: "pong" } }, "");
  expect(answered).toMatchObject({ resource: { type: 4, message: { content: "pong", type: 20 } } });
  const followUp = await api(onFirst, "POST", `/api/v10/webhooks/${app.id}/${interaction.token}?wait=true`, { content: "and more" }, "");
  // The human's session has no MESSAGE_CONTENT: the messages are known by their ids.
  for (const id of [((answered.resource as Json).message as Json).id, followUp.id]) await humanSession.next((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === id, 10_000);
  const second = await fetch(`${cluster.nodes[onFirst]?.base}/api/v10/interactions/${interaction.id}/${interaction.token}/callback`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: 4, data: { content: "again" } }) });
  expect({ status: second.status, body: await second.json() }).toMatchObject({ status: 400, body: { code: 40060 } });
  expect(followUp).toMatchObject({ content: "and more", interaction_metadata: { id: interaction.id } });

  const thread = (await api(onThird, "POST", `/api/v10/channels/${lobby}/threads`, { name: "across", type: 11 }, `Bot ${human.token}`)) as { id: string };
  await appSession.next((f) => f.t === "THREAD_CREATE" && (f.d as Json).id === thread.id, 10_000);
  const said = await api(onFirst, "POST", `/api/v10/channels/${thread.id}/messages`, { content: "in the thread" }, `Bot ${app.token}`);
  for (const session of [appSession, humanSession]) await session.next((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === said.id, 10_000);
  expect(await api(onThird, "GET", `/api/v10/channels/${thread.id}`, undefined, `Bot ${human.token}`)).toMatchObject({ message_count: 1, member_count: 2 });
}, 60_000);

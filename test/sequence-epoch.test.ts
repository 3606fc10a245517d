/**
 * A worker whose `s` counter nears 2^31 (sequence-counter.ts) starts a new epoch: its
 * sessions get INVALID_SESSION(false), IDENTIFY again and count from 1; a session waiting
 * to resume can no longer do so. No client ever sees an `s` past 2^31 - 1, and a session
 * started on the same socket gets nothing of the old session's topics.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { parseCommand } from "../src/config.ts";
import { startServer, type RunningServer } from "../src/server.ts";
import { mintToken } from "../src/session/auth.ts";
import { EPOCH_HEADROOM, MAX_SEQUENCE } from "../src/session/sequence-counter.ts";
import { userTopic } from "../src/protocol/topics.ts";
import { MemoryGuildStore } from "../src/store/memory.ts";
import { startBunTransport } from "../src/transport/bun.ts";
import { RawClient, type Frame } from "./support/gateway-client.ts";

const SECRET = "epoch-token-secret-0123456789abcdef";
/** Two READYs and three dispatches fit in the epoch; the third dispatch reaches its headroom. */
const START = MAX_SEQUENCE - EPOCH_HEADROOM - 5;
const store = new MemoryGuildStore();
let server: RunningServer;
const open: RawClient[] = [];

beforeAll(() => {
  const command = parseCommand(["--port", "0", "--heartbeat-interval-ms", "30000"], {});
  if (command.kind !== "run") throw new Error("bad test config");
  server = startServer({
    config: command.config,
    secrets: { tokenSecret: SECRET, ingressSecret: "ingress" },
    store,
    startTransport: startBunTransport,
    version: "test",
    node: "epoch",
    worker: 0,
    sequenceStart: START,
  });
});

afterAll(async () => {
  for (const client of open) client.close();
  await server.stop();
});

let nextUser = 286_000_000_000_000_000n;
async function account(): Promise<{ id: string; token: string }> {
  const id = (++nextUser).toString();
  const user = { id, username: `u${id.slice(-4)}`, globalName: null, avatar: null, bot: true, privilegedIntents: 0, createdAt: 0, tokenGeneration: 0 };
  await store.putUser(user);
  return { id, token: mintToken(SECRET, user) };
}

async function connect(): Promise<RawClient> {
  const client = new RawClient(`${server.gatewayUrl}/?v=10&encoding=json`);
  open.push(client);
  await client.opened();
  await client.op(10);
  return client;
}

const identify = (token: string) => ({ op: 2, d: { token, intents: 1, properties: { os: "linux", browser: "t", device: "t" } } });
const stamps = (frames: Frame[]): number[] => frames.filter((f) => f.op === 0).map((f) => f.s as number);

test("near 2^31 the worker starts a new epoch: op 9, IDENTIFY again, s from 1, each event once, never past 2^31 - 1", async () => {
  const live = await account();
  const waiting = await account();
  const client = await connect();
  client.send(identify(live.token));
  const ready = await client.dispatch("READY");
  expect(ready.s).toBe(START + 1);

  // A second session drops and waits to resume; the new epoch ends it too.
  const dropped = await connect();
  dropped.send(identify(waiting.token));
  const droppedReady = await dropped.dispatch("READY");
  dropped.close(4200);
  await dropped.closed;

  for (let n = 0; n < 4; n++) server.sessions.publishTopics([userTopic(live.id)], "TEST_EVENT", JSON.stringify({ n }));
  expect((await client.op(9)).d).toBe(false);
  expect(server.gateway.stats().sequenceEpochs).toBe(1);
  const before = stamps(client.frames);
  // The other session's READY took START + 2; the operation in progress (all four) finishes first.
  expect(before).toEqual([START + 1, START + 3, START + 4, START + 5, START + 6]);

  // IDENTIFY again on the same socket (as another user: the first is within its 5 s identify
  // window): the new session counts from 1 and gets nothing of the old session's topics.
  const other = await account();
  const from = client.frames.length;
  client.send(identify(other.token));
  const again = await client.next((f) => f.t === "READY", 5_000, from);
  expect(again.s).toBe(1);
  server.sessions.publishTopics([userTopic(live.id)], "OLD_TOPIC", "{}");
  server.sessions.publishTopics([userTopic(other.id)], "TEST_EVENT", "{}");
  server.sessions.publishTopics([userTopic(other.id)], "MARKER", "{}");
  await client.next((f) => f.t === "MARKER", 5_000, from);
  const after = client.frames.slice(from).filter((f) => f.op === 0);
  expect(after.map((f) => [f.t, f.s])).toEqual([
    ["READY", 1],
    ["TEST_EVENT", 3],
    ["MARKER", 4],
  ]);
  expect([...before, ...stamps(after)].every((s) => (s | 0) === s)).toBe(true);

  // The dropped session's RESUME, with a stamp of the old epoch, is refused: it must IDENTIFY.
  const resumer = await connect();
  resumer.send({ op: 6, d: { token: waiting.token, session_id: (droppedReady.d as { session_id: string }).session_id, seq: droppedReady.s } });
  expect((await resumer.op(9)).d).toBe(false);
});

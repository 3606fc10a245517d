/**
 * The socket state machine (gateway.ts) with the session layer under it (sessions,
 * identify, resume, heartbeats), over fake sockets and a hand-moved clock: what a client
 * sees for each thing it may do, in each state.
 */
import { expect, test } from "bun:test";
import { openSemaphore } from "../native.ts";
import type { User } from "../store/guild-store.ts";
import { FakePublisher, FakeSocket } from "../../test/support/fake-socket.ts";
import { Gateway } from "./gateway.ts";
import { Heartbeats } from "./heartbeats.ts";
import { Identify } from "./identify.ts";
import { ResumeLog } from "./resume-log.ts";
import { Resumes } from "./resume.ts";
import type { Session } from "./session.ts";
import { Sessions } from "./sessions.ts";

const USER: User = { id: "175928847299117063", username: "u", globalName: null, avatar: null, bot: true, privilegedIntents: 0, createdAt: 0, tokenGeneration: 0 };
const HEARTBEAT_MS = 1_000;
let rigs = 0;

function rig() {
  const clock = { t: 1_000_000 };
  const publisher = new FakePublisher();
  const sessions = new Sessions({ resumeLog: new ResumeLog({ now: () => clock.t }), publisher, now: () => clock.t });
  const ended: Session[] = [];
  sessions.whenEnded((session) => ended.push(session));
  const joined: string[][] = [];
  const identify = new Identify({
    sessions,
    guilds: { guildIdsFor: async () => ["81384788765712384"], joinAll: (_session, guildIds) => void joined.push([...guildIds]) },
    verifyToken: async (token) => (token === "good" ? USER : undefined),
    identifySemaphore: openSemaphore(`test:gateway-unit:${process.pid}:${++rigs}`, 16),
    tryStartIdentify: async () => true,
    privateChannels: async () => [],
    guildsPerShard: 2500,
    node: "n",
    worker: 0,
    gatewayUrl: "ws://gw",
    trace: ["guildgate-n-worker-0"],
  });
  const resumes = new Resumes({ sessions, resumed: () => undefined, replayBatchBytes: 1 << 20, resumedJson: "{}" });
  const heartbeats = new Heartbeats({ sessions, heartbeatIntervalMs: HEARTBEAT_MS, resumeWindowMs: 5_000 });
  const ops: number[] = [];
  const gateway = new Gateway({
    sessions,
    heartbeats,
    identify,
    resumes,
    resumeElsewhere: () => false,
    guildOp: (_session, payload) => void ops.push(payload.op),
    heartbeatIntervalMs: HEARTBEAT_MS,
  });
  const connect = (query = "/?v=10&encoding=json"): FakeSocket => {
    const socket = new FakeSocket(gateway.upgrade(new Request(`http://gw${query}`)));
    publisher.sockets.add(socket);
    gateway.handlers.open(socket);
    return socket;
  };
  const send = (socket: FakeSocket, payload: unknown): void => gateway.handlers.message(socket, JSON.stringify(payload));
  const identifyOn = async (socket: FakeSocket, token = "good"): Promise<void> => {
    send(socket, { op: 2, d: { token, intents: 513, properties: { os: "linux", browser: "t", device: "t" } } });
    await Bun.sleep(0);
  };
  return { clock, sessions, ended, joined, ops, gateway, heartbeats, connect, send, identifyOn };
}

test("HELLO comes first; a heartbeat before IDENTIFY is acknowledged", () => {
  const { connect, send } = rig();
  const socket = connect();
  expect(socket.frames()).toEqual([{ op: 10, d: { heartbeat_interval: HEARTBEAT_MS }, s: null, t: null }]);
  send(socket, { op: 1, d: null });
  expect(socket.frames()[1]).toEqual({ op: 11, d: null, s: null, t: null });
});

test("an unsupported version is closed with 4012 on open, before any HELLO", () => {
  const { connect } = rig();
  const socket = connect("/?v=8&encoding=json");
  expect(socket.closedWith?.code).toBe(4012);
  expect(socket.sent).toEqual([]);
});

test("IDENTIFY: READY with s 1 and the session's user topic held, then its guilds are joined", async () => {
  const { connect, identifyOn, sessions, joined } = rig();
  const socket = connect();
  await identifyOn(socket);
  const ready = socket.frames().find((f) => f.t === "READY");
  expect(ready?.s).toBe(1);
  expect(sessions.size).toBe(1);
  // READY has the whole user; the session keeps only what it reads again.
  expect((ready?.d as { user: { username: string } }).user.username).toBe(USER.username);
  expect([...sessions.values()][0]?.user).toEqual({ id: USER.id, bot: USER.bot });
  // The session holds its user's topic; the transport does not (its events are sent per socket).
  expect([...sessions.values()][0]?.topics.has(`u:${USER.id}`)).toBe(true);
  expect([...socket.topics]).toEqual([]);
  const s = sessions.publishTopics([`u:${USER.id}`], "TEST_EVENT", "{}");
  expect(socket.frames().at(-1)).toEqual({ op: 0, d: {}, s, t: "TEST_EVENT" });
  await Bun.sleep(1);
  expect(joined).toEqual([["81384788765712384"]]);
});

test("each wrong move closes with Discord's code", async () => {
  const { connect, send, identifyOn, gateway } = rig();
  const badToken = connect();
  await identifyOn(badToken, "bad");
  expect(badToken.closedWith?.code).toBe(4004);

  const twice = connect();
  await identifyOn(twice);
  await identifyOn(twice);
  expect(twice.closedWith?.code).toBe(4005);

  const early = connect();
  send(early, { op: 3, d: { since: null, activities: [], status: "online", afk: false } });
  expect(early.closedWith?.code).toBe(4003);

  const garbage = connect();
  gateway.handlers.message(garbage, "{not json");
  expect(garbage.closedWith?.code).toBe(4002);

  const chatty = connect();
  for (let i = 0; i < 121; i++) send(chatty, { op: 1, d: null });
  expect(chatty.closedWith?.code).toBe(4008);
});

test("a ready session's guild ops go to the guild side; a presence is kept on the session", async () => {
  const { connect, send, identifyOn, ops, sessions } = rig();
  const socket = connect();
  await identifyOn(socket);
  send(socket, { op: 3, d: { since: null, activities: [], status: "idle", afk: false } });
  send(socket, { op: 8, d: { guild_id: "81384788765712384", query: "", limit: 0 } });
  expect(ops).toEqual([3, 8]);
  expect([...sessions.values()][0]?.presence.status).toBe("idle");
});

test("a resumable close keeps the session for RESUME; a normal close ends it and its guilds are told", async () => {
  const { connect, identifyOn, gateway, sessions, ended } = rig();
  const resumable = connect();
  await identifyOn(resumable);
  gateway.handlers.close(resumable, 4000, "");
  expect(sessions.size).toBe(1);
  expect(ended).toEqual([]);
  const normal = connect();
  await identifyOn(normal);
  gateway.handlers.close(normal, 1000, "");
  expect(ended.map((session) => session.socket)).toEqual([null]);
});

test("RESUME replays what the session missed, in order, then RESUMED; an unknown one gets op 9; a seq never sent 4007", async () => {
  const { connect, send, identifyOn, gateway, sessions } = rig();
  const first = connect();
  await identifyOn(first);
  const ready = first.frames().find((f) => f.t === "READY") as { d: { session_id: string }; s: number };
  gateway.handlers.close(first, 4000, "");
  for (let n = 0; n < 3; n++) sessions.publishTopics([`u:${USER.id}`], "MISSED", JSON.stringify({ n }));

  const again = connect();
  send(again, { op: 6, d: { token: "good", session_id: ready.d.session_id, seq: ready.s } });
  await Bun.sleep(0);
  expect(again.frames().filter((f) => f.op === 0).map((f) => [f.t, (f.d as { n?: number }).n])).toEqual([
    ["MISSED", 0],
    ["MISSED", 1],
    ["MISSED", 2],
    ["RESUMED", undefined],
  ]);
  const live = sessions.publishTopics([`u:${USER.id}`], "LIVE", "{}");
  expect(again.frames().at(-1)).toEqual({ op: 0, d: {}, s: live, t: "LIVE" });

  const unknown = connect();
  send(unknown, { op: 6, d: { token: "good", session_id: "n.0.000000000000000000000000", seq: 1 } });
  await Bun.sleep(0);
  expect(unknown.frames().at(-1)).toEqual({ op: 9, d: false, s: null, t: null });

  gateway.handlers.close(again, 4000, "");
  const ahead = connect();
  send(ahead, { op: 6, d: { token: "good", session_id: ready.d.session_id, seq: 10_000 } });
  await Bun.sleep(0);
  expect(ahead.closedWith?.code).toBe(4007);
});

test("the sweep asks a quiet socket for a heartbeat, then closes it: 4009 unidentified, 4000 identified; and ends sessions past the resume window", async () => {
  const { connect, identifyOn, heartbeats, clock, gateway, sessions } = rig();
  const quiet = connect();
  const identified = connect();
  await identifyOn(identified);
  clock.t += HEARTBEAT_MS + 1;
  heartbeats.sweep();
  expect(quiet.frames().at(-1)).toEqual({ op: 1, d: null, s: null, t: null });
  expect(quiet.closedWith).toBeNull();
  clock.t += HEARTBEAT_MS;
  heartbeats.sweep();
  expect(quiet.closedWith?.code).toBe(4009);
  expect(identified.closedWith?.code).toBe(4000);
  gateway.handlers.close(identified, 4000, "");
  expect(sessions.size).toBe(1);
  clock.t += 5_001;
  heartbeats.sweep();
  expect(sessions.size).toBe(0);
  heartbeats.stop();
});

/**
 * Frames leaving a worker (outbox.ts): one frame and one stamp per event whatever the number
 * of recipients, kept once in the resume log, published natively once per topic, deflated
 * once for compressed subscribers; answers to one session logged or not, as asked.
 */
import { expect, test } from "bun:test";
import { inflateSync } from "node:zlib";
import { FakePublisher, FakeSocket } from "../../test/support/fake-socket.ts";
import { decodeEtf } from "../protocol/etf-decode.ts";
import { wireTopic } from "../protocol/topics.ts";
import { Outbox } from "./outbox.ts";
import { ResumeLog } from "./resume-log.ts";
import { EPOCH_HEADROOM, MAX_SEQUENCE } from "./sequence-counter.ts";
import type { Connection, Session } from "./session.ts";

const connection = (compressed: boolean, etf = false): Connection =>
  ({ compressed, etf, state: "ready", session: null, zlibStarted: false }) as unknown as Connection;

function rig(sequenceStart = 0) {
  const publisher = new FakePublisher();
  const log = new ResumeLog();
  let endings = 0;
  /** The sockets of each user's topic (the transport holds no user topics). */
  const users = new Map<string, FakeSocket[]>();
  const outbox = new Outbox({ resumeLog: log, publisher, sequenceStart, epochEnding: () => void endings++, userSockets: (userId) => users.get(userId) ?? [] });
  const socket = (topic: string, compressed = false, etf = false): FakeSocket => {
    const s = new FakeSocket(connection(compressed, etf));
    s.subscribe(wireTopic(topic, { compressed, etf }));
    publisher.sockets.add(s);
    return s;
  };
  return { publisher, log, outbox, socket, users, endings: () => endings };
}

test("one event to many sessions: one frame, one stamp, one log entry, one native publish per topic", () => {
  const { outbox, publisher, log, socket } = rig();
  const a = [socket("g:1:0:1"), socket("g:1:0:1"), socket("g:1:0:1")];
  const b = socket("g:1:1:1");
  const s = outbox.publishTopics(["g:1:0:1", "g:1:1:1", "g:1:2:1"], "MESSAGE_CREATE", '{"id":"1"}');
  expect(s).toBe(1);
  expect(publisher.published.map((p) => p.topic)).toEqual(["g:1:0:1", "g:1:1:1"]);
  expect(new Set(publisher.published.map((p) => p.frame)).size).toBe(1);
  for (const socketOf of [...a, b]) expect(socketOf.frames()).toEqual([{ op: 0, d: { id: "1" }, s: 1, t: "MESSAGE_CREATE" }]);
  expect(log.size).toBe(1);
  expect(outbox.fanoutDeliveries).toBe(4);
  expect(outbox.dispatches.get("MESSAGE_CREATE")).toBe(1);
});

test("compressed subscribers get the same event deflated once, as a sync-flushed block", () => {
  const { outbox, publisher, socket } = rig();
  socket("g:1:0:1", true);
  socket("g:1:0:1", true);
  outbox.publishTopics(["g:1:0:1"], "TYPING_START", "{}");
  expect(publisher.published.map((p) => p.topic)).toEqual([wireTopic("g:1:0:1", { compressed: true, etf: false })]);
  const block = publisher.published[0]?.frame as Uint8Array;
  expect([...block.slice(-4)]).toEqual([0x00, 0x00, 0xff, 0xff]);
  // A block is raw deflate after the per-socket 2-byte zlib header.
  const text = inflateSync(Buffer.concat([Buffer.from([0x78, 0x9c]), Buffer.from(block)]), { finishFlush: 2 }).toString();
  expect(JSON.parse(text)).toEqual({ op: 0, d: {}, s: 1, t: "TYPING_START" });
});

test("ETF subscribers, plain and deflated, get the event encoded once per format beside JSON's", () => {
  const { outbox, publisher, socket } = rig();
  const json = socket("g:1:0:1");
  const etf = [socket("g:1:0:1", false, true), socket("g:1:0:1", false, true)];
  const etfDeflated = socket("g:1:0:1", true, true);
  outbox.publishTopics(["g:1:0:1"], "MESSAGE_CREATE", '{"id":"175928847299117063"}');
  expect(publisher.published.map((p) => p.topic)).toEqual(["g:1:0:1", "g:1:0:1|e", "g:1:0:1|ez"]);
  expect(json.frames()).toEqual([{ op: 0, d: { id: "175928847299117063" }, s: 1, t: "MESSAGE_CREATE" }]);
  const [a, b] = etf.map((s) => s.sent[0]);
  expect(a).toBe(b as Uint8Array);
  expect(decodeEtf(a as Uint8Array, { atomKeys: true })).toEqual({ op: 0, d: { id: "175928847299117063" }, s: 1, t: "MESSAGE_CREATE" });
  const block = etfDeflated.sent[0] as Uint8Array;
  const inflated = inflateSync(Buffer.concat([Buffer.from([0x78, 0x9c]), Buffer.from(block)]), { finishFlush: 2 });
  expect([...inflated]).toEqual([...(a as Uint8Array)]);
  expect(outbox.fanoutDeliveries).toBe(4);
});

test("a frame sent to one ETF socket goes out as ETF; the log keeps it as JSON", () => {
  const { outbox, log } = rig();
  const socket = new FakeSocket(connection(false, true));
  const session = { id: "S", socket } as unknown as Session;
  outbox.sendTo(session, "GUILD_DELETE", '{"id":"1"}', true);
  expect(decodeEtf(socket.sent[0] as Uint8Array, { atomKeys: true })).toEqual({ op: 0, d: { id: 1 }, s: 1, t: "GUILD_DELETE" });
  expect(log.replay(0, new Set(), "S")).toEqual(['{"op":0,"d":{"id":"1"},"s":1,"t":"GUILD_DELETE"}']);
});

test("a frame for one session is logged for its resume unless the client can ask for it again", () => {
  const { outbox, log } = rig();
  const socket = new FakeSocket(connection(false));
  const session = { id: "S", socket } as unknown as Session;
  outbox.sendTo(session, "GUILD_DELETE", '{"id":"1"}', true);
  outbox.sendTo(session, "GUILD_CREATE", '{"id":"1"}', false);
  expect(socket.frames().map((f) => [f.t, f.s])).toEqual([
    ["GUILD_DELETE", 1],
    ["GUILD_CREATE", 2],
  ]);
  expect(log.replay(0, new Set(), "S")?.map((frame) => JSON.parse(frame).t)).toEqual(["GUILD_DELETE"]);
});

test("the first stamp within the epoch's headroom asks for the epoch's end, once, after the operation in progress", async () => {
  const { outbox, endings } = rig(MAX_SEQUENCE - EPOCH_HEADROOM - 1);
  outbox.publishTopics(["u:1"], "A", "{}");
  outbox.publishTopics(["u:1"], "B", "{}");
  outbox.publishTopics(["u:1"], "C", "{}");
  expect(endings()).toBe(0);
  await Promise.resolve();
  expect(endings()).toBe(1);
  outbox.restartEpoch();
  expect(outbox.publishTopics(["u:1"], "D", "{}")).toBe(1);
});

test("a user's topic goes to the user's sockets one by one, with one stamp and one log entry, and never to the transport", () => {
  const { outbox, publisher, log, users } = rig();
  const plain = new FakeSocket(connection(false));
  const compressed = new FakeSocket({ ...connection(true), zlibStarted: true });
  users.set("7", [plain, compressed]);
  const s = outbox.publishTopics(["u:7"], "TEST_EVENT", '{"n":1}');
  expect(publisher.published).toEqual([]);
  expect(plain.frames()).toEqual([{ op: 0, d: { n: 1 }, s, t: "TEST_EVENT" }]);
  const block = compressed.sent[0] as Uint8Array;
  const text = inflateSync(Buffer.concat([Buffer.from([0x78, 0x9c]), Buffer.from(block)]), { finishFlush: 2 }).toString();
  expect(JSON.parse(text)).toEqual({ op: 0, d: { n: 1 }, s, t: "TEST_EVENT" });
  expect(outbox.fanoutDeliveries).toBe(2);
  expect(log.replay(0, new Set(["u:7"]), "x")?.length).toBe(1);
});

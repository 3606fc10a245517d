/**
 * Frames leaving a worker (outbox.ts): one frame and one stamp per event whatever the number
 * of recipients, kept once in the resume log, published natively once per topic, compressed
 * once per compression for compressed subscribers; answers to one session logged or not, as asked.
 */
import { expect, test } from "bun:test";
import { inflateSync } from "node:zlib";
import { FakePublisher, FakeSocket } from "../../test/support/fake-socket.ts";
import { StreamDecompressor } from "../../test/support/stream-decompressor.ts";
import type { CompressionKind } from "../protocol/compression.ts";
import { decodeEtf } from "../protocol/etf-decode.ts";
import { zstdStreamFirst } from "../native.ts";
import { wireTopic } from "../protocol/topics.ts";
import { Outbox } from "./outbox.ts";
import { ResumeLog } from "./resume-log.ts";
import { EPOCH_HEADROOM, MAX_SEQUENCE } from "./sequence-counter.ts";
import type { Connection, Session } from "./session.ts";

const connection = (compress: CompressionKind | null, etf = false): Connection =>
  ({ compress, etf, state: "ready", session: null, streamStarted: false }) as unknown as Connection;

function rig(sequenceStart = 0) {
  const publisher = new FakePublisher();
  const log = new ResumeLog();
  let endings = 0;
  /** The sockets of each user's topic (the transport holds no user topics). */
  const users = new Map<string, FakeSocket[]>();
  const outbox = new Outbox({ resumeLog: log, publisher, sequenceStart, epochEnding: () => void endings++, userSockets: (userId) => users.get(userId) ?? [] });
  const socket = (topic: string, compress: CompressionKind | null = null, etf = false): FakeSocket => {
    const s = new FakeSocket(connection(compress, etf));
    s.subscribe(wireTopic(topic, { compress, etf }));
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
  socket("g:1:0:1", "zlib-stream");
  socket("g:1:0:1", "zlib-stream");
  outbox.publishTopics(["g:1:0:1"], "TYPING_START", "{}");
  expect(publisher.published.map((p) => p.topic)).toEqual([wireTopic("g:1:0:1", { compress: "zlib-stream", etf: false })]);
  const block = publisher.published[0]?.frame as Uint8Array;
  expect([...block.slice(-4)]).toEqual([0x00, 0x00, 0xff, 0xff]);
  // A block is raw deflate after the per-socket 2-byte zlib header.
  const text = inflateSync(Buffer.concat([Buffer.from([0x78, 0x9c]), Buffer.from(block)]), { finishFlush: 2 }).toString();
  expect(JSON.parse(text)).toEqual({ op: 0, d: {}, s: 1, t: "TYPING_START" });
});

test("zstd-stream subscribers, JSON and ETF, get the event compressed once per format, as blocks any of their streams decode", async () => {
  const { outbox, publisher, socket } = rig();
  const json = [socket("g:1:0:1", "zstd-stream"), socket("g:1:0:1", "zstd-stream")];
  const etf = socket("g:1:0:1", "zstd-stream", true);
  const zlib = socket("g:1:0:1", "zlib-stream");
  outbox.publishTopics(["g:1:0:1"], "MESSAGE_CREATE", '{"id":"175928847299117063"}');
  expect(publisher.published.map((p) => p.topic)).toEqual(["g:1:0:1|z", "g:1:0:1|zs", "g:1:0:1|ezs"]);
  const [a, b] = json.map((s) => s.sent[0]);
  expect(a).toBe(b as Uint8Array);
  expect(zlib.sent[0]).not.toEqual(a);
  // Two streams that began with different first frames decode the same block.
  for (const first of ['{"op":10}', '{"op":11,"d":null}']) {
    const stream = new StreamDecompressor("zstd-stream");
    expect((await stream.read(zstdStreamFirst(first))).toString()).toBe(first);
    expect(JSON.parse((await stream.read(a as Uint8Array)).toString())).toEqual({ op: 0, d: { id: "175928847299117063" }, s: 1, t: "MESSAGE_CREATE" });
    stream.close();
  }
  const etfStream = new StreamDecompressor("zstd-stream");
  await etfStream.read(zstdStreamFirst("x"));
  expect(decodeEtf(new Uint8Array(await etfStream.read(etf.sent[0] as Uint8Array)), { atomKeys: true })).toEqual({ op: 0, d: { id: "175928847299117063" }, s: 1, t: "MESSAGE_CREATE" });
  etfStream.close();
  expect(outbox.fanoutDeliveries).toBe(4);
});

test("ETF subscribers, plain and deflated, get the event encoded once per format beside JSON's", () => {
  const { outbox, publisher, socket } = rig();
  const json = socket("g:1:0:1");
  const etf = [socket("g:1:0:1", null, true), socket("g:1:0:1", null, true)];
  const etfDeflated = socket("g:1:0:1", "zlib-stream", true);
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
  const socket = new FakeSocket(connection(null, true));
  const session = { id: "S", socket } as unknown as Session;
  outbox.sendTo(session, "GUILD_DELETE", '{"id":"1"}', true);
  expect(decodeEtf(socket.sent[0] as Uint8Array, { atomKeys: true })).toEqual({ op: 0, d: { id: 1 }, s: 1, t: "GUILD_DELETE" });
  expect(log.replay(0, new Set(), "S")).toEqual(['{"op":0,"d":{"id":"1"},"s":1,"t":"GUILD_DELETE"}']);
});

test("a frame for one session is logged for its resume unless the client can ask for it again", () => {
  const { outbox, log } = rig();
  const socket = new FakeSocket(connection(null));
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
  const plain = new FakeSocket(connection(null));
  const compressed = new FakeSocket({ ...connection("zlib-stream"), streamStarted: true });
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

/**
 * encoding=etf on the fanout path: `bun bench/etf.bench.ts`.
 *
 * 1. One typical MESSAGE_CREATE (a reply with an author, a member, two mentions, an embed and
 *    a button row) made into a frame once per event in each wire format: JSON, JSON deflated,
 *    ETF, ETF deflated.
 * 2. The whole worker side of one event (`Outbox.publishTopics`: stamp, frame, resume-log
 *    append, one publish per topic and wire format) for N = 1k and 15k subscribers of one
 *    topic, a sixth in each wire format (json and etf, each plain, zlib-stream and
 *    zstd-stream). The transport's publish is native in production;
 *    here it only counts, so the figure is the JS work per event, which must not grow with N:
 *    each format's frame is built once, whatever the number of its recipients.
 */
import { bench, do_not_optimize, group, run, summary } from "mitata";
import { encodeEtfFrame } from "../src/protocol/etf.ts";
import { encodeDispatch } from "../src/protocol/json-codec.ts";
import { WIRE_FORMATS, wireTopic } from "../src/protocol/topics.ts";
import { deflateFrame } from "../src/protocol/zlib-shared.ts";
import { Outbox } from "../src/session/outbox.ts";
import { ResumeLog } from "../src/session/resume-log.ts";
import type { Publisher } from "../src/transport/transport.ts";
import { messageCreate } from "./frames.ts";

const message = messageCreate();
const dJson = JSON.stringify(message);
const frame = encodeDispatch("MESSAGE_CREATE", 1, dJson);

console.log(`MESSAGE_CREATE: JSON ${frame.length} B, ETF ${encodeEtfFrame(frame).length} B, JSON deflated ${deflateFrame(frame).length} B, ETF deflated ${deflateFrame(encodeEtfFrame(frame)).length} B`);

summary(() => {
  group("one MESSAGE_CREATE made into a frame, once per event", () => {
    // A new s each time, as each event has, so the splice is not folded away.
    let s = 0;
    bench("JSON: d spliced into the frame (encodeDispatch)", () => do_not_optimize(encodeDispatch("MESSAGE_CREATE", ++s, dJson)));
    bench("ETF: the JSON frame as terms (encodeEtfFrame)", () => do_not_optimize(encodeEtfFrame(encodeDispatch("MESSAGE_CREATE", 1, dJson))));
    bench("JSON deflated (zlib-stream)", () => do_not_optimize(deflateFrame(encodeDispatch("MESSAGE_CREATE", 1, dJson))));
    bench("ETF deflated (etf + zlib-stream)", () => do_not_optimize(deflateFrame(encodeEtfFrame(encodeDispatch("MESSAGE_CREATE", 1, dJson)))));
  });
});

const TOPIC = "g:800000000000000000:0:1";

/** A native publish stand-in: each wire topic of TOPIC has an equal share of `total` subscribers; publish only counts. */
function outboxFor(total: number): Outbox {
  const counts = new Map(WIRE_FORMATS.map((wire) => [wireTopic(TOPIC, wire), total / WIRE_FORMATS.length]));
  let delivered = 0;
  const publisher: Publisher = {
    publish: (topic) => void (delivered += counts.get(topic) ?? 0),
    subscriberCount: (topic) => counts.get(topic) ?? 0,
  };
  return new Outbox({ resumeLog: new ResumeLog({ maxBytes: 64 * 1024 * 1024 }), publisher, epochEnding: () => {}, userSockets: () => [] });
}

summary(() => {
  group("one event's worker side, a sixth of its recipients in each wire format", () => {
    for (const total of [1_000, 15_000]) {
      const outbox = outboxFor(total);
      bench(`${total.toLocaleString("en")} recipients (JSON, ETF; plain, zlib, zstd)`, () => do_not_optimize(outbox.publishTopics([TOPIC], "MESSAGE_CREATE", dJson)));
    }
  });
});

await run();

/**
 * encoding=etf on the fanout path: `bun bench/etf.bench.ts`.
 *
 * 1. One typical MESSAGE_CREATE (a reply with an author, a member, two mentions, an embed and
 *    a button row) made into a frame once per event in each wire format: JSON, JSON deflated,
 *    ETF, ETF deflated.
 * 2. The whole worker side of one event (`Outbox.publishTopics`: stamp, frame, resume-log
 *    append, one publish per topic and wire format) for N = 1k and 15k subscribers of one
 *    topic, a quarter in each wire format. The transport's publish is native in production;
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

const user = (id: string, name: string) => ({ id, username: name, global_name: name, avatar: null, discriminator: "0", public_flags: 0, bot: false });

const message = {
  type: 19,
  tts: false,
  timestamp: "2026-11-26T01:45:25.796000+00:00",
  pinned: false,
  nonce: "1311018129342119936",
  mentions: [
    { ...user("175928847299117063", "alice"), member: { roles: ["800000000000000005"], nick: null, joined_at: "2025-01-01T00:00:00.000000+00:00", deaf: false, mute: false, flags: 0 } },
    { ...user("175928847299117064", "bob"), member: { roles: [], nick: "Bobby", joined_at: "2025-02-01T00:00:00.000000+00:00", deaf: false, mute: false, flags: 0 } },
  ],
  mention_roles: ["800000000000000005"],
  mention_everyone: false,
  member: { roles: ["800000000000000005", "800000000000000006"], nick: null, joined_at: "2024-06-01T00:00:00.000000+00:00", premium_since: null, deaf: false, mute: false, pending: false, flags: 0 },
  id: "1311018130000000000",
  flags: 0,
  embeds: [{ type: "rich", title: "Release notes", description: "What changed this week, in a few lines of text.", color: 5793266, fields: [{ name: "Fixed", value: "the thing", inline: true }] }],
  edited_timestamp: null,
  content: "hi <@175928847299117063> and <@175928847299117064>, see the notes below",
  components: [{ type: 1, components: [{ type: 2, style: 1, label: "Read more", custom_id: "read-more" }] }],
  channel_id: "800000000000000001",
  author: user("175928847299117062", "carol"),
  attachments: [],
  guild_id: "800000000000000000",
  message_reference: { type: 0, message_id: "1311018120000000000", channel_id: "800000000000000001", guild_id: "800000000000000000" },
};
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

/** A native publish stand-in: each wire topic of TOPIC has `total / 4` subscribers; publish only counts. */
function outboxFor(total: number): Outbox {
  const counts = new Map(WIRE_FORMATS.map((wire) => [wireTopic(TOPIC, wire), total / 4]));
  let delivered = 0;
  const publisher: Publisher = {
    publish: (topic) => void (delivered += counts.get(topic) ?? 0),
    subscriberCount: (topic) => counts.get(topic) ?? 0,
  };
  return new Outbox({ resumeLog: new ResumeLog({ maxBytes: 64 * 1024 * 1024 }), publisher, epochEnding: () => {}, userSockets: () => [] });
}

summary(() => {
  group("one event's worker side, a quarter of its recipients in each wire format", () => {
    for (const total of [1_000, 15_000]) {
      const outbox = outboxFor(total);
      bench(`${total.toLocaleString("en")} recipients (JSON, JSON+zlib, ETF, ETF+zlib)`, () => do_not_optimize(outbox.publishTopics([TOPIC], "MESSAGE_CREATE", dJson)));
    }
  });
});

await run();

import { expect, test } from "bun:test";
import { natsPerEvent, parseVarz } from "./nats-varz.ts";

test("parseVarz takes in_msgs and out_msgs and refuses a body without them", () => {
  expect(parseVarz({ server_id: "x", in_msgs: 12, out_msgs: 30, in_bytes: 999 }, 5)).toEqual({ at: 5, inMsgs: 12, outMsgs: 30 });
  expect(() => parseVarz({ in_msgs: 12 }, 0)).toThrow(/no in_msgs and out_msgs/);
  expect(() => parseVarz(null, 0)).toThrow(/no in_msgs and out_msgs/);
});

test("messages per event are the phase's deltas less the idle rate over the phase, per event", () => {
  // Idle second: 12 in, 36 out (heartbeats). Phase of 2 s: 224 in, 672 out, 100 events.
  const idle = { at: 1_000, inMsgs: 100, outMsgs: 400 };
  const start = { at: 2_000, inMsgs: 112, outMsgs: 436 };
  const end = { at: 4_000, inMsgs: 336, outMsgs: 1_108 };
  expect(natsPerEvent(idle, start, end, 100)).toEqual({
    events: 100,
    inMsgs: 224,
    outMsgs: 672,
    idleInPerSec: 12,
    idleOutPerSec: 36,
    inPerEvent: 2,
    outPerEvent: 6,
  });
});

test("a phase quieter than the idle second gives 0 per event, not a negative count", () => {
  const idle = { at: 0, inMsgs: 0, outMsgs: 0 };
  const start = { at: 1_000, inMsgs: 50, outMsgs: 50 };
  const end = { at: 2_000, inMsgs: 60, outMsgs: 60 };
  const perEvent = natsPerEvent(idle, start, end, 10);
  expect([perEvent.inPerEvent, perEvent.outPerEvent]).toEqual([0, 0]);
});

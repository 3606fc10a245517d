/**
 * What one bus hop between Workers costs: `bun bench/bus.bench.ts`.
 *
 * Two threads linked by the bus (a MessageChannel, as between the binary's workers):
 * - a request and its answer (a routed guild operation, e.g. a join), median round trip;
 * - one-way fanout messages, the shape the owner sends each worker per event
 *   (`{k: "publish", t, parts: [{topics, dJson}]}` with a 600-byte `d`): messages per second
 *   through the link, and the sender's cost per message.
 * Baseline in the same run: the same fanout handed to a function on the same thread.
 */
import type { BusPush } from "../src/cluster/bus.ts";
import { PortBus } from "../src/cluster/bus-ports.ts";

const ROUND_TRIPS = 20_000;
const MESSAGES = 200_000;
const RUNS = 3;

const { port1, port2 } = new MessageChannel();
const peer = new Worker(new URL("./bus-peer.ts", import.meta.url).href);
await new Promise<void>((resolve) => {
  peer.onmessage = () => resolve();
  peer.postMessage({ port: port2 }, [port2]);
});
const bus = new PortBus("bench/0", new Map([["bench/1", port1]]));
bus.listen({ push: () => undefined, request: () => Promise.reject(new Error("not asked")) });

const dJson = JSON.stringify({ id: "1234567890123456789", content: "x".repeat(520), channel_id: "1234567890123456789" });
const fanout: BusPush & { k: "publish" } = {
  k: "publish",
  t: "MESSAGE_CREATE",
  parts: [{ topics: ["g:1234567890123456789:0:201", "g:1234567890123456789:1:201"], dJson }],
};
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const trips: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  for (let i = 0; i < ROUND_TRIPS; i++) await bus.request("bench/1", { k: "identify-start", userId: "1", shardId: i });
  trips.push(((performance.now() - started) * 1000) / ROUND_TRIPS);
}

const rates: number[] = [];
const sendCosts: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  for (let i = 0; i < MESSAGES; i++) bus.send("bench/1", fanout);
  const sent = performance.now();
  // The peer answers "stats" with the pushes it got (see bus-peer.ts).
  const received = (await bus.request("bench/1", { k: "stats" })) as unknown as number;
  const done = performance.now();
  if (received !== MESSAGES) throw new Error(`the peer got ${received} of ${MESSAGES}`);
  sendCosts.push(((sent - started) * 1000) / MESSAGES);
  rates.push(MESSAGES / ((done - started) / 1000));
}

let sink = 0;
const local = (message: typeof fanout): void => void (sink += message.parts[0]?.topics.length ?? 0);
const localCosts: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  for (let i = 0; i < MESSAGES; i++) local(fanout);
  localCosts.push(((performance.now() - started) * 1000) / MESSAGES);
}

console.log(`bus request round trip (median of ${RUNS} × ${ROUND_TRIPS}): ${median(trips).toFixed(1)} µs`);
console.log(`bus fanout message, sender cost: ${median(sendCosts).toFixed(2)} µs; through the link: ${(median(rates) / 1000).toFixed(0)}k messages/s`);
console.log(`same fanout as a same-thread call: ${median(localCosts).toFixed(3)} µs (sink ${sink > 0})`);
bus.close();
peer.terminate();

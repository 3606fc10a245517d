/**
 * Backpressure, for any transport (DESIGN.md "Backpressure"): a client that
 * stops reading while events keep coming is cut off at the per-socket byte
 * bound, and a RESUME gets it every missed event, once, in order. Run by
 * `gateway.test.ts` (Bun.serve) and `gateway-node.test.ts` (uWebSockets.js).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mintToken } from "../src/session/auth.ts";
import { userTopic } from "../src/protocol/topics.ts";
import { RawClient, type Frame } from "./support/gateway-client.ts";
import type { Harness, HarnessFactory } from "./support/harness.ts";
import { TcpWsClient } from "./support/tcp-ws-client.ts";

const SECRET = "backpressure-secret-0123456789abcdef";
const LIMIT_BYTES = 256 * 1024;
/**
 * 1024 events of 16 KiB: 16 MiB, well past the bound plus loopback socket
 * buffers (measured: ~4 MiB get through). Frames stay well under the bound, as
 * real ones do; a single frame larger than the bound could never be paced.
 */
const EVENTS = 1024;
const PAD = "x".repeat(16 * 1024);

export function backpressureContract(harness: HarnessFactory): void {
  describe(`backpressure on ${harness.name}`, () => {
    let server: Harness;

    beforeAll(async () => {
      server = await harness.start({ node: "bp", tokenSecret: SECRET, args: ["--backpressure-bytes", String(LIMIT_BYTES)] });
    });

    afterAll(() => server.stop());

    test("a client that stops reading is dropped without a close frame (1006), and one RESUME gets every event once, in order", async () => {
      const userId = "175928847299200001";
      await server.putUser({ id: userId, username: "slow", globalName: null, avatar: null, bot: true, privilegedIntents: 0, createdAt: 1_700_000_000_000, tokenGeneration: 0 });
      const token = mintToken(SECRET, { id: userId, tokenGeneration: 0 });
      const slow = new TcpWsClient(`${server.gatewayUrl}/?v=10&encoding=json`);
      await slow.next((f) => f.op === 10);
      slow.send({ op: 2, d: { token, intents: 513, properties: { os: "linux", browser: "t", device: "t" } } });
      const ready = await slow.next((f) => f.t === "READY");
      const sessionId = (ready.d as { session_id: string }).session_id;

      slow.pause();
      for (let n = 0; n < EVENTS; n++) await server.dispatch(userTopic(userId), "TEST_BIG", JSON.stringify({ n, pad: PAD }));
      slow.resume();
      // Both transports close the TCP connection at the bound (closeOnBackpressureLimit) and
      // drop what is buffered: no close frame, on purpose. A 4000 would queue behind the bytes
      // this client is not reading, and hold them until it caught up (README).
      expect((await slow.closed).code).toBe(1006);
      const got = slow.frames.filter((f) => f.t === "TEST_BIG");
      expect(got.length).toBeLessThan(EVENTS);

      // The replay is paced by the socket's drain, so one RESUME gets all of it
      // (16 MiB through a 256 KiB bound) and then RESUMED.
      const seen = got.map((f) => (f.d as { n: number }).n);
      const again = new RawClient(`${server.gatewayUrl}/?v=10&encoding=json`);
      await again.op(10);
      again.send({ op: 6, d: { token, session_id: sessionId, seq: (got.at(-1) ?? ready).s } });
      await again.dispatch("RESUMED", 20_000);
      seen.push(...again.frames.filter((f: Frame) => f.t === "TEST_BIG").map((f) => (f.d as { n: number }).n));
      again.close();
      await again.closed;
      expect(seen).toEqual(Array.from({ length: EVENTS }, (_, n) => n));
    }, 30_000);
  });
}

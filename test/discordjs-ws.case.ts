/**
 * Conformance with a real client library: @discordjs/ws's WebSocketManager,
 * pointed at guildgate through @discordjs/rest (GET /api/v10/gateway/bot),
 * connects, identifies and gets READY, plain and with zlib-stream; when its
 * connection is dropped while events keep flowing, it resumes and ends with
 * every event exactly once, in order. Run on Bun.serve (`discordjs-ws.test.ts`)
 * and on uWebSockets.js under Node (`discordjs-ws-node.test.ts`).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { REST } from "@discordjs/rest";
import { CompressionMethod, WebSocketManager, WebSocketShardEvents } from "@discordjs/ws";
import { mintToken } from "../src/session/auth.ts";
import { userTopic } from "../src/protocol/topics.ts";
import type { Harness, HarnessFactory } from "./support/harness.ts";

const SECRET = "conformance-secret-0123456789abcdef";

export function discordjsWsConformance(harness: HarnessFactory): void {
  describe(`@discordjs/ws against ${harness.name}`, () => {
    let server: Harness;
    let nextId = 81384788765712384n;
    const managers: WebSocketManager[] = [];

    beforeAll(async () => {
      server = await harness.start({ node: "conf", tokenSecret: SECRET, args: [] });
    });

    afterAll(async () => {
      await Promise.all(managers.map((m) => m.destroy()));
      await server.stop();
    });

    async function manager(compression: CompressionMethod | null): Promise<{ ws: WebSocketManager; userId: string }> {
      nextId += 1n;
      const userId = nextId.toString();
      await server.putUser({ id: userId, username: `bot${userId.slice(-4)}`, globalName: null, avatar: null, bot: true, privilegedIntents: 0, createdAt: Date.now(), tokenGeneration: 0 });
      const token = mintToken(SECRET, { id: userId, tokenGeneration: 0 });
      const rest = new REST({ api: `${server.httpBase}/api`, version: "10" }).setToken(token);
      const ws = new WebSocketManager({ token, intents: 0, rest, compression });
      managers.push(ws);
      return { ws, userId };
    }

    for (const compression of [null, CompressionMethod.ZlibNative]) {
      const label = compression === null ? "plain JSON" : "zlib-stream";
      test(`connects, identifies and gets READY (${label})`, async () => {
        const { ws, userId } = await manager(compression);
        const ready = new Promise<{ user: { id: string }; session_id: string }>((resolve) => {
          ws.on(WebSocketShardEvents.Ready, (payload) => resolve(payload as never));
        });
        await ws.connect();
        const payload = await ready;
        expect(payload.user.id).toBe(userId);
        expect(payload.session_id.startsWith("conf.0.")).toBe(true);
      });

      test(`resumes after its connection is dropped and misses nothing (${label})`, async () => {
        const { ws, userId } = await manager(compression);
        const seen: number[] = [];
        let resumed = 0;
        ws.on(WebSocketShardEvents.Dispatch, (payload) => {
          if (payload.t === ("TEST_EVENT" as never)) seen.push((payload.d as unknown as { n: number }).n);
        });
        ws.on(WebSocketShardEvents.Resumed, () => resumed++);
        const ready = new Promise<void>((resolve) => ws.on(WebSocketShardEvents.Ready, () => resolve()));
        await ws.connect();
        await ready;

        // Events flow every 2 ms; the connection is dropped at 60 and again once
        // the first resume is done and 180 events have gone out. Events keep
        // flowing (at least 300, at most 10 s) until both drops have happened.
        // Each tick waits for its dispatches, so events go out in order on any harness.
        const total = 300;
        const flowDeadline = Date.now() + 10_000;
        const dropAt = [60, 180];
        let sent = 0;
        let drops = 0;
        for (;;) {
          const flowing = sent < total || drops < dropAt.length;
          for (let i = 0; i < 3 && flowing && Date.now() < flowDeadline; i++) {
            await server.dispatch(userTopic(userId), "TEST_EVENT", JSON.stringify({ n: sent }));
            sent++;
            const due = dropAt[drops];
            if (due !== undefined && sent >= due && resumed === drops) {
              drops += await server.disconnectUser(userId, 4000, "dropped by the test");
            }
          }
          if ((sent >= total && drops === dropAt.length) || Date.now() >= flowDeadline) break;
          await Bun.sleep(2);
        }
        // Wait for the last resume too: over a harness's async dispatch the last
        // drop can come right after the last event, with nothing left to miss.
        const deadline = Date.now() + 10_000;
        while ((seen.length < sent || resumed < drops) && Date.now() < deadline) await Bun.sleep(10);
        expect(drops).toBe(dropAt.length);
        expect(resumed).toBe(dropAt.length);
        expect(seen).toEqual(Array.from({ length: sent }, (_, i) => i));
      }, 40_000);
    }
  });
}

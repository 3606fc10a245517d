/**
 * compress=zstd-stream over real sockets, on the shared-frame path: sessions of a guild on
 * json and etf, each on its own zstd stream, get the guild's events from blocks compressed
 * once per wire format (beside zlib-stream and plain sessions in the same guild), a
 * dispatch over 128 KiB (several blocks) whole, and a RESUME on a new stream. Every frame
 * is read through one persistent zstd decoder per connection, as discord.py reads them.
 */
import { describe, expect, test } from "bun:test";
import { RawClient } from "./support/gateway-client.ts";
import { asEtfSends } from "./support/etf-client.ts";
import type { Json } from "./support/http.ts";
import { gatewayQuery, Intents, restServer } from "./support/rest-world.ts";

const { GUILDS, GUILD_MESSAGES, MESSAGE_CONTENT } = Intents;
const INTENTS = GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT;

const rest = restServer("zstd");

describe("compress=zstd-stream", () => {
  test("json and etf sessions on zstd-stream, beside zlib-stream and plain ones, get the guild's events", async () => {
    const w = await rest.world();
    const json = await rest.session(w.owner, INTENTS, w.guild.id, { compress: "zstd-stream" });
    const json2 = await rest.session(await rest.reader(w, "json2"), INTENTS, w.guild.id, { compress: "zstd-stream" });
    const etf = await rest.session(await rest.reader(w, "etf"), INTENTS, w.guild.id, { etf: true, compress: "zstd-stream" });
    const zlib = await rest.session(await rest.reader(w, "zlib"), INTENTS, w.guild.id, { compress: "zlib-stream" });
    const plain = await rest.session(await rest.reader(w, "plain"), INTENTS, w.guild.id);
    const clients = [json, json2, etf, zlib, plain];
    const from = clients.map((c) => c.frames.length);
    const message = await rest.lobbyPost(w, "hello zstd");
    const [a, b, inEtf, inZlib, inPlain] = await Promise.all(clients.map((c, i) => rest.event(c, "MESSAGE_CREATE", from[i] as number, (d) => d.id === message.id)));
    expect(a).toMatchObject({ content: "hello zstd", channel_id: w.lobby.id });
    for (const other of [b, inZlib, inPlain]) expect(other).toEqual(a as Json);
    expect(inEtf).toEqual(asEtfSends(a) as Json);
  });

  test("a guild dispatch over 128 KiB arrives whole on json and etf zstd streams", async () => {
    const w = await rest.world();
    const json = await rest.session(w.owner, INTENTS, w.guild.id, { compress: "zstd-stream" });
    const etf = await rest.session(await rest.reader(w, "etf"), INTENTS, w.guild.id, { etf: true, compress: "zstd-stream" });
    const members = Array.from({ length: 2_000 }, (_, i) => ({ user: { username: `member ${i}`, bot: i % 7 === 0 }, nick: i % 3 ? null : `nick ${i * 31}`, joined_at: "2026-11-26T08:00:00.000000+00:00" }));
    const d = { guild_id: w.guild.id, members };
    expect(JSON.stringify(d).length).toBeGreaterThan(128 * 1024);
    const from = [json.frames.length, etf.frames.length];
    const { status } = await rest.api("POST", `/internal/guilds/${w.guild.id}/dispatch`, { t: "APP_MEMBERS", d, intents: 0, permissions: "0" });
    expect(status).toBe(202);
    expect(await rest.event(json, "APP_MEMBERS", from[0] as number)).toEqual(d);
    expect(await rest.event(etf, "APP_MEMBERS", from[1] as number)).toEqual(asEtfSends(d) as Json);
  });

  for (const etf of [false, true]) {
    test(`RESUME on a new zstd stream (${etf ? "etf" : "json"}) replays the guild's events the session missed`, async () => {
      const w = await rest.world();
      const wire = { etf, compress: "zstd-stream" } as const;
      const first = await rest.session(w.owner, INTENTS, w.guild.id, wire);
      const sessionId = (first.frames.find((f) => f.t === "READY")?.d as Json).session_id as string;
      const seen = await rest.lobbyPost(w, "seen");
      await rest.event(first, "MESSAGE_CREATE", 0, (d) => d.id === seen.id);
      const seq = first.frames.at(-1)?.s as number;
      first.close(4200, "resume");
      await first.closed;
      const missed = await rest.lobbyPost(w, "missed while away");

      const again = new RawClient(`${rest.gatewayUrl}/${gatewayQuery(wire)}`, wire);
      await again.opened();
      await again.op(10);
      again.send({ op: 6, d: { token: w.owner.token, session_id: sessionId, seq } });
      expect(await rest.event(again, "MESSAGE_CREATE", 0, (d) => d.id === missed.id)).toMatchObject({ content: "missed while away" });
      await again.dispatch("RESUMED");
      again.close();
    });
  }
});

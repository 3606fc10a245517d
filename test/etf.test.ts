/**
 * encoding=etf over real sockets: a session IDENTIFYs in ETF and gets HELLO, READY,
 * GUILD_CREATE and MESSAGE_CREATE as ETF binary frames (snowflakes as integers), heartbeats,
 * RESUMEs with the missed events replayed in ETF, and works under zlib-stream; a JSON session
 * in the same guild gets the same events as JSON; a malformed ETF frame closes its socket with
 * 4002 and nobody else notices.
 */
import { describe, expect, test } from "bun:test";
import { RawClient } from "./support/gateway-client.ts";
import { asEtfSends, encodeClientEtf } from "./support/etf-client.ts";
import type { Json } from "./support/http.ts";
import { Intents, restServer } from "./support/rest-world.ts";

const { GUILDS, GUILD_MESSAGES, MESSAGE_CONTENT } = Intents;
const INTENTS = GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT;

const rest = restServer("etf");

describe("encoding=etf", () => {
  test("IDENTIFY in ETF: READY, GUILD_CREATE and MESSAGE_CREATE arrive as ETF; a JSON session in the guild gets JSON", async () => {
    const w = await rest.world();
    const etf = await rest.session(w.owner, INTENTS, w.guild.id, { etf: true });
    const json = await rest.session(await rest.reader(w, "json"), INTENTS, w.guild.id);
    expect(etf.frames[0]).toEqual({ op: 10, d: { heartbeat_interval: 30_000 }, s: null, t: null });
    const ready = etf.frames.find((f) => f.t === "READY")?.d as Json;
    expect(ready).toMatchObject({ v: 10, user: { id: w.owner.id, username: "owner" }, guilds: [{ id: w.guild.id, unavailable: true }] });
    expect(typeof ready.session_id).toBe("string");

    const fromEtf = etf.frames.length;
    const fromJson = json.frames.length;
    const message = await rest.lobbyPost(w, "hello etf");
    const inJson = await rest.event(json, "MESSAGE_CREATE", fromJson, (d) => d.id === message.id);
    const inEtf = await rest.event(etf, "MESSAGE_CREATE", fromEtf, (d) => d.id === message.id);
    expect(inJson).toMatchObject({ content: "hello etf", channel_id: w.lobby.id });
    // The same event, with its snowflake fields as integers (real ones are past 2^53: strings in JS).
    expect(inEtf).toEqual(asEtfSends(inJson) as Json);
    expect(etf.frames.at(-1)?.s).toBe(json.frames.at(-1)?.s as number);
  });

  test("heartbeats: op 1 in ETF is acknowledged with op 11 in ETF", async () => {
    const w = await rest.world();
    const etf = await rest.session(w.owner, INTENTS, w.guild.id, { etf: true });
    const from = etf.frames.length;
    etf.send({ op: 1, d: etf.frames.at(-1)?.s ?? null });
    expect(await etf.next((f) => f.op === 11, 5_000, from)).toEqual({ op: 11, d: null, s: null, t: null });
  });

  test("RESUME in ETF replays what the session missed in ETF, then RESUMED", async () => {
    const w = await rest.world();
    const first = await rest.session(w.owner, INTENTS, w.guild.id, { etf: true });
    const sessionId = (first.frames.find((f) => f.t === "READY")?.d as Json).session_id as string;
    const seen = await rest.lobbyPost(w, "seen");
    await rest.event(first, "MESSAGE_CREATE", 0, (d) => d.id === seen.id);
    const seq = first.frames.at(-1)?.s as number;
    first.close(4200, "resume");
    await first.closed;
    const missed = await rest.lobbyPost(w, "missed while away");

    const again = new RawClient(`${rest.gatewayUrl}/?v=10&encoding=etf`, { etf: true });
    await again.opened();
    await again.op(10);
    again.send({ op: 6, d: { token: w.owner.token, session_id: sessionId, seq } });
    const replayed = await rest.event(again, "MESSAGE_CREATE", 0, (d) => d.id === missed.id);
    expect(replayed).toMatchObject({ content: "missed while away" });
    await again.dispatch("RESUMED");
    again.close();
  });

  test("ETF with zlib-stream: the terms arrive deflated, from one stream", async () => {
    const w = await rest.world();
    const etf = await rest.session(w.owner, INTENTS, w.guild.id, { etf: true, compress: "zlib-stream" });
    const from = etf.frames.length;
    const message = await rest.lobbyPost(w, "deflated terms");
    expect(await rest.event(etf, "MESSAGE_CREATE", from, (d) => d.id === message.id)).toMatchObject({ content: "deflated terms" });
  });

  test("a malformed ETF frame closes that socket with 4002; the guild's other sessions, ETF and JSON, notice nothing", async () => {
    const w = await rest.world();
    const bad = await rest.session(await rest.reader(w, "bad"), INTENTS, w.guild.id, { etf: true });
    const etf = await rest.session(w.owner, INTENTS, w.guild.id, { etf: true });
    const json = await rest.session(await rest.reader(w, "json"), INTENTS, w.guild.id);
    const fromEtf = etf.frames.length;
    const fromJson = json.frames.length;
    bad.sendBinary(new Uint8Array([131, 108, 0, 0, 0, 9, 97]));
    const closed = await bad.closed;
    expect(closed.code).toBe(4002);
    expect(closed.reason).toContain("not valid ETF");
    const after = await rest.lobbyPost(w, "after the bad frame");
    await rest.event(etf, "MESSAGE_CREATE", fromEtf, (d) => d.id === after.id);
    await rest.event(json, "MESSAGE_CREATE", fromJson, (d) => d.id === after.id);
    expect(etf.readyState).toBe(WebSocket.OPEN);
    expect(json.readyState).toBe(WebSocket.OPEN);
  });

  test.each([
    ["a text frame", '{"op":1,"d":null}', /must be binary ETF/],
    ["atom keys (Discord answers them with 4002)", new Uint8Array([131, 116, 0, 0, 0, 1, 115, 2, 111, 112, 97, 1]), /keys must be binaries/],
    ["a term that is not a map", encodeClientEtf([1, 2]), /must be an ETF map/],
    ["a frame over 4096 bytes", encodeClientEtf({ op: 1, d: null, pad: "x".repeat(4100) }), /over 4096 bytes/],
  ])("%s on an etf connection closes with 4002", async (_name, frame, reason) => {
    const client = new RawClient(`${rest.gatewayUrl}/?v=10&encoding=etf`, { etf: true });
    await client.opened();
    await client.op(10);
    if (typeof frame === "string") client.send(frame);
    else client.sendBinary(frame);
    const closed = await client.closed;
    expect(closed.code).toBe(4002);
    expect(closed.reason).toMatch(reason);
  });
});

/**
 * zstd-stream as discord.py reads it: python-zstandard (PyPI, pinned in
 * test/sdk/zstandard/requirements.txt; built into a venv under .tmp/sdk/ on first use)
 * decompresses the gateway's real frames, as they came off real sockets, with one
 * decompressobj per connection, as discord.py keeps it. Two connections with different
 * histories (user events only one of them got) get the same bytes for the guild's events,
 * a dispatch over 128 KiB among them, and each reads them as whole payloads.
 */
import { beforeAll, expect, test } from "bun:test";
import { resolve } from "node:path";
import { venvPython } from "./sdk/prepare.ts";
import type { RawClient } from "./support/gateway-client.ts";
import type { Json } from "./support/http.ts";
import { Intents, restServer } from "./support/rest-world.ts";

const ROOT = resolve(import.meta.dir, "sdk/zstandard");
const { GUILDS, GUILD_MESSAGES, MESSAGE_CONTENT } = Intents;
const INTENTS = GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT;

const rest = restServer("zstandard");
let python = "";

beforeAll(async () => {
  python = await venvPython("zstandard-venv", resolve(ROOT, "requirements.txt"));
}, 300_000);

/** Runs check.py: each connection's messages through one decompressobj; what each decompressed to. */
async function zstandard(connections: Uint8Array[][]): Promise<{ decoded: Buffer[][]; secondFrameRefused: boolean }> {
  const request = JSON.stringify({ connections: connections.map((messages) => messages.map((m) => Buffer.from(m).toString("hex"))) });
  const child = Bun.spawn([python, resolve(ROOT, "check.py")], { stdin: new TextEncoder().encode(request), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`check.py exited with ${code}: ${err}`);
  const answer = JSON.parse(out) as { decoded: string[][]; second_frame_refused: boolean };
  return { decoded: answer.decoded.map((messages) => messages.map((hex) => Buffer.from(hex, "hex"))), secondFrameRefused: answer.second_frame_refused };
}

/** The index of the frame of type `t`; its binary message has the same index. */
function frameIndex(client: RawClient, t: string): number {
  const i = client.frames.findIndex((f) => f.t === t);
  expect(i).toBeGreaterThan(0);
  return i;
}

test("python-zstandard's decompressobj reads connections of different histories, the shared blocks among them, as whole payloads", async () => {
  const w = await rest.world();
  const reader = await rest.user("reader", MESSAGE_CONTENT);
  await rest.join(w.guild.id, reader);
  const a = await rest.session(w.owner, INTENTS, w.guild.id, { compress: "zstd-stream" });
  const b = await rest.session(reader, INTENTS, w.guild.id, { compress: "zstd-stream" });
  // b's stream moves on alone: its decoder's state differs from a's from here.
  for (const n of [1, 2, 3]) {
    const note = { n, text: `only for b, note ${n} `.repeat(n * 40) };
    expect((await rest.api("POST", `/internal/users/${reader.id}/dispatch`, { t: "APP_NOTE", d: note })).status).toBe(202);
    expect(await rest.event(b, "APP_NOTE", 0, (d) => d.n === n)).toEqual(note);
  }
  const { status, json: message } = await rest.api("POST", `/api/v10/channels/${w.lobby.id}/messages`, { content: "shared zstd blocks" }, w.member.auth);
  expect(status).toBe(200);
  const members = Array.from({ length: 2_000 }, (_, i) => ({ user: { username: `member ${i}` }, nick: i % 3 ? null : `nick ${i * 31}`, joined_at: "2026-11-26T08:00:00.000000+00:00" }));
  const big = { guild_id: w.guild.id, members };
  expect(JSON.stringify(big).length).toBeGreaterThan(128 * 1024);
  expect((await rest.api("POST", `/internal/guilds/${w.guild.id}/dispatch`, { t: "APP_MEMBERS", d: big, intents: 0, permissions: "0" })).status).toBe(202);
  for (const client of [a, b]) {
    expect(await rest.event(client, "MESSAGE_CREATE", 0, (d) => d.id === message.id)).toMatchObject({ content: "shared zstd blocks" });
    expect(await rest.event(client, "APP_MEMBERS", 0)).toEqual(big as unknown as Json);
  }
  // The same bytes on both connections: compressed once, published to both.
  for (const t of ["MESSAGE_CREATE", "APP_MEMBERS"]) expect(a.binary[frameIndex(a, t)]).toEqual(b.binary[frameIndex(b, t)] as Uint8Array);

  const { decoded, secondFrameRefused } = await zstandard([a.binary, b.binary]);
  // Why the stream is one endless frame: a decompressobj takes no second frame.
  expect(secondFrameRefused).toBe(true);
  for (const [c, client] of [a, b].entries()) {
    expect(decoded[c]?.map((payload) => JSON.parse(payload.toString("utf8")))).toEqual(client.frames);
  }
});

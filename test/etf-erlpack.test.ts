/**
 * encoding=etf against Discord's own codec: erlpack for Python (PyPI, pinned in
 * test/sdk/erlpack/requirements.txt; built into a venv under .tmp/sdk/ on first use), the
 * library Discord's API encodes gateway payloads with. erlpack reads every frame guildgate
 * writes (snowflakes as its integers), and guildgate reads every payload erlpack writes
 * (Python dicts with str keys, ints as Nostrum and JDA send snowflakes, None, floats, the
 * shard as a list).
 */
import { beforeAll, expect, test } from "bun:test";
import { resolve } from "node:path";
import { encodeEtfFrame } from "../src/protocol/etf.ts";
import { encodeDispatch, encodePayload } from "../src/protocol/json-codec.ts";
import { validateEtfFrame } from "../src/protocol/validate.ts";
import { asEtfSends } from "./support/etf-client.ts";
import { venvPython } from "./sdk/prepare.ts";

const ROOT = resolve(import.meta.dir, "sdk/erlpack");
let python = "";

beforeAll(async () => {
  python = await venvPython("erlpack-venv", resolve(ROOT, "requirements.txt"));
}, 300_000);

/** Runs check.py: erlpack unpacks `unpack` (ETF terms) and packs `packJson` (JSON text, so integers stay exact). */
async function erlpack(unpack: Uint8Array[], packJson: string): Promise<{ unpacked: unknown[]; packed: Uint8Array[] }> {
  const request = `{"unpack":${JSON.stringify(unpack.map((bytes) => Buffer.from(bytes).toString("hex")))},"pack":${packJson}}`;
  const child = Bun.spawn([python, resolve(ROOT, "check.py")], { stdin: new TextEncoder().encode(request), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`check.py exited with ${code}: ${err}`);
  const answer = JSON.parse(out) as { unpacked: unknown[]; packed: string[] };
  return { unpacked: answer.unpacked, packed: answer.packed.map((hex) => new Uint8Array(Buffer.from(hex, "hex"))) };
}

const message = {
  id: "1311018130000000000",
  channel_id: "800000000000000001",
  guild_id: "800000000000000000",
  author: { id: "175928847299117062", username: "carol", global_name: null, bot: false, public_flags: 0 },
  member: { roles: ["800000000000000005"], nick: "Cée ☕", joined_at: "2024-06-01T00:00:00.000000+00:00" },
  content: "hi <@175928847299117063> 🎉",
  mention_roles: ["800000000000000005"],
  mentions: [],
  embeds: [{ type: "rich", title: "T", color: 5793266, fields: [{ name: "a", value: "b", inline: true }] }],
  components: [{ type: 1, components: [{ type: 2, custom_id: "12345", style: 1 }] }],
  nonce: "n-1",
  tts: false,
  position: -3,
  ratio: 0.25,
  edited_timestamp: null,
};

test("erlpack reads guildgate's frames: HELLO, a MESSAGE_CREATE, an ACK, INVALID_SESSION", async () => {
  const frames = [
    encodePayload(10, { heartbeat_interval: 41250 }),
    encodeDispatch("MESSAGE_CREATE", 2 ** 31 - 1, JSON.stringify(message)),
    encodePayload(11, null),
    encodePayload(9, false),
  ];
  const { unpacked } = await erlpack(frames.map(encodeEtfFrame), "[]");
  expect(unpacked).toEqual(frames.map((frame) => asEtfSends(JSON.parse(frame))));
});

test("guildgate reads what erlpack writes: IDENTIFY, op 8 with integer snowflakes, op 3 with nulls and a float", async () => {
  const pack = `[
    {"op": 2, "d": {"token": "t.o.k", "intents": 33281, "shard": [0, 1], "large_threshold": 250, "compress": false,
      "properties": {"os": "linux", "browser": "erlpack", "device": "erlpack"}, "presence": {"since": null, "status": "online", "afk": false, "activities": []}}},
    {"op": 8, "d": {"guild_id": 175928847299117063, "user_ids": [175928847299117064], "limit": 0, "presences": true, "nonce": "n"}},
    {"op": 3, "d": {"since": 1700000000000, "status": "idle", "afk": true, "activities": [{"name": "chess", "type": 0}]}},
    {"op": 1, "d": 2147483647}
  ]`;
  const { packed } = await erlpack([], pack);
  const read = packed.map(validateEtfFrame);
  expect(read[0]).toEqual({ op: 2, d: { token: "t.o.k", intents: 33281, shard: [0, 1], large_threshold: 250, compress: false, properties: { os: "linux", browser: "erlpack", device: "erlpack" }, presence: { since: null, status: "online", afk: false, activities: [] } } });
  // Past 2^53 a snowflake integer reads as its decimal string, as parse-json.ts gives it.
  expect(read[1]).toEqual({ op: 8, d: { guild_id: "175928847299117063", user_ids: ["175928847299117064"], limit: 0, presences: true, nonce: "n" } });
  expect(read[2]).toEqual({ op: 3, d: { since: 1700000000000, status: "idle", afk: true, activities: [{ name: "chess", type: 0 }] } });
  expect(read[3]).toEqual({ op: 1, d: 2147483647 });
});

/**
 * What storing each started interaction costs its guild's owner: `bun bench/interaction-record.bench.ts`.
 *
 * One started interaction is one `writeGuild` batch of one record (guild/interactions.ts) on
 * the default SQLite store, in a fresh data dir. The baseline in the same run is the batch a
 * response already makes: one message. Each run times WRITES batches one after another (as a
 * guild's turn waits for its commit); the figure is the median of RUNS runs, per batch.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SnowflakeGenerator } from "../src/api/snowflake.ts";
import type { GuildWrite } from "../src/store/guild-store.ts";
import { SqliteGuildStore } from "../src/store/sqlite.ts";

const GUILD = "800000000000000000";
const CHANNEL = "800000000000000001";
const APP = "800000000000000002";
const USER = "800000000000000003";
const WRITES = 2_000;
const RUNS = 7;

const ids = new SnowflakeGenerator(0, 0, () => Date.now());

const started = (now: number): GuildWrite => {
  const id = ids.next();
  const data = JSON.stringify({ guildId: GUILD, command: { name: "ping", type: 1 } });
  const interaction = { id, unitId: GUILD, applicationId: APP, channelId: CHANNEL, userId: USER, type: 2, createdAt: now, acknowledged: false, originalId: null, followUpIds: [], modal: null, data, ephemeral: [] };
  return { k: "interaction", interaction, now };
};

const message = (): GuildWrite => {
  const data = JSON.stringify({ tts: false, embeds: [], components: [], attachments: [], mentions: [], mention_roles: [] });
  return { k: "message", message: { id: ids.next(), channelId: CHANNEL, guildId: GUILD, authorId: APP, type: 20, content: "pong", flags: 0, editedAt: null, pinnedAt: null, nonce: null, data } };
};

async function medianMicros(write: (now: number) => GuildWrite): Promise<number> {
  const runs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const dir = mkdtempSync(join(tmpdir(), "guildgate-bench-"));
    const store = new SqliteGuildStore(dir);
    const start = performance.now();
    for (let i = 0; i < WRITES; i++) await store.writeGuild(GUILD, 0, [write(Date.now())]);
    runs.push(((performance.now() - start) * 1000) / WRITES);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(RUNS / 2)] as number;
}

const record = await medianMicros(started);
const baseline = await medianMicros(message);
console.log(`SQLite, median of ${RUNS} runs of ${WRITES} batches, per batch:`);
console.log(`  an interaction's record (one per started interaction): ${record.toFixed(1)} µs`);
console.log(`  a response's message (baseline, already written):      ${baseline.toFixed(1)} µs`);

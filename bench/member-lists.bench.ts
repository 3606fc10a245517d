/**
 * Member lists under guild changes: the owner's time for one change (the whole `Guilds` call,
 * which also tells the sessions) in a 100k-member guild with 5 member lists that sessions
 * hold, and what the change sent to the lists' holders. The first build of a list (its first
 * op 14) is timed too.
 *
 * Guild: @everyone may view; 8 roles (2 hoisted, one of them held by ~1/8 of the members),
 * each member has 0–2 of them; 2,000 members connected (so online, under their hoisted role);
 * 5 lists: "everyone" (two channels share it) and four channels that deny @everyone and allow
 * one or two roles. 20 sessions hold chunks [0] or [0, 1] of each list.
 *
 * Changes, each undone by the next run of the same kind (so the guild stays the same):
 * - channel rename;
 * - role rename;
 * - hoisted-role toggle (a hoisted role with ~12k members, ~250 of them online);
 * - new overwrite: a role overwrite denying VIEW_CHANNEL on a channel of the "everyone" list
 *   (that channel's list id changes; the other channel keeps "everyone");
 * - role permission change: a role (~12k members) given ADMINISTRATOR and back, so its
 *   members join the four role-gated lists and leave them again.
 *
 * Run: `bun bench/member-lists.bench.ts` (`--members N`, `--runs N`, default 100000 and 9).
 * Prints the median, min and max per change kind, and the list updates and drops it sent.
 */
import { openSemaphore } from "../src/native.ts";
import { MemoryGuildStore } from "../src/store/memory.ts";
import type { GuildWrite, StoredChannel, StoredRole } from "../src/store/guild-store.ts";
import { Guilds, type GuildDelivery, type PublishPart, type WorkerId } from "../src/guild/guilds.ts";
import type { MaybePromise } from "../src/guild/guild-queue.ts";
import { Permission, type Overwrite } from "../src/guild/permissions.ts";
import { randomNames } from "./core-baselines.ts";

const flag = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const MEMBERS = flag("--members", 100_000);
const RUNS = flag("--runs", 9);
const CONNECTED = 2_000;
const HOLDERS_PER_LIST = 20;
const { VIEW_CHANNEL, SEND_MESSAGES, ADMINISTRATOR } = Permission;

/** Counts what the owner sends; the workers' side is not part of the owner's time. */
class CountingDelivery implements GuildDelivery {
  listUpdates = 0;
  drops = 0;
  publish(_worker: WorkerId, t: string, parts: readonly PublishPart[]): void {
    if (t === "GUILD_MEMBER_LIST_UPDATE") this.listUpdates += parts.length;
  }
  sendToMember(): void {}
  sendToSelf(): void {}
  moveMember(): void {}
  memberAdded(): void {}
  memberRemoved(): void {}
  rehome(): void {}
  dropList(): void {
    this.drops++;
  }
}

/** A deterministic LCG in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

const GUILD = "900000000000000000";
const rand = lcg(11);
const store = new MemoryGuildStore();
const role = (id: string, permissions: bigint, position: number, hoist: boolean): StoredRole => ({
  id,
  guildId: GUILD,
  name: `role ${id}`,
  permissions,
  position,
  hoist,
  color: 0,
  mentionable: false,
});
const roleIds = Array.from({ length: 8 }, (_, i) => String(910000000000000000n + BigInt(i)));
const [HOISTED_BIG, HOISTED_SMALL, GATE_A, GATE_B, GATE_C, GATE_D, PLAIN, PROMOTED] = roleIds as [string, string, string, string, string, string, string, string];
const ownerId = String(800000000000000000n);
// Seeded before any owner has the guild, in one batch at generation 0.
const writes: GuildWrite[] = [
  { k: "guild", guild: { id: GUILD, name: "bench", ownerId, icon: null, createdAt: 0 } },
  { k: "role", role: role(GUILD, VIEW_CHANNEL | SEND_MESSAGES, 0, false) },
  ...roleIds.map((id, i): GuildWrite => ({ k: "role", role: role(id, SEND_MESSAGES, i + 1, id === HOISTED_BIG || id === HOISTED_SMALL) })),
];

const names = randomNames(MEMBERS, 42);
const userIds = Array.from({ length: MEMBERS }, (_, i) => String(800000000000000000n + BigInt(i)));
for (let i = 0; i < MEMBERS; i++) {
  const id = userIds[i] as string;
  await store.putUser({ id, username: names[i] as string, globalName: null, avatar: null, bot: false, privilegedIntents: 0, createdAt: 0, tokenGeneration: 0 });
  const roles = new Set<string>();
  for (let n = Math.floor(rand() * 3); n > 0; n--) roles.add(roleIds[Math.floor(rand() * roleIds.length)] as string);
  writes.push({ k: "member", member: { guildId: GUILD, userId: id, roleIds: [...roles], nick: null, joinedAt: 0 } });
}

const denyEveryone: Overwrite = { id: GUILD, type: 0, allow: 0n, deny: VIEW_CHANNEL };
const allow = (roleId: string): Overwrite => ({ id: roleId, type: 0, allow: VIEW_CHANNEL, deny: 0n });
const channel = (n: number, overwrites: Overwrite[]): StoredChannel => ({
  id: String(920000000000000000n + BigInt(n)),
  guildId: GUILD,
  type: 0,
  name: `channel-${n}`,
  position: n,
  parentId: null,
  overwrites,
  topic: null,
});
const channels = [
  channel(0, []),
  channel(1, []),
  channel(2, [denyEveryone, allow(GATE_A)]),
  channel(3, [denyEveryone, allow(GATE_B)]),
  channel(4, [denyEveryone, allow(GATE_C), allow(GATE_D)]),
  channel(5, [denyEveryone, allow(HOISTED_SMALL)]),
];
for (const c of channels) writes.push({ k: "channel", channel: c });
await store.writeGuild(GUILD, 0, writes);
// The "everyone" list is held through channel 0; channel 1 shares it.
const listChannels = [channels[0], channels[2], channels[3], channels[4], channels[5]] as StoredChannel[];

const delivery = new CountingDelivery();
const guilds = new Guilds({
  store,
  delivery,
  loadSemaphore: openSemaphore("bench:member-lists", 4),
  passiveThreshold: 1_000_000,
  generation: () => 0,
  owns: () => true,
  takeOver: async () => [],
});

const connected = Array.from({ length: CONNECTED }, (_, i) => userIds[i * Math.floor(MEMBERS / CONNECTED)] as string);
let started = performance.now();
for (const [i, userId] of connected.entries()) {
  await guilds.join(GUILD, { worker: `w${i % 2}`, userId, intents: 1, bot: false, presence: { status: "online", activities: [] }, largeThreshold: 50 });
}
console.log(`${MEMBERS} members, ${CONNECTED} connected in ${(performance.now() - started).toFixed(0)} ms`);

/** Connected members that can view each list's channel subscribe (op 14); returns the ms each list's first op 14 took. */
async function subscribeAll(): Promise<number[]> {
  const firsts: number[] = [];
  for (const c of listChannels) {
    let first = -1;
    let holders = 0;
    for (const userId of connected) {
      if (holders === HOLDERS_PER_LIST) break;
      const start = performance.now();
      const held = await guilds.subscribeList(GUILD, userId, c.id, holders % 2 === 0 ? [0] : [0, 1], `w${holders % 2}`);
      if (!held) continue;
      if (first < 0) first = performance.now() - start;
      holders++;
    }
    firsts.push(first);
  }
  return firsts;
}

const builds = await subscribeAll();
console.log(`first build of each list (first op 14): ${builds.map((ms) => ms.toFixed(1)).join(", ")} ms`);

interface Kind {
  name: string;
  /** Makes run `run` (odd runs undo even ones). */
  change: (run: number) => MaybePromise<void>;
  /** Untimed, before each run: subscribe again to lists a change let go of. */
  resubscribe?: boolean;
}

// The records a change starts from are read before the timer starts.
const roles = new Map((await store.listRoles(GUILD)).map((r) => [r.id, r]));
const current = (id: string): StoredRole => roles.get(id) as StoredRole;
const renamed = listChannels[1] as StoredChannel;
const kinds: Kind[] = [
  { name: "channel rename", change: (run) => guilds.putChannel({ ...renamed, name: `renamed-${run % 2}` }) },
  { name: "role rename", change: (run) => guilds.putRole({ ...current(GATE_A), name: `renamed-${run % 2}` }) },
  { name: "hoisted-role toggle", change: (run) => guilds.putRole({ ...current(HOISTED_BIG), hoist: run % 2 === 1 }) },
  {
    name: "new overwrite (VIEW_CHANNEL denied to a role)",
    change: (run) => {
      const c = channels[0] as StoredChannel;
      return guilds.putChannel({ ...c, overwrites: run % 2 === 0 ? [{ id: PLAIN, type: 0, allow: 0n, deny: VIEW_CHANNEL }] : [] });
    },
    resubscribe: true,
  },
  { name: "role permission change (ADMINISTRATOR on a role)", change: (run) => guilds.putRole({ ...current(PROMOTED), permissions: run % 2 === 0 ? SEND_MESSAGES | ADMINISTRATOR : SEND_MESSAGES }) },
];

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

console.log(`\nowner time per change, ${RUNS} runs each (median / min / max), and what it sent to list holders per run:`);
for (const kind of kinds) {
  const times: number[] = [];
  let updates = 0;
  let drops = 0;
  for (let run = 0; run < RUNS; run++) {
    if (kind.resubscribe) await subscribeAll();
    const [updatesBefore, dropsBefore] = [delivery.listUpdates, delivery.drops];
    started = performance.now();
    await kind.change(run);
    times.push(performance.now() - started);
    updates += delivery.listUpdates - updatesBefore;
    drops += delivery.drops - dropsBefore;
  }
  const fmt = (ms: number): string => (ms < 10 ? ms.toFixed(3) : ms.toFixed(1));
  console.log(
    `  ${fmt(median(times)).padStart(9)} ms  (${fmt(Math.min(...times))} … ${fmt(Math.max(...times))})  ${kind.name}: ${(updates / RUNS).toFixed(1)} list updates, ${(drops / RUNS).toFixed(1)} drops`,
  );
}

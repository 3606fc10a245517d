/**
 * Fanout cost on the JS side as one guild's sessions grow: `bun bench/fanout.bench.ts`.
 *
 * One guild with N connected members (N = 1k, 5k, 15k) in a few role sets (so a few
 * permission classes) and two intent variants (with and without MESSAGE_CONTENT). Each
 * iteration is one MESSAGE_CREATE through the whole owner + worker path: the owner's
 * audience decision (live topics × channel view), `d` serialised once (and once more
 * without content), the frame built and stamped once, the resume-log append, and one
 * publish per topic. The transport's publish is native in production; here it only counts,
 * so the figure is exactly the JS work per event, which must not grow with N.
 *
 * Baseline in the same run: the per-recipient loop (Soketi / Discord 2017 pattern) over
 * the same N recipients: per recipient a permission check, a JSON.stringify and a send call.
 */
import { bench, do_not_optimize, group, run, summary } from "mitata";
import { Guilds, type GuildDelivery } from "../src/guild/guilds.ts";
import { canView } from "../src/guild/permissions.ts";
import { openSemaphore } from "../src/native.ts";
import { encodeDispatch } from "../src/protocol/json-codec.ts";
import { ResumeLog } from "../src/session/resume-log.ts";
import { SequenceCounter } from "../src/session/sequence-counter.ts";
import type { GuildWrite, StoredChannel } from "../src/store/guild-store.ts";
import { MemoryGuildStore } from "../src/store/memory.ts";
import { presenceFrom } from "../src/guild/presence.ts";

const GUILD = "800000000000000000";
const CHANNEL = "800000000000000001";
const ROLE_SETS = 4;
const GUILDS_INTENTS = 1 | (1 << 9);
const MESSAGE_CONTENT = 1 << 15;

/** The worker side of one event, minus the native publish (counted instead). */
function worker(): { delivery: GuildDelivery; published: () => number } {
  const clock = new SequenceCounter();
  const log = new ResumeLog({ maxBytes: 64 * 1024 * 1024 });
  let published = 0;
  const delivery: GuildDelivery = {
    publish(_worker, t, parts) {
      for (const { topics, dJson } of parts) {
        const s = clock.next();
        const frame = encodeDispatch(t, s, dJson);
        if (topics.length === 1) log.append(s, topics[0] as string, frame);
        else log.appendToTopics(s, topics, frame);
        published += topics.length;
      }
    },
    sendToMember() {},
    sendToSelf() {},
    moveMember() {},
    memberAdded() {},
    memberRemoved() {},
    dropList() {},
    rehome() {},
  };
  return { delivery, published: () => published };
}

async function guildWith(members: number) {
  const store = new MemoryGuildStore();
  const ownerId = "900000000000000000";
  const writes: GuildWrite[] = [
    { k: "guild", guild: { id: GUILD, name: "bench", ownerId, icon: null, createdAt: 0 } },
    { k: "role", role: { id: GUILD, guildId: GUILD, name: "@everyone", permissions: 1n << 10n, position: 0, hoist: false, color: 0, mentionable: false } },
    { k: "channel", channel: { id: CHANNEL, guildId: GUILD, type: 0, name: "general", position: 0, parentId: null, overwrites: [], topic: null } },
  ];
  const roleIds: string[] = [];
  for (let r = 0; r < ROLE_SETS; r++) {
    const id = String(810000000000000000n + BigInt(r));
    roleIds.push(id);
    writes.push({ k: "role", role: { id, guildId: GUILD, name: `r${r}`, permissions: 1n << 11n, position: r + 1, hoist: false, color: 0, mentionable: false } });
  }
  const users: { id: string; roleIds: string[]; intents: number }[] = [];
  for (let i = 0; i < members; i++) {
    const id = String(900000000000000001n + BigInt(i));
    await store.putUser({ id, username: `u${i}`, globalName: null, avatar: null, bot: true, privilegedIntents: 0, createdAt: 0, tokenGeneration: 0 });
    const member = { guildId: GUILD, userId: id, roleIds: [roleIds[i % ROLE_SETS] as string], nick: null, joinedAt: 0 };
    writes.push({ k: "member", member });
    users.push({ id, roleIds: member.roleIds, intents: GUILDS_INTENTS | (i % 2 ? MESSAGE_CONTENT : 0) });
  }
  await store.writeGuild(GUILD, 0, writes);
  const { delivery, published } = worker();
  const guilds = new Guilds({
    store,
    delivery,
    loadSemaphore: openSemaphore("bench:guild-load", 4),
    passiveThreshold: Number.MAX_SAFE_INTEGER,
    generation: () => 0,
    owns: () => true,
    takeOver: async () => [],
  });
  for (const user of users) {
    await guilds.join(GUILD, { worker: "bench/0", userId: user.id, intents: user.intents, bot: true, presence: presenceFrom(undefined), largeThreshold: 50 });
  }
  return { guilds, users, store, published };
}

let n = 0;
const message = () => ({
  id: String(1000000000000000000n + BigInt(++n)),
  type: 0,
  channel_id: CHANNEL,
  guild_id: GUILD,
  author: { id: "900000000000000001", username: "u0", discriminator: "0", global_name: null, avatar: null, bot: true },
  content: "hello, this is a message of ordinary length for a chat",
  timestamp: "2026-11-22T00:00:00.000Z",
  edited_timestamp: null,
  tts: false,
  mention_everyone: false,
  mentions: [],
  mention_roles: [],
  attachments: [],
  embeds: [],
  pinned: false,
  flags: 0,
  components: [],
});

/** Reports printed once the benches have run. */
const after: (() => void)[] = [];
for (const size of [1_000, 5_000, 15_000]) {
  const { guilds, users, store, published } = await guildWith(size);
  const guildState = {
    id: GUILD,
    ownerId: "900000000000000000",
    roles: new Map((await store.listRoles(GUILD)).map((r) => [r.id, r])),
  };
  const channel = (await store.getChannel(CHANNEL)) as StoredChannel;
  let sink = 0;
  group(`one MESSAGE_CREATE to a guild of ${size} sessions`, () => {
    summary(() => {
      bench(`guildgate: owner + worker, publish per topic (${size})`, () => {
        do_not_optimize(guilds.dispatch(GUILD, "MESSAGE_CREATE", message(), CHANNEL));
      }).baseline(true);
      bench(`per-recipient loop: check + stringify + send each (${size})`, () => {
        const d = message();
        for (const user of users) {
          if (!canView(guildState, { userId: user.id, roleIds: user.roleIds }, channel)) continue;
          const payload = user.intents & MESSAGE_CONTENT ? d : { ...d, content: "" };
          sink += JSON.stringify({ op: 0, t: "MESSAGE_CREATE", s: ++n, d: payload }).length;
        }
      });
    });
  });
  do_not_optimize(sink);
  after.push(() => console.log(`${size} sessions: ${published()} topic publishes (${ROLE_SETS * 2} topics per event)`));
}

await run();
for (const report of after) report();

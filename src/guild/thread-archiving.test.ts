/**
 * Idle threads archive themselves (guilds.ts `archiveIdleThreads`): the owner's sweep writes the
 * archived thread to the store and sends THREAD_UPDATE, once, and leaves a thread with recent
 * activity alone.
 */
import { expect, test } from "bun:test";
import { openSemaphore } from "../native.ts";
import { Intent } from "../protocol/opcodes.ts";
import type { User } from "../store/guild-store.ts";
import { MemoryGuildStore } from "../store/memory.ts";
import { Guilds, type GuildDelivery } from "./guilds.ts";
import { Permission } from "./permissions.ts";
import { ONLINE } from "./presence.ts";

const GUILD = "10";
const CHANNEL = "11";
const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;
const semaphore = openSemaphore("test:thread-archiving:load", 8);

test("a thread idle for its auto_archive_duration is archived by the sweep (stored, THREAD_UPDATE once); a thread started since is not", async () => {
  const store = new MemoryGuildStore();
  const users: User[] = ["1", "2"].map((id) => ({ id, username: `u${id}`, globalName: null, avatar: null, bot: true, privilegedIntents: 0, createdAt: 0, tokenGeneration: 0 }));
  for (const user of users) await store.putUser(user);
  const { VIEW_CHANNEL, SEND_MESSAGES_IN_THREADS, CREATE_PUBLIC_THREADS } = Permission;
  await store.writeGuild(GUILD, 0, [
    { k: "guild", guild: { id: GUILD, name: "g", ownerId: "1", icon: null, createdAt: 0 } },
    { k: "role", role: { id: GUILD, guildId: GUILD, name: "@everyone", permissions: VIEW_CHANNEL | SEND_MESSAGES_IN_THREADS | CREATE_PUBLIC_THREADS, position: 0, hoist: false, color: 0, mentionable: false } },
    { k: "channel", channel: { id: CHANNEL, guildId: GUILD, type: 0, name: "general", position: 0, parentId: null, overwrites: [], topic: null } },
    ...users.map((user) => ({ k: "member" as const, member: { guildId: GUILD, userId: user.id, roleIds: [], nick: null, joinedAt: 0 } })),
  ]);
  const events: string[] = [];
  const delivery: GuildDelivery = {
    publish: (_worker, t) => void events.push(t),
    sendToMember: () => {},
    sendToSelf: () => {},
    moveMember: () => {},
    memberAdded: () => {},
    memberRemoved: () => {},
    dropList: () => {},
    rehome: () => {},
  };
  const guilds = new Guilds({ store, delivery, loadSemaphore: semaphore, passiveThreshold: 1_000_000, generation: () => 0, owns: () => true, takeOver: async () => [] });
  await guilds.join(GUILD, { worker: "w0", userId: "2", intents: Intent.GUILDS, bot: true, presence: ONLINE, largeThreshold: 250 });
  await guilds.createThread(GUILD, CHANNEL, "2", { id: "500", name: "old", type: 11, autoArchiveDuration: 60 }, NOW);
  await guilds.createThread(GUILD, CHANNEL, "2", { id: "501", name: "new", type: 11, autoArchiveDuration: 60 }, NOW + HOUR / 2);
  events.length = 0;

  await guilds.archiveIdleThreads(NOW + HOUR - 1);
  expect(events).toEqual([]);
  await guilds.archiveIdleThreads(NOW + HOUR);
  expect(events).toEqual(["THREAD_UPDATE"]);
  expect((await store.getChannel("500"))?.thread).toMatchObject({ archived: true, archiveTimestamp: NOW + HOUR });
  expect((await store.getChannel("501"))?.thread?.archived).toBe(false);
  await guilds.archiveIdleThreads(NOW + HOUR);
  expect(events).toEqual(["THREAD_UPDATE"]);
});

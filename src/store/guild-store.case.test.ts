import { SQL } from "bun";
import { Database } from "bun:sqlite";
import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Overwrite } from "../guild/permissions.ts";
import { GuildFencedError, type Guild, type GuildStore, type Member, type StoredChannel, type StoredRole, type User } from "./guild-store.ts";
import { MemoryGuildStore } from "./memory.ts";
import { MIGRATIONS, PostgresGuildStore } from "./postgres.ts";
import { migrations, SqliteGuildStore, STORE_FILE } from "./sqlite.ts";
import { LIST_PRIVATE_CHANNELS, PRIVATE_CHANNELS_MIGRATION } from "./sqlite-private-channels.ts";
import { PRIVATE_CHANNELS_MIGRATION as PG_PRIVATE_CHANNELS_MIGRATION } from "./postgres-private-channels.ts";
import { closeStoreImplementations, storeImplementations, type Opened } from "../../test/support/store-implementations.ts";
import { freshDatabase } from "../../test/support/postgres.ts";
import type { ReactionEmoji, StoredAttachment, StoredMessage, StoredReaction } from "./message-records.ts";
import type { DmChannel } from "./dm-channels.ts";
import type { GroupDmChannel } from "./group-dm-channels.ts";
import type { StoredThread, StoredThreadMember } from "./thread-records.ts";
import { INTERACTION_LIFETIME_MS, type StoredInteraction } from "./interaction-records.ts";

const U64_MAX = "18446744073709551615";

function user(id: string, overrides: Partial<User> = {}): User {
  return {
    id,
    username: `user-${id}`,
    globalName: null,
    avatar: null,
    bot: false,
    privilegedIntents: 0,
    createdAt: 1_700_000_000_000,
    tokenGeneration: 0,
    ...overrides,
  };
}

const ids = (users: readonly User[]) => users.map((u) => u.id);

const U64_BITS = (1n << 64n) - 1n;

function guild(id: string, overrides: Partial<Guild> = {}): Guild {
  return { id, name: `guild-${id}`, ownerId: "1", icon: null, createdAt: 1_700_000_000_000, ...overrides };
}

function role(id: string, guildId: string, overrides: Partial<StoredRole> = {}): StoredRole {
  return {
    id,
    guildId,
    name: `role-${id}`,
    permissions: 0n,
    position: 0,
    hoist: false,
    color: 0,
    mentionable: false,
    ...overrides,
  };
}

function channel(id: string, guildId: string, overrides: Partial<StoredChannel> = {}): StoredChannel {
  return {
    id,
    guildId,
    type: 0,
    name: `channel-${id}`,
    position: 0,
    parentId: null,
    overwrites: [],
    topic: null,
    ...overrides,
  };
}

function threadFields(overrides: Partial<StoredThread> = {}): StoredThread {
  return {
    ownerId: "5",
    archived: false,
    autoArchiveDuration: 1440,
    archiveTimestamp: 1_700_000_000_000,
    locked: false,
    invitable: true,
    createdAt: 1_700_000_000_000,
    messageCount: 0,
    totalMessageSent: 0,
    lastMessageId: null,
    rateLimitPerUser: 0,
    flags: 0,
    ...overrides,
  };
}

function member(guildId: string, userId: string, overrides: Partial<Member> = {}): Member {
  return { guildId, userId, roleIds: [], nick: null, joinedAt: 1_700_000_000_000, ...overrides };
}

/** A message of guild 1 in channel 30. */
function message(id: string, overrides: Partial<StoredMessage> = {}): StoredMessage {
  return {
    id,
    channelId: "30",
    guildId: "1",
    authorId: "5",
    type: 0,
    content: `message ${id}`,
    flags: 0,
    editedAt: null,
    pinnedAt: null,
    nonce: null,
    data: JSON.stringify({ tts: false, embeds: [] }),
    ...overrides,
  };
}

const FIRE: ReactionEmoji = { id: null, name: "🔥", animated: false };
const PARTY: ReactionEmoji = { id: "900", name: "party", animated: true };

function reaction(messageId: string, userId: string, emoji: ReactionEmoji = FIRE, burst = false): StoredReaction {
  return { channelId: "30", messageId, userId, emoji, burst };
}

/** A file of message `messageId` in channel 30: every byte value, so nothing is read as text. */
function attachment(id: string, messageId: string, overrides: Partial<StoredAttachment> = {}): StoredAttachment {
  const data = new Uint8Array(300).map((_, i) => (i * 7) % 256);
  return { id, channelId: "30", messageId, filename: "notes ü.bin", contentType: "application/octet-stream", data, ...overrides };
}

const putMessages = (store: GuildStore, ...messages: StoredMessage[]) =>
  store.writeGuild("1", GENERATION, messages.map((record) => ({ k: "message", message: record })));
const react = (store: GuildStore, ...reactions: StoredReaction[]) =>
  store.writeGuild("1", GENERATION, reactions.map((record) => ({ k: "reaction", reaction: record })));
const messageIds = (messages: readonly StoredMessage[]) => messages.map((m) => m.id);

/** An interaction of guild 1 in channel 30, created at `createdAt`. */
function interaction(id: string, createdAt: number, overrides: Partial<StoredInteraction> = {}): StoredInteraction {
  return {
    id,
    unitId: "1",
    applicationId: "8",
    channelId: "30",
    userId: "5",
    type: 2,
    createdAt,
    acknowledged: false,
    originalId: null,
    followUpIds: [],
    modal: null,
    data: JSON.stringify({ command: { name: "ping", type: 1 } }),
    ephemeral: [],
    ...overrides,
  };
}

/** The generation the contract's writes carry (fencing has its own tests). */
const GENERATION = 0;
const putGuild = (store: GuildStore, record: Guild) => store.writeGuild(record.id, GENERATION, [{ k: "guild", guild: record }]);
const putRole = (store: GuildStore, record: StoredRole) => store.writeGuild(record.guildId, GENERATION, [{ k: "role", role: record }]);
const putChannel = (store: GuildStore, record: StoredChannel) =>
  store.writeGuild(record.guildId, GENERATION, [{ k: "channel", channel: record }]);
const putMember = (store: GuildStore, record: Member) => store.writeGuild(record.guildId, GENERATION, [{ k: "member", member: record }]);

const deleteGuild = (store: GuildStore, guildId: string) => store.writeGuild(guildId, GENERATION, [{ k: "delete-guild" }]);
const deleteRole = (store: GuildStore, guildId: string, roleId: string) => store.writeGuild(guildId, GENERATION, [{ k: "delete-role", roleId }]);
const deleteChannel = (store: GuildStore, guildId: string, channelId: string) =>
  store.writeGuild(guildId, GENERATION, [{ k: "delete-channel", channelId }]);
const deleteMember = (store: GuildStore, guildId: string, userId: string) => store.writeGuild(guildId, GENERATION, [{ k: "delete-member", userId }]);

/** One guild with two roles, a category with a child channel, and two members. */
async function seedGuild(store: GuildStore, guildId: string): Promise<void> {
  await putGuild(store, guild(guildId));
  await putRole(store, role(guildId, guildId, { permissions: 1n << 10n }));
  await putRole(store, role(`${guildId}1`, guildId, { position: 1 }));
  await putChannel(store, channel(`${guildId}2`, guildId, { type: 4 }));
  await putChannel(store, channel(`${guildId}3`, guildId, { parentId: `${guildId}2` }));
  await putMember(store, member(guildId, "1"));
  await putMember(store, member(guildId, "2", { roleIds: [`${guildId}1`] }));
}

afterAll(closeStoreImplementations);

for (const implementation of storeImplementations) {
  describe(`GuildStore contract: ${implementation.name}`, () => {
    let store: GuildStore;
    let opened: Opened;
    beforeEach(async () => {
      opened = await implementation.open();
      store = opened.store;
    });
    afterEach(() => opened.dispose());

    test("getUser answers undefined for an unknown id", async () => {
      expect(await store.getUser("1")).toBeUndefined();
    });

    test("putUser then getUser returns every field unchanged", async () => {
      const full = user("175928847299117063", {
        username: "O'Brien \"quoted\" 🦊",
        globalName: "Fox",
        avatar: "a_1269e74af4df7417b13759eae50c83dc",
        bot: true,
        privilegedIntents: (1 << 1) | (1 << 8) | (1 << 15),
        createdAt: 1_420_070_400_000,
        tokenGeneration: Number.MAX_SAFE_INTEGER,
      });
      await store.putUser(full);
      await store.putUser(user("2"));
      expect(await store.getUser(full.id)).toEqual(full);
      expect(await store.getUser("2")).toEqual(user("2"));
    });

    test("putUser replaces the user with the same id", async () => {
      await store.putUser(user("5"));
      await store.putUser(user("5", { username: "renamed", bot: true }));
      expect(await store.getUser("5")).toEqual(user("5", { username: "renamed", bot: true }));
      expect(ids(await store.listUsers(10))).toEqual(["5"]);
    });

    test("records are copies: mutating one in or out leaves the store unchanged", async () => {
      const input = { ...user("7"), extra: "not a User field" };
      await store.putUser(input);
      input.username = "mutated";
      const output = (await store.getUser("7")) as { username: string };
      output.username = "mutated too";
      expect(await store.getUser("7")).toEqual(user("7"));
      expect((await store.listUsers(1))[0]).toEqual(user("7"));
    });

    test("deleteUser answers whether the user existed", async () => {
      await store.putUser(user("9"));
      expect(await store.deleteUser("9")).toBe(true);
      expect(await store.deleteUser("9")).toBe(false);
      expect(await store.getUser("9")).toBeUndefined();
      expect(await store.deleteUser("not-a-snowflake")).toBe(false);
    });

    test("listUsers orders by numeric id, not by text", async () => {
      for (const id of ["100", U64_MAX, "9", "0", "10", "175928847299117063", "99"]) await store.putUser(user(id));
      expect(ids(await store.listUsers(100))).toEqual(["0", "9", "10", "99", "100", "175928847299117063", U64_MAX]);
    });

    test("listUsers pages by limit and after, including an absent after", async () => {
      for (let i = 1; i <= 25; i++) await store.putUser(user(String(i * 10)));
      expect(ids(await store.listUsers(3))).toEqual(["10", "20", "30"]);
      expect(ids(await store.listUsers(3, "30"))).toEqual(["40", "50", "60"]);
      expect(ids(await store.listUsers(2, "35"))).toEqual(["40", "50"]);
      expect(ids(await store.listUsers(10, "240"))).toEqual(["250"]);
      expect(await store.listUsers(10, "250")).toEqual([]);
      expect(await store.listUsers(0)).toEqual([]);

      const walked: string[] = [];
      for (let page = (await store.listUsers(7)); page.length > 0; page = (await store.listUsers(7, page.at(-1)?.id))) {
        walked.push(...ids(page));
      }
      expect(walked).toEqual(Array.from({ length: 25 }, (_, i) => String((i + 1) * 10)));
    });

    test("listUsers rejects a negative or fractional limit and a non-snowflake after", async () => {
      for (const limit of [-1, 1.5, Number.NaN, Infinity]) {
        await expect(store.listUsers(limit)).rejects.toThrow(RangeError);
      }
      for (const after of ["", "abc", "01", "-1"]) {
        await expect(store.listUsers(1, after)).rejects.toThrow(RangeError);
      }
    });

    test("putUser rejects ids that are not canonical u64 snowflakes", async () => {
      for (const id of ["", "abc", "007", "-1", "1.5", " 1", "18446744073709551616"]) {
        await expect(store.putUser(user(id))).rejects.toThrow(RangeError);
      }
      expect(await store.listUsers(10)).toEqual([]);
    });

    test("putUser rejects non-privileged or out-of-range intent bits", async () => {
      for (const privilegedIntents of [1, 1 << 9, -1, 2 ** 32 + 2, 0.5]) {
        await expect(store.putUser(user("1", { privilegedIntents }))).rejects.toThrow(RangeError);
      }
      expect(await store.getUser("1")).toBeUndefined();
    });

    test("putUser rejects a createdAt that is not integer milliseconds", async () => {
      for (const createdAt of [1.5, Number.NaN, 2 ** 53]) {
        await expect(store.putUser(user("1", { createdAt }))).rejects.toThrow(RangeError);
      }
    });

    test("putUser rejects a tokenGeneration that is not a safe integer >= 0", async () => {
      for (const tokenGeneration of [-1, 0.5, Number.NaN, 2 ** 53]) {
        await expect(store.putUser(user("1", { tokenGeneration }))).rejects.toThrow(RangeError);
      }
      expect(await store.getUser("1")).toBeUndefined();
    });

    test("bumpTokenGeneration raises the user's generation by one and answers it", async () => {
      await store.putUser(user("3", { tokenGeneration: 41 }));
      expect(await store.bumpTokenGeneration("3")).toBe(42);
      expect(await store.bumpTokenGeneration("3")).toBe(43);
      expect(await store.getUser("3")).toEqual(user("3", { tokenGeneration: 43 }));
      expect(await store.bumpTokenGeneration("4")).toBeUndefined();
      expect(await store.getUser("4")).toBeUndefined();
    });

    test("bumpTokenGeneration refuses to pass 2^53-1", async () => {
      await store.putUser(user("3", { tokenGeneration: Number.MAX_SAFE_INTEGER }));
      await expect(store.bumpTokenGeneration("3")).rejects.toThrow(RangeError);
      expect((await store.getUser("3"))?.tokenGeneration).toBe(Number.MAX_SAFE_INTEGER);
    });

    test("putUser never lowers the token generation, so a write from a stale read keeps a revocation", async () => {
      await store.putUser(user("3", { tokenGeneration: 7 }));
      const stale = (await store.getUser("3")) as User;
      await store.bumpTokenGeneration("3");
      await store.putUser({ ...stale, username: "renamed" });
      expect(await store.getUser("3")).toEqual(user("3", { username: "renamed", tokenGeneration: 8 }));
      await store.putUser(user("3", { tokenGeneration: 100 }));
      expect((await store.getUser("3"))?.tokenGeneration).toBe(100);
    });

    test("deleteUser takes the generation with it: a user put again with that id has the generation it is given", async () => {
      await store.putUser(user("3", { tokenGeneration: 7 }));
      await store.bumpTokenGeneration("3");
      await store.deleteUser("3");
      await store.putUser(user("3", { tokenGeneration: 2 }));
      expect((await store.getUser("3"))?.tokenGeneration).toBe(2);
    });

    test("guild records answer undefined or empty when absent", async () => {
      expect(await store.getGuild("1")).toBeUndefined();
      expect(await store.getRole("1")).toBeUndefined();
      expect(await store.getChannel("1")).toBeUndefined();
      expect(await store.getMember("1", "2")).toBeUndefined();
      expect(await store.listGuilds(10)).toEqual([]);
      expect(await store.listRoles("1")).toEqual([]);
      expect(await store.listChannels("1")).toEqual([]);
      expect(await store.listMembers("1", 10)).toEqual([]);
      expect(await store.countMembers("1")).toBe(0);
      expect(await store.guildsOfUser("2")).toEqual([]);
      await deleteGuild(store, "1");
      await deleteRole(store, "1", "1");
      await deleteChannel(store, "1", "1");
      await deleteMember(store, "1", "2");
      expect(await store.getGuild("1")).toBeUndefined();
    });

    test("putGuild then getGuild returns every field; put replaces; delete answers existence", async () => {
      const full = guild("175928847299117063", { name: "Guild 🦊 'q'", ownerId: U64_MAX, icon: "a_abc", createdAt: 0 });
      await putGuild(store, full);
      expect(await store.getGuild(full.id)).toEqual(full);
      await putGuild(store, guild(full.id, { name: "renamed" }));
      expect(await store.getGuild(full.id)).toEqual(guild(full.id, { name: "renamed" }));
      expect(await store.listGuilds(10)).toEqual([guild(full.id, { name: "renamed" })]);
      await deleteGuild(store, full.id);
      await deleteGuild(store, full.id);
      expect(await store.getGuild(full.id)).toBeUndefined();
    });

    test("listGuilds orders by numeric id and pages by limit and after", async () => {
      for (const id of ["100", U64_MAX, "9", "10", "175928847299117063", "99"]) await putGuild(store, guild(id));
      expect((await store.listGuilds(100)).map((g) => g.id)).toEqual(["9", "10", "99", "100", "175928847299117063", U64_MAX]);
      expect((await store.listGuilds(2, "9")).map((g) => g.id)).toEqual(["10", "99"]);
      expect((await store.listGuilds(10, "150")).map((g) => g.id)).toEqual(["175928847299117063", U64_MAX]);
      expect(await store.listGuilds(10, U64_MAX)).toEqual([]);
      expect(await store.listGuilds(0)).toEqual([]);
      await expect(store.listGuilds(-1)).rejects.toThrow(RangeError);
      await expect(store.listGuilds(1, "01")).rejects.toThrow(RangeError);
    });

    test("roles round-trip u64 permissions and list by position, then numeric id, per guild", async () => {
      const everyone = role("10", "10", { name: "@everyone", permissions: U64_BITS, hoist: true, mentionable: true });
      await putRole(store, everyone);
      await putRole(store, role("100", "10", { position: 2, color: 0xffffff, permissions: 1n << 63n }));
      await putRole(store, role("99", "10", { position: 2 }));
      await putRole(store, role("11", "10", { position: 1 }));
      await putRole(store, role("12", "20"));
      expect(await store.getRole("10")).toEqual(everyone);
      expect(await store.getRole("100")).toEqual(role("100", "10", { position: 2, color: 0xffffff, permissions: 1n << 63n }));
      expect((await store.listRoles("10")).map((r) => r.id)).toEqual(["10", "11", "99", "100"]);
      expect(await store.listRoles("20")).toEqual([role("12", "20")]);

      await putRole(store, role("11", "10", { position: 3, name: "moved" }));
      expect((await store.listRoles("10")).map((r) => r.id)).toEqual(["10", "99", "100", "11"]);
      await deleteRole(store, "10", "99");
      await deleteRole(store, "10", "99");
      expect((await store.listRoles("10")).map((r) => r.id)).toEqual(["10", "100", "11"]);
    });

    test("channels round-trip overwrites and list by position, then numeric id, per guild", async () => {
      const full = channel("175928847299117063", "10", {
        type: 2,
        name: "voice ☎",
        position: 5,
        parentId: "30",
        topic: "talk",
        overwrites: [
          { id: "10", type: 0, allow: 1n << 10n, deny: U64_BITS },
          { id: U64_MAX, type: 1, allow: 1n << 63n, deny: 0n },
        ],
      });
      await putChannel(store, full);
      await putChannel(store, channel("30", "10", { type: 4, position: 5 }));
      await putChannel(store, channel("40", "10", { position: 0 }));
      await putChannel(store, channel("50", "20"));
      expect(await store.getChannel(full.id)).toEqual(full);
      expect((await store.listChannels("10")).map((c) => c.id)).toEqual(["40", "30", full.id]);
      expect(await store.listChannels("20")).toEqual([channel("50", "20")]);

      await putChannel(store, channel(full.id, "10", { overwrites: [] }));
      expect(await store.getChannel(full.id)).toEqual(channel(full.id, "10"));
      await deleteChannel(store, "10", "30");
      await deleteChannel(store, "10", "30");
      expect((await store.listChannels("10")).map((c) => c.id)).toEqual(["40", full.id]);
    });

    test("members round-trip, replace, delete and count per guild", async () => {
      const full = member("10", U64_MAX, { roleIds: ["12", "11", "10"], nick: "Nick 🦊", joinedAt: 5 });
      await putMember(store, full);
      await putMember(store, member("10", "2"));
      await putMember(store, member("20", "2"));
      expect(await store.getMember("10", U64_MAX)).toEqual(full);
      expect(await store.getMember("20", U64_MAX)).toBeUndefined();
      expect(await store.countMembers("10")).toBe(2);
      expect(await store.countMembers("20")).toBe(1);

      await putMember(store, member("10", U64_MAX, { nick: null }));
      expect(await store.getMember("10", U64_MAX)).toEqual(member("10", U64_MAX));
      expect(await store.countMembers("10")).toBe(2);
      await deleteMember(store, "10", "2");
      await deleteMember(store, "10", "2");
      expect(await store.countMembers("10")).toBe(1);
      expect(await store.getMember("20", "2")).toEqual(member("20", "2"));
    });

    test("listMembers pages one guild by numeric user id", async () => {
      for (let i = 1; i <= 25; i++) await putMember(store, member("7", String(i * 10)));
      await putMember(store, member("8", "15"));
      await putMember(store, member("70", "15"));
      expect((await store.listMembers("7", 3)).map((m) => m.userId)).toEqual(["10", "20", "30"]);
      expect((await store.listMembers("7", 2, "35")).map((m) => m.userId)).toEqual(["40", "50"]);
      expect((await store.listMembers("7", 10, "240")).map((m) => m.userId)).toEqual(["250"]);
      expect(await store.listMembers("7", 10, "250")).toEqual([]);
      expect(await store.listMembers("7", 0)).toEqual([]);
      expect(await store.listMembers("8", 10)).toEqual([member("8", "15")]);

      const walked: string[] = [];
      for (let page = (await store.listMembers("7", 7)); page.length > 0; page = (await store.listMembers("7", 7, page.at(-1)?.userId))) {
        walked.push(...page.map((m) => m.userId));
      }
      expect(walked).toEqual(Array.from({ length: 25 }, (_, i) => String((i + 1) * 10)));
      for (const limit of [-1, 1.5, Number.NaN]) await expect(store.listMembers("7", limit)).rejects.toThrow(RangeError);
      for (const after of ["", "abc", "01"]) await expect(store.listMembers("7", 1, after)).rejects.toThrow(RangeError);
    });

    test("guildsOfUser lists the user's guilds in numeric order", async () => {
      for (const guildId of ["100", "9", U64_MAX, "10"]) await putMember(store, member(guildId, "5"));
      await putMember(store, member("11", "6"));
      expect(await store.guildsOfUser("5")).toEqual(["9", "10", "100", U64_MAX]);
      await deleteMember(store, "100", "5");
      expect(await store.guildsOfUser("5")).toEqual(["9", "10", U64_MAX]);
      expect(await store.guildsOfUser("6")).toEqual(["11"]);
    });

    test("deleteGuild removes its roles, channels and members and nothing else", async () => {
      await seedGuild(store, "1000");
      await seedGuild(store, "2000");
      await store.putUser(user("1"));
      expect(await store.countMembers("1000")).toBe(2);
      expect(await store.guildsOfUser("1")).toEqual(["1000", "2000"]);

      await deleteGuild(store, "1000");
      expect(await store.getGuild("1000")).toBeUndefined();
      expect(await store.listRoles("1000")).toEqual([]);
      expect(await store.getRole("1000")).toBeUndefined();
      expect(await store.listChannels("1000")).toEqual([]);
      expect(await store.getChannel("10003")).toBeUndefined();
      expect(await store.listMembers("1000", 10)).toEqual([]);
      expect(await store.countMembers("1000")).toBe(0);
      expect(await store.guildsOfUser("1")).toEqual(["2000"]);

      expect(await store.listGuilds(10)).toEqual([guild("2000")]);
      expect((await store.listRoles("2000")).map((r) => r.id)).toEqual(["2000", "20001"]);
      expect((await store.listChannels("2000")).map((c) => c.id)).toEqual(["20002", "20003"]);
      expect(await store.countMembers("2000")).toBe(2);
      expect(await store.getUser("1")).toEqual(user("1"));
    });

    test("guild records are copies: mutating arrays in or out leaves the store unchanged", async () => {
      const overwrites = [{ id: "1", type: 0 as const, allow: 1n, deny: 2n }];
      await putChannel(store, { ...channel("3", "1", { overwrites }), extra: true } as StoredChannel);
      (overwrites[0] as Overwrite).allow = 99n;
      overwrites.push({ id: "2", type: 0, allow: 0n, deny: 0n });
      const out = (await store.getChannel("3")) as StoredChannel;
      (out.overwrites[0] as Overwrite).allow = 77n;
      (out.overwrites as Overwrite[]).length = 0;
      const expected = channel("3", "1", { overwrites: [{ id: "1", type: 0, allow: 1n, deny: 2n }] });
      expect(await store.getChannel("3")).toEqual(expected);
      expect(await store.listChannels("1")).toEqual([expected]);

      const roleIds = ["5"];
      await putMember(store, member("1", "2", { roleIds }));
      roleIds.push("6");
      ((await store.getMember("1", "2"))?.roleIds as string[]).push("7");
      ((await store.listMembers("1", 1))[0]?.roleIds as string[]).push("8");
      expect(await store.getMember("1", "2")).toEqual(member("1", "2", { roleIds: ["5"] }));

      const stored = { ...role("4", "1"), extra: 1 } as StoredRole;
      await putRole(store, stored);
      expect(await store.getRole("4")).toEqual(role("4", "1"));
      await putGuild(store, { ...guild("1"), extra: 1 } as Guild);
      expect(await store.getGuild("1")).toEqual(guild("1"));
    });

    test("putGuild rejects invalid ids and createdAt", async () => {
      for (const bad of [guild("01"), guild("x"), guild("1", { ownerId: "" }), guild("1", { createdAt: 1.5 })]) {
        await expect(putGuild(store, bad)).rejects.toThrow(RangeError);
      }
      expect(await store.listGuilds(10)).toEqual([]);
    });

    test("putRole rejects invalid ids, permissions, position and color", async () => {
      const bad: StoredRole[] = [
        role("01", "1"),
        role("1", "18446744073709551616"),
        role("1", "1", { permissions: -1n }),
        role("1", "1", { permissions: 1n << 64n }),
        role("1", "1", { permissions: 8 as unknown as bigint }),
        role("1", "1", { position: -1 }),
        role("1", "1", { position: 0.5 }),
        role("1", "1", { color: 0x1000000 }),
        role("1", "1", { color: -1 }),
      ];
      for (const r of bad) await expect(putRole(store, r)).rejects.toThrow(RangeError);
      expect(await store.listRoles("1")).toEqual([]);
    });

    test("putChannel rejects invalid ids, integers and overwrites", async () => {
      const bad: StoredChannel[] = [
        channel("a", "1"),
        channel("1", "1", { parentId: "007" }),
        channel("1", "1", { type: 1.5 }),
        channel("1", "1", { type: -1 }),
        channel("1", "1", { position: Number.NaN }),
        channel("1", "1", { overwrites: [{ id: "x", type: 0, allow: 0n, deny: 0n }] }),
        channel("1", "1", { overwrites: [{ id: "2", type: 2 as 0, allow: 0n, deny: 0n }] }),
        channel("1", "1", { overwrites: [{ id: "2", type: 1, allow: 1n << 64n, deny: 0n }] }),
        channel("1", "1", { overwrites: [{ id: "2", type: 1, allow: 0n, deny: -1n }] }),
        channel("1", "1", {
          overwrites: [
            { id: "2", type: 1, allow: 0n, deny: 0n },
            { id: "2", type: 0, allow: 0n, deny: 0n },
          ],
        }),
      ];
      for (const c of bad) await expect(putChannel(store, c)).rejects.toThrow(RangeError);
      expect(await store.listChannels("1")).toEqual([]);
    });

    test("putMember rejects invalid ids, role ids and joinedAt", async () => {
      const bad: Member[] = [
        member("1", "-2"),
        member("", "2"),
        member("1", "2", { roleIds: ["3", "03"] }),
        member("1", "2", { roleIds: ["3", "3"] }),
        member("1", "2", { joinedAt: 2 ** 53 }),
      ];
      for (const m of bad) await expect(putMember(store, m)).rejects.toThrow(RangeError);
      expect(await store.countMembers("1")).toBe(0);
      expect(await store.guildsOfUser("2")).toEqual([]);
    });

    test("listMembersWithUsers pages a guild's members with their users, leaving out members whose user is gone", async () => {
      for (const id of ["30", "10", U64_MAX, "20"]) {
        await store.putUser(user(id, { tokenGeneration: 7 }));
        await putMember(store, member("5", id, { roleIds: ["6"], nick: `n${id}` }));
      }
      await putMember(store, member("5", "25"));
      await putMember(store, member("9", "10"));
      const page = await store.listMembersWithUsers("5", 2);
      expect(page).toEqual([
        { member: member("5", "10", { roleIds: ["6"], nick: "n10" }), user: user("10", { tokenGeneration: 7 }) },
        { member: member("5", "20", { roleIds: ["6"], nick: "n20" }), user: user("20", { tokenGeneration: 7 }) },
      ]);
      const rest = await store.listMembersWithUsers("5", 10, "20");
      expect(rest.map((m) => m.user.id)).toEqual(["30", U64_MAX]);
      expect(await store.listMembersWithUsers("5", 10, U64_MAX)).toEqual([]);
      expect(await store.listMembersWithUsers("7", 10)).toEqual([]);
      await expect(store.listMembersWithUsers("5", -1)).rejects.toThrow(RangeError);
    });

    test("writeGuild applies a batch in order, and refuses a whole batch with a record of another guild", async () => {
      await store.writeGuild("1", GENERATION, [
        { k: "guild", guild: guild("1") },
        { k: "role", role: role("2", "1") },
        { k: "role", role: role("2", "1", { name: "second" }) },
        { k: "channel", channel: channel("3", "1") },
        { k: "delete-channel", channelId: "3" },
      ]);
      expect(await store.getRole("2")).toEqual(role("2", "1", { name: "second" }));
      expect(await store.getChannel("3")).toBeUndefined();
      const mixed = store.writeGuild("1", GENERATION, [
        { k: "role", role: role("4", "1") },
        { k: "member", member: member("8", "5") },
      ]);
      await expect(mixed).rejects.toThrow(RangeError);
      const invalid = store.writeGuild("1", GENERATION, [
        { k: "role", role: role("4", "1") },
        { k: "role", role: role("5", "1", { color: -1 }) },
      ]);
      await expect(invalid).rejects.toThrow(RangeError);
      expect(await store.getRole("4")).toBeUndefined();
      await expect(store.writeGuild("1", -1, [])).rejects.toThrow(RangeError);
      await expect(store.claimGuild("01", 1)).rejects.toThrow(RangeError);
    });

    test("fencing: once an owner at generation 2 claims a guild, the owner at generation 1 can write nothing of it", async () => {
      const next = await opened.second();
      await store.claimGuild("1", 1);
      await store.writeGuild("1", 1, [{ k: "guild", guild: guild("1") }, { k: "role", role: role("1", "1") }]);
      // The guild moves: its new owner claims it with the later generation and writes.
      await next.claimGuild("1", 2);
      await next.writeGuild("1", 2, [{ k: "role", role: role("1", "1", { name: "new owner's" }) }]);
      // The old owner, unaware, writes a batch: refused whole, with a typed error.
      const stale = store.writeGuild("1", 1, [
        { k: "role", role: role("1", "1", { name: "old owner's" }) },
        { k: "channel", channel: channel("3", "1") },
        { k: "member", member: member("1", "4") },
        { k: "delete-guild" },
      ]);
      await expect(stale).rejects.toBeInstanceOf(GuildFencedError);
      await expect(stale).rejects.toMatchObject({ guildId: "1", generation: 1, fence: 2 });
      await expect(store.claimGuild("1", 1)).rejects.toBeInstanceOf(GuildFencedError);
      for (const reader of [store, next]) {
        expect(await reader.getGuild("1")).toEqual(guild("1"));
        expect(await reader.getRole("1")).toEqual(role("1", "1", { name: "new owner's" }));
        expect(await reader.getChannel("3")).toBeUndefined();
        expect(await reader.getMember("1", "4")).toBeUndefined();
      }
      // Fences are per guild, and a guild never claimed takes any generation.
      await store.writeGuild("2", 1, [{ k: "guild", guild: guild("2") }]);
      expect(await next.getGuild("2")).toEqual(guild("2"));
      // The new owner's later writes, and a still later owner's, go on.
      await next.writeGuild("1", 2, [{ k: "channel", channel: channel("3", "1") }]);
      await next.claimGuild("1", 3);
      await expect(next.writeGuild("1", 2, [{ k: "delete-channel", channelId: "3" }])).rejects.toBeInstanceOf(GuildFencedError);
      expect(await store.getChannel("3")).toEqual(channel("3", "1"));
    });

    test("a claim is renewed at a later generation only if nobody claimed the guild in between", async () => {
      const next = await opened.second();
      await store.claimGuild("1", 3);
      // Owned again at generation 5, nobody else having claimed it: kept.
      expect(await store.renewClaim("1", 3, 5)).toBe(true);
      await store.writeGuild("1", 5, [{ k: "guild", guild: guild("1") }]);
      // Another owner claims it at 6; the first, owning it again at 7, must load it afresh.
      await next.claimGuild("1", 6);
      expect(await store.renewClaim("1", 5, 7)).toBe(false);
      await expect(store.writeGuild("1", 5, [])).rejects.toBeInstanceOf(GuildFencedError);
      expect(await next.renewClaim("1", 6, 7)).toBe(true);
      expect(await store.highestFence()).toBe(7);
      // A guild never claimed has no claim to renew.
      expect(await store.renewClaim("2", 1, 2)).toBe(false);
    });

    test("a message round-trips every field, and is found by its channel and id only", async () => {
      const full = message("175928847299117063", {
        authorId: "18446744073709551615",
        type: 19,
        content: "O'Brien \"quoted\" 🦊 <@5>",
        flags: 4 | 4096,
        editedAt: 1_700_000_000_123,
        pinnedAt: 1_700_000_000_456,
        nonce: "n-1",
        data: JSON.stringify({ mentions: [{ id: "5" }], embeds: [{ title: "t" }], message_reference: { message_id: "7" } }),
      });
      await putMessages(store, full);
      expect(await store.getMessage("30", full.id)).toEqual(full);
      expect(await (await opened.second()).getMessage("30", full.id)).toEqual(full);
      expect(await store.getMessage("31", full.id)).toBeUndefined();
      expect(await store.getMessage("30", "1")).toBeUndefined();
      // A write with the same (channel, id) replaces it: an edit.
      await putMessages(store, { ...full, content: "edited", editedAt: 1_700_000_001_000 });
      expect(await store.getMessage("30", full.id)).toEqual({ ...full, content: "edited", editedAt: 1_700_000_001_000 });
      expect(messageIds(await store.listMessages("30", { limit: 10 }))).toEqual([full.id]);
    });

    test("history pages by numeric id, newest first: latest, before, after and around, one channel only", async () => {
      // Ids of different lengths: text order would put "100" before "20".
      const history = ["7", "20", "33", "100", "250", "1000", "1001"].map((id) => message(id));
      await putMessages(store, ...history, message("500", { channelId: "31" }));
      const page = async (p: Parameters<GuildStore["listMessages"]>[1]) => messageIds(await store.listMessages("30", p));
      expect(await page({ limit: 100 })).toEqual(["1001", "1000", "250", "100", "33", "20", "7"]);
      expect(await page({ limit: 3 })).toEqual(["1001", "1000", "250"]);
      expect(await page({ limit: 0 })).toEqual([]);
      expect(await page({ limit: 3, before: "250" })).toEqual(["100", "33", "20"]);
      expect(await page({ limit: 3, before: "21" })).toEqual(["20", "7"]);
      // After: the oldest ones after it, still newest first.
      expect(await page({ limit: 2, after: "20" })).toEqual(["100", "33"]);
      expect(await page({ limit: 10, after: "1001" })).toEqual([]);
      // Around: half (rounded down) older than it, the rest from it on.
      expect(await page({ limit: 4, around: "100" })).toEqual(["1000", "250", "100", "33", "20"].slice(1));
      expect(await page({ limit: 5, around: "100" })).toEqual(["1000", "250", "100", "33", "20"]);
      expect(await page({ limit: 1, around: "100" })).toEqual(["100"]);
      expect(await page({ limit: 3, around: "99" })).toEqual(["250", "100", "33"]);
      expect(messageIds(await store.listMessages("31", { limit: 10 }))).toEqual(["500"]);
      expect(await store.listMessages("32", { limit: 10 })).toEqual([]);
      await expect(store.listMessages("30", { limit: 5, before: "1", after: "2" })).rejects.toThrow(RangeError);
      await expect(store.listMessages("30", { limit: -1 })).rejects.toThrow(RangeError);
    });

    test("delete-messages removes those of the channel with their reactions, skipping ids not there", async () => {
      await putMessages(store, message("10"), message("11"), message("12"), message("10", { channelId: "31" }));
      await react(store, reaction("10", "5"), reaction("11", "5"), { ...reaction("10", "5"), channelId: "31" });
      await store.writeGuild("1", GENERATION, [{ k: "delete-messages", channelId: "30", messageIds: ["10", "11", "99"] }]);
      expect(messageIds(await store.listMessages("30", { limit: 10 }))).toEqual(["12"]);
      expect(await store.getMessage("31", "10")).toBeDefined();
      expect(await store.messageReactions("30", ["10", "11"], "5")).toEqual(new Map());
      expect((await store.messageReactions("31", ["10"], "5")).get("10")).toHaveLength(1);
      // A message put again with a deleted id starts with no reactions.
      await putMessages(store, message("10"));
      expect(await store.messageReactions("30", ["10"], "5")).toEqual(new Map());
    });

    test("pinned messages list by pin time, latest first, before a time, and count", async () => {
      await putMessages(
        store,
        message("10", { pinnedAt: 3_000 }),
        message("11"),
        message("12", { pinnedAt: 1_000 }),
        message("13", { pinnedAt: 3_000 }),
        message("14", { channelId: "31", pinnedAt: 5_000 }),
      );
      expect(messageIds(await store.listPinnedMessages("30", 10))).toEqual(["13", "10", "12"]);
      expect(messageIds(await store.listPinnedMessages("30", 1))).toEqual(["13"]);
      expect(messageIds(await store.listPinnedMessages("30", 10, 3_000))).toEqual(["12"]);
      expect(await store.countPinnedMessages("30")).toBe(3);
      expect(await store.countPinnedMessages("32")).toBe(0);
      await putMessages(store, message("10"));
      expect(await store.countPinnedMessages("30")).toBe(2);
    });

    test("findMessageByNonce answers the author's newest message with that nonce in the channel", async () => {
      await putMessages(store, message("10", { nonce: "abc" }), message("12", { nonce: "abc" }), message("13", { nonce: "abc", authorId: "6" }), message("14", { nonce: "abc", channelId: "31" }));
      expect((await store.findMessageByNonce("30", "5", "abc"))?.id).toBe("12");
      expect((await store.findMessageByNonce("30", "6", "abc"))?.id).toBe("13");
      expect(await store.findMessageByNonce("30", "5", "abd")).toBeUndefined();
      expect(await store.findMessageByNonce("30", "7", "abc")).toBeUndefined();
    });

    test("reactions count per emoji in order of first use, with the viewer's own, normal and burst apart", async () => {
      await putMessages(store, message("10"), message("11"));
      await react(store, reaction("10", "6", PARTY), reaction("10", "5"), reaction("10", "6"), reaction("10", "5"), reaction("10", "7", FIRE, true), reaction("11", "7"));
      const counts = await store.messageReactions("30", ["10", "11", "12"], "5");
      expect(counts.get("10")).toEqual([
        { emoji: PARTY, normal: 1, burst: 0, me: false, meBurst: false },
        { emoji: FIRE, normal: 2, burst: 1, me: true, meBurst: false },
      ]);
      expect(counts.get("11")).toEqual([{ emoji: FIRE, normal: 1, burst: 0, me: false, meBurst: false }]);
      expect(counts.has("12")).toBe(false);
      expect((await store.messageReactions("30", ["10"], "7")).get("10")?.[1]).toMatchObject({ me: false, meBurst: true });
      expect(await store.messageReactions("31", ["10"], "5")).toEqual(new Map());
    });

    test("reactors page by numeric user id per emoji and kind, leaving out users that are gone", async () => {
      for (const id of ["5", "20", "100", "7"]) await store.putUser(user(id));
      await putMessages(store, message("10"));
      await react(store, reaction("10", "100"), reaction("10", "20"), reaction("10", "5"), reaction("10", "8"), reaction("10", "7", FIRE, true), reaction("10", "7", PARTY));
      const reactors = async (key: string, burst: boolean, limit: number, after?: string) => ids(await store.listReactors("30", "10", key, burst, limit, after));
      expect(await reactors("🔥", false, 10)).toEqual(["5", "20", "100"]);
      expect(await reactors("🔥", false, 2)).toEqual(["5", "20"]);
      expect(await reactors("🔥", false, 10, "20")).toEqual(["100"]);
      expect(await reactors("🔥", true, 10)).toEqual(["7"]);
      expect(await reactors("900", false, 10)).toEqual(["7"]);
      expect(await reactors("party", false, 10)).toEqual([]);
      expect((await store.listReactors("30", "10", "🔥", false, 10))[0]).toEqual(user("5"));
    });

    test("delete-reactions removes one user's with an emoji (both kinds), one emoji's, or all", async () => {
      await putMessages(store, message("10"), message("11"));
      await react(store, reaction("10", "5"), reaction("10", "5", FIRE, true), reaction("10", "6"), reaction("10", "5", PARTY), reaction("11", "5"));
      const summary = async () => ((await store.messageReactions("30", ["10", "11"], "5")).get("10") ?? []).map((c) => [c.emoji.name, c.normal, c.burst]);
      await store.writeGuild("1", GENERATION, [{ k: "delete-reactions", selector: { channelId: "30", messageId: "10", emojiKey: "🔥", userId: "5" } }]);
      expect(await summary()).toEqual([["🔥", 1, 0], ["party", 1, 0]]);
      await store.writeGuild("1", GENERATION, [{ k: "delete-reactions", selector: { channelId: "30", messageId: "10", emojiKey: "900" } }]);
      expect(await summary()).toEqual([["🔥", 1, 0]]);
      await store.writeGuild("1", GENERATION, [{ k: "delete-reactions", selector: { channelId: "30", messageId: "10" } }]);
      expect(await summary()).toEqual([]);
      expect((await store.messageReactions("30", ["11"], "5")).get("11")).toHaveLength(1);
      const userWithoutEmoji = store.writeGuild("1", GENERATION, [{ k: "delete-reactions", selector: { channelId: "30", messageId: "10", userId: "5" } }]);
      await expect(userWithoutEmoji).rejects.toThrow(RangeError);
    });

    test("a deleted channel takes its messages and reactions; a deleted guild takes all of its own", async () => {
      await putMessages(store, message("10"), message("11", { channelId: "31" }));
      await store.writeGuild("2", GENERATION, [{ k: "message", message: message("12", { guildId: "2", channelId: "40" }) }]);
      await react(store, reaction("10", "5"), { ...reaction("11", "5"), channelId: "31" });
      await store.writeGuild("2", GENERATION, [{ k: "reaction", reaction: { ...reaction("12", "5"), channelId: "40" } }]);
      await deleteChannel(store, "1", "30");
      expect(await store.listMessages("30", { limit: 10 })).toEqual([]);
      expect(await store.messageReactions("30", ["10"], "5")).toEqual(new Map());
      expect(messageIds(await store.listMessages("31", { limit: 10 }))).toEqual(["11"]);
      await deleteGuild(store, "1");
      expect(await store.listMessages("31", { limit: 10 })).toEqual([]);
      expect(await store.messageReactions("31", ["11"], "5")).toEqual(new Map());
      expect(messageIds(await store.listMessages("40", { limit: 10 }))).toEqual(["12"]);
      expect((await store.messageReactions("40", ["12"], "5")).get("12")).toHaveLength(1);
    });

    test("an attachment keeps its bytes and fields, by channel and id; it goes with its message, its channel or its guild", async () => {
      const kept = attachment("20", "10");
      await store.writeGuild("1", GENERATION, [
        { k: "message", message: message("10") },
        { k: "attachment", attachment: kept },
        { k: "attachment", attachment: attachment("21", "10", { contentType: null, data: new Uint8Array(0) }) },
        { k: "message", message: message("11") },
        { k: "attachment", attachment: attachment("22", "11") },
        { k: "message", message: message("12", { channelId: "31" }) },
        { k: "attachment", attachment: attachment("23", "12", { channelId: "31" }) },
      ]);
      expect(await store.getAttachment("30", "20")).toEqual(kept);
      expect(await (await opened.second()).getAttachment("30", "20")).toEqual(kept);
      expect(await store.getAttachment("30", "21")).toEqual(attachment("21", "10", { contentType: null, data: new Uint8Array(0) }));
      expect(await store.getAttachment("31", "20")).toBeUndefined();
      // An edit drops one file of a message: the others stay (ids not there are skipped).
      await store.writeGuild("1", GENERATION, [{ k: "delete-attachments", channelId: "30", attachmentIds: ["21", "99"] }]);
      expect(await store.getAttachment("30", "21")).toBeUndefined();
      expect(await store.getAttachment("30", "20")).toEqual(kept);
      await store.writeGuild("1", GENERATION, [{ k: "attachment", attachment: attachment("21", "10") }]);
      await store.writeGuild("1", GENERATION, [{ k: "delete-messages", channelId: "30", messageIds: ["10"] }]);
      expect(await store.getAttachment("30", "20")).toBeUndefined();
      expect(await store.getAttachment("30", "21")).toBeUndefined();
      expect(await store.getAttachment("30", "22")).toBeDefined();
      await deleteChannel(store, "1", "30");
      expect(await store.getAttachment("30", "22")).toBeUndefined();
      expect(await store.getAttachment("31", "23")).toBeDefined();
      await deleteGuild(store, "1");
      expect(await store.getAttachment("31", "23")).toBeUndefined();
      await expect(store.writeGuild("1", GENERATION, [{ k: "attachment", attachment: attachment("24", "10", { filename: "" }) }])).rejects.toThrow(RangeError);
      await expect(store.writeGuild("1", GENERATION, [{ k: "attachment", attachment: attachment("x", "10") }])).rejects.toThrow(RangeError);
    });

    test("message writes are fenced and checked like every guild write", async () => {
      const next = await opened.second();
      await store.claimGuild("1", 1);
      await next.claimGuild("1", 2);
      const stale = store.writeGuild("1", 1, [{ k: "message", message: message("10") }, { k: "reaction", reaction: reaction("10", "5") }]);
      await expect(stale).rejects.toBeInstanceOf(GuildFencedError);
      expect(await next.getMessage("30", "10")).toBeUndefined();
      await expect(next.writeGuild("1", 2, [{ k: "message", message: message("10", { guildId: "2" }) }])).rejects.toThrow(RangeError);
      for (const bad of [{ id: "01" }, { type: 256 }, { flags: -1 }, { editedAt: 1.5 }, { nonce: "x".repeat(26) }, { authorId: "a" }] as Partial<StoredMessage>[]) {
        await expect(next.writeGuild("1", 2, [{ k: "message", message: message("10", bad) }])).rejects.toThrow(RangeError);
      }
      await expect(next.writeGuild("1", 2, [{ k: "reaction", reaction: { ...reaction("10", "5"), emoji: { id: null, name: "", animated: false } } }])).rejects.toThrow(RangeError);
      expect(await next.getMessage("30", "10")).toBeUndefined();
    });

    test("an interaction round-trips every field by its unit and id, is replaced whole, and is fenced and checked like every guild write", async () => {
      const started = interaction("40", 1_000);
      await store.writeGuild("1", 1, [{ k: "interaction", interaction: started, now: 1_000 }]);
      expect(await store.getInteraction("1", "40", 1_000)).toEqual(started);
      expect(await store.getInteraction("2", "40", 1_000)).toBeUndefined();
      expect(await store.getInteraction("1", "41", 1_000)).toBeUndefined();
      const answered = interaction("40", 1_000, { acknowledged: true, originalId: "10", followUpIds: ["11", "12"], modal: "form ü", ephemeral: [message("13", { flags: 64 })] });
      await store.writeGuild("1", 1, [{ k: "message", message: message("10") }, { k: "interaction", interaction: answered, now: 2_000 }]);
      const next = await opened.second();
      expect(await next.getInteraction("1", "40", 2_000)).toEqual(answered);
      expect(await next.getMessage("30", "10")).toEqual(message("10"));
      await next.claimGuild("1", 2);
      const stale = store.writeGuild("1", 1, [{ k: "interaction", interaction: interaction("40", 1_000, { acknowledged: false }), now: 3_000 }]);
      await expect(stale).rejects.toBeInstanceOf(GuildFencedError);
      expect(await next.getInteraction("1", "40", 3_000)).toEqual(answered);
      for (const bad of [{ unitId: "2" }, { id: "x" }, { originalId: "01" }, { followUpIds: ["a"] }, { type: 0 }, { acknowledged: 1 }, { ephemeral: [message("13", { flags: -1 })] }] as Partial<StoredInteraction>[]) {
        await expect(next.writeGuild("1", 2, [{ k: "interaction", interaction: interaction("41", 1_000, bad), now: 1_000 }])).rejects.toThrow(RangeError);
      }
      expect(await next.getInteraction("1", "41", 1_000)).toBeUndefined();
    });

    test("findShownModal answers the newest unexpired interaction that showed the user, in the channel, the app's modal of that custom_id", async () => {
      const shown = { applicationId: "8", userId: "5", channelId: "30", customId: "form" };
      const older = interaction("40", 1_000, { acknowledged: true, modal: "form" });
      const newer = interaction("41", 2_000, { acknowledged: true, modal: "form" });
      const writes = [older, newer, interaction("42", 3_000, { acknowledged: true, modal: "other" }), interaction("43", 3_000)];
      await store.writeGuild("1", GENERATION, writes.map((record) => ({ k: "interaction", interaction: record, now: 3_000 })));
      expect(await store.findShownModal("1", shown, 3_000)).toEqual(newer);
      for (const other of [{ applicationId: "9" }, { userId: "6" }, { channelId: "31" }, { customId: "Form" }]) {
        expect(await store.findShownModal("1", { ...shown, ...other }, 3_000)).toBeUndefined();
      }
      expect(await store.findShownModal("2", shown, 3_000)).toBeUndefined();
      expect(await store.findShownModal("1", shown, 1_000 + INTERACTION_LIFETIME_MS + 1)).toEqual(newer);
      expect(await store.findShownModal("1", shown, 2_000 + INTERACTION_LIFETIME_MS + 1)).toBeUndefined();
    });

    test("an interaction expires 15 minutes after its creation: never answered after, swept by its unit's next write, and goes with its guild", async () => {
      await store.writeGuild("1", GENERATION, [{ k: "interaction", interaction: interaction("40", 1_000), now: 1_000 }]);
      await store.writeGuild("2", GENERATION, [{ k: "interaction", interaction: interaction("42", 1_000, { unitId: "2" }), now: 1_000 }]);
      const expiry = 1_000 + INTERACTION_LIFETIME_MS;
      expect(await store.getInteraction("1", "40", expiry)).toEqual(interaction("40", 1_000));
      expect(await store.getInteraction("1", "40", expiry + 1)).toBeUndefined();
      await store.writeGuild("1", GENERATION, [{ k: "interaction", interaction: interaction("41", expiry + 1), now: expiry + 1 }]);
      // Swept: not there even to a reader whose clock is behind.
      expect(await store.getInteraction("1", "40", 1_000)).toBeUndefined();
      expect(await store.getInteraction("1", "41", expiry + 1)).toEqual(interaction("41", expiry + 1));
      expect(await store.getInteraction("2", "42", 1_000)).toEqual(interaction("42", 1_000, { unitId: "2" }));
      await deleteGuild(store, "1");
      expect(await store.getInteraction("1", "41", expiry + 1)).toBeUndefined();
      expect(await store.getInteraction("2", "42", 1_000)).toEqual(interaction("42", 1_000, { unitId: "2" }));
    });

    test("a pair of users has one DM channel: a later open of the pair, through another store too, answers the first", async () => {
      const first: DmChannel = { id: "700", recipientIds: ["5", U64_MAX], createdAt: 1_000 };
      expect(await store.openDmChannel(first)).toEqual(first);
      const again = { id: "701", recipientIds: ["5", U64_MAX] as const, createdAt: 2_000 };
      expect(await (await opened.second()).openDmChannel(again)).toEqual(first);
      expect(await store.getDmChannel("701")).toBeUndefined();
      expect(await store.getDmChannel("700")).toEqual(first);
      const other: DmChannel = { id: "702", recipientIds: ["5", "6"], createdAt: 3_000 };
      expect(await store.openDmChannel(other)).toEqual(other);
      expect(await store.getDmChannel("nope")).toBeUndefined();
      expect(await store.getChannel("700")).toBeUndefined();
    });

    test("a DM channel with one user twice, recipients out of order or a bad id rejects with RangeError and stores nothing", async () => {
      for (const recipientIds of [["5", "5"], ["6", "5"], ["5", "x"]] as const) {
        await expect(store.openDmChannel({ id: "700", recipientIds: recipientIds as unknown as [string, string], createdAt: 0 })).rejects.toThrow(RangeError);
      }
      expect(await store.getDmChannel("700")).toBeUndefined();
    });

    test("a DM channel's messages are written under the channel's own id, fenced as a guild's", async () => {
      await store.openDmChannel({ id: "700", recipientIds: ["5", "6"], createdAt: 0 });
      const dm = message("10", { channelId: "700", guildId: "700" });
      await store.writeGuild("700", 3, [{ k: "message", message: dm }]);
      expect(await store.getMessage("700", "10")).toEqual(dm);
      await expect(store.writeGuild("700", 2, [{ k: "delete-messages", channelId: "700", messageIds: ["10"] }])).rejects.toThrow(GuildFencedError);
      expect(messageIds(await store.listMessages("700", { limit: 10 }))).toEqual(["10"]);
    });

    test("a group DM is written under its own id, fenced: created, renamed, recipients changed, read back through another store, deleted with its messages", async () => {
      const group: GroupDmChannel = { id: "800", ownerId: "5", name: null, icon: null, recipientIds: ["5", U64_MAX, "6"], createdAt: 1_000 };
      expect(await store.getGroupDm("800")).toBeUndefined();
      await store.writeGuild("800", 3, [{ k: "group-dm", channel: group }]);
      expect(await store.getGroupDm("800")).toEqual(group);
      const renamed: GroupDmChannel = { ...group, ownerId: U64_MAX, name: "plans", icon: "abc", recipientIds: [U64_MAX, "6"] };
      const said = message("10", { channelId: "800", guildId: "800" });
      await store.writeGuild("800", 3, [{ k: "group-dm", channel: renamed }, { k: "message", message: said }]);
      expect(await (await opened.second()).getGroupDm("800")).toEqual(renamed);
      expect(await store.getDmChannel("800")).toBeUndefined();
      expect(await store.getChannel("800")).toBeUndefined();
      await expect(store.writeGuild("800", 2, [{ k: "delete-group-dm" }])).rejects.toThrow(GuildFencedError);
      await store.writeGuild("800", 3, [{ k: "delete-group-dm" }]);
      expect(await store.getGroupDm("800")).toBeUndefined();
      expect(await store.getMessage("800", "10")).toBeUndefined();
      expect(await store.getGroupDm("nope")).toBeUndefined();
    });

    test("a group DM with no, eleven or repeated recipients, an owner not among them, a bad id or a long name rejects with RangeError and stores nothing", async () => {
      const group: GroupDmChannel = { id: "800", ownerId: "5", name: null, icon: null, recipientIds: ["5", "6"], createdAt: 0 };
      const eleven = Array.from({ length: 11 }, (_, i) => String(5 + i));
      for (const bad of [{ recipientIds: [] }, { recipientIds: eleven }, { recipientIds: ["5", "5"] }, { ownerId: "7" }, { recipientIds: ["5", "x"] }, { name: "n".repeat(101) }, { id: "800", ownerId: "x" }]) {
        await expect(store.writeGuild("800", 1, [{ k: "group-dm", channel: { ...group, ...bad } as GroupDmChannel }])).rejects.toThrow(RangeError);
      }
      await expect(store.writeGuild("801", 1, [{ k: "group-dm", channel: group }])).rejects.toThrow(RangeError);
      expect(await store.getGroupDm("800")).toBeUndefined();
    });

    test("listPrivateChannels: a user's DMs and group DMs with their newest message ids, latest active first, at most `limit`; others' are not listed", async () => {
      for (const id of ["5", "6", "7", U64_MAX]) await store.putUser(user(id));
      const talk: DmChannel = { id: "700", recipientIds: ["5", "6"], createdAt: 1_000 };
      const quiet: DmChannel = { id: "701", recipientIds: ["5", U64_MAX], createdAt: 2_000 };
      await store.openDmChannel(talk);
      await store.openDmChannel(quiet);
      await store.openDmChannel({ id: "702", recipientIds: ["6", "7"], createdAt: 3_000 });
      const group: GroupDmChannel = { id: "800", ownerId: "6", name: "plans", icon: null, recipientIds: ["6", "5", "7"], createdAt: 4_000 };
      await store.writeGuild("800", 1, [{ k: "group-dm", channel: group }, { k: "message", message: message("99", { channelId: "800", guildId: "800" }) }]);
      await store.writeGuild("801", 1, [{ k: "group-dm", channel: { ...group, id: "801", ownerId: "7", recipientIds: ["7"] } }]);
      // Numeric order: "100" is newer than "9", and the quiet DM's own id (701) newer than both.
      await store.writeGuild("700", 1, ["9", "100"].map((id) => ({ k: "message", message: message(id, { channelId: "700", guildId: "700" }) })));
      const listed = [
        { channel: quiet, lastMessageId: null },
        { channel: talk, lastMessageId: "100" },
        { channel: group, lastMessageId: "99" },
      ];
      expect(await store.listPrivateChannels("5", 10)).toEqual(listed);
      expect(await (await opened.second()).listPrivateChannels("5", 2)).toEqual(listed.slice(0, 2));
      expect(await store.listPrivateChannels("5", 0)).toEqual([]);
      expect(await store.listPrivateChannels(U64_MAX, 10)).toEqual([{ channel: quiet, lastMessageId: null }]);
      expect(await store.listPrivateChannels("404", 10)).toEqual([]);
      // Recipients change with the group DM's writes: one that left is no longer listed, and a deleted one for nobody.
      await store.writeGuild("800", 1, [{ k: "group-dm", channel: { ...group, recipientIds: ["6", "7"] } }]);
      expect((await store.listPrivateChannels("5", 10)).map((entry) => entry.channel.id)).toEqual(["701", "700"]);
      expect((await store.listPrivateChannels("7", 10)).map((entry) => entry.channel.id)).toEqual(["801", "702", "800"]);
      await store.writeGuild("800", 1, [{ k: "delete-group-dm" }]);
      expect((await store.listPrivateChannels("7", 10)).map((entry) => entry.channel.id)).toEqual(["801", "702"]);
      await expect(store.listPrivateChannels("5", -1)).rejects.toThrow(RangeError);
    });

    test("getUsers answers the users with those ids in numeric id order, leaving out unknown, repeated and malformed ids", async () => {
      for (const id of ["9", "10", U64_MAX]) await store.putUser(user(id));
      expect(ids(await store.getUsers([U64_MAX, "10", "404", "9", "10", "x"]))).toEqual(["9", "10", U64_MAX]);
      expect(await store.getUsers(["9"])).toEqual([user("9")]);
      expect(await store.getUsers([])).toEqual([]);
    });

    test("a thread channel round-trips its thread fields; other channels have none", async () => {
      const thread = channel("31", "1", { type: 12, parentId: "30", thread: threadFields({ archived: true, invitable: false, messageCount: 3, totalMessageSent: 5, lastMessageId: "18446744073709551615" }) });
      await putChannel(store, channel("30", "1"));
      await putChannel(store, thread);
      expect(await store.getChannel("31")).toEqual(thread);
      expect(await store.getChannel("30")).toEqual(channel("30", "1"));
      expect("thread" in ((await store.getChannel("30")) as StoredChannel)).toBe(false);
      expect(await store.listChannels("1")).toEqual([channel("30", "1"), thread]);
      const bad = { ...thread, thread: threadFields({ autoArchiveDuration: 61 }) };
      await expect(store.writeGuild("1", GENERATION, [{ k: "channel", channel: bad }])).rejects.toThrow(RangeError);
    });

    test("thread members list per guild by numeric thread then user id; they go with their thread and their guild", async () => {
      const joined = (threadId: string, userId: string, guildId = "1"): StoredThreadMember => ({ guildId, threadId, userId, joinedAt: 1_700_000_000_000 + Number(userId), flags: 0 });
      await store.writeGuild("1", GENERATION, [
        { k: "channel", channel: channel("100", "1", { type: 11, parentId: "30", thread: threadFields() }) },
        { k: "channel", channel: channel("99", "1", { type: 11, parentId: "30", thread: threadFields() }) },
        { k: "thread-member", member: joined("100", "10") },
        { k: "thread-member", member: joined("100", "9") },
        { k: "thread-member", member: joined("99", "10") },
      ]);
      await store.writeGuild("2", GENERATION, [{ k: "thread-member", member: joined("200", "9", "2") }]);
      expect(await store.listThreadMembers("1")).toEqual([joined("99", "10"), joined("100", "9"), joined("100", "10")]);
      await store.writeGuild("1", GENERATION, [{ k: "thread-member", member: { ...joined("100", "9"), flags: 2 } }, { k: "delete-thread-member", threadId: "99", userId: "10" }]);
      expect(await store.listThreadMembers("1")).toEqual([{ ...joined("100", "9"), flags: 2 }, joined("100", "10")]);
      await deleteChannel(store, "1", "100");
      expect(await store.listThreadMembers("1")).toEqual([]);
      await deleteGuild(store, "2");
      expect(await store.listThreadMembers("2")).toEqual([]);
      await expect(store.writeGuild("1", GENERATION, [{ k: "thread-member", member: joined("100", "9", "2") }])).rejects.toThrow(RangeError);
    });

    test("the highest fence is the latest generation any owner claimed a guild with (0 before any)", async () => {
      expect(await store.highestFence()).toBe(0);
      await store.claimGuild("1", 4);
      await store.writeGuild("2", 9, [{ k: "guild", guild: guild("2") }]);
      await store.claimGuild("1", 6);
      expect(await store.highestFence()).toBe(9);
      expect(await (await opened.second()).highestFence()).toBe(9);
    });
  });
}

describe("SqliteGuildStore", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "guildgate-sqlite-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("users survive closing and reopening the file", async () => {
    const first = new SqliteGuildStore(dir);
    await first.putUser(user("1", { bot: true, globalName: "One", privilegedIntents: 1 << 15 }));
    await first.putUser(user("2"));
    await first.deleteUser("2");
    await first.close();

    const second = new SqliteGuildStore(dir);
    expect(await second.getUser("1")).toEqual(user("1", { bot: true, globalName: "One", privilegedIntents: 1 << 15 }));
    expect(ids(await second.listUsers(10))).toEqual(["1"]);
    await second.close();
  });

  test("creates a missing data dir and one file in WAL mode at the latest schema version", async () => {
    const dataDir = join(dir, "nested", "data");
    const store = new SqliteGuildStore(dataDir);
    expect(store.path).toBe(join(dataDir, STORE_FILE));
    await store.close();

    const db = new Database(join(dataDir, STORE_FILE), { readonly: true });
    expect(db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: migrations.length });
    await db.close();
  });

  test("refuses a file written by a newer schema", async () => {
    const db = new Database(join(dir, STORE_FILE), { create: true });
    db.run(`PRAGMA user_version = ${migrations.length + 1}`);
    await db.close();
    expect(() => new SqliteGuildStore(dir)).toThrow(/newer than this build/);
  });

  test("stores opened at once by several Workers on one file all open: none fails with SQLITE_BUSY", async () => {
    // Seen in CI: a worker of the binary died with SQLITE_BUSY_RECOVERY while the other opened the file.
    const workers = Array.from({ length: 6 }, () => new Worker(new URL("../../test/fixtures/sqlite-opener.ts", import.meta.url).href));
    const failed: string[] = [];
    try {
      for (let round = 0; round < 60; round++) {
        const roundDir = join(dir, `round-${round}`);
        await new SqliteGuildStore(roundDir).close();
        const at = Date.now() + 20;
        const answers = workers.map(
          (worker) =>
            new Promise<string>((resolve) => {
              worker.onmessage = (event: MessageEvent<string>) => resolve(event.data);
              worker.postMessage({ dir: roundDir, at });
            }),
        );
        failed.push(...(await Promise.all(answers)).filter((answer) => answer !== "ok"));
      }
    } finally {
      for (const worker of workers) worker.terminate();
    }
    expect(failed).toEqual([]);
  }, 30_000);

  test("two stores on one file see each other's writes", async () => {
    const a = new SqliteGuildStore(dir);
    const b = new SqliteGuildStore(dir);
    await a.putUser(user("42"));
    expect(await b.getUser("42")).toEqual(user("42"));
    expect(await b.deleteUser("42")).toBe(true);
    expect(await a.getUser("42")).toBeUndefined();
    await a.close();
    await b.close();
    expect(existsSync(join(dir, STORE_FILE))).toBe(true);
  });

  test("pages of random ids match the memory model", async () => {
    let seed = 0x9e3779b9;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed;
    };
    const sqlite = new SqliteGuildStore(dir);
    const model = new MemoryGuildStore();
    for (let i = 0; i < 500; i++) {
      // A random u64 shifted right by 0-63 bits: ids of 1 to 20 digits, so pages cross lengths.
      const u64 = (BigInt(random()) << 32n) | BigInt(random());
      const text = (u64 >> BigInt(random() % 64)).toString();
      for (const store of [sqlite, model]) await store.putUser(user(text));
      if (random() % 5 === 0) for (const store of [sqlite, model]) await store.deleteUser(text);
    }
    for (let after: string | undefined, page: User[]; ; after = page.at(-1)?.id) {
      page = (await model.listUsers(13, after));
      expect(await sqlite.listUsers(13, after)).toEqual(page);
      if (page.length === 0) break;
    }
    await sqlite.close();
    await model.close();
  });

  test("guilds, roles, channels and members survive closing and reopening the file", async () => {
    const first = new SqliteGuildStore(dir);
    await seedGuild(first, "1000");
    await seedGuild(first, "2000");
    await putChannel(first, 
      channel("3", "1000", { overwrites: [{ id: "1000", type: 0, allow: U64_BITS, deny: 1n << 63n }], topic: "t" }),
    );
    await putMember(first, member("1000", U64_MAX, { roleIds: ["10001"], nick: "n" }));
    await deleteGuild(first, "2000");
    await first.close();

    const second = new SqliteGuildStore(dir);
    const model = new MemoryGuildStore();
    await seedGuild(model, "1000");
    await putChannel(model, 
      channel("3", "1000", { overwrites: [{ id: "1000", type: 0, allow: U64_BITS, deny: 1n << 63n }], topic: "t" }),
    );
    await putMember(model, member("1000", U64_MAX, { roleIds: ["10001"], nick: "n" }));
    expect(await second.listGuilds(10)).toEqual((await model.listGuilds(10)));
    expect(await second.listRoles("1000")).toEqual((await model.listRoles("1000")));
    expect(await second.listChannels("1000")).toEqual((await model.listChannels("1000")));
    expect(await second.listMembers("1000", 10)).toEqual((await model.listMembers("1000", 10)));
    expect(await second.countMembers("1000")).toBe(3);
    expect(await second.guildsOfUser("1")).toEqual(["1000"]);
    expect(await second.listRoles("2000")).toEqual([]);
    await second.close();
    await model.close();
  });

  test("a file at schema version 1 (users only) migrates forward and keeps its users", async () => {
    const path = join(dir, STORE_FILE);
    const old = new Database(path, { create: true, strict: true });
    old.run(migrations[0] as string);
    old.run("PRAGMA user_version = 1");
    old.run(
      `INSERT INTO users (id, username, global_name, avatar, bot, privileged_intents, created_at)
       VALUES ('${U64_MAX}', 'old', 'Old', NULL, 1, 2, 1420070400000)`,
    );
    await old.close();

    const store = new SqliteGuildStore(dir);
    expect(await store.getUser(U64_MAX)).toEqual(
      user(U64_MAX, { username: "old", globalName: "Old", bot: true, privilegedIntents: 2, createdAt: 1_420_070_400_000 }),
    );
    await seedGuild(store, "1000");
    expect(await store.countMembers("1000")).toBe(2);
    await store.close();

    const db = new Database(path, { readonly: true });
    expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: migrations.length });
    const tables = db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    expect(tables).toEqual(["application_command_permissions", "application_commands", "attachments", "channels", "dm_channels", "group_dm_channels", "group_dm_recipients", "guild_owners", "guilds", "interactions", "members", "messages", "reactions", "roles", "sqlite_sequence", "thread_members", "users"].map((name) => ({ name })));
    await db.close();
  });

  test("a file at schema version 2 (before token generations) migrates forward and keeps its users and guilds", async () => {
    const path = join(dir, STORE_FILE);
    const old = new Database(path, { create: true, strict: true });
    for (const step of migrations.slice(0, 2)) old.run(step as string);
    old.run("PRAGMA user_version = 2");
    old.run(
      `INSERT INTO users (id, username, global_name, avatar, bot, privileged_intents, created_at)
       VALUES ('42', 'old', NULL, NULL, 0, 0, 1700000000000)`,
    );
    old.run(`INSERT INTO guilds (id, name, owner_id, icon, created_at) VALUES ('7', 'g', '42', NULL, 0)`);
    old.run(`INSERT INTO members (guild_id, user_id, role_ids, nick, joined_at) VALUES ('7', '42', '[]', NULL, 0)`);
    await old.close();

    const store = new SqliteGuildStore(dir);
    expect(await store.getUser("42")).toEqual(user("42", { username: "old", tokenGeneration: 0 }));
    expect(await store.guildsOfUser("42")).toEqual(["7"]);
    expect(await store.bumpTokenGeneration("42")).toBe(1);
    await store.close();
    const reopened = new SqliteGuildStore(dir);
    expect((await reopened.getUser("42"))?.tokenGeneration).toBe(1);
    await reopened.close();
  });

  test("a file at schema version 3 (before fences) migrates forward and keeps its users, guilds, roles, channels and members", async () => {
    const path = join(dir, STORE_FILE);
    const old = new Database(path, { create: true, strict: true });
    for (const step of migrations.slice(0, 3)) old.run(step as string);
    old.run("PRAGMA user_version = 3");
    old.run(`INSERT INTO users (id, username, global_name, avatar, bot, privileged_intents, created_at, token_generation)
             VALUES ('42', 'old', NULL, NULL, 0, 0, 1700000000000, 9)`);
    old.run(`INSERT INTO guilds (id, name, owner_id, icon, created_at) VALUES ('7', 'g', '42', NULL, 0)`);
    old.run(`INSERT INTO roles (id, guild_id, name, permissions, position, hoist, color, mentionable)
             VALUES ('7', '7', '@everyone', '${U64_BITS}', 0, 0, 0, 0)`);
    old.run(`INSERT INTO channels (id, guild_id, type, name, position, parent_id, overwrites, topic)
             VALUES ('8', '7', 0, 'general', 0, NULL, '[{"id":"7","type":0,"allow":"1","deny":"2"}]', NULL)`);
    old.run(`INSERT INTO members (guild_id, user_id, role_ids, nick, joined_at) VALUES ('7', '42', '["7"]', 'n', 5)`);
    old.close();

    const store = new SqliteGuildStore(dir);
    expect(await store.getUser("42")).toEqual(user("42", { username: "old", tokenGeneration: 9 }));
    expect(await store.getGuild("7")).toEqual(guild("7", { name: "g", ownerId: "42", createdAt: 0 }));
    expect(await store.listRoles("7")).toEqual([role("7", "7", { name: "@everyone", permissions: U64_BITS })]);
    expect(await store.listChannels("7")).toEqual([
      channel("8", "7", { name: "general", overwrites: [{ id: "7", type: 0, allow: 1n, deny: 2n }] }),
    ]);
    expect(await store.listMembersWithUsers("7", 10)).toEqual([
      { member: member("7", "42", { roleIds: ["7"], nick: "n", joinedAt: 5 }), user: user("42", { username: "old", tokenGeneration: 9 }) },
    ]);
    // Its guilds were never claimed: the first owner takes them at any generation.
    await store.claimGuild("7", 1);
    await expect(store.writeGuild("7", 0, [])).rejects.toBeInstanceOf(GuildFencedError);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: migrations.length });
    db.close();
  });

  test("member list queries use the indexes, not a table scan", async () => {
    const store = new SqliteGuildStore(dir);
    await store.close();
    const db = new Database(join(dir, STORE_FILE), { readonly: true });
    const plan = (sql: string) =>
      (db.query(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((row) => row.detail).join("; ");
    expect(plan("SELECT * FROM members WHERE guild_id = '1' AND user_order > '5' ORDER BY user_order LIMIT 3")).toMatch(
      /USING (COVERING )?INDEX members_by_guild_user_order/,
    );
    expect(plan("SELECT guild_id FROM members WHERE user_id = '1' ORDER BY guild_order")).toMatch(
      /USING (COVERING )?INDEX members_by_user/,
    );
    expect(plan("SELECT * FROM guilds WHERE id_order > '5' ORDER BY id_order LIMIT 3")).toMatch(/guilds_by_id_order/);
    await db.close();
  });

  test("history and reactor pages use the indexes, not a table scan", async () => {
    const store = new SqliteGuildStore(dir);
    await store.close();
    const db = new Database(join(dir, STORE_FILE), { readonly: true });
    const plan = (sql: string) => (db.query(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((row) => row.detail).join("; ");
    expect(plan("SELECT * FROM messages WHERE channel_id = '1' AND id_order < '5' ORDER BY id_order DESC LIMIT 50")).toMatch(/INDEX messages_by_channel_order/);
    expect(plan("SELECT * FROM messages WHERE channel_id = '1' AND pinned_at IS NOT NULL AND pinned_at < 5 ORDER BY pinned_at DESC, id_order DESC LIMIT 50")).toMatch(/INDEX messages_pinned/);
    expect(plan("SELECT * FROM reactions WHERE channel_id = '1' AND message_id = '2' AND emoji_key = 'x' AND burst = 0 AND user_order > '5' ORDER BY user_order LIMIT 25")).toMatch(/INDEX reactions_by_reactor/);
    await db.close();
  });

  test("a user's private channels are listed by index (its pair's sides, its group DM rows), with one index seek of each one's newest message, not a table scan", async () => {
    const store = new SqliteGuildStore(dir);
    await store.close();
    const db = new Database(join(dir, STORE_FILE), { readonly: true });
    const plan = (db.query(`EXPLAIN QUERY PLAN ${LIST_PRIVATE_CHANNELS}`).all({ user_id: "1", limit: 5 }) as { detail: string }[]).map((row) => row.detail);
    for (const index of [/dm_channels USING INDEX sqlite_autoindex_dm_channels_\d \(user_low=\?\)/, /dm_channels USING INDEX dm_channels_by_user_high/, /SEARCH r USING PRIMARY KEY \(user_id=\?\)/, /SEARCH g USING PRIMARY KEY/]) {
      expect(plan.some((line) => index.test(line))).toBe(true);
    }
    expect(plan.filter((line) => /messages_by_channel_order/.test(line))).toHaveLength(1);
    expect(plan.filter((line) => /^SCAN (dm_channels|group_dm|messages|m\b|r\b|g\b)/.test(line))).toEqual([]);
    await db.close();
  });

  test("a file from before the private channels' indexes migrates forward: its group DMs are listed for their recipients", async () => {
    const old = new Database(join(dir, STORE_FILE), { create: true, strict: true });
    const before = migrations.indexOf(PRIVATE_CHANNELS_MIGRATION);
    for (const step of migrations.slice(0, before)) old.run(step as string);
    old.run(`PRAGMA user_version = ${before}`);
    old.run(`INSERT INTO group_dm_channels (id, owner_id, name, icon, recipient_ids, created_at) VALUES ('800', '5', NULL, NULL, '["5","${U64_MAX}"]', 1000)`);
    await old.close();
    const store = new SqliteGuildStore(dir);
    const group: GroupDmChannel = { id: "800", ownerId: "5", name: null, icon: null, recipientIds: ["5", U64_MAX], createdAt: 1_000 };
    expect(await store.listPrivateChannels(U64_MAX, 10)).toEqual([{ channel: group, lastMessageId: null }]);
    expect(await store.listPrivateChannels("6", 10)).toEqual([]);
    await store.close();
  });

  test("a file at schema version 4 (before messages) migrates forward, keeps its guild and stores messages", async () => {
    const old = new Database(join(dir, STORE_FILE), { create: true, strict: true });
    for (const step of migrations.slice(0, 4)) old.run(step as string);
    old.run("PRAGMA user_version = 4");
    old.run(`INSERT INTO guilds (id, name, owner_id, icon, created_at) VALUES ('1', 'g', '5', NULL, 0)`);
    await old.close();
    const store = new SqliteGuildStore(dir);
    expect(await store.getGuild("1")).toEqual(guild("1", { name: "g", ownerId: "5", createdAt: 0 }));
    await putMessages(store, message("10"));
    expect(await store.getMessage("30", "10")).toEqual(message("10"));
    await store.close();
  });

  test("pages of random member ids match the memory model", async () => {
    let seed = 0x2545f491;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed;
    };
    const sqlite = new SqliteGuildStore(dir);
    const model = new MemoryGuildStore();
    for (let i = 0; i < 400; i++) {
      const u64 = (BigInt(random()) << 32n) | BigInt(random());
      const userId = (u64 >> BigInt(random() % 64)).toString();
      const guildId = String(1 + (random() % 3));
      for (const store of [sqlite, model]) await putMember(store, member(guildId, userId, { roleIds: [guildId] }));
      if (random() % 5 === 0) for (const store of [sqlite, model]) await deleteMember(store, guildId, userId);
    }
    for (const guildId of ["1", "2", "3", "4"]) {
      expect(await sqlite.countMembers(guildId)).toBe((await model.countMembers(guildId)));
      for (let after: string | undefined, page: Member[]; ; after = page.at(-1)?.userId) {
        page = (await model.listMembers(guildId, 11, after));
        expect(await sqlite.listMembers(guildId, 11, after)).toEqual(page);
        if (page.length === 0) break;
      }
    }
    for (const { userId } of (await model.listMembers("1", 20))) expect(await sqlite.guildsOfUser(userId)).toEqual((await model.guildsOfUser(userId)));
    await sqlite.close();
    await model.close();
  });
});

describe("PostgresGuildStore", () => {
  let database: { url: string; drop(): Promise<void> };
  beforeEach(async () => (database = await freshDatabase()));
  afterEach(() => database.drop());

  test("opens an empty database at the latest schema version, recording each step in schema_migrations", async () => {
    const [a, b] = await Promise.all([PostgresGuildStore.open(database.url), PostgresGuildStore.open(database.url)]);
    await a.putUser(user("1"));
    expect(await b.getUser("1")).toEqual(user("1"));
    await Promise.all([a.close(), b.close()]);
    const sql = new SQL(database.url, { max: 1 });
    const rows = await sql`SELECT version FROM schema_migrations ORDER BY version`;
    expect(rows.map((row: { version: number }) => row.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    await sql.close();
  });

  test("users, guilds, roles, channels and members survive closing and reopening", async () => {
    const first = await PostgresGuildStore.open(database.url);
    await first.putUser(user("1"));
    await seedGuild(first, "1000");
    await first.close();
    const second = await PostgresGuildStore.open(database.url);
    const model = new MemoryGuildStore();
    await model.putUser(user("1"));
    await seedGuild(model, "1000");
    expect(await second.getUser("1")).toEqual(user("1"));
    expect(await second.listGuilds(10)).toEqual(await model.listGuilds(10));
    expect(await second.listRoles("1000")).toEqual(await model.listRoles("1000"));
    expect(await second.listChannels("1000")).toEqual(await model.listChannels("1000"));
    expect(await second.listMembers("1000", 10)).toEqual(await model.listMembers("1000", 10));
    await second.close();
  });

  test("a database from before the private channels' indexes migrates forward: its group DMs are listed for their recipients", async () => {
    const sql = new SQL(database.url, { max: 1 });
    await sql`CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`;
    for (const [i, step] of MIGRATIONS.slice(0, MIGRATIONS.indexOf(PG_PRIVATE_CHANNELS_MIGRATION)).entries()) {
      await sql.unsafe(step);
      await sql`INSERT INTO schema_migrations (version) VALUES (${i + 1})`;
    }
    await sql`INSERT INTO group_dm_channels (id, owner_id, name, icon, recipient_ids, created_at) VALUES (800, 5, NULL, NULL, ${`["5","${U64_MAX}"]`}, 1000)`;
    await sql.close();
    const store = await PostgresGuildStore.open(database.url);
    const group: GroupDmChannel = { id: "800", ownerId: "5", name: null, icon: null, recipientIds: ["5", U64_MAX], createdAt: 1_000 };
    expect(await store.listPrivateChannels(U64_MAX, 10)).toEqual([{ channel: group, lastMessageId: null }]);
    expect(await store.listPrivateChannels("6", 10)).toEqual([]);
    await store.close();
  });

  test("refuses a database written by a newer schema", async () => {
    const sql = new SQL(database.url, { max: 1 });
    await sql`CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`;
    await sql`INSERT INTO schema_migrations (version) VALUES (${MIGRATIONS.length + 1})`;
    await sql.close();
    await expect(PostgresGuildStore.open(database.url)).rejects.toThrow(/newer than this build/);
  });

  test("an unreachable server fails the open with an error that holds no password", async () => {
    const url = new URL(database.url);
    url.port = "1";
    url.password = "secret-password-123";
    const failed = await PostgresGuildStore.open(url.toString(), 2).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failed).toBeInstanceOf(Error);
    expect(`${failed?.message} ${failed?.stack}`).not.toContain("secret-password-123");
  });
});

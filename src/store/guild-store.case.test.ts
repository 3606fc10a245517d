import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Overwrite } from "../guild/permissions.ts";
import type { Guild, GuildStore, Member, StoredChannel, StoredRole, User } from "./guild-store.ts";
import { MemoryGuildStore } from "./memory.ts";
import { migrations, SqliteGuildStore, STORE_FILE } from "./sqlite.ts";

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

function member(guildId: string, userId: string, overrides: Partial<Member> = {}): Member {
  return { guildId, userId, roleIds: [], nick: null, joinedAt: 1_700_000_000_000, ...overrides };
}

/** One guild with two roles, a category with a child channel, and two members. */
function seedGuild(store: GuildStore, guildId: string): void {
  store.putGuild(guild(guildId));
  store.putRole(role(guildId, guildId, { permissions: 1n << 10n }));
  store.putRole(role(`${guildId}1`, guildId, { position: 1 }));
  store.putChannel(channel(`${guildId}2`, guildId, { type: 4 }));
  store.putChannel(channel(`${guildId}3`, guildId, { parentId: `${guildId}2` }));
  store.putMember(member(guildId, "1"));
  store.putMember(member(guildId, "2", { roleIds: [`${guildId}1`] }));
}

/** Each implementation, opened fresh per test; `dispose` removes anything it left behind. */
const implementations: { name: string; open(): { store: GuildStore; dispose(): void } }[] = [
  {
    name: "MemoryGuildStore",
    open: () => {
      const store = new MemoryGuildStore();
      return { store, dispose: () => store.close() };
    },
  },
  {
    name: "SqliteGuildStore",
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), "guildgate-store-"));
      const store = new SqliteGuildStore(dir);
      return {
        store,
        dispose: () => {
          store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

for (const implementation of implementations) {
  describe(`GuildStore contract: ${implementation.name}`, () => {
    let store: GuildStore;
    let dispose: () => void;
    beforeEach(() => ({ store, dispose } = implementation.open()));
    afterEach(() => dispose());

    test("getUser answers undefined for an unknown id", () => {
      expect(store.getUser("1")).toBeUndefined();
    });

    test("putUser then getUser returns every field unchanged", () => {
      const full = user("175928847299117063", {
        username: "O'Brien \"quoted\" 🦊",
        globalName: "Fox",
        avatar: "a_1269e74af4df7417b13759eae50c83dc",
        bot: true,
        privilegedIntents: (1 << 1) | (1 << 8) | (1 << 15),
        createdAt: 1_420_070_400_000,
        tokenGeneration: Number.MAX_SAFE_INTEGER,
      });
      store.putUser(full);
      store.putUser(user("2"));
      expect(store.getUser(full.id)).toEqual(full);
      expect(store.getUser("2")).toEqual(user("2"));
    });

    test("putUser replaces the user with the same id", () => {
      store.putUser(user("5"));
      store.putUser(user("5", { username: "renamed", bot: true }));
      expect(store.getUser("5")).toEqual(user("5", { username: "renamed", bot: true }));
      expect(ids(store.listUsers(10))).toEqual(["5"]);
    });

    test("records are copies: mutating one in or out leaves the store unchanged", () => {
      const input = { ...user("7"), extra: "not a User field" };
      store.putUser(input);
      input.username = "mutated";
      const output = store.getUser("7") as { username: string };
      output.username = "mutated too";
      expect(store.getUser("7")).toEqual(user("7"));
      expect(store.listUsers(1)[0]).toEqual(user("7"));
    });

    test("deleteUser answers whether the user existed", () => {
      store.putUser(user("9"));
      expect(store.deleteUser("9")).toBe(true);
      expect(store.deleteUser("9")).toBe(false);
      expect(store.getUser("9")).toBeUndefined();
      expect(store.deleteUser("not-a-snowflake")).toBe(false);
    });

    test("listUsers orders by numeric id, not by text", () => {
      for (const id of ["100", U64_MAX, "9", "0", "10", "175928847299117063", "99"]) store.putUser(user(id));
      expect(ids(store.listUsers(100))).toEqual(["0", "9", "10", "99", "100", "175928847299117063", U64_MAX]);
    });

    test("listUsers pages by limit and after, including an absent after", () => {
      for (let i = 1; i <= 25; i++) store.putUser(user(String(i * 10)));
      expect(ids(store.listUsers(3))).toEqual(["10", "20", "30"]);
      expect(ids(store.listUsers(3, "30"))).toEqual(["40", "50", "60"]);
      expect(ids(store.listUsers(2, "35"))).toEqual(["40", "50"]);
      expect(ids(store.listUsers(10, "240"))).toEqual(["250"]);
      expect(store.listUsers(10, "250")).toEqual([]);
      expect(store.listUsers(0)).toEqual([]);

      const walked: string[] = [];
      for (let page = store.listUsers(7); page.length > 0; page = store.listUsers(7, page.at(-1)?.id)) {
        walked.push(...ids(page));
      }
      expect(walked).toEqual(Array.from({ length: 25 }, (_, i) => String((i + 1) * 10)));
    });

    test("listUsers rejects a negative or fractional limit and a non-snowflake after", () => {
      for (const limit of [-1, 1.5, Number.NaN, Infinity]) {
        expect(() => store.listUsers(limit)).toThrow(RangeError);
      }
      for (const after of ["", "abc", "01", "-1"]) {
        expect(() => store.listUsers(1, after)).toThrow(RangeError);
      }
    });

    test("putUser rejects ids that are not canonical u64 snowflakes", () => {
      for (const id of ["", "abc", "007", "-1", "1.5", " 1", "18446744073709551616"]) {
        expect(() => store.putUser(user(id))).toThrow(RangeError);
      }
      expect(store.listUsers(10)).toEqual([]);
    });

    test("putUser rejects non-privileged or out-of-range intent bits", () => {
      for (const privilegedIntents of [1, 1 << 9, -1, 2 ** 32 + 2, 0.5]) {
        expect(() => store.putUser(user("1", { privilegedIntents }))).toThrow(RangeError);
      }
      expect(store.getUser("1")).toBeUndefined();
    });

    test("putUser rejects a createdAt that is not integer milliseconds", () => {
      for (const createdAt of [1.5, Number.NaN, 2 ** 53]) {
        expect(() => store.putUser(user("1", { createdAt }))).toThrow(RangeError);
      }
    });

    test("putUser rejects a tokenGeneration that is not a safe integer >= 0", () => {
      for (const tokenGeneration of [-1, 0.5, Number.NaN, 2 ** 53]) {
        expect(() => store.putUser(user("1", { tokenGeneration }))).toThrow(RangeError);
      }
      expect(store.getUser("1")).toBeUndefined();
    });

    test("bumpTokenGeneration raises the user's generation by one and answers it", () => {
      store.putUser(user("3", { tokenGeneration: 41 }));
      expect(store.bumpTokenGeneration("3")).toBe(42);
      expect(store.bumpTokenGeneration("3")).toBe(43);
      expect(store.getUser("3")).toEqual(user("3", { tokenGeneration: 43 }));
      expect(store.bumpTokenGeneration("4")).toBeUndefined();
      expect(store.getUser("4")).toBeUndefined();
    });

    test("bumpTokenGeneration refuses to pass 2^53-1", () => {
      store.putUser(user("3", { tokenGeneration: Number.MAX_SAFE_INTEGER }));
      expect(() => store.bumpTokenGeneration("3")).toThrow(RangeError);
      expect(store.getUser("3")?.tokenGeneration).toBe(Number.MAX_SAFE_INTEGER);
    });

    test("putUser never lowers the token generation, so a write from a stale read keeps a revocation", () => {
      store.putUser(user("3", { tokenGeneration: 7 }));
      const stale = store.getUser("3") as User;
      store.bumpTokenGeneration("3");
      store.putUser({ ...stale, username: "renamed" });
      expect(store.getUser("3")).toEqual(user("3", { username: "renamed", tokenGeneration: 8 }));
      store.putUser(user("3", { tokenGeneration: 100 }));
      expect(store.getUser("3")?.tokenGeneration).toBe(100);
    });

    test("deleteUser takes the generation with it: a user put again with that id has the generation it is given", () => {
      store.putUser(user("3", { tokenGeneration: 7 }));
      store.bumpTokenGeneration("3");
      store.deleteUser("3");
      store.putUser(user("3", { tokenGeneration: 2 }));
      expect(store.getUser("3")?.tokenGeneration).toBe(2);
    });

    test("guild records answer undefined or empty when absent", () => {
      expect(store.getGuild("1")).toBeUndefined();
      expect(store.getRole("1")).toBeUndefined();
      expect(store.getChannel("1")).toBeUndefined();
      expect(store.getMember("1", "2")).toBeUndefined();
      expect(store.listGuilds(10)).toEqual([]);
      expect(store.listRoles("1")).toEqual([]);
      expect(store.listChannels("1")).toEqual([]);
      expect(store.listMembers("1", 10)).toEqual([]);
      expect(store.countMembers("1")).toBe(0);
      expect(store.guildsOfUser("2")).toEqual([]);
      expect(store.deleteGuild("1")).toBe(false);
      expect(store.deleteRole("1")).toBe(false);
      expect(store.deleteChannel("1")).toBe(false);
      expect(store.deleteMember("1", "2")).toBe(false);
    });

    test("putGuild then getGuild returns every field; put replaces; delete answers existence", () => {
      const full = guild("175928847299117063", { name: "Guild 🦊 'q'", ownerId: U64_MAX, icon: "a_abc", createdAt: 0 });
      store.putGuild(full);
      expect(store.getGuild(full.id)).toEqual(full);
      store.putGuild(guild(full.id, { name: "renamed" }));
      expect(store.getGuild(full.id)).toEqual(guild(full.id, { name: "renamed" }));
      expect(store.listGuilds(10)).toEqual([guild(full.id, { name: "renamed" })]);
      expect(store.deleteGuild(full.id)).toBe(true);
      expect(store.deleteGuild(full.id)).toBe(false);
      expect(store.getGuild(full.id)).toBeUndefined();
    });

    test("listGuilds orders by numeric id and pages by limit and after", () => {
      for (const id of ["100", U64_MAX, "9", "10", "175928847299117063", "99"]) store.putGuild(guild(id));
      expect(store.listGuilds(100).map((g) => g.id)).toEqual(["9", "10", "99", "100", "175928847299117063", U64_MAX]);
      expect(store.listGuilds(2, "9").map((g) => g.id)).toEqual(["10", "99"]);
      expect(store.listGuilds(10, "150").map((g) => g.id)).toEqual(["175928847299117063", U64_MAX]);
      expect(store.listGuilds(10, U64_MAX)).toEqual([]);
      expect(store.listGuilds(0)).toEqual([]);
      expect(() => store.listGuilds(-1)).toThrow(RangeError);
      expect(() => store.listGuilds(1, "01")).toThrow(RangeError);
    });

    test("roles round-trip u64 permissions and list by position, then numeric id, per guild", () => {
      const everyone = role("10", "10", { name: "@everyone", permissions: U64_BITS, hoist: true, mentionable: true });
      store.putRole(everyone);
      store.putRole(role("100", "10", { position: 2, color: 0xffffff, permissions: 1n << 63n }));
      store.putRole(role("99", "10", { position: 2 }));
      store.putRole(role("11", "10", { position: 1 }));
      store.putRole(role("12", "20"));
      expect(store.getRole("10")).toEqual(everyone);
      expect(store.getRole("100")).toEqual(role("100", "10", { position: 2, color: 0xffffff, permissions: 1n << 63n }));
      expect(store.listRoles("10").map((r) => r.id)).toEqual(["10", "11", "99", "100"]);
      expect(store.listRoles("20")).toEqual([role("12", "20")]);

      store.putRole(role("11", "10", { position: 3, name: "moved" }));
      expect(store.listRoles("10").map((r) => r.id)).toEqual(["10", "99", "100", "11"]);
      expect(store.deleteRole("99")).toBe(true);
      expect(store.deleteRole("99")).toBe(false);
      expect(store.listRoles("10").map((r) => r.id)).toEqual(["10", "100", "11"]);
    });

    test("channels round-trip overwrites and list by position, then numeric id, per guild", () => {
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
      store.putChannel(full);
      store.putChannel(channel("30", "10", { type: 4, position: 5 }));
      store.putChannel(channel("40", "10", { position: 0 }));
      store.putChannel(channel("50", "20"));
      expect(store.getChannel(full.id)).toEqual(full);
      expect(store.listChannels("10").map((c) => c.id)).toEqual(["40", "30", full.id]);
      expect(store.listChannels("20")).toEqual([channel("50", "20")]);

      store.putChannel(channel(full.id, "10", { overwrites: [] }));
      expect(store.getChannel(full.id)).toEqual(channel(full.id, "10"));
      expect(store.deleteChannel("30")).toBe(true);
      expect(store.deleteChannel("30")).toBe(false);
      expect(store.listChannels("10").map((c) => c.id)).toEqual(["40", full.id]);
    });

    test("members round-trip, replace, delete and count per guild", () => {
      const full = member("10", U64_MAX, { roleIds: ["12", "11", "10"], nick: "Nick 🦊", joinedAt: 5 });
      store.putMember(full);
      store.putMember(member("10", "2"));
      store.putMember(member("20", "2"));
      expect(store.getMember("10", U64_MAX)).toEqual(full);
      expect(store.getMember("20", U64_MAX)).toBeUndefined();
      expect(store.countMembers("10")).toBe(2);
      expect(store.countMembers("20")).toBe(1);

      store.putMember(member("10", U64_MAX, { nick: null }));
      expect(store.getMember("10", U64_MAX)).toEqual(member("10", U64_MAX));
      expect(store.countMembers("10")).toBe(2);
      expect(store.deleteMember("10", "2")).toBe(true);
      expect(store.deleteMember("10", "2")).toBe(false);
      expect(store.countMembers("10")).toBe(1);
      expect(store.getMember("20", "2")).toEqual(member("20", "2"));
    });

    test("listMembers pages one guild by numeric user id", () => {
      for (let i = 1; i <= 25; i++) store.putMember(member("7", String(i * 10)));
      store.putMember(member("8", "15"));
      store.putMember(member("70", "15"));
      expect(store.listMembers("7", 3).map((m) => m.userId)).toEqual(["10", "20", "30"]);
      expect(store.listMembers("7", 2, "35").map((m) => m.userId)).toEqual(["40", "50"]);
      expect(store.listMembers("7", 10, "240").map((m) => m.userId)).toEqual(["250"]);
      expect(store.listMembers("7", 10, "250")).toEqual([]);
      expect(store.listMembers("7", 0)).toEqual([]);
      expect(store.listMembers("8", 10)).toEqual([member("8", "15")]);

      const walked: string[] = [];
      for (let page = store.listMembers("7", 7); page.length > 0; page = store.listMembers("7", 7, page.at(-1)?.userId)) {
        walked.push(...page.map((m) => m.userId));
      }
      expect(walked).toEqual(Array.from({ length: 25 }, (_, i) => String((i + 1) * 10)));
      for (const limit of [-1, 1.5, Number.NaN]) expect(() => store.listMembers("7", limit)).toThrow(RangeError);
      for (const after of ["", "abc", "01"]) expect(() => store.listMembers("7", 1, after)).toThrow(RangeError);
    });

    test("guildsOfUser lists the user's guilds in numeric order", () => {
      for (const guildId of ["100", "9", U64_MAX, "10"]) store.putMember(member(guildId, "5"));
      store.putMember(member("11", "6"));
      expect(store.guildsOfUser("5")).toEqual(["9", "10", "100", U64_MAX]);
      store.deleteMember("100", "5");
      expect(store.guildsOfUser("5")).toEqual(["9", "10", U64_MAX]);
      expect(store.guildsOfUser("6")).toEqual(["11"]);
    });

    test("deleteGuild removes its roles, channels and members and nothing else", () => {
      seedGuild(store, "1000");
      seedGuild(store, "2000");
      store.putUser(user("1"));
      expect(store.countMembers("1000")).toBe(2);
      expect(store.guildsOfUser("1")).toEqual(["1000", "2000"]);

      expect(store.deleteGuild("1000")).toBe(true);
      expect(store.getGuild("1000")).toBeUndefined();
      expect(store.listRoles("1000")).toEqual([]);
      expect(store.getRole("1000")).toBeUndefined();
      expect(store.listChannels("1000")).toEqual([]);
      expect(store.getChannel("10003")).toBeUndefined();
      expect(store.listMembers("1000", 10)).toEqual([]);
      expect(store.countMembers("1000")).toBe(0);
      expect(store.guildsOfUser("1")).toEqual(["2000"]);

      expect(store.listGuilds(10)).toEqual([guild("2000")]);
      expect(store.listRoles("2000").map((r) => r.id)).toEqual(["2000", "20001"]);
      expect(store.listChannels("2000").map((c) => c.id)).toEqual(["20002", "20003"]);
      expect(store.countMembers("2000")).toBe(2);
      expect(store.getUser("1")).toEqual(user("1"));
    });

    test("guild records are copies: mutating arrays in or out leaves the store unchanged", () => {
      const overwrites = [{ id: "1", type: 0 as const, allow: 1n, deny: 2n }];
      store.putChannel({ ...channel("3", "1", { overwrites }), extra: true } as StoredChannel);
      (overwrites[0] as Overwrite).allow = 99n;
      overwrites.push({ id: "2", type: 0, allow: 0n, deny: 0n });
      const out = store.getChannel("3") as StoredChannel;
      (out.overwrites[0] as Overwrite).allow = 77n;
      (out.overwrites as Overwrite[]).length = 0;
      const expected = channel("3", "1", { overwrites: [{ id: "1", type: 0, allow: 1n, deny: 2n }] });
      expect(store.getChannel("3")).toEqual(expected);
      expect(store.listChannels("1")).toEqual([expected]);

      const roleIds = ["5"];
      store.putMember(member("1", "2", { roleIds }));
      roleIds.push("6");
      (store.getMember("1", "2")?.roleIds as string[]).push("7");
      (store.listMembers("1", 1)[0]?.roleIds as string[]).push("8");
      expect(store.getMember("1", "2")).toEqual(member("1", "2", { roleIds: ["5"] }));

      const stored = { ...role("4", "1"), extra: 1 } as StoredRole;
      store.putRole(stored);
      expect(store.getRole("4")).toEqual(role("4", "1"));
      store.putGuild({ ...guild("1"), extra: 1 } as Guild);
      expect(store.getGuild("1")).toEqual(guild("1"));
    });

    test("putGuild rejects invalid ids and createdAt", () => {
      for (const bad of [guild("01"), guild("x"), guild("1", { ownerId: "" }), guild("1", { createdAt: 1.5 })]) {
        expect(() => store.putGuild(bad)).toThrow(RangeError);
      }
      expect(store.listGuilds(10)).toEqual([]);
    });

    test("putRole rejects invalid ids, permissions, position and color", () => {
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
      for (const r of bad) expect(() => store.putRole(r)).toThrow(RangeError);
      expect(store.listRoles("1")).toEqual([]);
    });

    test("putChannel rejects invalid ids, integers and overwrites", () => {
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
      for (const c of bad) expect(() => store.putChannel(c)).toThrow(RangeError);
      expect(store.listChannels("1")).toEqual([]);
    });

    test("putMember rejects invalid ids, role ids and joinedAt", () => {
      const bad: Member[] = [
        member("1", "-2"),
        member("", "2"),
        member("1", "2", { roleIds: ["3", "03"] }),
        member("1", "2", { roleIds: ["3", "3"] }),
        member("1", "2", { joinedAt: 2 ** 53 }),
      ];
      for (const m of bad) expect(() => store.putMember(m)).toThrow(RangeError);
      expect(store.countMembers("1")).toBe(0);
      expect(store.guildsOfUser("2")).toEqual([]);
    });
  });
}

describe("SqliteGuildStore", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "guildgate-sqlite-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("users survive closing and reopening the file", () => {
    const first = new SqliteGuildStore(dir);
    first.putUser(user("1", { bot: true, globalName: "One", privilegedIntents: 1 << 15 }));
    first.putUser(user("2"));
    first.deleteUser("2");
    first.close();

    const second = new SqliteGuildStore(dir);
    expect(second.getUser("1")).toEqual(user("1", { bot: true, globalName: "One", privilegedIntents: 1 << 15 }));
    expect(ids(second.listUsers(10))).toEqual(["1"]);
    second.close();
  });

  test("creates a missing data dir and one file in WAL mode at the latest schema version", () => {
    const dataDir = join(dir, "nested", "data");
    const store = new SqliteGuildStore(dataDir);
    expect(store.path).toBe(join(dataDir, STORE_FILE));
    store.close();

    const db = new Database(join(dataDir, STORE_FILE), { readonly: true });
    expect(db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: migrations.length });
    db.close();
  });

  test("refuses a file written by a newer schema", () => {
    const db = new Database(join(dir, STORE_FILE), { create: true });
    db.run(`PRAGMA user_version = ${migrations.length + 1}`);
    db.close();
    expect(() => new SqliteGuildStore(dir)).toThrow(/newer than this build/);
  });

  test("two stores on one file see each other's writes", () => {
    const a = new SqliteGuildStore(dir);
    const b = new SqliteGuildStore(dir);
    a.putUser(user("42"));
    expect(b.getUser("42")).toEqual(user("42"));
    expect(b.deleteUser("42")).toBe(true);
    expect(a.getUser("42")).toBeUndefined();
    a.close();
    b.close();
    expect(existsSync(join(dir, STORE_FILE))).toBe(true);
  });

  test("pages of random ids match the memory model", () => {
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
      for (const store of [sqlite, model]) store.putUser(user(text));
      if (random() % 5 === 0) for (const store of [sqlite, model]) store.deleteUser(text);
    }
    for (let after: string | undefined, page: User[]; ; after = page.at(-1)?.id) {
      page = model.listUsers(13, after);
      expect(sqlite.listUsers(13, after)).toEqual(page);
      if (page.length === 0) break;
    }
    sqlite.close();
    model.close();
  });

  test("guilds, roles, channels and members survive closing and reopening the file", () => {
    const first = new SqliteGuildStore(dir);
    seedGuild(first, "1000");
    seedGuild(first, "2000");
    first.putChannel(
      channel("3", "1000", { overwrites: [{ id: "1000", type: 0, allow: U64_BITS, deny: 1n << 63n }], topic: "t" }),
    );
    first.putMember(member("1000", U64_MAX, { roleIds: ["10001"], nick: "n" }));
    first.deleteGuild("2000");
    first.close();

    const second = new SqliteGuildStore(dir);
    const model = new MemoryGuildStore();
    seedGuild(model, "1000");
    model.putChannel(
      channel("3", "1000", { overwrites: [{ id: "1000", type: 0, allow: U64_BITS, deny: 1n << 63n }], topic: "t" }),
    );
    model.putMember(member("1000", U64_MAX, { roleIds: ["10001"], nick: "n" }));
    expect(second.listGuilds(10)).toEqual(model.listGuilds(10));
    expect(second.listRoles("1000")).toEqual(model.listRoles("1000"));
    expect(second.listChannels("1000")).toEqual(model.listChannels("1000"));
    expect(second.listMembers("1000", 10)).toEqual(model.listMembers("1000", 10));
    expect(second.countMembers("1000")).toBe(3);
    expect(second.guildsOfUser("1")).toEqual(["1000"]);
    expect(second.listRoles("2000")).toEqual([]);
    second.close();
    model.close();
  });

  test("a file at schema version 1 (users only) migrates forward and keeps its users", () => {
    const path = join(dir, STORE_FILE);
    const old = new Database(path, { create: true, strict: true });
    old.run(migrations[0] as string);
    old.run("PRAGMA user_version = 1");
    old.run(
      `INSERT INTO users (id, username, global_name, avatar, bot, privileged_intents, created_at)
       VALUES ('${U64_MAX}', 'old', 'Old', NULL, 1, 2, 1420070400000)`,
    );
    old.close();

    const store = new SqliteGuildStore(dir);
    expect(store.getUser(U64_MAX)).toEqual(
      user(U64_MAX, { username: "old", globalName: "Old", bot: true, privilegedIntents: 2, createdAt: 1_420_070_400_000 }),
    );
    seedGuild(store, "1000");
    expect(store.countMembers("1000")).toBe(2);
    store.close();

    const db = new Database(path, { readonly: true });
    expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: migrations.length });
    const tables = db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    expect(tables).toEqual(["channels", "guilds", "members", "roles", "users"].map((name) => ({ name })));
    db.close();
  });

  test("a file at schema version 2 (before token generations) migrates forward and keeps its users and guilds", () => {
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
    old.close();

    const store = new SqliteGuildStore(dir);
    expect(store.getUser("42")).toEqual(user("42", { username: "old", tokenGeneration: 0 }));
    expect(store.guildsOfUser("42")).toEqual(["7"]);
    expect(store.bumpTokenGeneration("42")).toBe(1);
    store.close();
    const reopened = new SqliteGuildStore(dir);
    expect(reopened.getUser("42")?.tokenGeneration).toBe(1);
    reopened.close();
  });

  test("member list queries use the indexes, not a table scan", () => {
    const store = new SqliteGuildStore(dir);
    store.close();
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
    db.close();
  });

  test("pages of random member ids match the memory model", () => {
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
      for (const store of [sqlite, model]) store.putMember(member(guildId, userId, { roleIds: [guildId] }));
      if (random() % 5 === 0) for (const store of [sqlite, model]) store.deleteMember(guildId, userId);
    }
    for (const guildId of ["1", "2", "3", "4"]) {
      expect(sqlite.countMembers(guildId)).toBe(model.countMembers(guildId));
      for (let after: string | undefined, page: Member[]; ; after = page.at(-1)?.userId) {
        page = model.listMembers(guildId, 11, after);
        expect(sqlite.listMembers(guildId, 11, after)).toEqual(page);
        if (page.length === 0) break;
      }
    }
    for (const { userId } of model.listMembers("1", 20)) expect(sqlite.guildsOfUser(userId)).toEqual(model.guildsOfUser(userId));
    sqlite.close();
    model.close();
  });
});

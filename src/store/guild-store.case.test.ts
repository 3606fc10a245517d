import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GuildStore, User } from "./guild-store.ts";
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
    ...overrides,
  };
}

const ids = (users: readonly User[]) => users.map((u) => u.id);

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
});

/**
 * The `CommandStore` contract (command-records.ts), run on every store: scopes, order by
 * numeric id, copies in and out, atomic changes that run one after another (also from a
 * second store on the same data), and records refused whole.
 */
import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { closeStoreImplementations, storeImplementations, type Opened } from "../../test/support/store-implementations.ts";
import type { CommandChange, StoredCommand, StoredCommandPermissions } from "./command-records.ts";
import type { GuildStore } from "./guild-store.ts";

const APP = "100";
const GUILD = "200";

function command(id: string, name: string, guildId: string | null = null, applicationId = APP): StoredCommand {
  return { id, applicationId, guildId, type: 1, name, version: id, data: { description: `about ${name}`, options: [{ type: 3, name: "text", description: "t" }] } };
}

/** `targetId`'s permissions in GUILD: one role allowed, and `channel` denied. */
function permissions(targetId: string, channel = "300", guildId = GUILD, applicationId = APP): StoredCommandPermissions {
  return {
    applicationId,
    guildId,
    targetId,
    permissions: [
      { id: "400", type: 1, permission: true },
      { id: channel, type: 3, permission: false },
    ],
  };
}

/** A change that puts `commands` and answers `result`. */
const putting = <T>(commands: StoredCommand[], result: T, deleted: string[] = []) => (): CommandChange<T> => ({ result, put: commands, deleted });

afterAll(closeStoreImplementations);

for (const implementation of storeImplementations) {
  describe(`CommandStore contract: ${implementation.name}`, () => {
    let opened: Opened;
    let store: GuildStore;
    beforeEach(async () => {
      opened = await implementation.open();
      store = opened.store;
    });
    afterEach(() => opened.dispose());

    test("a scope starts empty; its commands list by ascending numeric id, not as text", async () => {
      expect(await store.listCommands(APP, null)).toEqual([]);
      expect(await store.changeCommands(APP, null, putting([command("10", "ten"), command("9", "nine")], "done"))).toBe("done");
      expect((await store.listCommands(APP, null)).map((c) => c.id)).toEqual(["9", "10"]);
      expect(await store.listCommands(APP, null)).toContainEqual(command("10", "ten"));
    });

    test("global, each guild and each application are separate scopes", async () => {
      await store.changeCommands(APP, null, putting([command("1", "global")], undefined));
      await store.changeCommands(APP, GUILD, putting([command("2", "guild", GUILD)], undefined));
      await store.changeCommands("101", null, putting([command("3", "other", null, "101")], undefined));
      expect((await store.listCommands(APP, null)).map((c) => c.name)).toEqual(["global"]);
      expect(await store.listCommands(APP, GUILD)).toEqual([command("2", "guild", GUILD)]);
      expect((await store.listCommands("101", null)).map((c) => c.name)).toEqual(["other"]);
      expect(await store.listCommands(APP, "201")).toEqual([]);
    });

    test("a change sees the scope as written; puts replace by id, deletes remove; a delete of another scope's id does nothing", async () => {
      await store.changeCommands(APP, null, putting([command("1", "a"), command("2", "b")], undefined));
      await store.changeCommands(APP, GUILD, putting([command("5", "g", GUILD)], undefined));
      const seen = await store.changeCommands(APP, null, (commands) => ({
        result: commands.map((c) => c.name),
        put: [{ ...command("1", "renamed"), version: "7" }],
        deleted: ["2", "5"],
      }));
      expect(seen).toEqual(["a", "b"]);
      expect(await store.listCommands(APP, null)).toEqual([{ ...command("1", "renamed"), version: "7" }]);
      expect((await store.listCommands(APP, GUILD)).map((c) => c.id)).toEqual(["5"]);
    });

    test("records are copies: changing what was given or read changes nothing stored", async () => {
      const given = command("1", "a");
      await store.changeCommands(APP, null, putting([given], undefined));
      (given.data as Record<string, unknown>).description = "changed";
      const [read] = await store.listCommands(APP, null);
      expect(read?.data.description).toBe("about a");
      (read?.data as Record<string, unknown>).description = "changed";
      expect((await store.listCommands(APP, null))[0]?.data.description).toBe("about a");
    });

    test("an invalid record or one of another scope rejects with RangeError and writes nothing", async () => {
      await store.changeCommands(APP, null, putting([command("1", "kept")], undefined));
      for (const bad of [command("2", "x", GUILD), command("2", "x", null, "101"), { ...command("2", "x"), id: "nope" }]) {
        await expect(store.changeCommands(APP, null, putting([command("3", "y"), bad], undefined, ["1"]))).rejects.toBeInstanceOf(RangeError);
      }
      await expect(store.listCommands("x", null)).rejects.toBeInstanceOf(RangeError);
      expect((await store.listCommands(APP, null)).map((c) => c.name)).toEqual(["kept"]);
    });

    test("a guild's deletion takes its commands of every application, and no other scope's", async () => {
      await store.changeCommands(APP, GUILD, putting([command("1", "here", GUILD)], undefined));
      await store.changeCommands("101", GUILD, putting([command("2", "theirs", GUILD, "101")], undefined));
      await store.changeCommands(APP, "201", putting([command("3", "elsewhere", "201")], undefined));
      await store.changeCommands(APP, null, putting([command("4", "global")], undefined));
      await store.writeGuild(GUILD, 1, [{ k: "delete-guild" }]);
      expect(await store.listCommands(APP, GUILD)).toEqual([]);
      expect(await store.listCommands("101", GUILD)).toEqual([]);
      expect((await store.listCommands(APP, "201")).map((c) => c.id)).toEqual(["3"]);
      expect((await store.listCommands(APP, null)).map((c) => c.id)).toEqual(["4"]);
    });

    test("changes of one scope run one after another, also from a second store on the same data", async () => {
      const second = await opened.second();
      // Each adds a command named by how many it saw: with any overlap two would share a name.
      const add = (target: GuildStore, i: number) =>
        target.changeCommands(APP, GUILD, (commands) => ({ result: undefined, put: [command(String(1000 + i), `n${commands.length}`, GUILD)], deleted: [] }));
      await Promise.all(Array.from({ length: 20 }, (_, i) => add(i % 2 === 0 ? store : second, i)));
      const names = (await store.listCommands(APP, GUILD)).map((c) => c.name).sort();
      expect(names).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}`).sort());
    });

    test("command permissions: per guild and application, by ascending target id; a put replaces, an empty one removes", async () => {
      expect(await store.listCommandPermissions(APP, GUILD)).toEqual([]);
      await store.putCommandPermissions(permissions("10"));
      await store.putCommandPermissions(permissions(APP));
      await store.putCommandPermissions(permissions("9", "301"));
      await store.putCommandPermissions(permissions("10", "302", "201"));
      await store.putCommandPermissions(permissions("10", "303", GUILD, "101"));
      expect(await store.listCommandPermissions(APP, GUILD)).toEqual([permissions("9", "301"), permissions("10"), permissions(APP)]);
      await store.putCommandPermissions(permissions("10", "304"));
      await store.putCommandPermissions({ ...permissions("9"), permissions: [] });
      expect(await store.listCommandPermissions(APP, GUILD)).toEqual([permissions("10", "304"), permissions(APP)]);
      expect(await store.listCommandPermissions(APP, "201")).toEqual([permissions("10", "302", "201")]);
      expect(await store.listCommandPermissions("101", GUILD)).toEqual([permissions("10", "303", GUILD, "101")]);
    });

    test("a command's permissions go, in every guild, when it is deleted or renamed; an edit that keeps the name keeps them", async () => {
      await store.changeCommands(APP, null, putting([command("1", "kept"), command("2", "renamed"), command("3", "deleted")], undefined));
      for (const id of ["1", "2", "3"]) {
        await store.putCommandPermissions(permissions(id));
        await store.putCommandPermissions(permissions(id, "300", "201"));
      }
      await store.changeCommands(APP, null, putting([{ ...command("1", "kept"), version: "8" }, { ...command("2", "new name"), version: "9" }], undefined, ["3"]));
      expect(await store.listCommandPermissions(APP, GUILD)).toEqual([permissions("1")]);
      expect(await store.listCommandPermissions(APP, "201")).toEqual([permissions("1", "300", "201")]);
    });

    test("command permissions: invalid records reject with RangeError; a guild's deletion takes its permissions only", async () => {
      for (const bad of [{ ...permissions("1"), targetId: "x" }, { ...permissions("1"), permissions: Array.from({ length: 101 }, () => ({ id: "1", type: 1 as const, permission: true })) }]) {
        await expect(store.putCommandPermissions(bad)).rejects.toBeInstanceOf(RangeError);
      }
      await store.putCommandPermissions(permissions("1"));
      await store.putCommandPermissions(permissions("1", "300", "201"));
      await store.writeGuild(GUILD, 1, [{ k: "delete-guild" }]);
      expect(await store.listCommandPermissions(APP, GUILD)).toEqual([]);
      expect(await store.listCommandPermissions(APP, "201")).toEqual([permissions("1", "300", "201")]);
    });
  });
}

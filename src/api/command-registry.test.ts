import { describe, expect, test } from "bun:test";
import type { CommandChange, StoredCommand } from "../store/command-records.ts";
import { readCommand } from "./command-body.ts";
import { createCommand, deleteCommand, editCommand, overwriteCommands, type CommandScope } from "./command-registry.ts";

function scope(): CommandScope {
  let next = 100;
  return { applicationId: "1", guildId: null, newId: () => String(next++) };
}

const input = (name: string, description = "d", type = 1) => readCommand(type === 1 ? { name, description } : { type, name }, "");

/** Applies a change to a list, as a store would. */
function apply<T>(commands: StoredCommand[], change: (commands: StoredCommand[]) => CommandChange<T>): { result: T; commands: StoredCommand[] } {
  const { result, put, deleted } = change(commands);
  const kept = commands.filter((c) => !deleted.includes(c.id) && !put.some((p) => p.id === c.id));
  return { result, commands: [...kept, ...put] };
}

describe("command registry changes", () => {
  test("create adds (created), then replaces in place by type and name with a new version; an unchanged one writes nothing", () => {
    const s = scope();
    const first = apply([], createCommand(s, input("a")));
    expect(first.result).toMatchObject({ created: true, command: { id: "100", version: "101", name: "a" } });
    const changed = apply(first.commands, createCommand(s, input("a", "new")));
    expect(changed.result).toMatchObject({ created: false, command: { id: "100", version: "102" } });
    expect(createCommand(s, input("a", "new"))(changed.commands)).toMatchObject({ result: { created: false, command: { version: "102" } }, put: [] });
    expect(apply(changed.commands, createCommand(s, input("a", "", 2))).result).toMatchObject({ created: true });
  });

  test("create refuses the 101st CHAT_INPUT and the 16th USER command, not a replacement at the limit", () => {
    const s = scope();
    let commands: StoredCommand[] = [];
    for (let i = 0; i < 100; i++) commands = apply(commands, createCommand(s, input(`c${i}`))).commands;
    expect(createCommand(s, input("c100"))(commands).result).toBe("limit");
    expect(createCommand(s, input("c7", "x"))(commands).result).toMatchObject({ created: false });
    for (let i = 0; i < 15; i++) commands = apply(commands, createCommand(s, input(`U${i}`, "", 2))).commands;
    expect(createCommand(s, input("U15", "", 2))(commands).result).toBe("limit");
  });

  test("overwrite keeps the ids of listed keys, adds, deletes the rest; refuses a key listed twice", () => {
    const s = scope();
    const before = apply(apply([], createCommand(s, input("keep"))).commands, createCommand(s, input("drop"))).commands;
    const change = overwriteCommands(s, [input("keep"), input("new")])(before);
    expect(change.result).toMatchObject([{ id: before[0]?.id, version: before[0]?.version }, { name: "new" }]);
    expect(change.put.map((c) => c.name)).toEqual(["new"]);
    expect(change.deleted).toEqual([before[1]?.id as string]);
    expect(() => overwriteCommands(s, [input("x"), input("y"), input("x")])).toThrow("Invalid Form Body");
  });

  test("edit by id: unknown for none; refuses taking another command's key; delete answers whether it was there", () => {
    const s = scope();
    const commands = apply(apply([], createCommand(s, input("a"))).commands, createCommand(s, input("b"))).commands;
    expect(editCommand(s, "1", () => input("z"))(commands).result).toBe("unknown");
    expect(() => editCommand(s, commands[0]?.id as string, () => input("b"))(commands)).toThrow("Invalid Form Body");
    expect(editCommand(s, commands[0]?.id as string, () => input("c"))(commands).result).toMatchObject({ id: commands[0]?.id, name: "c" });
    expect(deleteCommand(commands[0]?.id as string)(commands)).toEqual({ result: true, put: [], deleted: [commands[0]?.id as string] });
    expect(deleteCommand("1")(commands)).toEqual({ result: false, put: [], deleted: [] });
  });
});

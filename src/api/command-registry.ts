/**
 * What each registry call does to one scope's commands (docs: interactions/application-commands,
 * "Registering a Command" and the endpoints), as pure changes for `CommandStore.changeCommands`:
 * - create: a command keyed by (type, name); one with that key already is replaced in place
 *   (same id) and answers 200, else a new one answers 201;
 * - edit: by id; renaming onto another command's key is refused;
 * - overwrite: the scope becomes the given list; a listed key that exists keeps its id;
 * - a changed command gets a new `version`, an unchanged one keeps it;
 * - a scope holds at most 100 CHAT_INPUT, 15 USER and 15 MESSAGE commands (30032).
 */
import type { CommandChange, StoredCommand } from "../store/command-records.ts";
import type { CommandInput } from "./command-body.ts";
import { commandFieldError } from "./command-body.ts";

/** Most commands of each type (1 CHAT_INPUT, 2 USER, 3 MESSAGE) a scope may hold. */
export const COMMAND_LIMITS: Readonly<Record<number, number>> = { 1: 100, 2: 15, 3: 15 };

/** Where commands go: the application, the guild (null: global), and a source of fresh snowflakes. */
export interface CommandScope {
  readonly applicationId: string;
  readonly guildId: string | null;
  readonly newId: () => string;
}

export type Created = { readonly command: StoredCommand; readonly created: boolean } | "limit";
export type Edited = StoredCommand | "unknown";

type Keyed = { readonly type: number; readonly name: string };

const sameKey = (a: Keyed, b: Keyed): boolean => a.type === b.type && a.name === b.name;

const duplicateName = (field: string) => commandFieldError(field, "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique");

/** `input` as a stored command: `previous`'s id, and its version if nothing changed. */
function stored(scope: CommandScope, input: CommandInput, previous: StoredCommand | undefined): StoredCommand {
  const unchanged = previous !== undefined && sameKey(previous, input) && JSON.stringify(previous.data) === JSON.stringify(input.data);
  if (unchanged) return previous;
  const { applicationId, guildId } = scope;
  return { id: previous?.id ?? scope.newId(), applicationId, guildId, type: input.type, name: input.name, version: scope.newId(), data: input.data };
}

const over = (commands: readonly Keyed[], type: number): boolean => commands.filter((c) => c.type === type).length > (COMMAND_LIMITS[type] ?? 0);

export function createCommand(scope: CommandScope, input: CommandInput): (commands: StoredCommand[]) => CommandChange<Created> {
  return (commands) => {
    const previous = commands.find((command) => sameKey(command, input));
    if (!previous && over([...commands, input], input.type)) return { result: "limit", put: [], deleted: [] };
    const command = stored(scope, input, previous);
    return { result: { command, created: previous === undefined }, put: command === previous ? [] : [command], deleted: [] };
  };
}

/** `edit` builds the edited input from the command it changes (a PATCH reads its body over it). */
export function editCommand(scope: CommandScope, commandId: string, edit: (previous: StoredCommand) => CommandInput): (commands: StoredCommand[]) => CommandChange<Edited> {
  return (commands) => {
    const previous = commands.find((command) => command.id === commandId);
    if (!previous) return { result: "unknown", put: [], deleted: [] };
    const input = edit(previous);
    if (commands.some((command) => command.id !== commandId && sameKey(command, input))) throw duplicateName("name");
    const command = stored(scope, input, previous);
    return { result: command, put: command === previous ? [] : [command], deleted: [] };
  };
}

export function deleteCommand(commandId: string): (commands: StoredCommand[]) => CommandChange<boolean> {
  return (commands) => {
    const found = commands.some((command) => command.id === commandId);
    return { result: found, put: [], deleted: found ? [commandId] : [] };
  };
}

/** The bulk overwrite; throws 50035 for a key listed twice (naming the later one's index) and 30032's "limit" when a type is over. */
export function overwriteCommands(scope: CommandScope, inputs: readonly CommandInput[]): (commands: StoredCommand[]) => CommandChange<StoredCommand[] | "limit"> {
  inputs.forEach((input, i) => {
    if (inputs.findIndex((other) => sameKey(other, input)) !== i) throw duplicateName(String(i));
  });
  return (commands) => {
    if ([1, 2, 3].some((type) => over(inputs, type))) return { result: "limit", put: [], deleted: [] };
    const next = inputs.map((input) => stored(scope, input, commands.find((command) => sameKey(command, input))));
    const kept = new Set(next.map((command) => command.id));
    return {
      result: next,
      put: next.filter((command) => !commands.includes(command)),
      deleted: commands.filter((command) => !kept.has(command.id)).map((command) => command.id),
    };
  };
}

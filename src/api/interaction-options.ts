/**
 * A slash command's invocation options checked against the command's definition, as Discord's
 * client builds them (docs: interactions/application-commands, "Application Command Interaction
 * Data Option Structure"): every name one of the definition's, each value of its option's type
 * (and among its choices, within its bounds), every required option given, a subcommand or a
 * group holding exactly one subcommand. Answers the ids the options name, for `resolved`.
 * A fault is a 400 50035 naming the field (`data.options[0].value`).
 */
import { isObject, isSnowflake } from "../protocol/fields.ts";
import type { ResolveIds } from "../guild/interaction-json.ts";
import { invalidField } from "./errors.ts";

type Json = Record<string, unknown>;

const SUB_COMMAND = 1;
const SUB_COMMAND_GROUP = 2;

/** The ids an invocation names, gathered as its options are read. */
interface Named {
  users: string[];
  roles: string[];
  channels: string[];
}

/** The invocation's options as the app gets them, and the ids they name. */
export function readOptions(given: unknown, definition: unknown, field: string): { options: Json[]; resolve: ResolveIds } {
  const named: Named = { users: [], roles: [], channels: [] };
  const options = readLevel(given, definedOptions(definition), field, named);
  return { options, resolve: { ...named, messages: [] } };
}

function definedOptions(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function readLevel(given: unknown, defined: readonly Json[], field: string, named: Named): Json[] {
  if (given === undefined || given === null) given = [];
  if (!Array.isArray(given) || given.length > 25) throw invalidField(field, "must be an array of at most 25 options");
  const seen = new Set<string>();
  const options = given.map((option, i) => {
    const at = `${field}[${i}]`;
    if (!isObject(option)) throw invalidField(at, "must be an object");
    const definition = defined.find((d) => d.name === option.name);
    if (!definition || seen.has(definition.name as string)) throw invalidField(`${at}.name`, "names no option of the command, or names one twice");
    seen.add(definition.name as string);
    if (option.type !== definition.type) throw invalidField(`${at}.type`, `must be ${String(definition.type)}`);
    const type = definition.type as number;
    if (type === SUB_COMMAND || type === SUB_COMMAND_GROUP) {
      const nested = readLevel(option.options, definedOptions(definition.options), `${at}.options`, named);
      if (type === SUB_COMMAND_GROUP && nested.length !== 1) throw invalidField(`${at}.options`, "must hold one subcommand");
      return { type, name: definition.name, options: nested };
    }
    return { type, name: definition.name, value: readValue(option.value, definition, `${at}.value`, named) };
  });
  const subcommands = defined.some((d) => d.type === SUB_COMMAND || d.type === SUB_COMMAND_GROUP);
  if (subcommands && options.length !== 1) throw invalidField(field, "must hold one subcommand or group");
  for (const definition of defined) {
    if (definition.required === true && !seen.has(definition.name as string)) throw invalidField(field, `lacks the required option ${String(definition.name)}`);
  }
  return options;
}

/** An option's value by its type: STRING 3, INTEGER 4, BOOLEAN 5, USER 6, CHANNEL 7, ROLE 8, MENTIONABLE 9, NUMBER 10. */
function readValue(value: unknown, definition: Json, field: string, named: Named): unknown {
  switch (definition.type) {
    case 3: {
      if (typeof value !== "string") throw invalidField(field, "must be a string");
      const length = [...value].length;
      if (length < Number(definition.min_length ?? 0) || length > Number(definition.max_length ?? 6000)) throw invalidField(field, "has a length out of the option's bounds");
      return chosen(value, definition, field);
    }
    case 4:
    case 10: {
      const integer = definition.type === 4;
      if (typeof value !== "number" || !Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) throw invalidField(field, `must be ${integer ? "an integer" : "a number"}`);
      if ((definition.min_value !== undefined && value < Number(definition.min_value)) || (definition.max_value !== undefined && value > Number(definition.max_value))) {
        throw invalidField(field, "is out of the option's bounds");
      }
      return chosen(value, definition, field);
    }
    case 5:
      if (typeof value !== "boolean") throw invalidField(field, "must be a boolean");
      return value;
    case 6:
    case 7:
    case 8:
    case 9: {
      if (typeof value !== "string" || !isSnowflake(value)) throw invalidField(field, "must be a snowflake");
      // A MENTIONABLE may be a user or a role: both are looked up, what is there is resolved.
      if (definition.type === 6 || definition.type === 9) named.users.push(value);
      if (definition.type === 8 || definition.type === 9) named.roles.push(value);
      if (definition.type === 7) named.channels.push(value);
      return value;
    }
    default:
      throw invalidField(field, "is of a type guildgate does not take in an invocation (attachments)");
  }
}

/** `value`, if the option has no choices or it is one of them. */
function chosen<T>(value: T, definition: Json, field: string): T {
  const choices = definedOptions(definition.choices);
  if (choices.length > 0 && !choices.some((choice) => choice.value === value)) throw invalidField(field, "is not one of the option's choices");
  return value;
}

/**
 * A slash command's invocation options checked against the command's definition, as Discord's
 * client builds them (docs: interactions/application-commands, "Application Command Interaction
 * Data Option Structure"): every name one of the definition's, each value of its option's type
 * (and among its choices, within its bounds), every required option given, a subcommand or a
 * group holding exactly one subcommand. Answers the ids the options name, for `resolved`.
 * A fault is a 400 50035 naming the field (`data.options[0].value`).
 *
 * An autocomplete (interaction type 4; docs: application-commands, "Autocomplete") is a command
 * still being typed: exactly one option is `focused: true`, an option with `autocomplete: true`,
 * its value the partial text as typed (a string even for INTEGER and NUMBER options); the others
 * are what the user has filled so far, so required ones may be missing and bounds, lengths and
 * choices are not held against them (the client checks them, Discord's server does not).
 */
import { isObject, isSnowflake } from "../protocol/fields.ts";
import type { ResolveIds } from "../guild/interaction-json.ts";
import { invalidField } from "./errors.ts";

type Json = Record<string, unknown>;

const SUB_COMMAND = 1;
const SUB_COMMAND_GROUP = 2;

/** Option types an autocomplete may focus: STRING, INTEGER, NUMBER. */
const COMPLETABLE = new Set([3, 4, 10]);
/** The longest STRING option value. */
const MAX_VALUE_LENGTH = 6000;

/** What reading an invocation's options gathers: the ids they name, and an autocomplete's focused option. */
interface Reading {
  readonly autocomplete: boolean;
  readonly users: string[];
  readonly roles: string[];
  readonly channels: string[];
  /** The focused option's type, once found. */
  focusedType?: number;
}

/** The invocation's options as the app gets them, the ids they name and, for an autocomplete, the focused option's type. */
export function readOptions(given: unknown, definition: unknown, field: string, autocomplete = false): { options: Json[]; resolve: ResolveIds; focusedType?: number } {
  const reading: Reading = { autocomplete, users: [], roles: [], channels: [] };
  const options = readLevel(given, definedOptions(definition), field, reading);
  if (autocomplete && reading.focusedType === undefined) throw invalidField(field, "must hold the option being typed (focused: true)");
  const { users, roles, channels, focusedType } = reading;
  return { options, resolve: { users, roles, channels, messages: [] }, ...(focusedType !== undefined && { focusedType }) };
}

function definedOptions(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function readLevel(given: unknown, defined: readonly Json[], field: string, reading: Reading): Json[] {
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
      const nested = readLevel(option.options, definedOptions(definition.options), `${at}.options`, reading);
      if (type === SUB_COMMAND_GROUP && nested.length !== 1) throw invalidField(`${at}.options`, "must hold one subcommand");
      return { type, name: definition.name, options: nested };
    }
    if (reading.autocomplete && option.focused === true) return { type, name: definition.name, value: focusedValue(option.value, definition, at, reading), focused: true };
    return { type, name: definition.name, value: readValue(option.value, definition, `${at}.value`, reading) };
  });
  const subcommands = defined.some((d) => d.type === SUB_COMMAND || d.type === SUB_COMMAND_GROUP);
  if (subcommands && options.length !== 1) throw invalidField(field, "must hold one subcommand or group");
  for (const definition of defined) {
    if (definition.required === true && !reading.autocomplete && !seen.has(definition.name as string)) throw invalidField(field, `lacks the required option ${String(definition.name)}`);
  }
  return options;
}

/** The option being typed in an autocomplete: one only, an option with `autocomplete: true`, its partial value a string. */
function focusedValue(value: unknown, definition: Json, at: string, reading: Reading): string {
  if (reading.focusedType !== undefined) throw invalidField(`${at}.focused`, "is a second focused option: an autocomplete focuses one");
  if (definition.autocomplete !== true || !COMPLETABLE.has(definition.type as number)) throw invalidField(`${at}.focused`, "names an option without autocomplete");
  if (typeof value !== "string" || [...value].length > MAX_VALUE_LENGTH) throw invalidField(`${at}.value`, `must be the text typed so far, a string of at most ${MAX_VALUE_LENGTH} characters`);
  reading.focusedType = definition.type as number;
  return value;
}

/**
 * An option's value by its type: STRING 3, INTEGER 4, BOOLEAN 5, USER 6, CHANNEL 7, ROLE 8,
 * MENTIONABLE 9, NUMBER 10. In an autocomplete, of its type but not yet held to its bounds.
 */
function readValue(value: unknown, definition: Json, field: string, reading: Reading): unknown {
  const checked = !reading.autocomplete;
  switch (definition.type) {
    case 3: {
      if (typeof value !== "string") throw invalidField(field, "must be a string");
      const length = [...value].length;
      if (checked && (length < Number(definition.min_length ?? 0) || length > Number(definition.max_length ?? MAX_VALUE_LENGTH))) throw invalidField(field, "has a length out of the option's bounds");
      return checked ? chosen(value, definition, field) : value;
    }
    case 4:
    case 10: {
      const integer = definition.type === 4;
      if (typeof value !== "number" || !Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) throw invalidField(field, `must be ${integer ? "an integer" : "a number"}`);
      if (!checked) return value;
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
      if (definition.type === 6 || definition.type === 9) reading.users.push(value);
      if (definition.type === 8 || definition.type === 9) reading.roles.push(value);
      if (definition.type === 7) reading.channels.push(value);
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

/**
 * An application command's body, read as Discord reads it (docs: interactions/application-commands,
 * "Application Command Object" and "Naming"): the type (1 CHAT_INPUT, 2 USER, 3 MESSAGE), the
 * name (CHAT_INPUT: 1-32 letters, digits, `-`, `_`, `'`, lowercase where a letter has one;
 * USER/MESSAGE: any 1-32 characters), the description (CHAT_INPUT: 1-100; else empty), up to
 * 25 options (nested subcommands and groups, required before optional, unique names, up to
 * 25 choices of the option's type), and the permission and context fields. Keys Discord
 * does not define are ignored, as SDKs send some of their own (discord.js `handler`).
 * A fault is a 400 50035 whose `errors` name the field (errors.ts).
 */
import type { OptionChoice } from "../guild/interactions.ts";
import { isObject } from "../protocol/fields.ts";
import { bits, bool, integer } from "./body-fields.ts";
import { ApiCode, HttpError, invalidField } from "./errors.ts";

/** A command as its body describes it: what the registry keys it by and what the API answers. */
export interface CommandInput {
  readonly type: number;
  readonly name: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export const CommandType = { CHAT_INPUT: 1, USER: 2, MESSAGE: 3 } as const;

/** Option types: SUB_COMMAND 1, SUB_COMMAND_GROUP 2, STRING 3, INTEGER 4, BOOLEAN 5, USER 6, CHANNEL 7, ROLE 8, MENTIONABLE 9, NUMBER 10, ATTACHMENT 11. */
const SUB_COMMAND = 1;
const SUB_COMMAND_GROUP = 2;
const STRING = 3;
const INTEGER = 4;
const CHANNEL = 7;
const NUMBER = 10;
const MAX_OPTIONS = 25;
const MAX_CHOICES = 25;

/** Discord's naming rule for CHAT_INPUT commands and for options (with the Unicode flag). */
const CHAT_INPUT_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

type Json = Record<string, unknown>;

/** A 400 50035 whose `errors` carry Discord's error name for the field. */
export function commandFieldError(field: string, code: string, message: string): HttpError {
  return new HttpError(400, ApiCode.INVALID_FORM_BODY, "Invalid Form Body", field, { code, message });
}

function object(value: unknown, field: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalidField(field, "must be an object");
  return value as Json;
}

function array(value: unknown, field: string, max: number): unknown[] {
  if (!Array.isArray(value)) throw invalidField(field, "must be an array");
  if (value.length > max) throw commandFieldError(field, "BASE_TYPE_MAX_LENGTH", `Must be ${max} or fewer in length.`);
  return value;
}

/** A string of `min..max` characters (code points, as Discord counts them). */
function chars(value: unknown, field: string, min: number, max: number): string {
  if (typeof value !== "string") throw invalidField(field, "must be a string");
  const length = [...value].length;
  if (length < min || length > max) throw commandFieldError(field, "BASE_TYPE_BAD_LENGTH", `Must be between ${min} and ${max} in length.`);
  return value;
}

function chatInputName(value: unknown, field: string): string {
  const name = chars(value, field, 1, 32);
  if (!CHAT_INPUT_NAME.test(name) || name !== name.toLowerCase()) {
    throw commandFieldError(field, "APPLICATION_COMMAND_INVALID_NAME", `Command name is invalid: ${JSON.stringify(name)}`);
  }
  return name;
}

/** A localization map (locale → text) or null; absent stays absent. */
function localizations(value: unknown, field: string, check: (text: unknown, field: string) => string): Json | null | undefined {
  if (value === undefined || value === null) return value;
  const map = object(value, field);
  for (const [locale, text] of Object.entries(map)) check(text, `${field}.${locale}`);
  return { ...map };
}

/** A list of integers from `allowed`, each at most once. */
function enumList(value: unknown, field: string, allowed: readonly number[]): number[] {
  const list = array(value, field, allowed.length);
  if (new Set(list).size !== list.length) throw invalidField(field, "must not repeat a value");
  return list.map((item, i) => {
    if (typeof item !== "number" || !allowed.includes(item)) throw invalidField(`${field}[${i}]`, `must be one of ${allowed.join(", ")}`);
    return item;
  });
}

function choiceValue(value: unknown, field: string, type: number): string | number {
  if (type === STRING) return chars(value, field, 1, 100);
  if (type === INTEGER) return integer(value, field, -(2 ** 53), 2 ** 53);
  if (typeof value !== "number" || !Number.isFinite(value)) throw invalidField(field, "must be a number");
  return value;
}

/** A choice (`{name, name_localizations?, value}`) of an option of `type`. */
function choice(value: unknown, field: string, type: number): OptionChoice {
  const body = object(value, field);
  const name = chars(body.name, `${field}.name`, 1, 100);
  const nameLocalizations = localizations(body.name_localizations, `${field}.name_localizations`, (text, at) => chars(text, at, 1, 100));
  return { name, ...(nameLocalizations !== undefined && { name_localizations: nameLocalizations }), value: choiceValue(body.value, `${field}.value`, type) };
}

/**
 * An autocomplete's answer (`data.choices` of callback 8): at most 25 choices, each a name of
 * 1–100 characters (and its localizations) and a value of a choice's shape, a string of 1–100
 * characters or a number. That the values are of the focused option's type, the interaction's
 * owner checks (guild/interactions.ts). No `choices` is none: discordgo omits an empty list
 * (`omitempty`), and SDKs once sent it so because Discord refused `[]`.
 */
export function readAutocompleteChoices(value: unknown, field: string): OptionChoice[] {
  if (value === undefined || value === null) return [];
  // choice() checks a value against the type given; a string is read as a STRING's, anything else as a NUMBER's.
  const typeOf = (item: unknown): number => (isObject(item) && typeof item.value === "string" ? STRING : NUMBER);
  return array(value, field, MAX_CHOICES).map((item, i) => choice(item, `${field}[${i}]`, typeOf(item)));
}

/** Where an option list sits: the command's own, a group's (subcommands only) or a subcommand's (no subcommands). */
type Parent = "command" | "group" | "subcommand";

/** An option at `field` in a list of `parent`. */
function option(value: unknown, field: string, parent: Parent): Json {
  const body = object(value, field);
  const type = integer(body.type, `${field}.type`, 1, 11);
  const sub = type === SUB_COMMAND || type === SUB_COMMAND_GROUP;
  // Groups sit at the top only; subcommands at the top or in a group.
  if ((type === SUB_COMMAND_GROUP && parent !== "command") || (type === SUB_COMMAND && parent === "subcommand")) {
    throw commandFieldError(`${field}.type`, "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Subcommands and groups cannot nest here.");
  }
  const out: Json = {
    type,
    name: chatInputName(body.name, `${field}.name`),
    name_localizations: localizations(body.name_localizations, `${field}.name_localizations`, (text, at) => chatInputName(text, at)),
    description: chars(body.description, `${field}.description`, 1, 100),
    description_localizations: localizations(body.description_localizations, `${field}.description_localizations`, (text, at) => chars(text, at, 1, 100)),
  };
  if (body.required !== undefined && body.required !== null && bool(body.required, `${field}.required`) && !sub) out.required = true;
  if (body.choices !== undefined && body.choices !== null) {
    if (type !== STRING && type !== INTEGER && type !== NUMBER) throw invalidField(`${field}.choices`, "are only for STRING, INTEGER and NUMBER options");
    const choices = array(body.choices, `${field}.choices`, MAX_CHOICES);
    if (choices.length > 0) out.choices = choices.map((item, i) => choice(item, `${field}.choices[${i}]`, type));
  }
  if (body.autocomplete !== undefined && body.autocomplete !== null && bool(body.autocomplete, `${field}.autocomplete`)) {
    if (out.choices !== undefined) throw commandFieldError(`${field}.autocomplete`, "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_CHOICES", "Autocomplete cannot be set with choices.");
    out.autocomplete = true;
  }
  if (type === CHANNEL && body.channel_types !== undefined && body.channel_types !== null) out.channel_types = enumList(body.channel_types, `${field}.channel_types`, [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 16]);
  if (type === INTEGER || type === NUMBER) {
    for (const key of ["min_value", "max_value"] as const) {
      const bound = body[key];
      if (bound === undefined || bound === null) continue;
      if (typeof bound !== "number" || !Number.isFinite(bound) || (type === INTEGER && !Number.isInteger(bound))) throw invalidField(`${field}.${key}`, "must be a number of the option's type");
      out[key] = bound;
    }
  }
  if (type === STRING) {
    if (body.min_length !== undefined && body.min_length !== null) out.min_length = integer(body.min_length, `${field}.min_length`, 0, 6000);
    if (body.max_length !== undefined && body.max_length !== null) out.max_length = integer(body.max_length, `${field}.max_length`, 1, 6000);
  }
  if (sub) out.options = options(body.options ?? [], `${field}.options`, type === SUB_COMMAND_GROUP ? "group" : "subcommand");
  return dropUndefined(out);
}

/**
 * A list of options: at most 25, unique names, required ones first, and either all
 * subcommands/groups or none (a group's list: subcommands only).
 */
function options(value: unknown, field: string, parent: Parent): Json[] {
  const list = array(value, field, MAX_OPTIONS).map((item, i) => option(item, `${field}[${i}]`, parent));
  const names = new Set<string>();
  let optionalSeen = false;
  let subSeen = false;
  list.forEach((item, i) => {
    const sub = item.type === SUB_COMMAND || item.type === SUB_COMMAND_GROUP;
    if (names.has(item.name as string)) throw commandFieldError(`${field}[${i}].name`, "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS", "Option names must be unique.");
    names.add(item.name as string);
    if ((parent === "group" && item.type !== SUB_COMMAND) || (i > 0 && sub !== subSeen)) {
      throw commandFieldError(`${field}[${i}]`, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommands and groups cannot be mixed with other options.");
    }
    subSeen = sub;
    if (item.required === true && optionalSeen) throw commandFieldError(`${field}[${i}]`, "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options");
    if (item.required !== true) optionalSeen = true;
  });
  return list;
}

function dropUndefined(json: Json): Json {
  for (const key of Object.keys(json)) if (json[key] === undefined) delete json[key];
  return json;
}

/**
 * Reads a command body; `field` prefixes the fields named in errors (a bulk overwrite's
 * element is `"0"`, `"1"`, ...). `previous` is the command a PATCH changes: absent fields keep
 * its values, and its type stays.
 */
export function readCommand(value: unknown, field: string, previous?: CommandInput): CommandInput {
  const body = object(value, field || "body");
  const at = (key: string) => (field ? `${field}.${key}` : key);
  const had = (key: string): unknown => (body[key] !== undefined ? body[key] : previous?.data[key]);
  const type = previous?.type ?? (body.type === undefined ? CommandType.CHAT_INPUT : integer(body.type, at("type"), 1, 3));
  const chatInput = type === CommandType.CHAT_INPUT;
  const nameValue = body.name !== undefined ? body.name : previous?.name;
  const name = chatInput ? chatInputName(nameValue, at("name")) : chars(nameValue, at("name"), 1, 32);
  const descriptionValue = had("description");
  let description = "";
  if (chatInput) description = chars(descriptionValue, at("description"), 1, 100);
  else if (descriptionValue !== undefined && descriptionValue !== null && descriptionValue !== "") {
    throw commandFieldError(at("description"), "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION_INVALID", "Context menu commands cannot have a description");
  }
  const optionsValue = had("options");
  const hasOptions = Array.isArray(optionsValue) && optionsValue.length > 0;
  if (!chatInput && hasOptions) throw commandFieldError(at("options"), "APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS_INVALID", "Context menu commands cannot have options");
  const permissions = had("default_member_permissions");
  const dm = had("dm_permission");
  const contexts = had("contexts");
  const installs = had("integration_types");
  const nsfw = had("nsfw");
  const data: Json = {
    name_localizations: localizations(had("name_localizations"), at("name_localizations"), (text, key) => (chatInput ? chatInputName(text, key) : chars(text, key, 1, 32))) ?? null,
    description,
    description_localizations: localizations(had("description_localizations"), at("description_localizations"), (text, key) => chars(text, key, 1, 100)) ?? null,
    default_member_permissions: permissions === undefined || permissions === null ? null : bits(permissions, at("default_member_permissions")).toString(),
    dm_permission: dm === undefined || dm === null ? true : bool(dm, at("dm_permission")),
    contexts: contexts === undefined || contexts === null ? null : enumList(contexts, at("contexts"), [0, 1, 2]),
    integration_types: installs === undefined || installs === null ? [0] : enumList(installs, at("integration_types"), [0, 1]),
    nsfw: nsfw === undefined || nsfw === null ? false : bool(nsfw, at("nsfw")),
  };
  if (hasOptions) data.options = options(optionsValue, at("options"), "command");
  return { type, name, data };
}

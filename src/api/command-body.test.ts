import { describe, expect, test } from "bun:test";
import { HttpError } from "./errors.ts";
import { readCommand } from "./command-body.ts";

/** The field and Discord error name a body is refused with. */
function refusal(body: unknown, field = ""): { field: string | undefined; code: string | undefined } {
  try {
    readCommand(body, field);
  } catch (error) {
    if (error instanceof HttpError) return { field: error.field, code: error.fieldError?.code ?? "BASE_TYPE_INVALID" };
    throw error;
  }
  throw new Error("accepted");
}

describe("readCommand", () => {
  test("CHAT_INPUT names: letters of any script, digits, - _ and '; lowercase where a letter has one", () => {
    for (const name of ["ping", "пинг", "नमस्ते", "ไทย", "don't", "a-b_c", "日本", "ß"]) expect(readCommand({ name, description: "d" }, "").name).toBe(name);
    for (const name of ["Ping", "ПИНГ", "two words", "emoji😀", "a.b", "İ"]) expect(refusal({ name, description: "d" })).toEqual({ field: "name", code: "APPLICATION_COMMAND_INVALID_NAME" });
  });

  test("USER and MESSAGE names may hold capitals and spaces; their description is empty", () => {
    expect(readCommand({ type: 3, name: "Quote This" }, "")).toMatchObject({ type: 3, name: "Quote This", data: { description: "" } });
    expect(readCommand({ type: 2, name: "Who", description: "" }, "").data.description).toBe("");
  });

  test("defaults: permissions null, dm_permission true, contexts null, integration_types [0], nsfw false; bitfields as strings", () => {
    expect(readCommand({ name: "a", description: "d" }, "").data).toEqual({
      name_localizations: null,
      description: "d",
      description_localizations: null,
      default_member_permissions: null,
      dm_permission: true,
      contexts: null,
      integration_types: [0],
      nsfw: false,
    });
    expect(readCommand({ name: "a", description: "d", default_member_permissions: 8 }, "").data.default_member_permissions).toBe("8");
    expect(refusal({ name: "a", description: "d", contexts: [0, 0] })).toEqual({ field: "contexts", code: "BASE_TYPE_INVALID" });
  });

  test("an edit keeps what its body leaves out and the command's type; a field prefix names a bulk element", () => {
    const previous = readCommand({ name: "a", description: "first", nsfw: true, options: [{ type: 3, name: "x", description: "d" }] }, "");
    const edited = readCommand({ description: "second", type: 2 }, "", previous);
    expect(edited).toMatchObject({ type: 1, name: "a", data: { description: "second", nsfw: true, options: [{ name: "x" }] } });
    expect(readCommand({ options: null }, "", previous).data.options).toBeUndefined();
    expect(refusal({ name: "a" }, "3")).toEqual({ field: "3.description", code: "BASE_TYPE_INVALID" });
  });

  test("localizations follow the field's own rule", () => {
    expect(readCommand({ name: "a", description: "d", name_localizations: { fr: "salut" } }, "").data.name_localizations).toEqual({ fr: "salut" });
    expect(refusal({ name: "a", description: "d", name_localizations: { fr: "Salut" } })).toEqual({ field: "name_localizations.fr", code: "APPLICATION_COMMAND_INVALID_NAME" });
  });

  test("options: a group holds subcommands only; groups do not nest; autocomplete excludes choices", () => {
    const sub = { type: 1, name: "s", description: "d" };
    expect(refusal({ name: "a", description: "d", options: [{ type: 2, name: "g", description: "d", options: [{ type: 3, name: "x", description: "d" }] }] })).toEqual({ field: "options[0].options[0]", code: "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID" });
    expect(refusal({ name: "a", description: "d", options: [{ type: 2, name: "g", description: "d", options: [{ type: 2, name: "h", description: "d" }] }] })).toEqual({ field: "options[0].options[0].type", code: "APPLICATION_COMMAND_OPTION_TYPE_INVALID" });
    expect(refusal({ name: "a", description: "d", options: [{ type: 1, name: "s", description: "d", options: [sub] }] })).toEqual({ field: "options[0].options[0].type", code: "APPLICATION_COMMAND_OPTION_TYPE_INVALID" });
    expect(refusal({ name: "a", description: "d", options: [{ type: 3, name: "x", description: "d", autocomplete: true, choices: [{ name: "n", value: "v" }] }] })).toEqual({ field: "options[0].autocomplete", code: "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_CHOICES" });
  });
});

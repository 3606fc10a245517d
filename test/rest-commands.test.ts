/**
 * The application command registry over real HTTP: global and guild commands, each route,
 * upsert by (type, name) on POST (201 new, 200 existing), PATCH, DELETE, the bulk overwrite
 * replacing the set, Discord's validation answers (50035 with the field and error name), the
 * per-type limits (30032), and who may use a scope (the application's own token; guild
 * commands need the bot in the guild).
 */
import { describe, expect, test } from "bun:test";
import type { Json } from "./support/http.ts";
import { restServer, type Account } from "./support/rest-world.ts";

const rest = restServer("commands");

const ping = { name: "ping", description: "Replies with pong" };

/** The `_errors[0].code` at `path` of an answer's `errors`. */
function errorAt(json: Json, path: string[]): unknown {
  let node: unknown = json.errors;
  for (const key of path) node = (node as Json | undefined)?.[key];
  return ((node as Json | undefined)?._errors as Json[] | undefined)?.[0]?.code;
}

async function app(name: string): Promise<{ account: Account; call: (method: string, path: string, body?: unknown) => Promise<{ status: number; json: Json }> }> {
  const account = await rest.user(name);
  return { account, call: (method, path, body) => rest.api(method, path, body, account.auth) };
}

describe("global commands", () => {
  test("POST creates (201), the same name again replaces it in place (200, same id, new version); GET lists and reads", async () => {
    const { account, call } = await app("pinger");
    const base = `/api/v10/applications/${account.id}/commands`;
    const created = await call("POST", base, { ...ping, options: [{ type: 3, name: "text", description: "What to echo", required: true }] });
    expect(created).toMatchObject({
      status: 201,
      json: { application_id: account.id, type: 1, name: "ping", description: "Replies with pong", default_member_permissions: null, dm_permission: true, nsfw: false, options: [{ type: 3, name: "text", required: true }] },
    });
    expect(created.json.guild_id).toBeUndefined();
    const again = await call("POST", base, { ...ping, description: "Pong!" });
    expect(again).toMatchObject({ status: 200, json: { id: created.json.id, description: "Pong!" } });
    expect(again.json.version).not.toBe(created.json.version);
    expect(again.json.options).toBeUndefined();
    const unchanged = await call("POST", base, { ...ping, description: "Pong!" });
    expect(unchanged).toMatchObject({ status: 200, json: { id: created.json.id, version: again.json.version } });
    // Another type may use the name.
    expect(await call("POST", base, { type: 2, name: "ping" })).toMatchObject({ status: 201, json: { type: 2, name: "ping", description: "" } });
    const listed = await call("GET", base);
    expect(listed.status).toBe(200);
    expect((listed.json as unknown as Json[]).map((c) => [c.type, c.name])).toEqual([[1, "ping"], [2, "ping"]]);
    expect(await call("GET", `${base}/${created.json.id}`)).toMatchObject({ status: 200, json: { id: created.json.id, description: "Pong!" } });
  });

  test("PATCH changes the given fields (a new version); a rename onto another command's name is refused; DELETE removes (10063 after)", async () => {
    const { account, call } = await app("editor");
    const base = `/api/v10/applications/${account.id}/commands`;
    const a = (await call("POST", base, ping)).json;
    await call("POST", base, { name: "other", description: "Other" });
    const patched = await call("PATCH", `${base}/${a.id}`, { description: "Edited", default_member_permissions: 8 });
    expect(patched).toMatchObject({ status: 200, json: { id: a.id, name: "ping", description: "Edited", default_member_permissions: "8" } });
    expect(patched.json.version).not.toBe(a.version);
    const clash = await call("PATCH", `${base}/${a.id}`, { name: "other" });
    expect(clash).toMatchObject({ status: 400, json: { code: 50035 } });
    expect(errorAt(clash.json, ["name"])).toBe("APPLICATION_COMMANDS_DUPLICATE_NAME");
    expect(await call("PATCH", `${base}/1`, { description: "x" })).toMatchObject({ status: 404, json: { code: 10063 } });
    expect((await call("DELETE", `${base}/${a.id}`)).status).toBe(204);
    expect(await call("GET", `${base}/${a.id}`)).toMatchObject({ status: 404, json: { code: 10063 } });
    expect(await call("DELETE", `${base}/${a.id}`)).toMatchObject({ status: 404, json: { code: 10063 } });
  });

  test("PUT overwrites the set: listed names keep their ids, new ones are added, the rest deleted; duplicates are refused", async () => {
    const { account, call } = await app("syncer");
    const base = `/api/v10/applications/${account.id}/commands`;
    const kept = (await call("POST", base, ping)).json;
    const dropped = (await call("POST", base, { name: "old", description: "Old" })).json;
    const put = await call("PUT", base, [{ ...ping, description: "New text" }, { name: "fresh", description: "Fresh" }, { type: 3, name: "Quote Message" }]);
    expect(put.status).toBe(200);
    const commands = put.json as unknown as Json[];
    expect(commands.map((c) => c.name)).toEqual(["ping", "fresh", "Quote Message"]);
    expect(commands[0]).toMatchObject({ id: kept.id, description: "New text" });
    const listed = (await call("GET", base)).json as unknown as Json[];
    expect(listed.map((c) => c.id).sort()).toEqual(commands.map((c) => c.id).sort());
    expect(listed.map((c) => c.id)).not.toContain(dropped.id);
    const duplicate = await call("PUT", base, [ping, { name: "x", description: "x" }, ping]);
    expect(duplicate).toMatchObject({ status: 400, json: { code: 50035 } });
    expect(errorAt(duplicate.json, ["2"])).toBe("APPLICATION_COMMANDS_DUPLICATE_NAME");
    expect(((await call("GET", base)).json as unknown as Json[]).length).toBe(3);
    expect(await call("PUT", base, [])).toMatchObject({ status: 200, json: [] });
    expect(await call("GET", base)).toMatchObject({ status: 200, json: [] });
  });

  test("100 CHAT_INPUT commands at most (30032); an existing name may still be replaced at the limit", async () => {
    const { account, call } = await app("hundred");
    const base = `/api/v10/applications/${account.id}/commands`;
    const hundred = Array.from({ length: 100 }, (_, i) => ({ name: `c${i}`, description: "d" }));
    expect((await call("PUT", base, hundred)).status).toBe(200);
    expect(await call("POST", base, { name: "c100", description: "d" })).toMatchObject({ status: 400, json: { code: 30032 } });
    expect(await call("POST", base, { name: "c5", description: "changed" })).toMatchObject({ status: 200, json: { name: "c5" } });
    expect(await call("PUT", base, [...hundred, { name: "c100", description: "d" }])).toMatchObject({ status: 400, json: { code: 30032 } });
    expect(((await call("GET", base)).json as unknown as Json[]).length).toBe(100);
  });
});

describe("validation", () => {
  const option = (name: string, required = false, type = 3) => ({ type, name, description: "d", required });
  const cases: [string, unknown, string[], string][] = [
    ["an upper-case CHAT_INPUT name", { name: "Ping", description: "d" }, ["name"], "APPLICATION_COMMAND_INVALID_NAME"],
    ["a space in a CHAT_INPUT name", { name: "two words", description: "d" }, ["name"], "APPLICATION_COMMAND_INVALID_NAME"],
    ["a 33-character name", { name: "a".repeat(33), description: "d" }, ["name"], "BASE_TYPE_BAD_LENGTH"],
    ["no description", { name: "ping" }, ["description"], "BASE_TYPE_INVALID"],
    ["a 101-character description", { name: "ping", description: "d".repeat(101) }, ["description"], "BASE_TYPE_BAD_LENGTH"],
    ["command type 4", { type: 4, name: "ping", description: "d" }, ["type"], "BASE_TYPE_INVALID"],
    ["a required option after an optional one", { ...ping, options: [option("a"), option("b", true)] }, ["options", "1"], "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"],
    ["26 options", { ...ping, options: Array.from({ length: 26 }, (_, i) => option(`o${i}`)) }, ["options"], "BASE_TYPE_MAX_LENGTH"],
    ["two options of one name", { ...ping, options: [option("a"), option("a")] }, ["options", "1", "name"], "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS"],
    ["option type 12", { ...ping, options: [option("a", false, 12)] }, ["options", "0", "type"], "BASE_TYPE_INVALID"],
    ["choices on a BOOLEAN option", { ...ping, options: [{ ...option("a", false, 5), choices: [{ name: "x", value: true }] }] }, ["options", "0", "choices"], "BASE_TYPE_INVALID"],
    ["26 choices", { ...ping, options: [{ ...option("a"), choices: Array.from({ length: 26 }, (_, i) => ({ name: `n${i}`, value: `v${i}` })) }] }, ["options", "0", "choices"], "BASE_TYPE_MAX_LENGTH"],
    ["a string choice on an INTEGER option", { ...ping, options: [{ ...option("a", false, 4), choices: [{ name: "x", value: "1" }] }] }, ["options", "0", "choices", "0", "value"], "BASE_TYPE_INVALID"],
    ["a subcommand mixed with an option", { ...ping, options: [{ type: 1, name: "sub", description: "d" }, option("a")] }, ["options", "1"], "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID"],
    ["a USER command with a description", { type: 2, name: "Inspect", description: "d" }, ["description"], "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION_INVALID"],
    ["a MESSAGE command with options", { type: 3, name: "Quote", options: [option("a")] }, ["options"], "APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS_INVALID"],
  ];
  for (const [what, body, path, code] of cases) {
    test(`400 50035 for ${what}`, async () => {
      const { account, call } = await app("validator");
      const answer = await call("POST", `/api/v10/applications/${account.id}/commands`, body);
      expect(answer).toMatchObject({ status: 400, json: { code: 50035 } });
      expect(errorAt(answer.json, path)).toBe(code);
    });
  }

  test("subcommands in groups, choices, bounds, mixed-case context menu names are accepted; bad JSON is 50109, a PUT of an object 50035", async () => {
    const { account, call } = await app("nested");
    const base = `/api/v10/applications/${account.id}/commands`;
    const sub = { type: 1, name: "add", description: "d", options: [{ type: 4, name: "n", description: "d", required: true, min_value: 1, max_value: 10 }, { ...option("unit"), choices: [{ name: "Metres", value: "m" }] }] };
    const created = await call("POST", base, { name: "calc", description: "d", options: [{ type: 2, name: "math", description: "d", options: [sub] }] });
    expect(created).toMatchObject({ status: 201, json: { options: [{ type: 2, name: "math", options: [{ type: 1, name: "add", options: [{ min_value: 1, max_value: 10, required: true }, { choices: [{ name: "Metres", value: "m" }] }] }] }] } });
    expect(await call("POST", base, { type: 2, name: "View Profile" })).toMatchObject({ status: 201, json: { type: 2, name: "View Profile", description: "" } });
    const bad = await fetch(`${rest.httpBase}${base}`, { method: "POST", headers: { authorization: account.auth, "content-type": "application/json" }, body: "{" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).code).toBe(50109);
    expect(await call("PUT", base, ping)).toMatchObject({ status: 400, json: { code: 50035 } });
    expect(await call("PUT", base, [{ name: "BAD", description: "d" }])).toMatchObject({ status: 400, json: { code: 50035 } });
  });
});

describe("who may use a scope", () => {
  test("only the application's own token (403 50001 for another's), 401 without one; 405 for other methods", async () => {
    const { account, call } = await app("owner-app");
    const other = await app("other-app");
    const base = `/api/v10/applications/${account.id}/commands`;
    const { json } = await call("POST", base, ping);
    expect(await other.call("GET", base)).toMatchObject({ status: 403, json: { code: 50001 } });
    expect(await other.call("POST", base, ping)).toMatchObject({ status: 403, json: { code: 50001 } });
    expect(await other.call("DELETE", `${base}/${json.id}`)).toMatchObject({ status: 403, json: { code: 50001 } });
    expect((await rest.fetch("GET", base, "Bot bad")).status).toBe(401);
    const wrong = await rest.fetch("PATCH", base, account.auth, ping);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, POST, PUT, HEAD");
    expect((await call("GET", base)).json).toHaveLength(1);
  });

  test("guild commands: the bot must be in the guild (50001; 10004 for no guild); a separate set from the global one, with guild_id", async () => {
    const w = await rest.world();
    const { account, call } = await app("guild-bot");
    const base = `/api/v10/applications/${account.id}/guilds/${w.guild.id}/commands`;
    expect(await call("POST", base, ping)).toMatchObject({ status: 403, json: { code: 50001 } });
    expect(await call("GET", base)).toMatchObject({ status: 403, json: { code: 50001 } });
    expect(await call("GET", `/api/v10/applications/${account.id}/guilds/1/commands`)).toMatchObject({ status: 404, json: { code: 10004 } });
    await rest.join(w.guild.id, account);
    const created = await call("POST", base, ping);
    expect(created).toMatchObject({ status: 201, json: { guild_id: w.guild.id, application_id: account.id, name: "ping" } });
    expect(created.json.dm_permission).toBeUndefined();
    expect(await call("GET", `/api/v10/applications/${account.id}/commands`)).toMatchObject({ status: 200, json: [] });
    // The global route does not reach a guild command.
    expect(await call("GET", `/api/v10/applications/${account.id}/commands/${created.json.id}`)).toMatchObject({ status: 404, json: { code: 10063 } });
    expect(await call("PUT", base, [{ name: "a", description: "d" }, { name: "b", description: "d" }])).toMatchObject({ status: 200, json: [{ name: "a" }, { name: "b" }] });
    expect(((await call("GET", base)).json as unknown as Json[]).map((c) => c.name)).toEqual(["a", "b"]);
    expect((await call("DELETE", `${base}/${((await call("GET", base)).json as unknown as Json[])[0]?.id}`)).status).toBe(204);
  });
});

describe("command permissions", () => {
  test("PUT by a member with MANAGE_GUILD and MANAGE_ROLES (not a bot: 20001; without them: 50013) replaces them, answers and tells the app's bot; GETs read them", async () => {
    const w = await rest.world();
    const bot = await rest.user("permitted-bot", 0, true);
    await rest.join(w.guild.id, bot);
    const botSession = await rest.session(bot, 1, w.guild.id);
    const command = (await rest.api("POST", `/api/v10/applications/${bot.id}/commands`, ping, bot.auth)).json;
    const base = `/api/v10/applications/${bot.id}/guilds/${w.guild.id}/commands`;
    const entries = [
      { id: w.role.id, type: 1, permission: true },
      { id: w.member.id, type: 2, permission: false },
      { id: w.lobby.id, type: 3, permission: false },
      { id: (BigInt(w.guild.id) - 1n).toString(), type: 3, permission: true },
    ];
    expect(await rest.api("PUT", `${base}/${command.id}/permissions`, { permissions: entries }, bot.auth)).toMatchObject({ status: 403, json: { code: 20001 } });
    expect(await rest.api("PUT", `${base}/${command.id}/permissions`, { permissions: entries }, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    expect(await rest.api("GET", `${base}/${command.id}/permissions`, undefined, bot.auth)).toMatchObject({ status: 404, json: { code: 10066 } });

    const from = botSession.frames.length;
    const put = await rest.api("PUT", `${base}/${command.id}/permissions`, { permissions: entries }, w.owner.auth);
    const expected = { id: command.id, application_id: bot.id, guild_id: w.guild.id, permissions: entries };
    expect(put).toEqual({ status: 200, json: expected });
    expect(await rest.event(botSession, "APPLICATION_COMMAND_PERMISSIONS_UPDATE", from)).toEqual(expected);
    expect(await rest.api("GET", `${base}/${command.id}/permissions`, undefined, bot.auth)).toEqual({ status: 200, json: expected });
    const appLevel = { permissions: [{ id: w.guild.id, type: 1, permission: false }] };
    expect((await rest.api("PUT", `${base}/${bot.id}/permissions`, appLevel, w.owner.auth)).status).toBe(200);
    const listed = await rest.api("GET", `${base}/permissions`, undefined, bot.auth);
    // By ascending id: the application's (its bot user's) is older than its command's.
    expect(listed).toEqual({ status: 200, json: [{ id: bot.id, application_id: bot.id, guild_id: w.guild.id, ...appLevel }, expected] as unknown as Json });
    // Only the application reads them.
    expect(await rest.api("GET", `${base}/permissions`, undefined, w.owner.auth)).toMatchObject({ status: 403, json: { code: 50001 } });

    // Renaming the command ends its permissions, as on Discord; an empty PUT removes the app-level ones.
    expect((await rest.api("PATCH", `/api/v10/applications/${bot.id}/commands/${command.id}`, { name: "renamed" }, bot.auth)).status).toBe(200);
    expect(await rest.api("GET", `${base}/${command.id}/permissions`, undefined, bot.auth)).toMatchObject({ status: 404, json: { code: 10066 } });
    expect((await rest.api("PUT", `${base}/${bot.id}/permissions`, { permissions: [] }, w.owner.auth)).status).toBe(200);
    expect(await rest.api("GET", `${base}/permissions`, undefined, bot.auth)).toEqual({ status: 200, json: [] as unknown as Json });
  });

  test("bad bodies and targets: 50035 naming the entry; 10063 for no such command; 404 10004 / 403 50001 for the guild", async () => {
    const w = await rest.world();
    const bot = await rest.user("checked-bot", 0, true);
    const command = (await rest.api("POST", `/api/v10/applications/${bot.id}/commands`, ping, bot.auth)).json;
    const base = `/api/v10/applications/${bot.id}/guilds/${w.guild.id}/commands`;
    const put = (body: unknown, target = command.id as string) => rest.api("PUT", `${base}/${target}/permissions`, body, w.owner.auth);
    expect(await put({ permissions: [] })).toMatchObject({ status: 403, json: { code: 50001 } });
    await rest.join(w.guild.id, bot);
    expect(await rest.api("PUT", `/api/v10/applications/${bot.id}/guilds/1/commands/${command.id}/permissions`, { permissions: [] }, w.owner.auth)).toMatchObject({
      status: 404,
      json: { code: 10004 },
    });
    expect(await put({ permissions: [] }, "1")).toMatchObject({ status: 404, json: { code: 10063 } });
    const refusals: [unknown, string[]][] = [
      [{}, ["permissions"]],
      [{ permissions: Array.from({ length: 101 }, () => ({ id: w.role.id, type: 1, permission: true })) }, ["permissions"]],
      [{ permissions: [{ id: w.role.id, type: 4, permission: true }] }, ["permissions", "0", "type"]],
      [{ permissions: [{ id: w.role.id, type: 1, permission: "yes" }] }, ["permissions", "0", "permission"]],
      [{ permissions: [{ id: w.role.id, type: 1, permission: true }, { id: w.lobby.id, type: 1, permission: true }] }, ["permissions", "1", "id"]],
      [{ permissions: [{ id: "12345", type: 2, permission: true }] }, ["permissions", "0", "id"]],
      [{ permissions: [{ id: w.role.id, type: 3, permission: true }] }, ["permissions", "0", "id"]],
    ];
    for (const [body, path] of refusals) {
      const answer = await put(body);
      expect({ body, status: answer.status, code: answer.json.code }).toEqual({ body, status: 400, code: 50035 });
      expect({ body, at: errorAt(answer.json, path) }).toEqual({ body, at: "BASE_TYPE_INVALID" });
    }
  });
});

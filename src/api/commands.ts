/**
 * The application command registry over REST (docs: interactions/application-commands,
 * "Endpoints"): an application's global commands at `/applications/:app/commands[/:id]` and its
 * commands in a guild at `/applications/:app/guilds/:guild/commands[/:id]`; GET lists or reads,
 * POST creates (or replaces the command of the same type and name), PATCH edits, DELETE removes,
 * PUT overwrites the whole set (discord.py `CommandTree.sync`, discord.js
 * `application.commands.set`). An application's id is its bot user's id, so the caller's token
 * must be the application's (else 403 50001, as Discord answers a token without access); guild
 * commands need the bot in the guild (403 50001, as on Discord without the
 * `applications.commands` scope there). Registering sends no gateway event, as on Discord.
 */
import { jsonResponse } from "../protocol/json-response.ts";
import type { StoredCommand } from "../store/command-records.ts";
import { commandFieldError, readCommand, type CommandInput } from "./command-body.ts";
import { COMMAND_LIMITS, createCommand, deleteCommand, editCommand, overwriteCommands, type CommandScope } from "./command-registry.ts";
import { ApiCode, HttpError } from "./errors.ts";
import { MAX_REQUEST_BODY_BYTES, readJson } from "./json-body.ts";
import { noContent, ok, type RestCall, type RestRoute } from "./rest.ts";

/** The command as Discord's API answers it; `dm_permission` only on global commands. */
export function commandJson(command: StoredCommand): Record<string, unknown> {
  const { dm_permission: dmPermission, ...data } = command.data;
  return {
    id: command.id,
    application_id: command.applicationId,
    version: command.version,
    type: command.type,
    name: command.name,
    ...(command.guildId !== null ? { guild_id: command.guildId } : { dm_permission: dmPermission }),
    ...data,
  };
}

/** The route's scope, once the caller may use it. */
async function scopeOf(call: RestCall): Promise<CommandScope> {
  const applicationId = call.params.application_id as string;
  const guildId = call.params.guild_id ?? null;
  if (applicationId !== call.user.id) throw new HttpError(403, ApiCode.MISSING_ACCESS, "Missing Access");
  if (guildId !== null) {
    const { store } = call.ctx;
    if (!(await store.getGuild(guildId))) throw new HttpError(404, ApiCode.UNKNOWN_GUILD, "Unknown Guild");
    if (!(await store.getMember(guildId, applicationId))) throw new HttpError(403, ApiCode.MISSING_ACCESS, "Missing Access");
  }
  return { applicationId, guildId, newId: () => call.ctx.ids.next() };
}

const unknownCommand = (): HttpError => new HttpError(404, ApiCode.UNKNOWN_APPLICATION_COMMAND, "Unknown application command");
const tooMany = (): HttpError => new HttpError(400, ApiCode.MAX_APPLICATION_COMMANDS, "Maximum number of application commands reached");

/** A stored command back as the input it was made from (a PATCH reads its body over it). */
const inputOf = (command: StoredCommand): CommandInput => ({ type: command.type, name: command.name, data: command.data });

async function list(call: RestCall): Promise<Response> {
  const { applicationId, guildId } = await scopeOf(call);
  return ok((await call.ctx.store.listCommands(applicationId, guildId)).map(commandJson));
}

async function get(call: RestCall): Promise<Response> {
  const { applicationId, guildId } = await scopeOf(call);
  const command = (await call.ctx.store.listCommands(applicationId, guildId)).find((c) => c.id === call.params.command_id);
  if (!command) throw unknownCommand();
  return ok(commandJson(command));
}

async function create(call: RestCall): Promise<Response> {
  const scope = await scopeOf(call);
  const input = readCommand(await readJson(call.request, MAX_REQUEST_BODY_BYTES), "");
  const result = await call.ctx.store.changeCommands(scope.applicationId, scope.guildId, createCommand(scope, input));
  if (result === "limit") throw tooMany();
  return jsonResponse(commandJson(result.command), { status: result.created ? 201 : 200 });
}

async function edit(call: RestCall): Promise<Response> {
  const scope = await scopeOf(call);
  const body = await readJson(call.request, MAX_REQUEST_BODY_BYTES);
  const edited = await call.ctx.store.changeCommands(
    scope.applicationId,
    scope.guildId,
    editCommand(scope, call.params.command_id as string, (previous) => readCommand(body, "", inputOf(previous))),
  );
  if (edited === "unknown") throw unknownCommand();
  return ok(commandJson(edited));
}

async function remove(call: RestCall): Promise<Response> {
  const { applicationId, guildId } = await scopeOf(call);
  if (!(await call.ctx.store.changeCommands(applicationId, guildId, deleteCommand(call.params.command_id as string)))) throw unknownCommand();
  return noContent();
}

/** Most commands a bulk overwrite may list: every type's limit together. */
const MAX_OVERWRITE = Object.values(COMMAND_LIMITS).reduce((sum, limit) => sum + limit, 0);

async function overwrite(call: RestCall): Promise<Response> {
  const scope = await scopeOf(call);
  const body = await readJson(call.request, MAX_REQUEST_BODY_BYTES);
  if (!Array.isArray(body)) throw commandFieldError("", "BASE_TYPE_ARRAY", "Must be an array.");
  if (body.length > MAX_OVERWRITE) throw commandFieldError("", "BASE_TYPE_MAX_LENGTH", `Must be ${MAX_OVERWRITE} or fewer in length.`);
  const inputs = body.map((item, i) => readCommand(item, String(i)));
  const result = await call.ctx.store.changeCommands(scope.applicationId, scope.guildId, overwriteCommands(scope, inputs));
  if (result === "limit") throw tooMany();
  return ok(result.map(commandJson));
}

const GLOBAL = "/applications/{application_id}/commands";
const GUILD = "/applications/{application_id}/guilds/{guild_id}/commands";

export const COMMAND_ROUTES: readonly RestRoute[] = [GLOBAL, GUILD].flatMap((at) => [
  { template: at, methods: { GET: list, POST: create, PUT: overwrite } },
  { template: `${at}/{command_id}`, methods: { GET: get, PATCH: edit, DELETE: remove } },
]);

/**
 * Application command permissions in a guild (docs: application-commands, "Permissions" and its
 * three routes): `GET .../guilds/:guild/commands/permissions` lists the application's, `GET
 * .../commands/:id/permissions` reads one command's (or, with the application's id, the
 * app-level ones), `PUT` the same path replaces them and sends APPLICATION_COMMAND_PERMISSIONS_UPDATE
 * to the application's bot. Reads are the application's own (its bot token); a PUT is a
 * member's with MANAGE_GUILD and MANAGE_ROLES, never a bot's (Discord: a Bearer token of such
 * a user; 403 20001 for a bot). Who may then use a command: guild/command-access.ts.
 */
import { computeBasePermissions, Permission } from "../guild/permissions.ts";
import type { CommandPermission, StoredCommandPermissions } from "../store/command-records.ts";
import { bool, integer, snowflake } from "./body-fields.ts";
import { ApiCode, HttpError, invalidField } from "./errors.ts";
import { MAX_REQUEST_BODY_BYTES, readJson } from "./json-body.ts";
import { ok, type RestCall, type RestRoute } from "./rest.ts";

/** Discord's answer for a record: the target's id, the application and guild, the entries. */
const permissionsJson = (record: StoredCommandPermissions) => ({
  id: record.targetId,
  application_id: record.applicationId,
  guild_id: record.guildId,
  permissions: record.permissions,
});

const MAX_ENTRIES = 100;

/** The route's application and guild, once both exist and the application's bot is in the guild. */
async function guildOf(call: RestCall): Promise<{ applicationId: string; guildId: string }> {
  const applicationId = call.params.application_id as string;
  const guildId = call.params.guild_id as string;
  const { store } = call.ctx;
  if (!(await store.getGuild(guildId))) throw new HttpError(404, ApiCode.UNKNOWN_GUILD, "Unknown Guild");
  if (!(await store.getMember(guildId, applicationId))) throw new HttpError(403, ApiCode.MISSING_ACCESS, "Missing Access");
  return { applicationId, guildId };
}

/** The application's own token reads its permissions. */
async function readable(call: RestCall): Promise<{ applicationId: string; guildId: string }> {
  if (call.params.application_id !== call.user.id) throw new HttpError(403, ApiCode.MISSING_ACCESS, "Missing Access");
  return guildOf(call);
}

/** 404 10063 unless `targetId` is the application's or one of its commands here (global or this guild's). */
async function assertTarget(call: RestCall, applicationId: string, guildId: string, targetId: string): Promise<void> {
  if (targetId === applicationId) return;
  const { store } = call.ctx;
  const [global, local] = await Promise.all([store.listCommands(applicationId, null), store.listCommands(applicationId, guildId)]);
  if (![...global, ...local].some((command) => command.id === targetId)) {
    throw new HttpError(404, ApiCode.UNKNOWN_APPLICATION_COMMAND, "Unknown application command");
  }
}

async function list(call: RestCall): Promise<Response> {
  const { applicationId, guildId } = await readable(call);
  return ok((await call.ctx.store.listCommandPermissions(applicationId, guildId)).map(permissionsJson));
}

async function get(call: RestCall): Promise<Response> {
  const { applicationId, guildId } = await readable(call);
  const targetId = call.params.command_id as string;
  await assertTarget(call, applicationId, guildId, targetId);
  const record = (await call.ctx.store.listCommandPermissions(applicationId, guildId)).find((r) => r.targetId === targetId);
  if (!record) throw new HttpError(404, ApiCode.UNKNOWN_APPLICATION_COMMAND_PERMISSIONS, "Unknown application command permissions");
  return ok(permissionsJson(record));
}

/** Each entry of `{permissions}`, naming a role, member or channel of the guild (or a constant). */
async function readEntries(call: RestCall, guildId: string, body: unknown): Promise<CommandPermission[]> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalidField("", "must be an object");
  const entries = (body as Record<string, unknown>).permissions;
  if (!Array.isArray(entries)) throw invalidField("permissions", "must be an array");
  if (entries.length > MAX_ENTRIES) throw invalidField("permissions", `must be ${MAX_ENTRIES} or fewer in length`);
  const { store } = call.ctx;
  const [roles, channels] = await Promise.all([store.listRoles(guildId), store.listChannels(guildId)]);
  const allChannels = (BigInt(guildId) - 1n).toString();
  return Promise.all(
    entries.map(async (entry: unknown, i): Promise<CommandPermission> => {
      const at = `permissions[${i}]`;
      if (typeof entry !== "object" || entry === null) throw invalidField(at, "must be an object");
      const { id: rawId, type: rawType, permission: rawPermission } = entry as Record<string, unknown>;
      const id = snowflake(rawId, `${at}.id`);
      const type = integer(rawType, `${at}.type`, 1, 3) as 1 | 2 | 3;
      const permission = bool(rawPermission, `${at}.permission`);
      const known =
        type === 1 ? roles.some((role) => role.id === id) : type === 3 ? id === allChannels || channels.some((channel) => channel.id === id) : (await store.getMember(guildId, id)) !== undefined;
      if (!known) throw invalidField(`${at}.id`, `is not a ${type === 1 ? "role" : type === 2 ? "member" : "channel"} of the guild`);
      return { id, type, permission };
    }),
  );
}

async function put(call: RestCall): Promise<Response> {
  if (call.user.bot) throw new HttpError(403, ApiCode.BOTS_CANNOT_USE_ENDPOINT, "Bots cannot use this endpoint");
  const { applicationId, guildId } = await guildOf(call);
  const { store } = call.ctx;
  const [guild, member, roles] = await Promise.all([store.getGuild(guildId), store.getMember(guildId, call.user.id), store.listRoles(guildId)]);
  if (!guild || !member) throw new HttpError(403, ApiCode.MISSING_ACCESS, "Missing Access");
  const permissions = computeBasePermissions(member, { id: guildId, ownerId: guild.ownerId, roles: new Map(roles.map((role) => [role.id, role])) });
  const needed = Permission.MANAGE_GUILD | Permission.MANAGE_ROLES;
  if ((permissions & needed) !== needed) throw new HttpError(403, ApiCode.MISSING_PERMISSIONS, "Missing Permissions");
  const targetId = call.params.command_id as string;
  await assertTarget(call, applicationId, guildId, targetId);
  const record = { applicationId, guildId, targetId, permissions: await readEntries(call, guildId, await readJson(call.request, MAX_REQUEST_BODY_BYTES)) };
  await store.putCommandPermissions(record);
  const answer = permissionsJson(record);
  call.ctx.dispatchToUser(applicationId, "APPLICATION_COMMAND_PERMISSIONS_UPDATE", JSON.stringify(answer));
  return ok(answer);
}

const GUILD = "/applications/{application_id}/guilds/{guild_id}/commands";

export const COMMAND_PERMISSION_ROUTES: readonly RestRoute[] = [
  { template: `${GUILD}/permissions`, methods: { GET: list } },
  { template: `${GUILD}/{command_id}/permissions`, methods: { GET: get, PUT: put } },
];

/**
 * What a bot reads over REST (docs: resources/channel, guild, user): a channel, a guild (with
 * `with_counts`), its channels, roles, one member, the member list (`limit`, `after`; needs the
 * GUILD_MEMBERS privileged intent, as on Discord) and a member search, a user, and the caller's
 * guilds. Guild reads are one owner call each: the owner answers from the guild it holds,
 * and only to a member (the channels: those it can view). A DM channel is read by its recipients
 * from the store (direct-messages.ts).
 */
import type { GuildRead } from "../guild/guild-reads.ts";
import { computeBasePermissions } from "../guild/permissions.ts";
import { userObject } from "../guild/user-json.ts";
import { Intent } from "../protocol/opcodes.ts";
import { snowflake, text } from "./body-fields.ts";
import { ApiCode, HttpError } from "./errors.ts";
import { ok, queryFlag, queryInteger, routedChannelOf, type RestCall, type RestHandler, type RestRoute } from "./rest.ts";
import { deleteChannel, patchChannel } from "./threads.ts";
import { deletePrivateChannel, getDmChannel, patchPrivateChannel } from "./direct-messages.ts";

async function getChannel(call: RestCall): Promise<Response> {
  const { kind, channel } = await routedChannelOf(call);
  if (kind === "dm") return getDmChannel(call, channel);
  return ok((await call.ctx.owners.readChannel(channel.guildId, channel.id, call.user.id)).channel);
}

function guildRead(read: (call: RestCall) => GuildRead): (call: RestCall) => Promise<Response> {
  return async (call) => ok(await call.ctx.owners.readGuild(call.params.guild_id as string, call.user.id, read(call)));
}

/** PATCH or DELETE of `/channels/:id`: a DM's or group DM's (direct-messages.ts), else a thread's (threads.ts; another guild channel: 50024). */
const byChannelKind =
  (privateChannel: RestHandler, thread: RestHandler): RestHandler =>
  async (call) =>
    (await routedChannelOf(call)).kind === "dm" ? privateChannel(call) : thread(call);


function memberList(call: RestCall): GuildRead {
  if ((call.user.privilegedIntents & Intent.GUILD_MEMBERS) === 0) throw new HttpError(403, ApiCode.MISSING_ACCESS, "Missing Access");
  const after = call.url.searchParams.get("after");
  return { k: "members", limit: queryInteger(call, "limit", 1, 1000, 1), ...(after !== null && after !== "0" && { after: snowflake(after, "after") }) };
}

function memberSearch(call: RestCall): GuildRead {
  const query = text(call.url.searchParams.get("query") ?? undefined, "query", 1, 100);
  return { k: "search", query, limit: queryInteger(call, "limit", 1, 1000, 1) };
}

async function getUser(call: RestCall): Promise<Response> {
  const user = await call.ctx.store.getUser(call.params.user_id as string);
  if (!user) throw new HttpError(404, ApiCode.UNKNOWN_USER, "Unknown User");
  return ok(userObject(user));
}

/** `GET /users/@me/guilds`: partial guilds with the caller's guild-wide permissions, by id, `before`/`after`/`limit` (1..200, 200). */
async function myGuilds(call: RestCall): Promise<Response> {
  const { store } = call.ctx;
  const query = call.url.searchParams;
  const before = query.has("before") ? BigInt(snowflake(query.get("before"), "before")) : undefined;
  const after = query.has("after") ? BigInt(snowflake(query.get("after"), "after")) : undefined;
  const limit = queryInteger(call, "limit", 1, 200, 200);
  let ids = (await store.guildsOfUser(call.user.id)).filter((id) => (before === undefined || BigInt(id) < before) && (after === undefined || BigInt(id) > after));
  // Discord pages backwards from `before`: the last `limit` ids below it.
  ids = before !== undefined && after === undefined ? ids.slice(-limit) : ids.slice(0, limit);
  const guilds = await Promise.all(
    ids.map(async (id) => {
      const [guild, member, roles] = await Promise.all([store.getGuild(id), store.getMember(id, call.user.id), store.listRoles(id)]);
      if (!guild || !member) return [];
      const permissions = computeBasePermissions(member, { id, ownerId: guild.ownerId, roles: new Map(roles.map((role) => [role.id, role])) });
      const counts = queryFlag(call.url, "with_counts") ? { approximate_member_count: await store.countMembers(id) } : {};
      return [{ id, name: guild.name, icon: guild.icon, banner: null, owner: guild.ownerId === call.user.id, permissions: permissions.toString(), features: [], ...counts }];
    }),
  );
  return ok(guilds.flat());
}

export const READ_ROUTES: readonly RestRoute[] = [
  { template: "/channels/{channel_id}", methods: { GET: getChannel, PATCH: byChannelKind(patchPrivateChannel, patchChannel), DELETE: byChannelKind(deletePrivateChannel, deleteChannel) } },
  { template: "/guilds/{guild_id}", methods: { GET: guildRead((call) => ({ k: "guild", withCounts: queryFlag(call.url, "with_counts") })) } },
  { template: "/guilds/{guild_id}/channels", methods: { GET: guildRead(() => ({ k: "channels" })) } },
  { template: "/guilds/{guild_id}/roles", methods: { GET: guildRead(() => ({ k: "roles" })) } },
  { template: "/guilds/{guild_id}/members", methods: { GET: guildRead(memberList) } },
  { template: "/guilds/{guild_id}/members/search", methods: { GET: guildRead(memberSearch) } },
  { template: "/guilds/{guild_id}/members/{user_id}", methods: { GET: guildRead((call) => ({ k: "member", userId: call.params.user_id as string })) } },
  { template: "/users/@me/guilds", methods: { GET: myGuilds } },
  { template: "/users/{user_id}", methods: { GET: getUser } },
];

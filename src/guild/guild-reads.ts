/**
 * What a member may read of a guild over REST (`GET /guilds/:id[/...]`), from the guild as
 * its owner holds it: the guild (with Discord's approximate counts), the channels it can view,
 * the roles, one member, a page of members by id, members whose name starts with a query.
 */
import { channelJson, guildJson, memberJson, roleJson } from "./guild-json.ts";
import type { OwnedGuild } from "./owned-guild.ts";
import { canView } from "./permissions.ts";
import { Refusal } from "./refusal.ts";

type Json = Record<string, unknown>;

/** One read of a guild, as data (it crosses the bus). */
export type GuildRead =
  | { readonly k: "guild"; readonly withCounts: boolean }
  | { readonly k: "channels" }
  | { readonly k: "roles" }
  | { readonly k: "member"; readonly userId: string }
  /** Up to `limit` members with user id above `after`, by id. */
  | { readonly k: "members"; readonly limit: number; readonly after?: string }
  /** Up to `limit` members whose username, global name or nick starts with `query` (any case). */
  | { readonly k: "search"; readonly query: string; readonly limit: number };

/** Answers `read` for `viewerId`, who must be a member (else 403 50001, as Discord answers a guild the bot is not in). */
export function readGuild(guild: OwnedGuild, viewerId: string, read: GuildRead): unknown {
  const { state } = guild;
  const viewer = state.member(viewerId);
  if (!viewer) throw new Refusal("missing-access", "Missing Access");
  switch (read.k) {
    case "guild": {
      const json: Json = guildJson(state.record, state.roles());
      if (read.withCounts) {
        json.approximate_member_count = state.memberCount;
        json.approximate_presence_count = guild.connectedMembers;
      }
      return json;
    }
    case "channels":
      return [...state.allChannels()].filter((channel) => canView(state.guild(), viewer, channel)).map(channelJson);
    case "roles":
      return [...state.roles()].map(roleJson);
    case "member":
      return memberOf(guild, read.userId);
    case "members": {
      const ids = memberIdsInOrder(guild);
      const after = BigInt(read.after ?? "0");
      // The first id above `after`: a binary search of the sorted ids.
      let low = 0;
      for (let high = ids.length; low < high; ) {
        const mid = (low + high) >>> 1;
        if ((ids[mid] as bigint) <= after) low = mid + 1;
        else high = mid;
      }
      return ids.slice(low, low + read.limit).map((id) => memberOf(guild, id.toString()));
    }
    case "search": {
      const query = read.query.toLowerCase();
      const found: Json[] = [];
      for (const member of state.members()) {
        if (found.length >= read.limit) break;
        const user = state.user(member.userId);
        const names = [user?.username, user?.globalName, member.nick];
        if (user && names.some((name) => name?.toLowerCase().startsWith(query))) found.push(memberJson(member, user));
      }
      return found;
    }
  }
}

/** Each guild's member ids in numeric order, as of a state version: a guild's pages sort it once per change, not per request. */
const sortedIds = new WeakMap<OwnedGuild, { version: number; ids: bigint[] }>();

function memberIdsInOrder(guild: OwnedGuild): readonly bigint[] {
  const cached = sortedIds.get(guild);
  if (cached?.version === guild.state.version) return cached.ids;
  const ids = [...guild.state.members()].map((m) => BigInt(m.userId)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  sortedIds.set(guild, { version: guild.state.version, ids });
  return ids;
}

function memberOf(guild: OwnedGuild, userId: string): Json {
  const member = guild.state.member(userId);
  const user = guild.state.user(userId);
  if (!member || !user) throw new Refusal("unknown-member", "Unknown Member");
  return memberJson(member, user);
}

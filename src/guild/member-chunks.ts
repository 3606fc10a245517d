/**
 * Op 8 REQUEST_GUILD_MEMBERS, answered with GUILD_MEMBERS_CHUNK dispatches of at most 1000
 * members each (`chunk_index`/`chunk_count`, the request's `nonce`, `not_found` for
 * `user_ids`, `presences` when asked for and allowed), as Discord does:
 * - `query: ""` with `limit: 0` is the whole member list and needs GUILD_MEMBERS;
 * - a non-empty `query` is a case-insensitive prefix of username, global name or nick,
 *   at most `limit` (1–100, 0 meaning 100) members;
 * - `presences` needs GUILD_PRESENCES.
 * A request the session's intents do not allow gets one empty chunk (every `user_ids` entry
 * in `not_found`), so clients get a prompt answer instead of waiting for a timeout.
 */
import { Intent } from "../protocol/opcodes.ts";
import type { GuildMembersRequest } from "../protocol/validate-members.ts";
import type { Member, User } from "../store/guild-store.ts";
import type { GuildState } from "./guild-state.ts";
import { memberJson } from "./guild-json.ts";
import { OFFLINE, presenceJson, type PresenceBook } from "./presence.ts";

/** Members per GUILD_MEMBERS_CHUNK. */
export const CHUNK_MEMBERS = 1000;
/** Most members a prefix query returns. */
export const MAX_QUERY_RESULTS = 100;

/** The GUILD_MEMBERS_CHUNK `d`s (serialised) answering `request` for a session with `intents`. */
export function memberChunks(
  state: GuildState,
  presences: PresenceBook,
  request: GuildMembersRequest,
  intents: number,
): string[] {
  const wholeList = request.query === "" && request.limit === 0;
  const allowed = !wholeList || (intents & Intent.GUILD_MEMBERS) !== 0;
  const withPresences = request.presences && (intents & Intent.GUILD_PRESENCES) !== 0;
  const notFound: string[] = [];
  let found: Member[] = [];
  if (!allowed) {
    notFound.push(...(request.user_ids ?? []));
  } else if (request.user_ids !== undefined) {
    for (const id of request.user_ids) {
      const member = state.member(id);
      if (member) found.push(member);
      else notFound.push(id);
    }
  } else {
    found = matchQuery(state, request.query ?? "", wholeList ? Number.POSITIVE_INFINITY : queryLimit(request.limit));
  }
  const count = Math.max(1, Math.ceil(found.length / CHUNK_MEMBERS));
  const chunks: string[] = [];
  for (let index = 0; index < count; index++) {
    const members = found.slice(index * CHUNK_MEMBERS, (index + 1) * CHUNK_MEMBERS);
    const d: Record<string, unknown> = {
      guild_id: state.id,
      // GuildState holds only members whose user exists.
      members: members.map((member) => memberJson(member, state.user(member.userId) as User)),
      chunk_index: index,
      chunk_count: count,
    };
    if (index === 0 && request.user_ids !== undefined) d.not_found = notFound;
    if (withPresences) {
      d.presences = members.flatMap((member) => {
        const presence = presences.get(member.userId);
        return presence === OFFLINE ? [] : [presenceJson(member.userId, presence)];
      });
    }
    if (request.nonce !== undefined) d.nonce = request.nonce;
    chunks.push(JSON.stringify(d));
  }
  return chunks;
}

function queryLimit(limit: number): number {
  return limit <= 0 ? MAX_QUERY_RESULTS : Math.min(limit, MAX_QUERY_RESULTS);
}

function matchQuery(state: GuildState, query: string, limit: number): Member[] {
  const prefix = query.toLowerCase();
  const found: Member[] = [];
  for (const member of state.members()) {
    if (found.length >= limit) break;
    const user = state.user(member.userId);
    if (!user) continue;
    const names = [user.username, user.globalName, member.nick];
    if (prefix === "" || names.some((name) => name?.toLowerCase().startsWith(prefix))) found.push(member);
  }
  return found;
}

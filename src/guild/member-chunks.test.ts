import { expect, test } from "bun:test";
import { GuildState } from "./guild-state.ts";
import { memberChunks } from "./member-chunks.ts";
import { ONLINE, PresenceBook } from "./presence.ts";

const GUILD = "900000000000000000";
const GUILD_MEMBERS = 1 << 1;
const GUILD_PRESENCES = 1 << 8;

function guildOf(count: number): GuildState {
  const members = Array.from({ length: count }, (_, i) => {
    const id = String(1000 + i);
    const user = { id, username: i % 2 ? `odd${i}` : `even${i}`, globalName: null, avatar: null, bot: false, privilegedIntents: 0, createdAt: 0, tokenGeneration: 0 };
    return { user, member: { guildId: GUILD, userId: id, roleIds: [], nick: i === 3 ? "Nick" : null, joinedAt: 0 } };
  });
  return GuildState.of({ id: GUILD, name: "big", ownerId: "1000", icon: null, createdAt: 0 }, 0, [], [], members);
}

const parse = (chunks: string[]) => chunks.map((c) => JSON.parse(c) as Record<string, unknown> & { members: { user: { id: string } }[] });

test("the whole list comes in chunks of 1000, indexed and counted, every member once", () => {
  const chunks = parse(memberChunks(guildOf(2500), new PresenceBook(), { guild_id: GUILD, query: "", limit: 0, presences: false, nonce: "n1" }, GUILD_MEMBERS));
  expect(chunks.map((c) => [c.chunk_index, c.chunk_count, c.members.length, c.nonce])).toEqual([
    [0, 3, 1000, "n1"],
    [1, 3, 1000, "n1"],
    [2, 3, 500, "n1"],
  ]);
  const ids = chunks.flatMap((c) => c.members.map((m) => m.user.id));
  expect(new Set(ids).size).toBe(2500);
});

test("a prefix matches username or nick, case-insensitively, up to the limit (0 means 100)", () => {
  const state = guildOf(300);
  const odd = parse(memberChunks(state, new PresenceBook(), { guild_id: GUILD, query: "ODD", limit: 0, presences: false }, 0));
  expect(odd[0]?.members.length).toBe(100);
  const nick = parse(memberChunks(state, new PresenceBook(), { guild_id: GUILD, query: "nic", limit: 5, presences: false }, 0));
  expect(nick[0]?.members.map((m) => m.user.id)).toEqual(["1003"]);
});

test("presences only with GUILD_PRESENCES; the whole list only with GUILD_MEMBERS", () => {
  const state = guildOf(3);
  const presences = new PresenceBook();
  presences.set("1001", ONLINE);
  const asked = { guild_id: GUILD, query: "", limit: 0, presences: true };
  expect(parse(memberChunks(state, presences, asked, GUILD_MEMBERS | GUILD_PRESENCES))[0]?.presences).toEqual([
    { user: { id: "1001" }, status: "online", activities: [], client_status: { desktop: "online" } },
  ]);
  expect(parse(memberChunks(state, presences, asked, GUILD_MEMBERS))[0]?.presences).toBeUndefined();
  expect(parse(memberChunks(state, presences, asked, 0))).toEqual([{ guild_id: GUILD, members: [], chunk_index: 0, chunk_count: 1 }]);
});

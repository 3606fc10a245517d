import { describe, expect, test } from "bun:test";
import type { MemberWithUser } from "../store/guild-store.ts";
import { readGuild } from "./guild-reads.ts";
import { GuildState } from "./guild-state.ts";
import { OwnedGuild } from "./owned-guild.ts";
import { prng } from "./guilds.test-support.ts";
import { Refusal } from "./refusal.ts";

const GUILD = "7";

function memberWithUser(id: string, nick: string | null = null): MemberWithUser {
  return {
    member: { guildId: GUILD, userId: id, roleIds: [], nick, joinedAt: 0 },
    user: { id, username: `user${id}`, globalName: null, avatar: null, bot: false, privilegedIntents: 0, createdAt: 0, tokenGeneration: 0 },
  };
}

/** A guild of `ids` (the first is its owner). */
function guildOf(ids: readonly string[]): OwnedGuild {
  const everyone = { id: GUILD, guildId: GUILD, name: "@everyone", permissions: 0n, position: 0, hoist: false, color: 0, mentionable: false };
  const record = { id: GUILD, name: "g", ownerId: ids[0] as string, icon: null, createdAt: 0 };
  return new OwnedGuild(GuildState.of(record, 1, [everyone], [], ids.map((id) => memberWithUser(id))));
}

const userIds = (page: unknown): string[] => (page as { user: { id: string } }[]).map((m) => m.user.id);

describe("readGuild", () => {
  test("member pages follow numeric id order from `after`, also after the members change", () => {
    const rnd = prng(7);
    // Ids of every length, so text order would differ from numeric order.
    const ids = [...new Set(Array.from({ length: 500 }, () => String(Math.floor(rnd() * 10 ** (1 + Math.floor(rnd() * 15))) + 1)))];
    const guild = guildOf(ids);
    const sorted = [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const viewer = ids[0] as string;
    const paged: string[] = [];
    for (let after: string | undefined; ; ) {
      const page = userIds(readGuild(guild, viewer, { k: "members", limit: 37, ...(after && { after }) }));
      if (page.length === 0) break;
      paged.push(...page);
      after = page.at(-1);
    }
    expect(paged).toEqual(sorted);
    // After an id that is no member's: from the next one above it.
    const between = (BigInt(sorted[10] as string) + 1n).toString();
    if (between !== sorted[11]) expect(userIds(readGuild(guild, viewer, { k: "members", limit: 1, after: between }))).toEqual([sorted[11] as string]);
    // A new member appears in the pages (the cached order is per version of the guild).
    const newcomer = memberWithUser("18446744073709551615");
    guild.state.putMember(newcomer.member, newcomer.user);
    expect(userIds(readGuild(guild, viewer, { k: "members", limit: 1000 }))).toEqual([...sorted, newcomer.user.id]);
  });

  test("search matches the start of username, global name or nick, any case, up to limit; a non-member is refused", () => {
    const guild = guildOf(["1", "2", "3"]);
    guild.state.putMember({ ...memberWithUser("2", "Zed").member }, memberWithUser("2").user);
    expect(userIds(readGuild(guild, "1", { k: "search", query: "USER", limit: 10 }))).toEqual(["1", "2", "3"]);
    expect(userIds(readGuild(guild, "1", { k: "search", query: "user", limit: 2 }))).toHaveLength(2);
    expect(userIds(readGuild(guild, "1", { k: "search", query: "ze", limit: 10 }))).toEqual(["2"]);
    expect(() => readGuild(guild, "9", { k: "roles" })).toThrow(Refusal);
  });
});

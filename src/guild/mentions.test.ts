import { describe, expect, test } from "bun:test";
import type { MemberWithUser, StoredRole } from "../store/guild-store.ts";
import { GuildState } from "./guild-state.ts";
import { resolveMentions, type AllowedMentions } from "./mentions.ts";
import { Permission } from "./permissions.ts";

const GUILD = "7";
const role = (id: string, mentionable: boolean): StoredRole => ({ id, guildId: GUILD, name: `r${id}`, permissions: 0n, position: 1, hoist: false, color: 0, mentionable });
const member = (id: string): MemberWithUser => ({
  member: { guildId: GUILD, userId: id, roleIds: [], nick: null, joinedAt: 0 },
  user: { id, username: `u${id}`, globalName: null, avatar: null, bot: false, privilegedIntents: 0, createdAt: 0, tokenGeneration: 0 },
});
const state = GuildState.of({ id: GUILD, name: "g", ownerId: "1", icon: null, createdAt: 0 }, 1, [role(GUILD, false), role("20", true), role("21", false)], [], ["1", "2", "3"].map(member));
const allow = (parts: Partial<AllowedMentions>): AllowedMentions => ({ parse: [], users: [], roles: [], repliedUser: false, ...parts });
/** MENTION_EVERYONE counts only with SEND_MESSAGES (docs: "Implicit Permissions"). */
const EVERYONE = Permission.MENTION_EVERYONE | Permission.SEND_MESSAGES;

describe("resolveMentions", () => {
  test("without allowed_mentions: members (both forms, once each, in order), mentionable roles, and @everyone/@here only with MENTION_EVERYONE", () => {
    const content = "<@3> <@!2> <@3> <@99> <@&20> <@&21> <@&7> @here";
    expect(resolveMentions(state, content, undefined, 0n)).toEqual({ userIds: ["3", "2"], roleIds: ["20"], everyone: false });
    // MENTION_EVERYONE also pings roles that are not mentionable; @everyone's own id is never a role mention.
    expect(resolveMentions(state, content, undefined, EVERYONE)).toEqual({ userIds: ["3", "2"], roleIds: ["20", "21"], everyone: true });
    // Without SEND_MESSAGES (an author editing where it may no longer send), MENTION_EVERYONE pings nothing.
    expect(resolveMentions(state, content, undefined, Permission.MENTION_EVERYONE)).toEqual({ userIds: ["3", "2"], roleIds: ["20"], everyone: false });
  });

  test("allowed_mentions: parse kinds, listed ids, and the replied-to author only with replied_user", () => {
    const content = "<@2> <@3> <@&20> @everyone";
    expect(resolveMentions(state, content, allow({}), EVERYONE)).toEqual({ userIds: [], roleIds: [], everyone: false });
    expect(resolveMentions(state, content, allow({ users: ["3"], parse: ["everyone"] }), EVERYONE)).toEqual({ userIds: ["3"], roleIds: [], everyone: true });
    expect(resolveMentions(state, content, allow({ parse: ["users", "roles"] }), 0n)).toEqual({ userIds: ["2", "3"], roleIds: ["20"], everyone: false });
    // A listed id that the content does not write pings nobody (no "phantom" pings).
    expect(resolveMentions(state, "hi", allow({ users: ["2"] }), 0n).userIds).toEqual([]);
    expect(resolveMentions(state, "a reply", allow({}), 0n, "1").userIds).toEqual([]);
    expect(resolveMentions(state, "a reply", allow({ repliedUser: true }), 0n, "1").userIds).toEqual(["1"]);
    expect(resolveMentions(state, "a reply", undefined, 0n, "1").userIds).toEqual(["1"]);
  });
});

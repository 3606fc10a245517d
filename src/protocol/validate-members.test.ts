import { describe, expect, test } from "bun:test";
import { protocolErrorOf } from "./test-helpers.ts";
import { validateFrame } from "./validate.ts";
import { MAX_USER_IDS, validateRequestGuildMembers } from "./validate-members.ts";

const G = "175928847299117063";

describe("validateRequestGuildMembers", () => {
  test("discord.py chunk_guild: numeric guild_id, empty query, limit 0", () => {
    const { d } = validateFrame(`{"op":8,"d":{"guild_id":${G},"presences":false,"limit":0,"query":""}}`);
    expect(validateRequestGuildMembers(d)).toEqual({ guild_id: G, query: "", limit: 0, presences: false });
  });

  test("discord.py query_members by ids: numeric user_ids with a limit", () => {
    const { d } = validateFrame(
      `{"op":8,"d":{"guild_id":${G},"presences":true,"limit":2,"nonce":"abc","user_ids":[80351110224678912,7]}}`,
    );
    expect(validateRequestGuildMembers(d)).toEqual({
      guild_id: G,
      user_ids: ["80351110224678912", "7"],
      limit: 2,
      presences: true,
      nonce: "abc",
    });
  });

  test("discord.js fetch({ user, withPresences }): one id as a string", () => {
    const d = { guild_id: G, presences: true, user_ids: "80351110224678912", nonce: "1", limit: 0 };
    expect(validateRequestGuildMembers(d)).toEqual({
      guild_id: G,
      user_ids: ["80351110224678912"],
      limit: 0,
      presences: true,
      nonce: "1",
    });
  });

  test("user_ids without limit defaults limit to 0; an empty list is valid", () => {
    expect(validateRequestGuildMembers({ guild_id: G, user_ids: [] })).toEqual({
      guild_id: G,
      user_ids: [],
      limit: 0,
      presences: false,
    });
  });

  test("keeps the first 100 user_ids", () => {
    const ids = Array.from({ length: 150 }, (_, i) => String(i + 1));
    const req = validateRequestGuildMembers({ guild_id: G, user_ids: ids });
    expect(req.user_ids).toEqual(ids.slice(0, MAX_USER_IDS));
  });

  test("a one-element guild_id array is unwrapped; more guilds close with 4002", () => {
    expect(validateRequestGuildMembers({ guild_id: [G], query: "a", limit: 5 }).guild_id).toBe(G);
    const err = protocolErrorOf(() => validateRequestGuildMembers({ guild_id: [G, "1"], query: "a", limit: 5 }));
    expect(err.closeCode).toBe(4002);
    expect(err.message).toBe("Decode error: d.guild_id must name exactly one guild");
  });

  test("drops a nonce over 32 bytes or of the wrong type, as Discord documents", () => {
    const base = { guild_id: G, query: "", limit: 0 };
    expect(validateRequestGuildMembers({ ...base, nonce: "n".repeat(32) }).nonce).toBe("n".repeat(32));
    expect(validateRequestGuildMembers({ ...base, nonce: "n".repeat(33) }).nonce).toBeUndefined();
    expect(validateRequestGuildMembers({ ...base, nonce: "é".repeat(17) }).nonce).toBeUndefined();
    expect(validateRequestGuildMembers({ ...base, nonce: 12 }).nonce).toBeUndefined();
  });

  test("closes with 4002 naming the field", () => {
    const cases: [unknown, string][] = [
      [{ query: "", limit: 0 }, "d.guild_id must be a snowflake"],
      [{ guild_id: "abc", query: "", limit: 0 }, "d.guild_id must be a snowflake"],
      [{ guild_id: G, query: "a", user_ids: ["1"], limit: 1 }, "d.query and d.user_ids are mutually exclusive"],
      [{ guild_id: G, limit: 1 }, "d needs d.query or d.user_ids"],
      [{ guild_id: G, query: "a" }, "d.limit must be an integer in [0, 9007199254740991]"],
      [{ guild_id: G, query: "a", limit: -1 }, "d.limit must be an integer in [0, 9007199254740991]"],
      [{ guild_id: G, query: 5, limit: 1 }, "d.query must be a string"],
      [{ guild_id: G, user_ids: ["1", "x"] }, "d.user_ids[1] must be a snowflake"],
      [{ guild_id: G, user_ids: ["1"], presences: "yes" }, "d.presences must be a boolean"],
    ];
    for (const [d, problem] of cases) {
      const err = protocolErrorOf(() => validateRequestGuildMembers(d));
      expect(err.closeCode).toBe(4002);
      expect(err.message).toBe(`Decode error: ${problem}`);
    }
  });
});

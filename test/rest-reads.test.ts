/**
 * What a bot reads over Discord's REST routes: a channel, a guild (with_counts), its channels,
 * roles, members (one, a page, a search), a user, the caller's guilds; only a member may read
 * a guild, and only the channels it can view. Then REST rate limits as Discord signals them.
 */
import { describe, expect, test } from "bun:test";
import type { Json } from "./support/http.ts";
import { restServer } from "./support/rest-world.ts";

const rest = restServer("reads");

const ids = (json: unknown, key = "id"): unknown[] => (json as Json[]).map((item) => (key === "user" ? (item.user as Json).id : item[key]));

describe("reads", () => {
  test("GET /channels/:id: a channel the caller can view; 50001 for one it cannot, 10003 for none", async () => {
    const w = await rest.world();
    expect(await rest.api("GET", `/api/v10/channels/${w.lobby.id}`, undefined, w.member.auth)).toMatchObject({ status: 200, json: { id: w.lobby.id, name: "lobby", guild_id: w.guild.id, type: 0 } });
    expect(await rest.api("GET", `/api/v10/channels/${w.secret.id}`, undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
    expect(await rest.api("GET", "/api/v10/channels/1", undefined, w.member.auth)).toMatchObject({ status: 404, json: { code: 10003 } });
  });

  test("GET /guilds/:id (with_counts), channels (those it can view), roles; 50001 for a non-member, 10004 for no guild", async () => {
    const w = await rest.world();
    const guild = await rest.api("GET", `/api/v10/guilds/${w.guild.id}?with_counts=true`, undefined, w.member.auth);
    expect(guild).toMatchObject({ status: 200, json: { id: w.guild.id, name: "REST Guild", owner_id: w.owner.id, approximate_member_count: 2, approximate_presence_count: 0 } });
    expect((await rest.api("GET", `/api/v10/guilds/${w.guild.id}`, undefined, w.member.auth)).json.approximate_member_count).toBeUndefined();
    // discord.py sends a boolean query as 1, Discord reads true, True and 1 alike.
    expect((await rest.api("GET", `/api/v10/guilds/${w.guild.id}?with_counts=1`, undefined, w.member.auth)).json.approximate_member_count).toBe(2);
    expect((await rest.api("GET", `/api/v10/guilds/${w.guild.id}?with_counts=0`, undefined, w.member.auth)).json.approximate_member_count).toBeUndefined();
    expect(ids((await rest.api("GET", `/api/v10/guilds/${w.guild.id}/channels`, undefined, w.member.auth)).json)).toEqual([w.lobby.id]);
    expect(ids((await rest.api("GET", `/api/v10/guilds/${w.guild.id}/channels`, undefined, w.owner.auth)).json).sort()).toEqual([w.lobby.id, w.secret.id].sort());
    expect(ids((await rest.api("GET", `/api/v10/guilds/${w.guild.id}/roles`, undefined, w.member.auth)).json).sort()).toEqual([w.guild.id, w.role.id].sort());
    const stranger = await rest.user("stranger");
    expect(await rest.api("GET", `/api/v10/guilds/${w.guild.id}`, undefined, stranger.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
    expect(await rest.api("GET", "/api/v10/guilds/1", undefined, stranger.auth)).toMatchObject({ status: 404, json: { code: 10004 } });
  });

  test("members: one (10007 for a non-member), a page by id (GUILD_MEMBERS intent needed), a search by name prefix", async () => {
    const w = await rest.world();
    const base = `/api/v10/guilds/${w.guild.id}/members`;
    expect(await rest.api("GET", `${base}/${w.member.id}`, undefined, w.member.auth)).toMatchObject({ status: 200, json: { user: { id: w.member.id, username: "member" }, roles: [] } });
    const stranger = await rest.user("stranger");
    expect(await rest.api("GET", `${base}/${stranger.id}`, undefined, w.member.auth)).toMatchObject({ status: 404, json: { code: 10007 } });
    const sorted = [w.owner.id, w.member.id].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    expect(ids((await rest.api("GET", `${base}?limit=1000`, undefined, w.owner.auth)).json, "user")).toEqual(sorted);
    expect(ids((await rest.api("GET", base, undefined, w.owner.auth)).json, "user")).toEqual([sorted[0]]);
    expect(ids((await rest.api("GET", `${base}?limit=10&after=${sorted[0]}`, undefined, w.owner.auth)).json, "user")).toEqual([sorted[1]]);
    expect(await rest.api("GET", `${base}?limit=1001`, undefined, w.owner.auth)).toMatchObject({ status: 400, json: { code: 50035 } });
    // The member's app has no GUILD_MEMBERS intent.
    expect(await rest.api("GET", base, undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
    expect(ids((await rest.api("GET", `${base}/search?query=MEM&limit=10`, undefined, w.member.auth)).json, "user")).toEqual([w.member.id]);
    expect(await rest.api("GET", `${base}/search`, undefined, w.member.auth)).toMatchObject({ status: 400, json: { code: 50035 } });
  });

  test("GET /users/:id and /users/@me/guilds (the caller's permissions in each, owner, with_counts)", async () => {
    const w = await rest.world();
    expect(await rest.api("GET", `/api/v10/users/${w.owner.id}`, undefined, w.member.auth)).toMatchObject({ status: 200, json: { id: w.owner.id, username: "owner" } });
    expect(await rest.api("GET", "/api/v10/users/1", undefined, w.member.auth)).toMatchObject({ status: 404, json: { code: 10013 } });
    const mine = await rest.api("GET", "/api/v10/users/@me/guilds?with_counts=true", undefined, w.member.auth);
    expect(mine).toMatchObject({ status: 200, json: [{ id: w.guild.id, name: "REST Guild", owner: false, approximate_member_count: 2 }] });
    const theirs = await rest.api("GET", "/api/v10/users/@me/guilds", undefined, w.owner.auth);
    expect(theirs.json).toMatchObject([{ id: w.guild.id, owner: true }]);
    expect(BigInt((theirs.json as unknown as Json[])[0]?.permissions as string) > BigInt((mine.json as unknown as Json[])[0]?.permissions as string)).toBe(true);
  });

  test("405 for a route's other methods, 401 without a token", async () => {
    const w = await rest.world();
    const wrong = await rest.fetch("PUT", `/api/v10/guilds/${w.guild.id}/roles`, w.member.auth);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, HEAD");
    expect((await rest.fetch("GET", `/api/v10/guilds/${w.guild.id}`, "Bot bad")).status).toBe(401);
  });
});

describe("rate limits", () => {
  const api = restServer("limits", ["--rest-rate-limit", "2", "--rest-rate-window-ms", "60000"]);

  test("X-RateLimit-* on every answer of a bucket; over it 429 with retry_after; buckets are per route and channel", async () => {
    const w = await api.world();
    const path = `/api/v10/channels/${w.lobby.id}`;
    const first = await api.fetch("GET", path, w.member.auth);
    expect(first.status).toBe(200);
    const bucket = first.headers.get("x-ratelimit-bucket");
    expect(bucket).toMatch(/^[0-9a-f]{32}$/);
    expect({ limit: first.headers.get("x-ratelimit-limit"), remaining: first.headers.get("x-ratelimit-remaining") }).toEqual({ limit: "2", remaining: "1" });
    const resetAfter = Number(first.headers.get("x-ratelimit-reset-after"));
    expect(resetAfter).toBeGreaterThan(0);
    expect(resetAfter).toBeLessThanOrEqual(60);
    expect(Number(first.headers.get("x-ratelimit-reset")) * 1000).toBeGreaterThan(Date.now());
    expect((await api.fetch("GET", path, w.member.auth)).headers.get("x-ratelimit-remaining")).toBe("0");
    const refused = await api.fetch("GET", path, w.member.auth);
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as Json;
    expect(body).toMatchObject({ message: "You are being rate limited.", global: false });
    expect(body.retry_after as number).toBeGreaterThan(0);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(refused.headers.get("x-ratelimit-scope")).toBe("user");
    expect(refused.headers.get("x-ratelimit-bucket")).toBe(bucket);
    // Another channel is another bucket; the same channel for another user too.
    expect((await api.fetch("GET", `/api/v10/channels/${w.secret.id}`, w.owner.auth)).status).toBe(200);
    expect((await api.fetch("GET", path, w.owner.auth)).status).toBe(200);
  });
});

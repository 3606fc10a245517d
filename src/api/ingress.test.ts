import { beforeEach, describe, expect, test } from "bun:test";
import { createTokenVerifier, mintToken } from "../session/auth.ts";
import type { Guild, Member } from "../store/guild-store.ts";
import { MemoryGuildStore } from "../store/memory.ts";
import { errorAnswer } from "./errors.ts";
import { createIngressRoutes } from "./ingress.ts";
import { SnowflakeGenerator } from "./snowflake.ts";

const INGRESS = "ingress-secret";
const TOKEN_SECRET = "token-secret-0123456789abcdef0123";

let store: MemoryGuildStore;
let dispatched: { userId: string; t: string; dJson: string }[];
let disconnected: string[];
/** `guildId/userId` of each member removal asked of a guild's owner. */
let removed: string[];
let verify: ReturnType<typeof createTokenVerifier>;
/** Runs as each removal starts, before the membership goes (a test looks at the user's tokens then). */
let whileRemoving: (() => Promise<void>) | undefined;

const putGuild = (guild: Guild) => store.writeGuild(guild.id, 0, [{ k: "guild", guild }]);
const putMember = (member: Member) => store.writeGuild(member.guildId, 0, [{ k: "member", member }]);
let routes: ReturnType<typeof createIngressRoutes>;

beforeEach(() => {
  store = new MemoryGuildStore();
  whileRemoving = undefined;
  dispatched = [];
  disconnected = [];
  removed = [];
  verify = createTokenVerifier(TOKEN_SECRET, store);
  routes = createIngressRoutes({
    ingressSecret: INGRESS,
    store,
    ids: new SnowflakeGenerator(0, 0),
    mintToken: (user, expires) => mintToken(TOKEN_SECRET, user, { expiresInSeconds: expires }),
    dispatchToUser: (userId, t, dJson) => {
      dispatched.push({ userId, t, dJson });
    },
    disconnectUser: (userId, reason) => {
      disconnected.push(`${userId}: ${reason}`);
    },
    // The owner's part, as far as this route can see it: the membership goes.
    removeMember: async (guildId, userId) => {
      removed.push(`${guildId}/${userId}`);
      await whileRemoving?.();
      await store.writeGuild(guildId, 0, [{ k: "delete-member", userId }]);
    },
  });
});

async function ask(method: string, path: string, body?: unknown, auth = `Bearer ${INGRESS}`) {
  const url = new URL(`http://gw${path}`);
  const init: RequestInit = { method, headers: { authorization: auth, "content-type": "application/json" } };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  // As api/http.ts answers what a route throws.
  const response = await routes(new Request(url.href, init), url).catch((error: unknown) => {
    const answer = errorAnswer(error);
    if (!answer) throw error;
    return answer;
  });
  if (!response) return { status: 0, body: undefined };
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

describe("auth", () => {
  test("a missing or wrong secret is a 401 on every route", async () => {
    for (const auth of ["", "Bearer nope", INGRESS, `Bot ${INGRESS}`]) {
      expect(await ask("GET", "/internal/users/1", undefined, auth)).toEqual({
        status: 401,
        body: { code: 0, message: "401: Unauthorized" },
      });
    }
  });

  test("paths outside /internal are not ingress routes", async () => {
    expect((await ask("GET", "/api/v10/gateway")).status).toBe(0);
  });
});

describe("users", () => {
  test("create, read, update, delete", async () => {
    const created = await ask("POST", "/internal/users", { username: "alice", bot: true, privileged_intents: 1 << 15 });
    expect(created.status).toBe(201);
    const id = created.body?.id as string;
    expect(id).toMatch(/^\d{17,20}$/);
    expect(created.body).toMatchObject({ username: "alice", global_name: null, avatar: null, bot: true, privileged_intents: 32768 });
    expect((await ask("GET", `/internal/users/${id}`)).body).toEqual(created.body as never);
    const patched = await ask("PATCH", `/internal/users/${id}`, { global_name: "Alice" });
    expect(patched).toMatchObject({ status: 200, body: { id, username: "alice", global_name: "Alice" } });
    expect((await store.getUser(id))?.globalName).toBe("Alice");
    expect((await ask("DELETE", `/internal/users/${id}`)).status).toBe(204);
    expect(disconnected).toEqual([`${id}: User deleted`]);
    expect(await ask("GET", `/internal/users/${id}`)).toEqual({ status: 404, body: { code: 10013, message: "Unknown User" } });
  });

  test("a given id is kept, and taking it twice is a 409", async () => {
    expect((await ask("POST", "/internal/users", { id: "81384788765712384", username: "a" })).status).toBe(201);
    expect((await ask("POST", "/internal/users", { id: "81384788765712384", username: "b" })).status).toBe(409);
  });

  const bad: [string, unknown, RegExp][] = [
    ["no username", {}, /username is required/],
    ["an empty username", { username: "" }, /username must be a string of 1 to 32/],
    ["a long username", { username: "x".repeat(33) }, /username/],
    ["a bad id", { id: "12ab", username: "a" }, /id must be a snowflake/],
    ["a non-boolean bot", { username: "a", bot: "yes" }, /bot must be a boolean/],
    ["a non-privileged intent", { username: "a", privileged_intents: 1 }, /privileged_intents must be a subset/],
    // 1e300 & ~33026 is 0: a check after a bit operator passed it, and the store threw (a 500).
    ["privileged intents of 1e300", '{"username":"a","privileged_intents":1e300}', /privileged_intents must be an integer from 0 to 33026/],
    ["privileged intents of 2^32 + 2", { username: "a", privileged_intents: 2 ** 32 + 2 }, /privileged_intents must be an integer/],
    ["a lone surrogate in a name", '{"username":"\\ud800lone"}', /username must be valid Unicode/],
    ["a lone surrogate ending a name", '{"username":"a","global_name":"b\\udfff"}', /global_name must be valid Unicode/],
    ["an unknown field", { username: "a", password: "x" }, /password is not a user field/],
    ["invalid JSON", "{nope", /invalid JSON/],
    ["an array body", "[]", /must be a JSON object/],
  ];
  for (const [what, body, message] of bad) {
    test(`400 naming the field for ${what}`, async () => {
      const response = await ask("POST", "/internal/users", body);
      expect(response.status).toBe(400);
      expect(response.body?.message as string).toMatch(message);
      expect((await store.listUsers(10))).toEqual([]);
    });
  }

  test("wrong methods are a 405", async () => {
    expect((await ask("GET", "/internal/users")).status).toBe(405);
    await ask("POST", "/internal/users", { id: "81384788765712384", username: "a" });
    expect((await ask("PUT", "/internal/users/81384788765712384")).status).toBe(405);
    expect((await ask("GET", "/internal/users/81384788765712384/token")).status).toBe(405);
  });
});

describe("tokens and dispatch", () => {
  test("a minted token verifies to the user, with or without expiry", async () => {
    await ask("POST", "/internal/users", { id: "81384788765712384", username: "a" });
    for (const body of [undefined, { expires_in: 3600 }]) {
      const { status, body: minted } = await ask("POST", "/internal/users/81384788765712384/token", body);
      expect(status).toBe(200);
      expect((await verify(minted?.token as string))?.id).toBe("81384788765712384");
    }
    expect((await ask("POST", "/internal/users/9/token")).status).toBe(404);
  });

  test("expires_in is a whole number of seconds up to ten years, checked before minting; a misspelt field is refused", async () => {
    await ask("POST", "/internal/users", { id: "81384788765712384", username: "a" });
    const path = "/internal/users/81384788765712384/token";
    expect((await ask("POST", path, { expires_in: 315_360_000 })).status).toBe(200);
    // 9007199254740993 parses as 2^53: a number past the range never reaches the minter.
    for (const body of ['{"expires_in":1e20}', '{"expires_in":9007199254740993}', '{"expires_in":315360001}', '{"expires_in":-1}', '{"expires_in":0.5}', '{"expires_in":"60"}']) {
      const { status, body: answer } = await ask("POST", path, body);
      expect({ body, status, message: answer?.message }).toEqual({ body, status: 400, message: "Invalid Form Body: expires_in must be an integer from 1 to 315360000" });
    }
    expect((await ask("POST", path, { expire_in: 60 })).body?.message).toBe("Invalid Form Body: expire_in is not a token field");
  });

  test("dispatch validates the event and hands d over serialised once", async () => {
    await ask("POST", "/internal/users", { id: "81384788765712384", username: "a" });
    const path = "/internal/users/81384788765712384/dispatch";
    expect(await ask("POST", path, { t: "NOTIFICATION_CREATE", d: { text: "hi" } })).toEqual({ status: 202, body: {} });
    expect(dispatched).toEqual([{ userId: "81384788765712384", t: "NOTIFICATION_CREATE", dJson: '{"text":"hi"}' }]);
    expect((await ask("POST", path, { t: "bad name", d: {} })).body?.message as string).toMatch(/^Invalid Form Body: t /);
    expect((await ask("POST", path, { t: "X" })).body?.message as string).toMatch(/d is required/);
    expect(dispatched.length).toBe(1);
  });
});

describe("revoking tokens and deleting users", () => {
  const ID = "81384788765712384";
  const token = async (id = ID) => (await ask("POST", `/internal/users/${id}/token`)).body?.token as string;
  const member = (guildId: string, userId: string) => ({ guildId, userId, roleIds: [], nick: null, joinedAt: 0 });

  beforeEach(async () => {
    expect((await ask("POST", "/internal/users", { id: ID, username: "a" })).status).toBe(201);
  });

  test("revoke: every token minted before stops verifying, the sessions are closed, and new tokens work", async () => {
    const before = [await token(), (await ask("POST", `/internal/users/${ID}/token`, { expires_in: 60 })).body?.token as string];
    expect(await ask("POST", `/internal/users/${ID}/tokens/revoke`)).toEqual({ status: 204, body: undefined });
    for (const old of before) expect((await verify(old))).toBeUndefined();
    expect(disconnected).toEqual([`${ID}: Token revoked`]);
    expect((await verify(await token()))?.id).toBe(ID);
    expect((await store.getUser(ID))?.username).toBe("a");
  });

  test("revoke answers 404 for an unknown user and 405 for another method", async () => {
    expect(await ask("POST", "/internal/users/9/tokens/revoke")).toEqual({ status: 404, body: { code: 10013, message: "Unknown User" } });
    expect((await ask("GET", `/internal/users/${ID}/tokens/revoke`)).status).toBe(405);
    expect((await ask("POST", `/internal/users/${ID}/tokens`)).status).toBe(0);
  });

  test("a PATCH that read the user before a revoke and writes after it does not bring the old tokens back", async () => {
    const old = await token();
    let send!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (controller) => void (send = controller) });
    const url = new URL(`http://gw/internal/users/${ID}`);
    const headers = { authorization: `Bearer ${INGRESS}` };
    // The route reads the user, then waits for the body: the revoke lands in between.
    const patching = routes(new Request(url.href, { method: "PATCH", headers, body, duplex: "half" } as RequestInit), url);
    expect((await ask("POST", `/internal/users/${ID}/tokens/revoke`)).status).toBe(204);
    send.enqueue(new TextEncoder().encode('{"username":"late"}'));
    send.close();
    expect((await patching)?.status).toBe(200);
    expect((await store.getUser(ID))?.username).toBe("late");
    expect((await verify(old))).toBeUndefined();
  });

  test("delete refuses a user that owns guilds, naming them, and changes nothing", async () => {
    const old = await token();
    for (const guildId of ["20", "30"]) {
      await putGuild({ id: guildId, name: "g", ownerId: ID, icon: null, createdAt: 0 });
      await putMember(member(guildId, ID));
    }
    await putGuild({ id: "40", name: "g", ownerId: "1", icon: null, createdAt: 0 });
    await putMember(member("40", ID));
    const refused = await ask("DELETE", `/internal/users/${ID}`);
    expect(refused.status).toBe(400);
    expect(refused.body?.code).toBe(40011);
    expect(refused.body?.message as string).toMatch(/transfer ownership.*20, 30$/);
    expect((await verify(old))?.id).toBe(ID);
    expect((await store.guildsOfUser(ID))).toEqual(["20", "30", "40"]);
    expect(removed).toEqual([]);
    expect(disconnected).toEqual([]);
  });

  test("delete takes the user out of every guild through its owner, after its tokens died, then closes its sessions", async () => {
    const old = await token();
    const tokenWhileLeaving: (string | undefined)[] = [];
    for (const guildId of ["20", "30"]) {
      await putGuild({ id: guildId, name: "g", ownerId: "1", icon: null, createdAt: 0 });
      await putMember(member(guildId, ID));
    }
    whileRemoving = async () => void tokenWhileLeaving.push((await verify(old))?.id);
    expect((await ask("DELETE", `/internal/users/${ID}`)).status).toBe(204);
    expect(removed.sort()).toEqual([`20/${ID}`, `30/${ID}`]);
    expect(tokenWhileLeaving).toEqual([undefined, undefined]);
    expect((await store.guildsOfUser(ID))).toEqual([]);
    expect((await store.getUser(ID))).toBeUndefined();
    expect(disconnected).toEqual([`${ID}: User deleted`]);
  });

  test("a user created again with a deleted user's id does not bring the old token back", async () => {
    const old = await token();
    expect((await ask("DELETE", `/internal/users/${ID}`)).status).toBe(204);
    expect((await verify(old))).toBeUndefined();
    expect((await ask("POST", "/internal/users", { id: ID, username: "a" })).status).toBe(201);
    expect((await verify(old))).toBeUndefined();
    expect((await verify(await token()))?.id).toBe(ID);
  });
});

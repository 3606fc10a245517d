import { beforeEach, describe, expect, test } from "bun:test";
import { createTokenVerifier, mintToken } from "../session/auth.ts";
import type { User } from "../store/guild-store.ts";
import { MemoryGuildStore } from "../store/memory.ts";
import { createBootstrapRoutes, type BootstrapContext, type SessionStartLimit } from "./bootstrap.ts";

const SECRET = "bootstrap-test-secret-0123456789abcdef";
const GATEWAY_URL = "ws://127.0.0.1:8080";
const LIMIT: SessionStartLimit = { total: 1000, remaining: 998, reset_after: 86_400_000, max_concurrency: 1 };
const BOT: User = {
  id: "175928847299117063",
  username: "testbot",
  globalName: "Test Bot",
  avatar: "a_1269e74af4df7417b13759eae50c83dc",
  bot: true,
  privilegedIntents: 1 << 15,
  createdAt: 1_700_000_000_000,
  tokenGeneration: 3,
};
const AUTH_ROUTES = ["/gateway/bot", "/users/@me", "/applications/@me", "/oauth2/applications/@me"];
const ALL_ROUTES = ["/gateway", ...AUTH_ROUTES];
const UNAUTHORIZED = { message: "401: Unauthorized", code: 0 };
const METHOD_NOT_ALLOWED = { message: "405: Method Not Allowed", code: 0 };

let store: MemoryGuildStore;
let limitCalls: string[];
let token: string;
let route: ReturnType<typeof createBootstrapRoutes>;

beforeEach(async () => {
  store = new MemoryGuildStore();
  await store.putUser(BOT);
  limitCalls = [];
  token = mintToken(SECRET, BOT);
  const ctx: BootstrapContext = {
    gatewayUrl: GATEWAY_URL,
    verifyToken: createTokenVerifier(SECRET, store),
    recommendedShards: async (userId) => (userId === BOT.id ? 3 : 1),
    sessionStartLimit: (userId) => {
      limitCalls.push(userId);
      return LIMIT;
    },
  };
  route = createBootstrapRoutes(ctx);
});

function call(path: string, init: RequestInit = {}): Promise<Response | undefined> {
  const url = new URL(path, "http://127.0.0.1:8080");
  return route(new Request(url.href, init), url);
}

async function json(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await call(path, init);
  if (!response) throw new Error(`${path} was not a bootstrap route`);
  expect(response.headers.get("content-type")).toStartWith("application/json");
  return { status: response.status, body: await response.json() };
}

const bot = (t: string) => ({ headers: { Authorization: `Bot ${t}` } });

describe("GET /gateway", () => {
  test("answers the gateway url, with no query string, under v10 and v9", async () => {
    for (const version of ["v10", "v9"]) {
      expect(await json(`/api/${version}/gateway`)).toEqual({ status: 200, body: { url: GATEWAY_URL } });
    }
  });

  test("needs no auth and ignores a bad Authorization header", async () => {
    expect(await json("/api/v10/gateway", bot("garbage"))).toEqual({ status: 200, body: { url: GATEWAY_URL } });
  });

  test("reads gatewayUrl on every request, so a getter can supply it after listen", async () => {
    let current = "ws://127.0.0.1:1";
    const late = createBootstrapRoutes({
      get gatewayUrl() {
        return current;
      },
      verifyToken: async () => undefined,
      recommendedShards: async () => 1,
      sessionStartLimit: () => LIMIT,
    });
    const url = new URL("http://x/api/v10/gateway");
    current = "ws://127.0.0.1:2";
    expect(await (await late(new Request(url.href), url))?.json()).toEqual({ url: "ws://127.0.0.1:2" });
  });
});

describe("GET /gateway/bot", () => {
  test("answers url, the recommended shard count and the caller's session start limit, as discord.js reads them", async () => {
    const { status, body } = await json("/api/v10/gateway/bot", bot(token));
    expect(status).toBe(200);
    expect(body).toEqual({ url: GATEWAY_URL, shards: 3, session_start_limit: LIMIT });
    const limit = (body as { session_start_limit: Record<string, unknown> }).session_start_limit;
    for (const key of ["total", "remaining", "reset_after", "max_concurrency"]) {
      expect(typeof limit[key]).toBe("number");
    }
    expect(limitCalls).toEqual([BOT.id]);
  });

  test("takes Bot, Bearer and raw tokens", async () => {
    for (const header of [`Bot ${token}`, `Bearer ${token}`, token]) {
      expect((await json("/api/v9/gateway/bot", { headers: { Authorization: header } })).status).toBe(200);
    }
  });
});

describe("GET /users/@me", () => {
  test("answers the Discord user object for the token's user", async () => {
    expect(await json("/api/v10/users/@me", bot(token))).toEqual({
      status: 200,
      body: expect.objectContaining({
        id: BOT.id,
        username: "testbot",
        global_name: "Test Bot",
        avatar: BOT.avatar,
        discriminator: "0",
        bot: true,
        public_flags: 0,
        flags: 0,
        mfa_enabled: false,
        verified: true,
      }),
    });
  });

  test("answers nulls for a user with no display name or avatar", async () => {
    const human: User = { ...BOT, id: "2", globalName: null, avatar: null, bot: false };
    await store.putUser(human);
    const { body } = await json("/api/v10/users/@me", bot(mintToken(SECRET, human)));
    expect(body).toMatchObject({ id: "2", global_name: null, avatar: null, bot: false });
  });
});

describe("GET /oauth2/applications/@me", () => {
  test("answers an application with every key discord.py's AppInfo indexes, under both paths", async () => {
    const { status, body } = await json("/api/v10/oauth2/applications/@me", bot(token));
    expect(status).toBe(200);
    expect((await json("/api/v10/applications/@me", bot(token))).body).toEqual(body as never);
    expect(body).toMatchObject({
      id: BOT.id,
      name: "testbot",
      icon: null,
      description: "",
      summary: "",
      bot_public: true,
      bot_require_code_grant: false,
      verify_key: "",
      flags: 0,
      team: null,
    });
    // discord.py builds owner with state.create_user: id, username, discriminator, avatar.
    expect((body as { owner: unknown }).owner).toMatchObject({
      id: BOT.id,
      username: "testbot",
      discriminator: "0",
      avatar: BOT.avatar,
    });
  });
});

describe("auth failures", () => {
  test("a missing or empty Authorization header is 401 on every auth route", async () => {
    for (const path of AUTH_ROUTES) {
      expect(await json(`/api/v10${path}`)).toEqual({ status: 401, body: UNAUTHORIZED });
      expect(await json(`/api/v10${path}`, { headers: { Authorization: "" } })).toEqual({
        status: 401,
        body: UNAUTHORIZED,
      });
    }
  });

  test("a malformed, foreign, expired or JWT-shaped token is 401 on every auth route", async () => {
    const bad = [
      "Bot ",
      "garbage",
      `Basic ${token}`,
      `Bot ${token.slice(0, -2)}`,
      `Bot ${mintToken("another-secret", BOT)}`,
      `Bot ${mintToken(SECRET, BOT, { expiresInSeconds: 60, now: Date.now() - 61_000 })}`,
      "Bot eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxNzU5Mjg4NDcyOTkxMTcwNjMifQ.c2lnbmF0dXJl",
    ];
    for (const path of AUTH_ROUTES) {
      for (const header of bad) {
        expect(await json(`/api/v10${path}`, { headers: { Authorization: header } })).toEqual({
          status: 401,
          body: UNAUTHORIZED,
        });
      }
    }
    expect(limitCalls).toEqual([]);
  });

  test("a token minted before a revocation is 401; one minted after works", async () => {
    await store.bumpTokenGeneration(BOT.id);
    for (const path of AUTH_ROUTES) {
      expect(await json(`/api/v10${path}`, bot(token))).toEqual({ status: 401, body: UNAUTHORIZED });
    }
    const fresh = mintToken(SECRET, (await store.getUser(BOT.id)) as User);
    expect((await json("/api/v10/users/@me", bot(fresh))).status).toBe(200);
  });

  test("a valid token whose user is not in the store is 401", async () => {
    const stranger = mintToken(SECRET, { id: "999", tokenGeneration: 0 });
    await store.deleteUser(BOT.id);
    for (const path of AUTH_ROUTES) {
      for (const t of [stranger, token]) {
        expect(await json(`/api/v10${path}`, bot(t))).toEqual({ status: 401, body: UNAUTHORIZED });
      }
    }
  });
});

describe("methods and paths", () => {
  test("HEAD is served like GET", async () => {
    for (const path of ALL_ROUTES) {
      expect((await call(`/api/v10${path}`, { method: "HEAD", ...bot(token) }))?.status).toBe(200);
    }
  });

  test("any other method on a known route is 405 with Allow, before auth", async () => {
    for (const path of ALL_ROUTES) {
      for (const method of ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
        const response = (await call(`/api/v10${path}`, { method })) as Response;
        expect(response.status).toBe(405);
        expect(response.headers.get("allow")).toBe("GET, HEAD");
        expect(await response.json()).toEqual(METHOD_NOT_ALLOWED);
      }
    }
  });

  test("paths that are not bootstrap routes answer undefined, so the caller can 404", async () => {
    const others = [
      "/",
      "/healthz",
      "/gateway",
      "/api/gateway",
      "/api/v8/gateway",
      "/api/v100/gateway",
      "/api/v10",
      "/api/v10/",
      "/api/v10/gateway/",
      "/api/v10/gateway/bot/x",
      "/api/v10/users/175928847299117063",
      "/api/v10/channels/1/messages",
      "/api/v10x/gateway",
    ];
    for (const path of others) {
      expect(await call(path, bot(token))).toBeUndefined();
      expect(await call(path, { method: "POST" })).toBeUndefined();
    }
  });
});

/**
 * The Discord-compatible REST routes real clients call before they connect,
 * under `/api/v10` and `/api/v9`, as a pure function of a `Request`:
 * - `GET /gateway`: `{url}`, no auth.
 * - `GET /gateway/bot`: `{url, shards, session_start_limit}`. discord.js reads
 *   all of it (@discordjs/ws `WebSocketManager.connect`); discord.py reads
 *   `shards`, `url`, `session_start_limit` (`http.py` `get_bot_gateway`).
 * - `GET /users/@me`: the user object, the same shape as READY's `user`.
 *   discord.py's login calls it and maps a 401 to `LoginFailure` (`http.py`
 *   `static_login`).
 * - `GET /oauth2/applications/@me`: the application object, with every key
 *   discord.py's `AppInfo.__init__` indexes directly (`appinfo.py`).
 * Auth is `Authorization: Bot <token>`, `Bearer <token>` or the raw token; a
 * missing, bad, expired or revoked token, or one whose user is gone, is a 401.
 * HEAD is served like GET; other methods get 405.
 */
import { userObject } from "../guild/user-json.ts";
import { methodNotAllowed, unauthorized } from "./errors.ts";
import type { User } from "../store/guild-store.ts";
import type { TokenVerifier } from "../session/auth.ts";
import { jsonResponse } from "../protocol/json-response.ts";

/** Discord's session start limit object; `reset_after` is in milliseconds. */
export interface SessionStartLimit {
  total: number;
  remaining: number;
  reset_after: number;
  max_concurrency: number;
}

/** What the bootstrap routes read from the running node. */
export interface BootstrapContext {
  /**
   * Public WebSocket URL without a query string, e.g. "ws://127.0.0.1:8080";
   * clients append `?v=10...`. Read on every request, so it may be a getter.
   */
  gatewayUrl: string;
  /** Resolves a token (with or without a `Bot `/`Bearer ` prefix) to its user. */
  verifyToken: TokenVerifier;
  /** Shards Discord would recommend for the caller: one per 1000 guilds. */
  recommendedShards: (userId: string) => Promise<number>;
  /** The caller's current identify budget, for `/gateway/bot`. */
  sessionStartLimit: (userId: string) => SessionStartLimit;
}

/**
 * An application owned by, and named after, the caller; there are no teams or
 * store pages here. Its id is the user's, as READY's `application.id` is (a
 * Discord bot's application id equals its user id).
 */
function toApiApplication(user: User) {
  return {
    id: user.id,
    name: user.username,
    icon: null,
    description: "",
    summary: "",
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: "",
    flags: 0,
    team: null,
    owner: userObject(user),
    rpc_origins: [],
    redirect_uris: [],
    tags: [],
    approximate_guild_count: 0,
  };
}

type Route =
  | { readonly auth: false; readonly handle: (ctx: BootstrapContext) => unknown }
  | { readonly auth: true; readonly handle: (ctx: BootstrapContext, user: User) => unknown | Promise<unknown> };

/** Routes by path after the `/api/v{9,10}` prefix. */
const ROUTES = new Map<string, Route>([
  ["/gateway", { auth: false, handle: (ctx) => ({ url: ctx.gatewayUrl }) }],
  [
    "/gateway/bot",
    {
      auth: true,
      handle: async (ctx, user) => ({
        url: ctx.gatewayUrl,
        shards: await ctx.recommendedShards(user.id),
        session_start_limit: ctx.sessionStartLimit(user.id),
      }),
    },
  ],
  ["/users/@me", { auth: true, handle: (_ctx, user) => userObject(user) }],
  ["/applications/@me", { auth: true, handle: (_ctx, user) => toApiApplication(user) }],
  ["/oauth2/applications/@me", { auth: true, handle: (_ctx, user) => toApiApplication(user) }],
]);

const PREFIX = /^\/api\/v(?:9|10)(?=\/)/;


/** The user behind the request's `Authorization` header, or undefined. */
async function authenticate(ctx: BootstrapContext, request: Request): Promise<User | undefined> {
  const token = request.headers.get("authorization");
  return token ? ctx.verifyToken(token) : undefined;
}

/**
 * Returns the bootstrap router. It answers a `Response` for a bootstrap route
 * and `undefined` for any other path, which the caller answers (404).
 */
export function createBootstrapRoutes(ctx: BootstrapContext): (request: Request, url: URL) => Promise<Response | undefined> {
  return async (request, url) => {
    const prefix = PREFIX.exec(url.pathname);
    const route = prefix ? ROUTES.get(url.pathname.slice(prefix[0].length)) : undefined;
    if (!route) return undefined;
    if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed("GET, HEAD");
    if (!route.auth) return jsonResponse(route.handle(ctx));
    const user = await authenticate(ctx, request);
    return user ? jsonResponse(await route.handle(ctx, user)) : unauthorized();
  };
}

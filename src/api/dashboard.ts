/**
 * The dashboard's HTTP side (the page itself is served by pages.ts at `/dashboard`):
 *
 * - `POST /dashboard/login` `{secret}`: the ingress secret, typed once. Right: 204 and a
 *   cookie (`HttpOnly`, `SameSite=Strict`, path `/dashboard`, 12 h) holding an expiry and an
 *   HMAC of it keyed by the secret, so every worker checks it alone and changing the secret
 *   ends every login. Wrong: 401 `{code, message}`.
 * - `POST /dashboard/logout`: 204, the cookie cleared.
 * - `GET /dashboard/events` (the cookie, else 401): server-sent events, one `data:` line of
 *   JSON (`DashboardSnapshot`, pages/snapshot-types.ts) at once and then every `PUSH_INTERVAL_MS`, with every worker's
 *   counters gathered over the bus. A stream ends after `STREAM_LIFETIME_MS`; the page
 *   reconnects, so no stream outlives a logout for long.
 */
import { createHmac } from "node:crypto";
import { LATENCY_BOUNDS_MS } from "../cluster/ingress-latency.ts";
import type { DashboardSnapshot } from "../pages/snapshot-types.ts";
import { errorResponse, ApiCode, methodNotAllowed, unauthorized } from "./errors.ts";
import type { Routes } from "./http.ts";
import { sameSecret } from "./ingress.ts";
import { readJsonObject } from "./json-body.ts";
import type { WorkerStats } from "./metrics.ts";

export const DASHBOARD_COOKIE = "guildgate_dashboard";
/** How long a login lasts, seconds. */
const LOGIN_LIFETIME_S = 12 * 60 * 60;
/** How often the events stream pushes a snapshot, ms. */
export const PUSH_INTERVAL_MS = 1000;
/** How long one events stream lasts before the page opens the next, ms. */
const STREAM_LIFETIME_MS = 10 * 60 * 1000;

export interface DashboardContext {
  ingressSecret: string;
  /** Every worker's counters: this one's and its peers'. */
  gather(): Promise<WorkerStats[]>;
  now?: () => number;
}

function sign(secret: string, expires: number): string {
  return createHmac("sha256", secret).update(`guildgate-dashboard:${expires}`).digest("base64url");
}

/** The login cookie's value in `request`, if it is one this secret signed and it has not expired. */
function loggedIn(ctx: DashboardContext, request: Request): boolean {
  const cookies = request.headers.get("cookie") ?? "";
  const value = cookies
    .split(";")
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${DASHBOARD_COOKIE}=`))
    ?.slice(DASHBOARD_COOKIE.length + 1);
  const [expires, mac] = value?.split(".") ?? [];
  if (!expires || !mac || !/^\d{1,12}$/.test(expires)) return false;
  if (Number(expires) * 1000 <= (ctx.now ?? Date.now)()) return false;
  return sameSecret(mac, sign(ctx.ingressSecret, Number(expires)));
}

function cookie(value: string, maxAgeSeconds: number): string {
  return `${DASHBOARD_COOKIE}=${value}; Path=/dashboard; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict`;
}

export function toSnapshot(at: number, workers: readonly WorkerStats[]): DashboardSnapshot {
  return {
    at,
    latencyBoundsMs: LATENCY_BOUNDS_MS,
    workers: workers.map(({ peer, gateway, guilds, ingressLatency }) => ({
      peer,
      connections: gateway.connections,
      sessions: gateway.sessions,
      guildsLoaded: guilds.loaded,
      fanoutDeliveries: gateway.fanoutDeliveries,
      dispatches: Object.fromEntries(gateway.dispatches),
      handled: Object.fromEntries([...guilds.handling].map(([op, timing]) => [op, timing.count])),
      resumes: gateway.resumes,
      latency: ingressLatency,
    })),
  };
}

async function login(ctx: DashboardContext, request: Request): Promise<Response> {
  const body = await readJsonObject(request, 1024);
  if (typeof body.secret !== "string" || !sameSecret(body.secret, ctx.ingressSecret)) {
    return errorResponse(401, ApiCode.GENERAL, "401: Unauthorized: that is not the ingress secret");
  }
  const expires = Math.floor((ctx.now ?? Date.now)() / 1000) + LOGIN_LIFETIME_S;
  return new Response(null, { status: 204, headers: { "set-cookie": cookie(`${expires}.${sign(ctx.ingressSecret, expires)}`, LOGIN_LIFETIME_S) } });
}

function events(ctx: DashboardContext): Response {
  const encoder = new TextEncoder();
  let timer: ReturnType<typeof setInterval> | undefined;
  let end: ReturnType<typeof setTimeout> | undefined;
  let open = true;
  const stop = (): void => {
    open = false;
    clearInterval(timer);
    clearTimeout(end);
  };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const push = (): void => {
        void ctx
          .gather()
          .then((workers) => {
            if (open) controller.enqueue(encoder.encode(`data: ${JSON.stringify(toSnapshot((ctx.now ?? Date.now)(), workers))}\n\n`));
          })
          // A worker that did not answer this time is asked again at the next push.
          .catch(() => undefined);
      };
      push();
      timer = setInterval(push, PUSH_INTERVAL_MS);
      end = setTimeout(() => {
        stop();
        controller.close();
      }, STREAM_LIFETIME_MS);
    },
    cancel: stop,
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
}

/** `/dashboard/login`, `/dashboard/logout` and `/dashboard/events`. */
export function createDashboardRoutes(ctx: DashboardContext): Routes {
  return async (request, url) => {
    switch (url.pathname) {
      case "/dashboard/login":
        return request.method === "POST" ? login(ctx, request) : methodNotAllowed("POST");
      case "/dashboard/logout":
        if (request.method !== "POST") return methodNotAllowed("POST");
        return new Response(null, { status: 204, headers: { "set-cookie": cookie("", 0) } });
      case "/dashboard/events":
        if (request.method !== "GET") return methodNotAllowed("GET");
        return loggedIn(ctx, request) ? events(ctx) : unauthorized();
      default:
        return undefined;
    }
  };
}

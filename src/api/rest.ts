/**
 * The Discord REST routes a bot calls all day (messages, reactions, typing, pins, reads), under
 * `/api/v10` and `/api/v9`, as one table: each route a path template and a handler per method.
 * A request is authenticated (a client token), rate limited (rate-limits.ts: its bucket is the
 * route and its first id, the major parameter) and handled; the handler makes one owner call,
 * where the guild's owner checks the caller's permissions in the step that answers.
 * A path that matches a route under another method gets 405, before any lookup.
 */
import type { Owners } from "../cluster/owner-api.ts";
import { Refusal } from "../guild/refusal.ts";
import type { GuildStore, StoredChannel, User } from "../store/guild-store.ts";
import { privateChannelOf } from "../guild/direct-messages.ts";
import type { PrivateChannel } from "../store/private-channels.ts";
import type { TokenVerifier } from "../session/auth.ts";
import { errorAnswer, methodNotAllowed, unauthorized } from "./errors.ts";
import type { Routes } from "./http.ts";
import type { RateLimits } from "./rate-limits.ts";
import type { SnowflakeGenerator } from "./snowflake.ts";
import type { Attachments } from "./attachments.ts";
import type { InteractionTokens } from "./interaction-tokens.ts";
import { jsonResponse } from "../protocol/json-response.ts";
import { integer } from "./body-fields.ts";

export interface RestContext {
  readonly store: GuildStore;
  /** The guild owners' operations, wherever they run. */
  readonly owners: Owners;
  readonly ids: SnowflakeGenerator;
  readonly verifyToken: TokenVerifier;
  /** Signs the URLs of the files sent with messages (api/attachments.ts). */
  readonly attachments: Attachments;
  readonly rateLimits: RateLimits;
  /** Signs and checks interaction tokens (interaction-tokens.ts). */
  readonly interactionTokens: InteractionTokens;
  readonly now: () => number;
  /** An event for every session of a user, through the user's owner (cluster/user-events.ts). */
  readonly dispatchToUser: (userId: string, t: string, dJson: string) => void;
}

/** One request to a route: its path parameters by name and the caller. */
export interface RestCall {
  readonly ctx: RestContext;
  readonly request: Request;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly user: User;
}

export type RestHandler = (call: RestCall) => Promise<Response>;

/** A route: its template (`{name}` for a parameter) and a handler per method. */
export interface RestRoute {
  readonly template: string;
  readonly methods: Readonly<Partial<Record<"GET" | "POST" | "PUT" | "PATCH" | "DELETE", RestHandler>>>;
}

/** Parameters that are not ids: an emoji (`name:id` or a Unicode emoji, URL-encoded). */
const FREE_PARAMS = new Set(["emoji"]);

interface CompiledRoute {
  readonly route: RestRoute;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly allow: string;
}

function compile(route: RestRoute): CompiledRoute {
  const names: string[] = [];
  const source = route.template.replace(/\{(\w+)\}|[^{]+/g, (part, name: string | undefined) => {
    if (name === undefined) return part.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
    names.push(name);
    return FREE_PARAMS.has(name) ? "([^/]+)" : "(\\d{1,20})";
  });
  const methods = Object.keys(route.methods);
  const allow = methods.includes("GET") ? [...methods, "HEAD"].join(", ") : methods.join(", ");
  return { route, pattern: new RegExp(`^/api/v(?:9|10)${source}$`), names, allow };
}

export function createRestRoutes(ctx: RestContext, routes: readonly RestRoute[]): Routes {
  const compiled = routes.map(compile);
  return async (request, url) => {
    for (const { route, pattern, names, allow } of compiled) {
      const match = pattern.exec(url.pathname);
      if (!match) continue;
      const method = request.method === "HEAD" ? "GET" : request.method;
      const handler = route.methods[method as keyof RestRoute["methods"]];
      if (!handler) return methodNotAllowed(allow);
      const token = request.headers.get("authorization");
      const user = token ? await ctx.verifyToken(token) : undefined;
      if (!user) return unauthorized();
      const params = Object.fromEntries(names.map((name, i) => [name, decoded(match[i + 1] as string)]));
      const major = params.channel_id ?? params.guild_id ?? "";
      const limited = ctx.rateLimits.take(user.id, `${method} ${route.template}`, major);
      if ("refused" in limited) return limited.refused;
      let response: Response;
      try {
        response = await handler({ ctx, request, url, params, user });
      } catch (error) {
        // Answered here rather than by http.ts, so that errors carry the bucket's headers too.
        const answer = errorAnswer(error);
        if (!answer) throw error;
        response = answer;
      }
      for (const [name, value] of Object.entries(limited.headers)) response.headers.set(name, value);
      return response;
    }
    return undefined;
  };
}

/** A path segment decoded; one that is not valid percent-encoding stays as it is (and fails its own checks). */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The channel a route names: a guild's channel (its guild's owner decides), or a DM or group DM channel the caller is in. */
export type RoutedChannel = { readonly kind: "guild"; readonly channel: StoredChannel } | { readonly kind: "dm"; readonly channel: PrivateChannel };

/** The channel a route names (10003 if none); a private channel only to its recipients (else 403 50001). */
export async function routedChannelOf(call: RestCall): Promise<RoutedChannel> {
  const id = call.params.channel_id as string;
  const { store } = call.ctx;
  const channel = await store.getChannel(id);
  if (channel) return { kind: "guild", channel };
  const dm = await privateChannelOf(store, id);
  if (!dm) throw new Refusal("unknown-channel", "Unknown Channel");
  if (!dm.recipientIds.includes(call.user.id)) throw new Refusal("missing-access", "Missing Access");
  return { kind: "dm", channel: dm };
}

/**
 * The guild channel a route names, from the store (it says which guild's owner to ask): 10003
 * if there is none; for a DM channel, 50003 to its recipients (a route guildgate serves in guild
 * channels only), 50001 to others.
 */
export async function channelOf(call: RestCall): Promise<StoredChannel> {
  const { kind, channel } = await routedChannelOf(call);
  if (kind === "dm") throw new Refusal("dm-channel", "Cannot execute action on a DM channel");
  return channel;
}

/** 204, no body. */
export const noContent = (): Response => new Response(null, { status: 204 });

/** A boolean query parameter as Discord reads one: `true`, `True` or `1` (discord.py sends `1`). */
export function queryFlag(url: URL, name: string): boolean {
  const value = url.searchParams.get(name);
  return value === "true" || value === "True" || value === "1";
}

/** 200 with `body` as JSON. */
export const ok = (body: unknown): Response => jsonResponse(body);

/** An integer query parameter in `min..max`, `fallback` when absent. */
export function queryInteger(call: RestCall, name: string, min: number, max: number, fallback: number): number {
  const value = call.url.searchParams.get(name);
  return value === null ? fallback : integer(Number(value), name, min, max);
}


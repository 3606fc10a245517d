/**
 * A guild to drive Discord's REST routes against, over real HTTP and gateway sockets: users
 * and their tokens, a guild with a public and a private channel and a role, sessions through
 * READY and GUILD_CREATE, and a marker event that proves an event did not arrive (order on a
 * socket is total, so what did not come before the marker never comes).
 */
import { afterAll, beforeAll, expect } from "bun:test";
import { bunHarness } from "./bun-harness.ts";
import type { CompressionKind } from "../../src/protocol/compression.ts";
import { RawClient, type Frame } from "./gateway-client.ts";
import { HARNESS_INGRESS_SECRET, type Harness } from "./harness.ts";
import { callJson, type Json } from "./http.ts";

export const Intents = {
  GUILDS: 1 << 0,
  GUILD_MEMBERS: 1 << 1,
  GUILD_VOICE_STATES: 1 << 7,
  GUILD_MESSAGES: 1 << 9,
  GUILD_MESSAGE_REACTIONS: 1 << 10,
  GUILD_MESSAGE_TYPING: 1 << 11,
  DIRECT_MESSAGES: 1 << 12,
  DIRECT_MESSAGE_REACTIONS: 1 << 13,
  DIRECT_MESSAGE_TYPING: 1 << 14,
  MESSAGE_CONTENT: 1 << 15,
} as const;

export interface Account {
  id: string;
  token: string;
  /** `Bot <token>`, for the Authorization header. */
  auth: string;
}

export interface World {
  owner: Account;
  member: Account;
  guild: { id: string };
  role: { id: string };
  lobby: { id: string };
  secret: { id: string };
}

/**
 * A server (Bun harness, in-memory store) for a test file's tests: started before them with
 * guildgate's `args`, stopped after them. Use it inside the tests.
 */
/** The connect URL's query for a wire format. */
export function gatewayQuery(wire: { etf?: boolean; compress?: CompressionKind }): string {
  return `?v=10&encoding=${wire.etf ? "etf" : "json"}${wire.compress ? `&compress=${wire.compress}` : ""}`;
}

export function restServer(node: string, args: readonly string[] = [], now?: () => number): RestWorld {
  const world = new RestWorld();
  let server: Harness | undefined;
  beforeAll(async () => {
    server = await bunHarness.start({ node, tokenSecret: `${node}-token-secret-0123456789abcdef`, args: ["--heartbeat-interval-ms", "30000", ...args], now });
    world.httpBase = server.httpBase;
    world.gatewayUrl = server.gatewayUrl;
  });
  afterAll(async () => {
    world.close();
    await server?.stop();
  });
  return world;
}

export class RestWorld {
  readonly #open: RawClient[] = [];
  httpBase = "";
  gatewayUrl = "";

  api(method: string, path: string, body?: unknown, auth = `Bearer ${HARNESS_INGRESS_SECRET}`): Promise<{ status: number; json: Json }> {
    return callJson(this.httpBase, method, path, body, auth);
  }

  /** A raw REST call, for its headers. */
  fetch(method: string, path: string, auth: string, body?: unknown): Promise<Response> {
    return fetch(`${this.httpBase}${path}`, { method, headers: { authorization: auth, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  async created(path: string, body: unknown): Promise<Json> {
    const { status, json } = await this.api("POST", path, body);
    expect({ path, status }).toEqual({ path, status: 201 });
    return json;
  }

  async user(name: string, privileged = 0, bot = false): Promise<Account> {
    const { id } = (await this.created("/internal/users", { username: name, privileged_intents: privileged, bot })) as { id: string };
    const token = (await this.api("POST", `/internal/users/${id}/token`)).json.token as string;
    return { id, token, auth: `Bot ${token}` };
  }

  /** A guild owned by a bot with every privileged intent, lobby (public) and secret (the role sees it), and a member. */
  async world(): Promise<World> {
    const owner = await this.user("owner", Intents.GUILD_MEMBERS | Intents.MESSAGE_CONTENT);
    const guild = (await this.created("/internal/guilds", { name: "REST Guild", owner_id: owner.id })) as { id: string };
    const role = (await this.created(`/internal/guilds/${guild.id}/roles`, { name: "insiders", permissions: "0", mentionable: true })) as { id: string };
    const lobby = (await this.created(`/internal/guilds/${guild.id}/channels`, { name: "lobby" })) as { id: string };
    const view = (1n << 10n).toString();
    const secret = (await this.created(`/internal/guilds/${guild.id}/channels`, {
      name: "secret",
      permission_overwrites: [
        { id: guild.id, type: 0, allow: "0", deny: view },
        { id: role.id, type: 0, allow: view, deny: "0" },
      ],
    })) as { id: string };
    const member = await this.user("member");
    await this.join(guild.id, member);
    return { owner, member, guild, role, lobby, secret };
  }

  /** Another member of the world's guild who may ask for MESSAGE_CONTENT (a user's sessions IDENTIFY once per 5 s). */
  async reader(w: World, name: string): Promise<Account> {
    const account = await this.user(name, Intents.MESSAGE_CONTENT);
    await this.join(w.guild.id, account);
    return account;
  }

  /** The world's member posts `content` in the lobby; the message. */
  async lobbyPost(w: World, content: string): Promise<Json> {
    const { status, json } = await this.api("POST", `/api/v10/channels/${w.lobby.id}/messages`, { content }, w.member.auth);
    expect(status).toBe(200);
    return json;
  }

  async join(guildId: string, account: Account, roles: string[] = []): Promise<void> {
    expect((await this.api("PUT", `/internal/guilds/${guildId}/members/${account.id}`, { roles })).status).toBeLessThan(300);
  }

  /**
   * A session through READY and the guild's GUILD_CREATE (if the guild is on its `shard`); with
   * `etf`, on encoding=etf; with `compress`, that transport compression.
   */
  async session(account: Account, intents: number, guildId: string, wire: { etf?: boolean; compress?: CompressionKind; shard?: [number, number] } = {}): Promise<RawClient> {
    const client = new RawClient(`${this.gatewayUrl}/${gatewayQuery(wire)}`, wire);
    this.#open.push(client);
    await client.opened();
    await client.op(10);
    client.send({ op: 2, d: { token: account.token, intents, properties: { os: "linux", browser: "t", device: "t" }, ...(wire.shard && { shard: wire.shard }) } });
    await client.dispatch("READY");
    const [shardId, shards] = wire.shard ?? [0, 1];
    if (Number((BigInt(guildId) >> 22n) % BigInt(shards)) === shardId) await client.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guildId);
    return client;
  }

  /** The first `t` from frame `from` on. */
  event(client: RawClient, t: string, from: number, match: (d: Json) => boolean = () => true): Promise<Json> {
    return client.next((f: Frame) => f.t === t && match(f.d as Json), 5_000, from).then((f) => f.d as Json);
  }

  /** Proves `client` got no `t` since frame `from`: a marker dispatched to the guild after it arrives first. */
  async nothingSince(client: RawClient, guildId: string, t: string, from: number): Promise<void> {
    const marker = `MARK_${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
    expect((await this.api("POST", `/internal/guilds/${guildId}/dispatch`, { t: marker, d: {}, intents: 0, permissions: "0" })).status).toBe(202);
    await client.next((f) => f.t === marker, 5_000, from);
    expect(client.frames.slice(from).filter((f) => f.t === t)).toEqual([]);
  }

  /** As `nothingSince`, for events addressed to the user (DMs): the marker goes through the user's route. */
  async nothingForUserSince(client: RawClient, userId: string, t: string, from: number): Promise<void> {
    const marker = `MARK_${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
    expect((await this.api("POST", `/internal/users/${userId}/dispatch`, { t: marker, d: {} })).status).toBe(202);
    await client.next((f) => f.t === marker, 5_000, from);
    expect(client.frames.slice(from).filter((f) => f.t === t)).toEqual([]);
  }

  close(): void {
    for (const client of this.#open) client.close();
  }
}

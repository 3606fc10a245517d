/**
 * Demo mode (`--demo`, off by default): a demo guild seeded at start (channels, a hoisted
 * Staff role that alone sees #staff-room, a Member role), and `POST /demo/join`, which makes
 * a new user, adds it to the demo guild and answers its token, so the chat page at `/` can be
 * tried with nothing but the binary. Both go through the ingress routes themselves (a request
 * made in process with the ingress secret), so the demo is built exactly as an app backend
 * would build it: the same validation, owner calls and events.
 *
 * - `GET /demo` -> 200 `{guild_id, max_members}`: demo mode is on.
 * - `POST /demo/join` `{username?}` -> 201 `{token, user, guild_id}`; 403 (code 30019) once
 *   the demo guild holds `DEMO_MAX_MEMBERS`.
 * Without `--demo` neither path exists (404).
 */
import { onlyKnown } from "./body-fields.ts";
import { ApiCode, errorResponse, methodNotAllowed } from "./errors.ts";
import type { Routes } from "./http.ts";
import { readJsonObject } from "./json-body.ts";
import { Permission } from "../guild/permissions.ts";
import { PRIVILEGED_INTENTS } from "../protocol/opcodes.ts";
import { jsonResponse } from "../protocol/json-response.ts";

/** An ingress request made in process: method, path under `/internal`, JSON body. */
export type IngressCall = (method: string, path: string, body?: unknown) => Promise<Response>;

/** The demo guild's fixed ids, so a restart finds what an earlier start seeded. */
export const DEMO = {
  ownerId: "1300000000000000001",
  guildId: "1300000000000000010",
  staffRoleId: "1300000000000000020",
  memberRoleId: "1300000000000000021",
  channels: {
    general: "1300000000000000030",
    random: "1300000000000000031",
    staffRoom: "1300000000000000032",
  },
} as const;

/** Most members the demo guild takes from `/demo/join`; a bound, since the route needs no secret. */
export const DEMO_MAX_MEMBERS = 1000;

const VIEW_CHANNEL = Permission.VIEW_CHANNEL.toString();

/** Each record of the demo: where it is read, and how it is made when missing. */
const SEED: readonly { get: string; create: [method: string, path: string, body: unknown] }[] = [
  {
    get: `/internal/users/${DEMO.ownerId}`,
    create: ["POST", "/internal/users", { id: DEMO.ownerId, username: "guildgate", global_name: "Demo host", bot: true }],
  },
  {
    get: `/internal/guilds/${DEMO.guildId}`,
    create: ["POST", "/internal/guilds", { id: DEMO.guildId, name: "guildgate demo", owner_id: DEMO.ownerId }],
  },
  {
    get: `/internal/guilds/${DEMO.guildId}/roles/${DEMO.staffRoleId}`,
    create: ["POST", `/internal/guilds/${DEMO.guildId}/roles`, { id: DEMO.staffRoleId, name: "Staff", hoist: true, color: 0xe67e22, position: 2 }],
  },
  {
    get: `/internal/guilds/${DEMO.guildId}/roles/${DEMO.memberRoleId}`,
    create: ["POST", `/internal/guilds/${DEMO.guildId}/roles`, { id: DEMO.memberRoleId, name: "Member", color: 0x3498db, position: 1 }],
  },
  ...[
    { id: DEMO.channels.general, name: "general", position: 0, topic: "Say hello: everyone here sees it live" },
    { id: DEMO.channels.random, name: "random", position: 1, topic: "Anything goes" },
    {
      id: DEMO.channels.staffRoom,
      name: "staff-room",
      position: 2,
      topic: "Only the Staff role sees this channel",
      permission_overwrites: [
        { id: DEMO.guildId, type: 0, allow: "0", deny: VIEW_CHANNEL },
        { id: DEMO.staffRoleId, type: 0, allow: VIEW_CHANNEL, deny: "0" },
      ],
    },
  ].map((channel) => ({
    get: `/internal/guilds/${DEMO.guildId}/channels/${channel.id}`,
    create: ["POST", `/internal/guilds/${DEMO.guildId}/channels`, channel] as [string, string, unknown],
  })),
];

/** A failed ingress step of the demo, with the ingress answer. */
export class DemoSeedError extends Error {
  override name = "DemoSeedError";
}

/** Makes whatever part of the demo guild is missing (all of it on a first start); safe to run at every start. */
export async function seedDemoGuild(call: IngressCall): Promise<void> {
  for (const { get, create } of SEED) {
    const found = await call("GET", get);
    if (found.status === 200) continue;
    const made = await call(...create);
    if (!made.ok) throw new DemoSeedError(`${create[0]} ${create[1]} answered ${made.status}: ${await made.text()}`);
  }
}

/** `POST /demo/join`: a new user, a member of the demo guild with the Member role, and its token. */
export function createDemoRoutes(call: IngressCall): Routes {
  return async (request, url) => {
    if (url.pathname === "/demo") {
      // The page asks this to know whether to offer "join as a new user".
      if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed("GET, HEAD");
      return jsonResponse({ guild_id: DEMO.guildId, max_members: DEMO_MAX_MEMBERS });
    }
    if (url.pathname !== "/demo/join") return undefined;
    if (request.method !== "POST") return methodNotAllowed("POST");
    const body = await readJsonObject(request, 1024, true);
    onlyKnown(body, ["username"], "join");
    const guild = await call("GET", `/internal/guilds/${DEMO.guildId}`);
    if (!guild.ok) return guild;
    if (((await guild.json()) as { member_count: number }).member_count >= DEMO_MAX_MEMBERS) {
      return errorResponse(403, ApiCode.MAX_GUILD_MEMBERS, `The demo guild is full (${DEMO_MAX_MEMBERS} members)`);
    }
    const username = body.username ?? `guest-${Math.floor(1000 + Math.random() * 9000)}`;
    const created = await call("POST", "/internal/users", { username, privileged_intents: PRIVILEGED_INTENTS });
    if (!created.ok) return created;
    const user = (await created.json()) as { id: string };
    const member = await call("PUT", `/internal/guilds/${DEMO.guildId}/members/${user.id}`, { roles: [DEMO.memberRoleId] });
    if (!member.ok) return member;
    const minted = await call("POST", `/internal/users/${user.id}/token`);
    if (!minted.ok) return minted;
    const { token } = (await minted.json()) as { token: string };
    return jsonResponse({ token, user, guild_id: DEMO.guildId }, { status: 201 });
  };
}

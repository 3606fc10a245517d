/**
 * Threads over REST, as Discord's channel resource has them (docs: resources/channel "Start
 * Thread from Message", "Start Thread without Message", "Start Thread in Forum or Media
 * Channel", "Modify Channel" and "Delete/Close Channel" for a thread, the thread member routes,
 * the archived thread lists; resources/guild "List Active Guild Threads"). Each is one owner
 * call: the guild's owner checks the caller's permissions, stores the change and dispatches its
 * events in one step (guild/thread-rules.ts). A forum or media post takes a JSON body (no files
 * yet). PATCH and DELETE of a channel serve threads only here (other channels: 50024; backends
 * change them through the ingress routes).
 */
import type { ThreadRead } from "../guild/thread-reads.ts";
import type { ThreadPatch, ThreadRequest } from "../guild/thread-rules.ts";
import { Refusal } from "../guild/refusal.ts";
import { Intent } from "../protocol/opcodes.ts";
import { AUTO_ARCHIVE_DURATIONS, isThreadType } from "../store/thread-records.ts";
import type { StoredChannel } from "../store/guild-store.ts";
import { bool, integer, snowflake, text } from "./body-fields.ts";
import { ApiCode, HttpError, invalidField } from "./errors.ts";
import { readJsonObject } from "./json-body.ts";
import { readMessageCreate } from "./message-body.ts";
import { channelOf, noContent, ok, queryFlag, queryInteger, type RestCall, type RestRoute } from "./rest.ts";

/** Largest body read: a forum post's message, as a message's (messages.ts). */
const MAX_POST_BODY_BYTES = 256 * 1024;

/** A field that must be a JSON object. */
function objectField(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalidField(field, "must be an object");
  return value as Record<string, unknown>;
}

/** Slow mode's bound, seconds (Discord: 0-21600). */
const MAX_RATE_LIMIT_PER_USER = 21_600;

function autoArchiveDuration(value: unknown): number {
  if (typeof value !== "number" || !AUTO_ARCHIVE_DURATIONS.includes(value)) throw invalidField("auto_archive_duration", `must be one of ${AUTO_ARCHIVE_DURATIONS.join(", ")}`);
  return value;
}

/** `rate_limit_per_user`: an integer 0..21600; null is 0. */
const rateLimit = (value: unknown): number => (value === null ? 0 : integer(value, "rate_limit_per_user", 0, MAX_RATE_LIMIT_PER_USER));

/** The fields both ways of starting a thread take. */
function threadRequest(body: Record<string, unknown>, id: string): ThreadRequest {
  return {
    id,
    name: text(body.name, "name", 1, 100),
    ...(body.auto_archive_duration !== undefined && { autoArchiveDuration: autoArchiveDuration(body.auto_archive_duration) }),
    ...(body.rate_limit_per_user !== undefined && { rateLimitPerUser: rateLimit(body.rate_limit_per_user) }),
  };
}

/** `POST /channels/:id/messages/:message_id/threads`: the thread's id is the message's. */
async function startFromMessage(call: RestCall): Promise<Response> {
  const parent = await channelOf(call);
  const body = await readJsonObject(call.request);
  const messageId = call.params.message_id as string;
  const request = { ...threadRequest(body, messageId), messageId };
  return ok(await call.ctx.owners.createThread(parent.guildId, parent.id, call.user.id, request, call.ctx.now()));
}

/**
 * `POST /channels/:id/threads`: `type` 10, 11 or 12 (Discord's default: 12), `invitable` for a
 * private one; in a forum or media channel `message`, the post's first message (JSON; its id is
 * the thread's).
 */
async function startWithoutMessage(call: RestCall): Promise<Response> {
  const parent = await channelOf(call);
  const body = await readJsonObject(call.request, MAX_POST_BODY_BYTES);
  const type = body.type === undefined ? undefined : integer(body.type, "type", 10, 12);
  const id = call.ctx.ids.next();
  const request: ThreadRequest = {
    ...threadRequest(body, id),
    ...(type !== undefined && { type }),
    ...(body.invitable !== undefined && { invitable: bool(body.invitable, "invitable") }),
    ...(body.message !== undefined && { message: readMessageCreate(objectField(body.message, "message"), id, id) }),
  };
  return ok(await call.ctx.owners.createThread(parent.guildId, parent.id, call.user.id, request, call.ctx.now()));
}

/** The thread a route names (10003 if there is none; 50024 for a channel that is not a thread). */
async function threadOf(call: RestCall): Promise<StoredChannel> {
  const channel = await channelOf(call);
  if (!isThreadType(channel.type)) throw new Refusal("invalid-channel-type", "Cannot execute action on this channel type");
  return channel;
}

function threadPatch(body: Record<string, unknown>): ThreadPatch {
  return {
    ...(body.name !== undefined && { name: text(body.name, "name", 1, 100) }),
    ...(body.archived !== undefined && { archived: bool(body.archived, "archived") }),
    ...(body.auto_archive_duration !== undefined && { autoArchiveDuration: autoArchiveDuration(body.auto_archive_duration) }),
    ...(body.locked !== undefined && { locked: bool(body.locked, "locked") }),
    ...(body.invitable !== undefined && { invitable: bool(body.invitable, "invitable") }),
    ...(body.rate_limit_per_user !== undefined && { rateLimitPerUser: rateLimit(body.rate_limit_per_user) }),
    ...(body.flags !== undefined && { flags: integer(body.flags, "flags", 0, 2 ** 31 - 1) }),
  };
}

/** `PATCH /channels/:id` of a thread. */
export async function patchChannel(call: RestCall): Promise<Response> {
  const thread = await threadOf(call);
  const patch = threadPatch(await readJsonObject(call.request));
  return ok(await call.ctx.owners.patchThread(thread.guildId, thread.id, call.user.id, patch, call.ctx.now()));
}

/** `DELETE /channels/:id` of a thread: the thread as it was. */
export async function deleteChannel(call: RestCall): Promise<Response> {
  const thread = await threadOf(call);
  return ok(await call.ctx.owners.deleteThread(thread.guildId, thread.id, call.user.id));
}

/** PUT (add) or DELETE (remove) of a thread member; `@me` when the route names no user. */
function threadMember(add: boolean): (call: RestCall) => Promise<Response> {
  return async (call) => {
    const thread = await threadOf(call);
    const userId = call.params.user_id ?? call.user.id;
    const { owners, now } = call.ctx;
    if (add) await owners.addThreadMember(thread.guildId, thread.id, call.user.id, userId, now());
    else await owners.removeThreadMember(thread.guildId, thread.id, call.user.id, userId);
    return noContent();
  };
}

async function readThreads(call: RestCall, guildId: string, read: ThreadRead): Promise<Response> {
  return ok(await call.ctx.owners.readThreads(guildId, call.user.id, read));
}

/** `GET /channels/:id/thread-members/:user_id` (`with_member`). */
async function getThreadMember(call: RestCall): Promise<Response> {
  const thread = await threadOf(call);
  return readThreads(call, thread.guildId, { k: "member", threadId: thread.id, userId: call.params.user_id as string, withMember: queryFlag(call.url, "with_member") });
}

/** `GET /channels/:id/thread-members` (`with_member`, `after`, `limit` 1..100): needs the GUILD_MEMBERS privileged intent, as on Discord. */
async function listThreadMembers(call: RestCall): Promise<Response> {
  const thread = await threadOf(call);
  if ((call.user.privilegedIntents & Intent.GUILD_MEMBERS) === 0) throw new HttpError(403, ApiCode.MISSING_ACCESS, "Missing Access");
  const after = call.url.searchParams.get("after");
  const limit = queryInteger(call, "limit", 1, 100, 100);
  return readThreads(call, thread.guildId, { k: "members", threadId: thread.id, withMember: queryFlag(call.url, "with_member"), limit, ...(after !== null && { after: snowflake(after, "after") }) });
}

/** `GET /guilds/:id/threads/active`: `{threads, members}`. */
async function activeThreads(call: RestCall): Promise<Response> {
  return readThreads(call, call.params.guild_id as string, { k: "active" });
}

/** The archived lists: `before` an ISO time (a thread id for "joined"), `limit` 1..100 (50); `{threads, members, has_more}`. */
function archivedThreads(kind: "public" | "private" | "joined"): (call: RestCall) => Promise<Response> {
  return async (call) => {
    const parent = await channelOf(call);
    const given = call.url.searchParams.get("before");
    let before: number | string | undefined;
    if (given !== null && kind === "joined") before = snowflake(given, "before");
    else if (given !== null) {
      before = Date.parse(given);
      if (!Number.isFinite(before)) throw invalidField("before", "must be an ISO 8601 time");
    }
    const limit = queryInteger(call, "limit", 1, 100, 50);
    return readThreads(call, parent.guildId, { k: "archived", channelId: parent.id, kind, limit, ...(before !== undefined && { before }) });
  };
}

export const THREAD_ROUTES: readonly RestRoute[] = [
  { template: "/channels/{channel_id}/messages/{message_id}/threads", methods: { POST: startFromMessage } },
  { template: "/channels/{channel_id}/threads", methods: { POST: startWithoutMessage } },
  { template: "/channels/{channel_id}/thread-members", methods: { GET: listThreadMembers } },
  { template: "/channels/{channel_id}/thread-members/@me", methods: { PUT: threadMember(true), DELETE: threadMember(false) } },
  { template: "/channels/{channel_id}/thread-members/{user_id}", methods: { GET: getThreadMember, PUT: threadMember(true), DELETE: threadMember(false) } },
  { template: "/channels/{channel_id}/threads/archived/public", methods: { GET: archivedThreads("public") } },
  { template: "/channels/{channel_id}/threads/archived/private", methods: { GET: archivedThreads("private") } },
  { template: "/channels/{channel_id}/users/@me/threads/archived/private", methods: { GET: archivedThreads("joined") } },
  { template: "/guilds/{guild_id}/threads/active", methods: { GET: activeThreads } },
];

/**
 * Messages over REST, as Discord's message resource (docs: resources/message): send, read one,
 * read history (before/after/around, newest first), edit, delete, bulk delete, pins (Discord's
 * current `/messages/pins` routes and the older `/pins` ones) and typing. Each write is one owner
 * call: the guild's owner checks the caller's permissions, stores the change and dispatches its
 * event (MESSAGE_CREATE/UPDATE/DELETE/DELETE_BULK, CHANNEL_PINS_UPDATE, TYPING_START) in one
 * step. A read asks the owner what the caller may do in the channel, then reads the store.
 * In a DM channel (direct-messages.ts), send, edit, delete, pins and typing are the DM
 * channel owner's, and its recipients read it all; bulk delete is refused there (50003), as on
 * Discord.
 */
import { Permission } from "../guild/permissions.ts";
import { Refusal } from "../guild/refusal.ts";
import { VOICE_CHANNEL_TYPES } from "../guild/voice-states.ts";
import { integer, snowflake } from "./body-fields.ts";
import { ApiCode, HttpError, invalidField } from "./errors.ts";
import { readJsonObject } from "./json-body.ts";
import { isMultipart, readUpload } from "./attachments.ts";
import { readMessageCreate, readMessageEdit } from "./message-body.ts";
import { messagesJson, pinnedJson, type MessageRecordsRead } from "./message-reads.ts";
import { channelOf, noContent, ok, routedChannelOf, type RestCall, type RestRoute } from "./rest.ts";

/** Largest message body read: 10 embeds of 6000 characters and 40 components fit well within it. */
const MAX_MESSAGE_BODY_BYTES = 256 * 1024;

async function createMessage(call: RestCall): Promise<Response> {
  const { kind, channel } = await routedChannelOf(call);
  const { ctx } = call;
  const { body, uploads } = isMultipart(call.request)
    ? await readUpload(call.request, channel.id, ctx.ids, ctx.attachments)
    : { body: await readJsonObject(call.request, MAX_MESSAGE_BODY_BYTES), uploads: [] };
  const request = readMessageCreate(body, ctx.ids.next(), channel.id, uploads);
  const { owners, now } = ctx;
  if (kind === "dm") return ok(await owners.createDmMessage(channel.id, call.user.id, request, now()));
  return ok(await owners.createMessage(channel.guildId, channel.id, call.user.id, request, now()));
}

/** `GET /channels/:id/messages`: `limit` 1..100 (50), at most one of `before`, `after`, `around`. */
async function listMessages(call: RestCall): Promise<Response> {
  const { channelId, history } = await readable(call);
  const query = call.url.searchParams;
  const limit = query.has("limit") ? integer(Number(query.get("limit")), "limit", 1, 100) : 50;
  const anchors = (["before", "after", "around"] as const).filter((key) => query.has(key));
  if (anchors.length > 1) throw invalidField(anchors[1] as string, `cannot be given with ${anchors[0]}`);
  const anchor = anchors[0];
  const page = anchor === undefined ? { limit } : { limit, [anchor]: snowflake(query.get(anchor), anchor) };
  // Discord: "If the current user is missing the READ_MESSAGE_HISTORY permission in the channel, then no messages will be returned."
  if (!history) return ok([]);
  const messages = await call.ctx.store.listMessages(channelId, page);
  return ok(await messagesJson(records(call), messages, call.user.id));
}

async function getMessage(call: RestCall): Promise<Response> {
  const channelId = await historyReadable(call);
  const message = await call.ctx.store.getMessage(channelId, call.params.message_id as string);
  if (!message) throw new HttpError(404, ApiCode.UNKNOWN_MESSAGE, "Unknown Message");
  return ok((await messagesJson(records(call), [message], call.user.id))[0]);
}

async function editMessage(call: RestCall): Promise<Response> {
  const { kind, channel } = await routedChannelOf(call);
  const { ctx } = call;
  const { body, uploads, indices } = isMultipart(call.request)
    ? await readUpload(call.request, channel.id, ctx.ids, ctx.attachments)
    : { body: await readJsonObject(call.request, MAX_MESSAGE_BODY_BYTES), uploads: [], indices: [] };
  const edit = readMessageEdit(body, uploads, indices);
  const { owners, now } = call.ctx;
  const messageId = call.params.message_id as string;
  if (kind === "dm") return ok(await owners.editDmMessage(channel.id, messageId, call.user.id, edit, now()));
  return ok(await owners.editMessage(channel.guildId, channel.id, messageId, call.user.id, edit, now()));
}

async function deleteMessage(call: RestCall): Promise<Response> {
  const { kind, channel } = await routedChannelOf(call);
  const { owners } = call.ctx;
  const messageId = call.params.message_id as string;
  if (kind === "dm") await owners.deleteDmMessage(channel.id, messageId, call.user.id);
  else await owners.deleteMessage(channel.guildId, channel.id, messageId, call.user.id);
  return noContent();
}

/** `POST .../messages/bulk-delete` `{messages}`: 2 to 100 ids (50016 otherwise). */
async function bulkDelete(call: RestCall): Promise<Response> {
  const channel = await channelOf(call);
  const body = await readJsonObject(call.request);
  if (!Array.isArray(body.messages)) throw invalidField("messages", "must be an array of message ids");
  if (body.messages.length < 2 || body.messages.length > 100) {
    throw new HttpError(400, ApiCode.BULK_DELETE_COUNT, "You must provide at least 2 and fewer than 100 messages to delete.");
  }
  const ids = body.messages.map((id, i) => snowflake(id, `messages[${i}]`));
  const { owners, now } = call.ctx;
  await owners.bulkDeleteMessages(channel.guildId, channel.id, ids, call.user.id, now());
  return noContent();
}

function pin(pinned: boolean): (call: RestCall) => Promise<Response> {
  return async (call) => {
    const { kind, channel } = await routedChannelOf(call);
    const { owners, now } = call.ctx;
    const messageId = call.params.message_id as string;
    if (kind === "dm") await owners.dmPin(channel.id, messageId, call.user.id, pinned, now());
    else await owners.pinMessage(channel.guildId, channel.id, messageId, call.user.id, pinned, now());
    return noContent();
  };
}

/** `GET .../messages/pins`: `{items: [{pinned_at, message}], has_more}`, `before` an ISO time, `limit` 1..50 (50). */
async function listPins(call: RestCall): Promise<Response> {
  const { channelId, history } = await readable(call);
  const query = call.url.searchParams;
  const limit = query.has("limit") ? integer(Number(query.get("limit")), "limit", 1, 50) : 50;
  const before = query.has("before") ? Date.parse(query.get("before") as string) : undefined;
  if (before !== undefined && !Number.isFinite(before)) throw invalidField("before", "must be an ISO 8601 time");
  if (!history) return ok({ items: [], has_more: false });
  const pinned = await call.ctx.store.listPinnedMessages(channelId, limit + 1, before);
  return ok({ items: await pinnedJson(records(call), pinned.slice(0, limit), call.user.id), has_more: pinned.length > limit });
}

/** `GET /channels/:id/pins` (Discord's older route): the pinned messages, latest pinned first. */
async function listPinsOld(call: RestCall): Promise<Response> {
  const { channelId, history } = await readable(call);
  if (!history) return ok([]);
  return ok(await messagesJson(records(call), await call.ctx.store.listPinnedMessages(channelId, 50), call.user.id));
}

async function typing(call: RestCall): Promise<Response> {
  const { kind, channel } = await routedChannelOf(call);
  const { owners, now } = call.ctx;
  if (kind === "dm") await owners.dmTyping(channel.id, call.user.id, now());
  else await owners.typing(channel.guildId, channel.id, call.user.id, now());
  return noContent();
}

/**
 * The channel's id, once its guild's owner says the caller may view it (and connect to it, for
 * a voice channel's messages: Discord's rule), and whether it may read its history (READ_MESSAGE_HISTORY). A
 * DM channel's recipients may read all of it.
 */
export async function readable(call: RestCall): Promise<{ channelId: string; history: boolean }> {
  const { kind, channel } = await routedChannelOf(call);
  if (kind === "dm") return { channelId: channel.id, history: true };
  const { permissions } = await call.ctx.owners.readChannel(channel.guildId, channel.id, call.user.id);
  const bits = BigInt(permissions);
  if (VOICE_CHANNEL_TYPES.has(channel.type) && (bits & Permission.CONNECT) === 0n) throw new Refusal("missing-access", "Missing Access");
  return { channelId: channel.id, history: (bits & Permission.READ_MESSAGE_HISTORY) !== 0n };
}

/** The channel's id, if the caller may read its history (else 403 50013). */
export async function historyReadable(call: RestCall): Promise<string> {
  const { channelId, history } = await readable(call);
  if (!history) throw new Refusal("missing-permissions", "Missing Permissions");
  return channelId;
}

const records = (call: RestCall): MessageRecordsRead => call.ctx.store;

const pinRoutes = { PUT: pin(true), DELETE: pin(false) };

export const MESSAGE_ROUTES: readonly RestRoute[] = [
  { template: "/channels/{channel_id}/messages", methods: { GET: listMessages, POST: createMessage } },
  { template: "/channels/{channel_id}/messages/bulk-delete", methods: { POST: bulkDelete } },
  { template: "/channels/{channel_id}/messages/pins", methods: { GET: listPins } },
  { template: "/channels/{channel_id}/messages/pins/{message_id}", methods: pinRoutes },
  { template: "/channels/{channel_id}/messages/{message_id}", methods: { GET: getMessage, PATCH: editMessage, DELETE: deleteMessage } },
  { template: "/channels/{channel_id}/pins", methods: { GET: listPinsOld } },
  { template: "/channels/{channel_id}/pins/{message_id}", methods: pinRoutes },
  { template: "/channels/{channel_id}/typing", methods: { POST: typing } },
];

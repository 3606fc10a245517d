/**
 * Private channels over REST (docs: user, "Create DM" and "Create Group DM"; channel, "Get
 * Channel", "Modify Channel", "Delete/Close Channel", "Group DM Add/Remove Recipient"):
 * `POST /users/@me/channels` `{recipient_id}` opens the DM channel of the caller and the
 * recipient, or answers the one they have; `{recipients}` (a user) makes a group DM; `GET`,
 * `PATCH` and `DELETE /channels/:id` read, rename and leave one; `PUT`/`DELETE
 * /channels/:id/recipients/:user` add and remove recipients. Messages in them go through the
 * message routes (messages.ts), which find the channel by `routedChannelOf` (rest.ts).
 *
 * Opening a DM needs no owner: the store keeps one channel per pair (dm-channels.ts),
 * atomically, so opens on any node answer the same channel. A user (not a bot) that opens it
 * gets CHANNEL_CREATE; a bot gets none, as on Discord since API v8 ("Bots no longer receive
 * Channel Create Gateway Event for DMs"): it learns of a DM from the answer or its first
 * MESSAGE_CREATE. A group DM is one call to its owner (the ring names it by the new
 * channel's id). A bot makes or grows one on Discord with users' `gdm.join` OAuth2 access
 * tokens; guildgate grants none, so every token a bot sends is invalid (400 50025).
 */
import { privateChannelJson } from "../guild/direct-messages.ts";
import { isGroupDm, type PrivateChannel } from "../store/private-channels.ts";
import { Refusal } from "../guild/refusal.ts";
import type { User } from "../store/guild-store.ts";
import { dmPair } from "../store/dm-channels.ts";
import { MAX_GROUP_DM_RECIPIENTS } from "../store/group-dm-channels.ts";
import { snowflake } from "./body-fields.ts";
import { ApiCode, HttpError, invalidField } from "./errors.ts";
import { readJsonObject } from "./json-body.ts";
import { noContent, ok, routedChannelOf, type RestCall, type RestRoute } from "./rest.ts";

/** The private channel object for the caller, with its last message's id. */
async function channelJson(call: RestCall, channel: PrivateChannel): Promise<Record<string, unknown>> {
  const { store } = call.ctx;
  const [users, [last]] = await Promise.all([
    Promise.all(channel.recipientIds.map((id) => store.getUser(id))),
    store.listMessages(channel.id, { limit: 1 }),
  ]);
  const known = users.filter((user): user is User => user !== undefined);
  return privateChannelJson(channel, known, call.user.id, last?.id ?? null);
}

/** `GET /channels/:id` of a private channel: the channel, to its recipients. */
export async function getDmChannel(call: RestCall, channel: PrivateChannel): Promise<Response> {
  return ok(await channelJson(call, channel));
}

/** discord.py sends ids as JSON numbers (read exactly: json-body.ts). */
const idOf = (value: unknown, field: string): string => snowflake(typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value, field);

/** What a bot's group DM call gets: the access tokens it must send are never valid here. */
function invalidAccessToken(): HttpError {
  return new HttpError(400, ApiCode.INVALID_OAUTH2_ACCESS_TOKEN, "Invalid OAuth2 access token provided");
}

/** `POST /users/@me/channels`: `{recipient_id}` a DM (10013 for a user that does not exist, 50007 for the caller itself); `{recipients}` or `{access_tokens}` a group DM. */
async function openDm(call: RestCall): Promise<Response> {
  const { ctx, user } = call;
  const body = await readJsonObject(call.request);
  if (body.recipient_id === undefined && (body.recipients !== undefined || body.access_tokens !== undefined)) return createGroupDm(call, body);
  const recipientId = idOf(body.recipient_id, "recipient_id");
  if (recipientId === user.id) throw new Refusal("cannot-message-user", "Cannot send messages to this user");
  if (!(await ctx.store.getUser(recipientId))) throw new Refusal("unknown-user", "Unknown User");
  const channel = await ctx.store.openDmChannel({ id: ctx.ids.next(), recipientIds: dmPair(user.id, recipientId), createdAt: ctx.now() });
  const json = await channelJson(call, channel);
  if (!user.bot) ctx.dispatchToUser(user.id, "CHANNEL_CREATE", JSON.stringify(json));
  return ok(json);
}

/** A group DM: a user's `recipients` (1 to 9 other users), or a bot's `access_tokens` (refused: 50025). */
async function createGroupDm(call: RestCall, body: Record<string, unknown>): Promise<Response> {
  const { ctx, user } = call;
  if (user.bot) {
    if (!Array.isArray(body.access_tokens) || body.access_tokens.length === 0 || body.access_tokens.some((token) => typeof token !== "string")) {
      throw invalidField("access_tokens", "must be a list of access tokens of users that granted your app the gdm.join scope");
    }
    throw invalidAccessToken();
  }
  const recipients = body.recipients;
  if (!Array.isArray(recipients) || recipients.length === 0) throw invalidField("recipients", "must be a list of 1 to 9 user ids");
  if (recipients.length >= MAX_GROUP_DM_RECIPIENTS) throw new Refusal("max-recipients", `Maximum number of recipients reached (${MAX_GROUP_DM_RECIPIENTS})`);
  const ids = recipients.map((id, i) => idOf(id, `recipients[${i}]`));
  return ok(await ctx.owners.createGroupDm(ctx.ids.next(), user.id, ids, ctx.now()));
}

/** The private channel a route names, to its recipients; a guild channel 50024 (these routes serve private channels only). */
async function privateOf(call: RestCall): Promise<PrivateChannel> {
  const { kind, channel } = await routedChannelOf(call);
  if (kind === "guild") throw new HttpError(400, ApiCode.INVALID_CHANNEL_TYPE, "Cannot execute action on this channel type");
  return channel;
}

/** The group DM a route names, to its recipients: a DM (type 1) 50003, a guild channel 50024. */
async function groupDmOf(call: RestCall): Promise<PrivateChannel> {
  const channel = await privateOf(call);
  if (!isGroupDm(channel)) throw new Refusal("dm-channel", "Cannot execute action on a DM channel");
  return channel;
}

/** `PATCH /channels/:id` of a group DM: `name` (null or up to 100 characters) and `icon` (an image data URI, or null). Guild channels are not modified over REST here (50024). */
export async function patchPrivateChannel(call: RestCall): Promise<Response> {
  const channel = await groupDmOf(call);
  const body = await readJsonObject(call.request);
  const { name, icon } = body;
  if (name !== undefined && name !== null && (typeof name !== "string" || name.length > 100)) throw invalidField("name", "must be null or a string of at most 100 characters");
  if (icon !== undefined && icon !== null && (typeof icon !== "string" || !/^data:image\/(png|jpeg|gif|webp);base64,/.test(icon))) throw invalidField("icon", "must be null or an image data URI");
  const patch = { ...(name !== undefined && { name: name === "" ? null : (name as string | null) }), ...(icon !== undefined && { icon: icon as string | null }) };
  return ok(await call.ctx.owners.updateGroupDm(channel.id, call.user.id, patch));
}

/** `DELETE /channels/:id`: leaves a group DM (the channel as it was); closes a DM, which changes nothing here. Guild channels are not deleted over REST here (50024). */
export async function deletePrivateChannel(call: RestCall): Promise<Response> {
  const channel = await privateOf(call);
  if (!isGroupDm(channel)) return ok(await channelJson(call, channel));
  return ok(await call.ctx.owners.removeGroupDmRecipient(channel.id, call.user.id, call.user.id));
}

/** `PUT /channels/:id/recipients/:user_id`: a user adds another user; a bot needs that user's access token (50025). */
async function addRecipient(call: RestCall): Promise<Response> {
  const channel = await groupDmOf(call);
  const userId = idOf(call.params.user_id, "user_id");
  if (call.user.bot) throw invalidAccessToken();
  await call.ctx.owners.addGroupDmRecipient(channel.id, call.user.id, userId);
  return noContent();
}

/** `DELETE /channels/:id/recipients/:user_id`: the owner removes a recipient, or one leaves. */
async function removeRecipient(call: RestCall): Promise<Response> {
  const channel = await groupDmOf(call);
  await call.ctx.owners.removeGroupDmRecipient(channel.id, call.user.id, idOf(call.params.user_id, "user_id"));
  return noContent();
}

export const DM_ROUTES: readonly RestRoute[] = [
  { template: "/users/@me/channels", methods: { POST: openDm } },
  { template: "/channels/{channel_id}/recipients/{user_id}", methods: { PUT: addRecipient, DELETE: removeRecipient } },
];

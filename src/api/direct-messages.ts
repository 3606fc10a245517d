/**
 * DM channels over REST (docs: user, "Create DM"; channel, "Get Channel"): `POST
 * /users/@me/channels` `{recipient_id}` opens the DM channel of the caller and the recipient,
 * or answers the one they have; `GET /channels/:id` answers it to its recipients. Messages in
 * it go through the message routes (messages.ts), which find the channel by `routedChannelOf` (rest.ts).
 *
 * Opening needs no owner: the store keeps one channel per pair (dm-channels.ts), atomically,
 * so opens on any node answer the same channel. A user (not a bot) that opens it gets
 * CHANNEL_CREATE; a bot gets none, as on Discord since API v8 ("Bots no longer receive
 * Channel Create Gateway Event for DMs"): it learns of a DM from the answer or its first
 * MESSAGE_CREATE.
 */
import { dmChannelJson } from "../guild/direct-messages.ts";
import { Refusal } from "../guild/refusal.ts";
import type { User } from "../store/guild-store.ts";
import { dmPair, type DmChannel } from "../store/dm-channels.ts";
import { snowflake } from "./body-fields.ts";
import { readJsonObject } from "./json-body.ts";
import { ok, type RestCall, type RestRoute } from "./rest.ts";

/** The DM channel object for the caller, with its last message's id. */
async function channelJson(call: RestCall, channel: DmChannel): Promise<Record<string, unknown>> {
  const { store } = call.ctx;
  const [users, [last]] = await Promise.all([
    Promise.all(channel.recipientIds.map((id) => store.getUser(id))),
    store.listMessages(channel.id, { limit: 1 }),
  ]);
  const known = users.filter((user): user is User => user !== undefined);
  return dmChannelJson(channel, known, call.user.id, last?.id ?? null);
}

/** `GET /channels/:id` of a DM channel: the channel, to its recipients. */
export async function getDmChannel(call: RestCall, channel: DmChannel): Promise<Response> {
  return ok(await channelJson(call, channel));
}

/** `POST /users/@me/channels` `{recipient_id}`: 10013 for a user that does not exist, 50007 for the caller itself. */
async function openDm(call: RestCall): Promise<Response> {
  const { ctx, user } = call;
  const body = await readJsonObject(call.request);
  // discord.py sends the id as a JSON number (read exactly: json-body.ts).
  const recipientId = snowflake(typeof body.recipient_id === "number" && Number.isSafeInteger(body.recipient_id) ? String(body.recipient_id) : body.recipient_id, "recipient_id");
  if (recipientId === user.id) throw new Refusal("cannot-message-user", "Cannot send messages to this user");
  if (!(await ctx.store.getUser(recipientId))) throw new Refusal("unknown-user", "Unknown User");
  const channel = await ctx.store.openDmChannel({ id: ctx.ids.next(), recipientIds: dmPair(user.id, recipientId), createdAt: ctx.now() });
  const json = await channelJson(call, channel);
  if (!user.bot) ctx.dispatchToUser(user.id, "CHANNEL_CREATE", JSON.stringify(json));
  return ok(json);
}

export const DM_ROUTES: readonly RestRoute[] = [{ template: "/users/@me/channels", methods: { POST: openDm } }];

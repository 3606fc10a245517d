/**
 * Reactions over REST (docs: resources/message, "Create Reaction" and after): react and take
 * one's reaction back, remove another user's, every user's with one emoji, or all (those need
 * MANAGE_MESSAGES), and list who reacted. The guild's owner checks and dispatches
 * MESSAGE_REACTION_ADD/REMOVE/REMOVE_EMOJI/REMOVE_ALL (GUILD_MESSAGE_REACTIONS) in one step.
 * In a DM, its recipients react and take their reactions back through the DM channel's owner
 * (DIRECT_MESSAGE_REACTIONS); removing another's, or all, is refused there (50003).
 *
 * The emoji in the path is a Unicode emoji (URL-encoded) or `name:id` for a custom one. Guilds
 * here have no custom emojis, so a custom one is unknown (10014), as Discord answers an emoji
 * the bot cannot use.
 */
import { emojiKey, type ReactionEmoji } from "../store/message-records.ts";
import { userObject } from "../guild/user-json.ts";
import { integer, snowflake } from "./body-fields.ts";
import { ApiCode, HttpError } from "./errors.ts";
import { historyReadable } from "./messages.ts";
import { channelOf, noContent, ok, routedChannelOf, type RestCall, type RestRoute } from "./rest.ts";

/** What an emoji in a path must hold to be one: a pictograph, a flag's letters or a keycap. */
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;

/** The path's emoji; 10014 for a custom emoji or a text that is no emoji. */
function emojiOf(call: RestCall): ReactionEmoji {
  const name = call.params.emoji as string;
  if (name.length > 64 || !EMOJI.test(name) || name.includes(":")) throw new HttpError(400, ApiCode.UNKNOWN_EMOJI, "Unknown Emoji");
  return { id: null, name, animated: false };
}

async function react(call: RestCall): Promise<Response> {
  const { kind, channel } = await routedChannelOf(call);
  const emoji = emojiOf(call);
  const messageId = call.params.message_id as string;
  if (kind === "dm") await call.ctx.owners.addDmReaction(channel.id, messageId, call.user.id, emoji);
  else await call.ctx.owners.addReaction(channel.guildId, channel.id, messageId, call.user.id, emoji, false);
  return noContent();
}

/** Takes one's reaction back; in a DM, the only removal there is (Discord: 50003 for the others). */
async function unreact(call: RestCall): Promise<Response> {
  const { kind, channel } = await routedChannelOf(call);
  const emoji = emojiOf(call);
  const messageId = call.params.message_id as string;
  if (kind === "dm") await call.ctx.owners.removeDmReaction(channel.id, messageId, call.user.id, emoji);
  else await call.ctx.owners.removeReactions(channel.guildId, channel.id, messageId, call.user.id, emoji, call.user.id);
  return noContent();
}

/** Removes reactions (MANAGE_MESSAGES): another user's with the emoji, everyone's with it, or all (no emoji). */
function remove(whose: "user" | "emoji" | "all"): (call: RestCall) => Promise<Response> {
  return async (call) => {
    const channel = await channelOf(call);
    const emoji = whose === "all" ? undefined : emojiOf(call);
    const userId = whose === "user" ? (call.params.user_id as string) : undefined;
    await call.ctx.owners.removeReactions(channel.guildId, channel.id, call.params.message_id as string, call.user.id, emoji, userId);
    return noContent();
  };
}

/** `GET .../reactions/:emoji`: the users who reacted so, `type` 0 (normal) or 1 (burst), `after`, `limit` 1..100 (25). */
async function reactors(call: RestCall): Promise<Response> {
  const channelId = await historyReadable(call);
  const emoji = emojiOf(call);
  const query = call.url.searchParams;
  const type = query.has("type") ? integer(Number(query.get("type")), "type", 0, 1) : 0;
  const limit = query.has("limit") ? integer(Number(query.get("limit")), "limit", 1, 100) : 25;
  const after = query.has("after") ? snowflake(query.get("after"), "after") : undefined;
  const { store } = call.ctx;
  const messageId = call.params.message_id as string;
  if (!(await store.getMessage(channelId, messageId))) throw new HttpError(404, ApiCode.UNKNOWN_MESSAGE, "Unknown Message");
  const users = await store.listReactors(channelId, messageId, emojiKey(emoji), type === 1, limit, after);
  return ok(users.map(userObject));
}

const AT = "/channels/{channel_id}/messages/{message_id}/reactions";

export const REACTION_ROUTES: readonly RestRoute[] = [
  { template: `${AT}/{emoji}/@me`, methods: { PUT: react, DELETE: unreact } },
  { template: `${AT}/{emoji}/{user_id}`, methods: { DELETE: remove("user") } },
  { template: `${AT}/{emoji}`, methods: { GET: reactors, DELETE: remove("emoji") } },
  { template: AT, methods: { DELETE: remove("all") } },
];

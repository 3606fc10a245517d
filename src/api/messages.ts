/**
 * `POST /api/v{9,10}/channels/:id/messages`, Discord-compatible, so a chat works with
 * nothing but the binary and clients: the caller's client token (`Bot`/`Bearer`/raw), VIEW_CHANNEL
 * and SEND_MESSAGES in the channel, then MESSAGE_CREATE to every session that can view the
 * channel (content emptied for those without MESSAGE_CONTENT) and the message as the reply.
 * Messages are not stored: guildgate is a gateway, not a message database.
 *
 * Body: `{content, nonce?, tts?}`; content is 1–2000 characters.
 */
import type { Owners } from "../cluster/owner-api.ts";
import { GuildUnavailableError } from "../guild/guilds.ts";
import { memberJson } from "../guild/guild-json.ts";
import { Permission } from "../guild/permissions.ts";
import { userObject } from "../guild/user-json.ts";
import type { GuildStore } from "../store/guild-store.ts";
import type { TokenVerifier } from "../session/auth.ts";
import { bool, text } from "./body-fields.ts";
import { ApiCode, errorResponse, HttpError, invalidField, methodNotAllowed, unauthorized } from "./errors.ts";
import { readJsonObject } from "./json-body.ts";
import type { SnowflakeGenerator } from "./snowflake.ts";
import { jsonResponse } from "../protocol/json-response.ts";
import { discordTimestamp } from "../protocol/timestamp.ts";

export interface MessageContext {
  store: GuildStore;
  /** The guild owners' operations, wherever they run. */
  owners: Owners;
  ids: SnowflakeGenerator;
  verifyToken: TokenVerifier;
  now?: () => number;
}

const PATH = /^\/api\/v(?:9|10)\/channels\/(\d{1,20})\/messages$/;
const NEEDED = Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES;

export function createMessageRoutes(ctx: MessageContext): (request: Request, url: URL) => Promise<Response | undefined> {
  return async (request, url) => {
    const match = PATH.exec(url.pathname);
    if (!match) return undefined;
    if (request.method !== "POST") return methodNotAllowed("POST");
    try {
      return await createMessage(ctx, request, match[1] as string);
    } catch (error) {
      if (error instanceof HttpError) return errorResponse(error.status, error.code, error.message);
      if (error instanceof GuildUnavailableError) return errorResponse(503, ApiCode.GENERAL, error.message);
      throw error;
    }
  };
}

async function createMessage(ctx: MessageContext, request: Request, channelId: string): Promise<Response> {
  const token = request.headers.get("authorization");
  const user = token ? ctx.verifyToken(token) : undefined;
  if (!user) return unauthorized();
  const channel = ctx.store.getChannel(channelId);
  if (!channel) throw new HttpError(404, ApiCode.UNKNOWN_CHANNEL, "Unknown Channel");
  const permissions = await ctx.owners.permissionsIn(channel.guildId, channel.id, user.id);
  if (permissions === undefined || (permissions & Permission.VIEW_CHANNEL) === 0n) {
    throw new HttpError(403, ApiCode.MISSING_ACCESS, "Missing Access");
  }
  if ((permissions & NEEDED) !== NEEDED) throw new HttpError(403, ApiCode.MISSING_PERMISSIONS, "Missing Permissions");

  const body = await readJsonObject(request, 16 * 1024);
  if (body.content === undefined || body.content === "") {
    throw new HttpError(400, ApiCode.CANNOT_SEND_EMPTY_MESSAGE, "Cannot send an empty message");
  }
  const content = text(body.content, "content", 1, 2000);
  const nonce = body.nonce;
  if (nonce !== undefined && !(typeof nonce === "string" && nonce.length <= 25) && !Number.isSafeInteger(nonce)) {
    throw invalidField("nonce", "must be a string of at most 25 characters or an integer");
  }
  const tts = body.tts === undefined ? false : bool(body.tts, "tts");
  const member = await ctx.owners.member(channel.guildId, user.id);
  // MESSAGE_CREATE's member is the partial member: no `user` (that is `author`).
  const { user: _author, ...memberFields } = member ? memberJson(member.member, member.user) : {};
  const message: Record<string, unknown> = {
    id: ctx.ids.next(),
    type: 0,
    channel_id: channel.id,
    guild_id: channel.guildId,
    author: userObject(user),
    member: memberFields,
    content,
    timestamp: discordTimestamp((ctx.now ?? Date.now)()),
    edited_timestamp: null,
    tts,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    mention_channels: [],
    attachments: [],
    embeds: [],
    reactions: [],
    pinned: false,
    flags: 0,
    components: [],
  };
  if (nonce !== undefined) message.nonce = nonce;
  await ctx.owners.dispatch(channel.guildId, "MESSAGE_CREATE", message, channel.id);
  return jsonResponse(message);
}

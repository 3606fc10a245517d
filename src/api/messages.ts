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
import { Refusal } from "../guild/refusal.ts";
import type { GuildStore } from "../store/guild-store.ts";
import type { TokenVerifier } from "../session/auth.ts";
import { bool, text } from "./body-fields.ts";
import { ApiCode, HttpError, invalidField, methodNotAllowed, unauthorized } from "./errors.ts";
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

export function createMessageRoutes(ctx: MessageContext): (request: Request, url: URL) => Promise<Response | undefined> {
  return async (request, url) => {
    const match = PATH.exec(url.pathname);
    if (!match) return undefined;
    if (request.method !== "POST") return methodNotAllowed("POST");
    return createMessage(ctx, request, match[1] as string);
  };
}

/** Checks the body here; the guild's owner checks the author's permissions and dispatches, in one call. */
async function createMessage(ctx: MessageContext, request: Request, channelId: string): Promise<Response> {
  const token = request.headers.get("authorization");
  const author = token ? await ctx.verifyToken(token) : undefined;
  if (!author) return unauthorized();
  const channel = await ctx.store.getChannel(channelId);
  if (!channel) throw new Refusal("unknown-channel", "Unknown Channel");
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
  const message = await ctx.owners.createMessage(channel.guildId, channel.id, author, {
    id: ctx.ids.next(),
    content,
    nonce: nonce as string | number | undefined,
    tts,
    timestamp: discordTimestamp((ctx.now ?? Date.now)()),
  });
  return jsonResponse(message);
}

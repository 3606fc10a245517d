/**
 * The routes an application answers an interaction by, which take its token instead of an
 * Authorization header, as on Discord (docs: interactions/receiving-and-responding):
 * - `POST /interactions/:id/:token/callback`: the initial response, within 3 s of the
 *   interaction's creation (after: 404 10062); `?with_response=true` answers 200 with the
 *   interaction callback response, else 204; an autocomplete's is its choices (type 8), and
 *   it has no webhook (the routes below answer 10015);
 * - `POST /webhooks/:app/:token`: a follow-up message (`?wait=true`: 200 with it, else 204);
 * - `GET`, `PATCH`, `DELETE /webhooks/:app/:token/messages/@original` and `/messages/:id`:
 *   the original response and the follow-ups; these for 15 minutes (after: 401 50027).
 * The token is checked here, with no lookup (interaction-tokens.ts); the request is then one
 * call to the guild's owner, which holds the interaction (guild/interactions.ts).
 */
import type { InteractionResponse, ResponseMessage } from "../guild/interactions.ts";
import { INITIAL_RESPONSE_MS, INTERACTION_LIFETIME_MS, MessageFlag } from "../guild/interactions.ts";
import { Refusal } from "../guild/refusal.ts";
import { isObject } from "../protocol/fields.ts";
import { snowflakeTime } from "../protocol/timestamp.ts";
import type { AttachmentUpload } from "../guild/message-rules.ts";
import { isMultipart, readUpload } from "./attachments.ts";
import { integer, text } from "./body-fields.ts";
import { readAutocompleteChoices } from "./command-body.ts";
import { ApiCode, HttpError, invalidField, methodNotAllowed } from "./errors.ts";
import type { Routes } from "./http.ts";
import type { InteractionRef } from "./interaction-tokens.ts";
import { readJsonObject } from "./json-body.ts";
import { readMessageCreate, readMessageEdit } from "./message-body.ts";
import { noContent, ok, queryFlag, type RestContext } from "./rest.ts";

type Json = Record<string, unknown>;
type Context = Pick<RestContext, "owners" | "ids" | "attachments" | "interactionTokens" | "now">;

/** Largest body read: a message's (messages.ts). */
const MAX_BODY_BYTES = 256 * 1024;

/** Any token-like segment: interaction-tokens.ts decides (10062, 50027), as Discord answers a bad token. */
const TOKEN = "([\\w.-]{1,300})";
const CALLBACK = new RegExp(`^/api/v(?:9|10)/interactions/(\\d{1,20})/${TOKEN}/callback$`);
const WEBHOOK = new RegExp(`^/api/v(?:9|10)/webhooks/(\\d{1,20})/${TOKEN}(?:/messages/(@original|%40original|\\d{1,20}))?$`);

export function createInteractionWebhookRoutes(ctx: Context): Routes {
  return async (request, url) => {
    const callback = CALLBACK.exec(url.pathname);
    if (callback) {
      if (request.method !== "POST") return methodNotAllowed("POST");
      return respond(ctx, request, url, callback[1] as string, callback[2] as string);
    }
    const webhook = WEBHOOK.exec(url.pathname);
    if (!webhook) return undefined;
    const [, applicationId, token, named] = webhook as unknown as [string, string, string, string | undefined];
    // SDKs send `@original` URL-encoded (discord.js: `%40original`).
    const which: ResponseMessage | undefined = named === "%40original" ? "@original" : named;
    if (which === undefined && request.method !== "POST") return methodNotAllowed("POST");
    if (which !== undefined && !["GET", "HEAD", "PATCH", "DELETE"].includes(request.method)) return methodNotAllowed("GET, HEAD, PATCH, DELETE");
    const ref = webhookRef(ctx, applicationId, token);
    const key = { id: ref.id, applicationId, channelId: ref.channelId };
    const { owners, now } = ctx;
    if (which === undefined) {
      const { body, uploads } = await messageBody(ctx, request, ref);
      const message = await owners.followUp(ref.guildId, key, readMessageCreate(body, ctx.ids.next(), ref.channelId, uploads, MessageFlag.EPHEMERAL), now());
      return queryFlag(url, "wait") ? ok(message) : noContent();
    }
    switch (request.method) {
      case "PATCH": {
        const { body, uploads, indices } = await messageBody(ctx, request, ref);
        return ok(await owners.editResponse(ref.guildId, key, which, readMessageEdit(body, uploads, indices), now()));
      }
      case "DELETE":
        await owners.deleteResponse(ref.guildId, key, which, now());
        return noContent();
      default:
        return ok(await owners.readResponse(ref.guildId, key, which, now()));
    }
  };
}

/** The initial response: its token must name interaction `id`, and come within 3 s of it. */
async function respond(ctx: Context, request: Request, url: URL, id: string, token: string): Promise<Response> {
  const ref = ctx.interactionTokens.verify(token);
  if (ref?.id !== id || ctx.now() - snowflakeTime(id) > INITIAL_RESPONSE_MS) throw new Refusal("unknown-interaction", "Unknown interaction");
  const { body, uploads, indices } = await messageBody(ctx, request, ref);
  const answer = await ctx.owners.respond(ref.guildId, { id, applicationId: ref.applicationId, channelId: ref.channelId }, readResponse(ctx, ref, body, uploads, indices), ctx.now());
  return queryFlag(url, "with_response") ? ok(answer) : noContent();
}

/** A callback's body (docs: "Interaction Response Structure"): its type, and its data as that type takes it. */
function readResponse(ctx: Context, ref: InteractionRef, body: Json, uploads: readonly AttachmentUpload[], indices: readonly string[]): InteractionResponse {
  const type = integer(body.type, "type", 1, 12);
  const data = body.data === undefined || body.data === null ? {} : body.data;
  if (!isObject(data)) throw invalidField("data", "must be an object");
  switch (type) {
    case 1:
    case 6:
      return { type };
    case 4:
      return { type, message: readMessageCreate(data, ctx.ids.next(), ref.channelId, uploads, MessageFlag.EPHEMERAL) };
    case 5: {
      const flags = data.flags === undefined || data.flags === null ? 0 : integer(data.flags, "data.flags", 0, 2 ** 31 - 1);
      return { type, messageId: ctx.ids.next(), ephemeral: (flags & MessageFlag.EPHEMERAL) !== 0 };
    }
    case 7:
      return { type, edit: readMessageEdit(data, uploads, indices) };
    case 8:
      return { type, choices: readAutocompleteChoices(data.choices, "data.choices") };
    case 9: {
      text(data.title, "data.title", 1, 45);
      if (!Array.isArray(data.components) || data.components.length < 1 || data.components.length > 5) throw invalidField("data.components", "must be an array of 1 to 5 components");
      return { type, customId: text(data.custom_id, "data.custom_id", 1, 100) };
    }
    default:
      throw invalidField("type", "must be 1, 4, 5, 6, 7, 8 or 9 (premium and activity responses are not served)");
  }
}

/** The interaction a webhook route's token names: this application's, within 15 minutes (else 401 50027). */
function webhookRef(ctx: Context, applicationId: string, token: string): InteractionRef {
  const ref = ctx.interactionTokens.verify(token);
  if (ref?.applicationId !== applicationId || ctx.now() - snowflakeTime(ref.id) > INTERACTION_LIFETIME_MS) {
    throw new HttpError(401, ApiCode.INVALID_WEBHOOK_TOKEN, "Invalid Webhook Token");
  }
  return ref;
}

/** A message body (a callback's, a webhook's): JSON, or multipart with files (named by their form parts, or by the body's top-level `attachments`). */
async function messageBody(ctx: Context, request: Request, ref: InteractionRef): Promise<{ body: Json; uploads: AttachmentUpload[]; indices: string[] }> {
  if (isMultipart(request)) return readUpload(request, ref.channelId, ctx.ids, ctx.attachments);
  return { body: await readJsonObject(request, MAX_BODY_BYTES), uploads: [], indices: [] };
}

/**
 * The bodies of `POST` and `PATCH /channels/:id/messages[/:id]` read as Discord reads them
 * (docs: message resource, "Create Message" and "Edit Message"): every field's type and
 * bounds, each failure a 400 naming the field (50035). Fields guildgate does not know are
 * ignored, as SDKs send some (`attachments: []`). Embeds and components are kept as sent,
 * within Discord's bounds.
 */
import type { AllowedMentions, MentionKind } from "../guild/mentions.ts";
import type { AttachmentUpload, MessageEdit, MessageRequest, ReplyReference } from "../guild/message-rules.ts";
import { isObject } from "../protocol/fields.ts";
import { bool, integer, snowflake, text } from "./body-fields.ts";
import { ApiCode, HttpError, invalidField } from "./errors.ts";

type Json = Record<string, unknown>;

/** Flags a sender may set: SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS, IS_VOICE_MESSAGE, IS_COMPONENTS_V2. */
const CREATE_FLAGS = (1 << 2) | (1 << 12) | (1 << 13) | (1 << 15);
const IS_COMPONENTS_V2 = 1 << 15;
const MENTION_KINDS: readonly MentionKind[] = ["users", "roles", "everyone"];
/** Most new files an edit may add (as a send). */
const MAX_NEW_FILES = 10;

/**
 * A send's body; `id` is the new message's, `uploads` the files sent with it (api/attachments.ts),
 * `moreFlags` the flags this kind of send may set besides a message's (EPHEMERAL for an interaction's).
 */
export function readMessageCreate(body: Json, id: string, channelId: string, uploads: readonly AttachmentUpload[] = [], moreFlags = 0): MessageRequest {
  const content = body.content === undefined || body.content === null ? "" : text(body.content, "content", 0, 2000);
  const embeds = body.embeds === undefined || body.embeds === null ? [] : readEmbeds(body.embeds);
  const components = body.components === undefined || body.components === null ? [] : readComponents(body.components);
  if (Array.isArray(body.sticker_ids) && body.sticker_ids.length > 0) throw new HttpError(400, ApiCode.UNKNOWN_STICKER, "Unknown Sticker");
  if (content === "" && embeds.length === 0 && components.length === 0 && uploads.length === 0) {
    throw new HttpError(400, ApiCode.CANNOT_SEND_EMPTY_MESSAGE, "Cannot send an empty message");
  }
  const flags = readFlags(body.flags, CREATE_FLAGS | moreFlags) ?? 0;
  if ((flags & IS_COMPONENTS_V2) !== 0 && (content !== "" || embeds.length > 0)) {
    throw invalidField("flags", "IS_COMPONENTS_V2 messages may only hold components");
  }
  const nonce = body.nonce ?? undefined;
  if (nonce !== undefined && !(typeof nonce === "string" && nonce.length <= 25) && !Number.isSafeInteger(nonce)) {
    throw invalidField("nonce", "must be a string of at most 25 characters or an integer");
  }
  return {
    id,
    content,
    ...(nonce !== undefined && { nonce: nonce as string | number }),
    enforceNonce: body.enforce_nonce === undefined || body.enforce_nonce === null ? false : bool(body.enforce_nonce, "enforce_nonce"),
    tts: body.tts === undefined || body.tts === null ? false : bool(body.tts, "tts"),
    embeds,
    components,
    flags,
    ...optionalAllowedMentions(body.allowed_mentions),
    ...(body.message_reference !== undefined && body.message_reference !== null && { reference: readReference(body.message_reference, channelId) }),
    attachments: uploads,
  };
}

/**
 * An edit's body: absent fields stay, null ones are emptied. `uploads` are the files sent with
 * it, `indices` their `files[n]` numbers; `attachments`, when given, lists every file the
 * message keeps (Discord v10): its attachments' ids and the new files' numbers.
 */
export function readMessageEdit(body: Json, uploads: readonly AttachmentUpload[] = [], indices: readonly string[] = []): MessageEdit {
  let kept: { keepAttachments?: string[]; uploads?: AttachmentUpload[] } = uploads.length > 0 ? { uploads: [...uploads] } : {};
  if (body.attachments !== undefined && body.attachments !== null) {
    const named = list(body.attachments, "attachments", 10 + MAX_NEW_FILES, (item, field) => {
      if (!isObject(item) || (typeof item.id !== "string" && typeof item.id !== "number")) throw invalidField(`${field}.id`, "must be an attachment id or a file's number");
      return String(item.id);
    });
    kept = {
      keepAttachments: named.filter((id) => !indices.includes(id)).map((id) => snowflake(id, "attachments[].id")),
      uploads: uploads.filter((_, i) => named.includes(indices[i] as string)),
    };
  }
  return {
    ...kept,
    ...(body.content !== undefined && { content: body.content === null ? null : text(body.content, "content", 0, 2000) }),
    ...(body.embeds !== undefined && { embeds: body.embeds === null ? null : readEmbeds(body.embeds) }),
    ...(body.components !== undefined && { components: body.components === null ? null : readComponents(body.components) }),
    // The owner keeps the bits an edit may not change (message-rules.ts).
    ...(body.flags !== undefined && { flags: body.flags === null ? null : integer(body.flags, "flags", 0, 2 ** 31 - 1) }),
    ...optionalAllowedMentions(body.allowed_mentions),
  };
}

function readFlags(value: unknown, allowed: number): number | null {
  if (value === undefined || value === null) return null;
  const flags = integer(value, "flags", 0, 2 ** 31 - 1);
  if ((flags & ~allowed) !== 0) throw invalidField("flags", `may only set ${allowed} (SUPPRESS_EMBEDS and the like)`);
  return flags;
}

function optionalAllowedMentions(value: unknown): { allowedMentions?: AllowedMentions } {
  return value === undefined || value === null ? {} : { allowedMentions: readAllowedMentions(value) };
}

function readAllowedMentions(value: unknown): AllowedMentions {
  if (!isObject(value)) throw invalidField("allowed_mentions", "must be an object");
  const parse = value.parse === undefined ? [] : list(value.parse, "allowed_mentions.parse", 3, (kind, field) => {
    if (!MENTION_KINDS.includes(kind as MentionKind)) throw invalidField(field, `must be one of ${MENTION_KINDS.join(", ")}`);
    return kind as MentionKind;
  });
  const users = value.users === undefined ? [] : list(value.users, "allowed_mentions.users", 100, snowflake);
  const roles = value.roles === undefined ? [] : list(value.roles, "allowed_mentions.roles", 100, snowflake);
  if (parse.includes("users") && users.length > 0) throw invalidField("allowed_mentions.parse", "users and allowed_mentions.users are mutually exclusive");
  if (parse.includes("roles") && roles.length > 0) throw invalidField("allowed_mentions.parse", "roles and allowed_mentions.roles are mutually exclusive");
  const repliedUser = value.replied_user === undefined ? false : bool(value.replied_user, "allowed_mentions.replied_user");
  return { parse, users, roles, repliedUser };
}

function readReference(value: unknown, channelId: string): ReplyReference {
  if (!isObject(value)) throw invalidField("message_reference", "must be an object");
  if (value.type !== undefined && value.type !== 0) throw invalidField("message_reference.type", "must be 0 (a reply): forwards are not supported");
  if (value.channel_id !== undefined && snowflake(value.channel_id, "message_reference.channel_id") !== channelId) {
    throw invalidField("message_reference.channel_id", "must be the channel the reply is sent in");
  }
  return {
    messageId: snowflake(value.message_id, "message_reference.message_id"),
    failIfNotExists: value.fail_if_not_exists === undefined ? true : bool(value.fail_if_not_exists, "message_reference.fail_if_not_exists"),
  };
}

/** Discord's embed limits: 10 embeds, and per embed title 256, description 4096, 25 fields; 6000 characters in all. */
function readEmbeds(value: unknown): Json[] {
  let total = 0;
  const embeds = list(value, "embeds", 10, (embed, field) => {
    if (!isObject(embed)) throw invalidField(field, "must be an object");
    const length = (key: string, max: number, of: Json = embed, at = `${field}.${key}`): void => {
      if (of[key] === undefined || of[key] === null) return;
      total += text(of[key], at, 0, max).length;
    };
    length("title", 256);
    length("description", 4096);
    if (isObject(embed.footer)) length("text", 2048, embed.footer, `${field}.footer.text`);
    if (isObject(embed.author)) length("name", 256, embed.author, `${field}.author.name`);
    if (embed.fields !== undefined) {
      list(embed.fields, `${field}.fields`, 25, (item, at) => {
        if (!isObject(item)) throw invalidField(at, "must be an object");
        length("name", 256, item, `${at}.name`);
        length("value", 1024, item, `${at}.value`);
        return item;
      });
    }
    // "type: rich regardless of if you try to set it" (docs: "Create Message", limitations).
    return { ...embed, type: "rich" };
  });
  if (total > 6000) throw invalidField("embeds", "must hold at most 6000 characters in all");
  return embeds;
}

/** Components as sent: up to 40 (Components V2's bound; 5 rows before it), each an object with an integer `type`. */
function readComponents(value: unknown): Json[] {
  return list(value, "components", 40, (component, field) => {
    if (!isObject(component)) throw invalidField(field, "must be an object");
    integer(component.type, `${field}.type`, 1, 255);
    return { ...component };
  });
}

function list<T>(value: unknown, field: string, max: number, item: (value: unknown, field: string) => T): T[] {
  if (!Array.isArray(value) || value.length > max) throw invalidField(field, `must be an array of at most ${max} items`);
  return value.map((each, i) => item(each, `${field}[${i}]`));
}

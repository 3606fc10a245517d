/**
 * HTTP failures, in one place: routes throw `HttpError`, owner operations throw `Refusal`
 * (guild/refusal.ts), `GuildUnavailableError` or `GuildFencedError`, and `errorAnswer` turns each into a
 * `{code, message}` JSON body with its status, as Discord's REST API shapes errors
 * (api/http.ts calls it once for every route). Codes follow Discord's JSON error codes.
 */
import { GuildMovedError, GuildUnavailableError } from "../guild/guilds.ts";
import { Refusal, type RefusalReason } from "../guild/refusal.ts";
import { GuildFencedError } from "../store/guild-store.ts";
import { BusError } from "../cluster/bus.ts";
import { jsonResponse } from "../protocol/json-response.ts";

/** Discord JSON error codes used here. */
export const ApiCode = {
  GENERAL: 0,
  UNKNOWN_APPLICATION: 10002,
  UNKNOWN_CHANNEL: 10003,
  UNKNOWN_GUILD: 10004,
  UNKNOWN_MEMBER: 10007,
  UNKNOWN_MESSAGE: 10008,
  UNKNOWN_ROLE: 10011,
  UNKNOWN_USER: 10013,
  UNKNOWN_EMOJI: 10014,
  UNKNOWN_WEBHOOK: 10015,
  UNKNOWN_ASSET: 10021,
  UNKNOWN_STICKER: 10060,
  UNKNOWN_INTERACTION: 10062,
  UNKNOWN_APPLICATION_COMMAND: 10063,
  UNKNOWN_APPLICATION_COMMAND_PERMISSIONS: 10066,
  BOTS_CANNOT_USE_ENDPOINT: 20001,
  MAX_PINS: 30003,
  MAX_RECIPIENTS: 30004,
  MAX_REACTIONS: 30010,
  MAX_GUILD_MEMBERS: 30019,
  MAX_APPLICATION_COMMANDS: 30032,
  REQUEST_ENTITY_TOO_LARGE: 40005,
  OWNS_GUILDS: 40011,
  INTERACTION_ACKNOWLEDGED: 40060,
  MISSING_ACCESS: 50001,
  CANNOT_EXECUTE_ON_DM: 50003,
  CANNOT_EDIT_OTHERS_MESSAGE: 50005,
  CANNOT_MESSAGE_USER: 50007,
  CANNOT_SEND_EMPTY_MESSAGE: 50006,
  CANNOT_SEND_IN_NON_TEXT_CHANNEL: 50008,
  MISSING_PERMISSIONS: 50013,
  INVALID_OAUTH2_ACCESS_TOKEN: 50025,
  INVALID_RECIPIENTS: 50033,
  BULK_DELETE_COUNT: 50016,
  SYSTEM_MESSAGE: 50021,
  INVALID_CHANNEL_TYPE: 50024,
  BULK_DELETE_TOO_OLD: 50034,
  INVALID_WEBHOOK_TOKEN: 50027,
  INVALID_FORM_BODY: 50035,
  ARCHIVED_THREAD: 50083,
  INVALID_JSON: 50109,
  THREAD_EXISTS: 160004,
} as const;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    /** For 50035: the body field at fault (e.g. "embeds[0].title"), named in the answer's `errors`. */
    readonly field?: string,
    /** What `errors` says of the field; by default BASE_TYPE_INVALID with `message`. */
    readonly fieldError?: FieldError,
  ) {
    super(message);
  }
}

/** One entry of a field's `_errors`: Discord's error name (e.g. "APPLICATION_COMMANDS_DUPLICATE_NAME") and what it says. */
export interface FieldError {
  readonly code: string;
  readonly message: string;
}

/** `{code, message}`, and for a field at fault Discord's `errors`: the field's path as nested keys, then `_errors`. */
export function errorResponse(status: number, code: number, message: string, field?: string, fieldError?: FieldError): Response {
  if (field === undefined) return jsonResponse({ code, message }, { status });
  return jsonResponse({ code, message, errors: fieldErrors(field, fieldError ?? { code: "BASE_TYPE_INVALID", message }) }, { status });
}

/** `embeds[0].title` -> `{embeds: {"0": {title: {_errors: [{code, message}]}}}}`, as Discord nests them; `""` is the body itself. */
export function fieldErrors(field: string, error: FieldError): Record<string, unknown> {
  const path = field.split(/[.[\]]+/).filter((part) => part !== "");
  let errors: Record<string, unknown> = { _errors: [{ code: error.code, message: error.message }] };
  for (const key of path.reverse()) errors = { [key]: errors };
  return errors;
}

export const unauthorized = (): Response => errorResponse(401, ApiCode.GENERAL, "401: Unauthorized");
export const notFound = (): Response => errorResponse(404, ApiCode.GENERAL, "404: Not Found");
export const methodNotAllowed = (allow: string): Response => {
  const response = errorResponse(405, ApiCode.GENERAL, "405: Method Not Allowed");
  response.headers.set("Allow", allow);
  return response;
};

/** A field that failed validation: 400 naming the field. */
export function invalidField(field: string, problem: string): HttpError {
  return new HttpError(400, ApiCode.INVALID_FORM_BODY, `Invalid Form Body: ${field} ${problem}`, field);
}

/** Each refusal's HTTP status and Discord code. */
const REFUSALS: Record<RefusalReason, [status: number, code: number]> = {
  "unknown-guild": [404, ApiCode.UNKNOWN_GUILD],
  "unknown-role": [404, ApiCode.UNKNOWN_ROLE],
  "unknown-channel": [404, ApiCode.UNKNOWN_CHANNEL],
  "unknown-member": [404, ApiCode.UNKNOWN_MEMBER],
  "unknown-user": [404, ApiCode.UNKNOWN_USER],
  "invalid-field": [400, ApiCode.INVALID_FORM_BODY],
  conflict: [409, ApiCode.GENERAL],
  "missing-access": [403, ApiCode.MISSING_ACCESS],
  "missing-permissions": [403, ApiCode.MISSING_PERMISSIONS],
  "unknown-message": [404, ApiCode.UNKNOWN_MESSAGE],
  "unknown-emoji": [400, ApiCode.UNKNOWN_EMOJI],
  "non-text-channel": [400, ApiCode.CANNOT_SEND_IN_NON_TEXT_CHANNEL],
  "others-message": [403, ApiCode.CANNOT_EDIT_OTHERS_MESSAGE],
  "system-message": [400, ApiCode.SYSTEM_MESSAGE],
  "empty-message": [400, ApiCode.CANNOT_SEND_EMPTY_MESSAGE],
  "bulk-delete-too-old": [400, ApiCode.BULK_DELETE_TOO_OLD],
  "max-pins": [400, ApiCode.MAX_PINS],
  "max-reactions": [400, ApiCode.MAX_REACTIONS],
  "cannot-message-user": [403, ApiCode.CANNOT_MESSAGE_USER],
  "dm-channel": [403, ApiCode.CANNOT_EXECUTE_ON_DM],
  "unknown-interaction": [404, ApiCode.UNKNOWN_INTERACTION],
  "interaction-acknowledged": [400, ApiCode.INTERACTION_ACKNOWLEDGED],
  "unknown-webhook": [404, ApiCode.UNKNOWN_WEBHOOK],
  "unknown-application": [404, ApiCode.UNKNOWN_APPLICATION],
  "unknown-command": [404, ApiCode.UNKNOWN_APPLICATION_COMMAND],
  "max-recipients": [400, ApiCode.MAX_RECIPIENTS],
  "invalid-recipients": [400, ApiCode.INVALID_RECIPIENTS],
  "invalid-channel-type": [400, ApiCode.INVALID_CHANNEL_TYPE],
  "archived-thread": [400, ApiCode.ARCHIVED_THREAD],
  "thread-exists": [400, ApiCode.THREAD_EXISTS],
};

/** The answer to an error a route threw; undefined for an unexpected one (an internal error). */
export function errorAnswer(error: unknown): Response | undefined {
  if (error instanceof HttpError) return errorResponse(error.status, error.code, error.message, error.field, error.fieldError);
  if (error instanceof Refusal) {
    const [status, code] = REFUSALS[error.reason];
    if (error.reason !== "invalid-field") return errorResponse(status, code, error.message);
    return errorResponse(status, code, `Invalid Form Body: ${error.message}`, error.field);
  }
  // Too many guild loads in flight: bail early, the caller retries.
  if (error instanceof GuildUnavailableError) return errorResponse(503, ApiCode.GENERAL, error.message);
  // This worker lost the guild to a later owner: nothing was written; the caller retries.
  if (error instanceof GuildFencedError) return errorResponse(503, ApiCode.GENERAL, `guild ${error.guildId} moved to another owner; retry`);
  // The guild kept moving (or its owner kept failing) for as long as guildgate retried.
  if (error instanceof GuildMovedError) return errorResponse(503, ApiCode.GENERAL, `guild ${error.guildId} is moving between owners; retry`);
  if (error instanceof BusError && (error.code === "peer-gone" || error.code === "timeout")) return errorResponse(503, ApiCode.GENERAL, "a node did not answer; retry");
  return undefined;
}

/**
 * HTTP failures, in one place: inner code throws `HttpError`, and routes turn
 * it into a `{code, message}` JSON body with its status, as Discord's REST API
 * shapes errors. Codes follow Discord's JSON error codes where one fits.
 */
import { jsonResponse } from "../protocol/json-response.ts";

/** Discord JSON error codes used here. */
export const ApiCode = {
  GENERAL: 0,
  UNKNOWN_CHANNEL: 10003,
  UNKNOWN_GUILD: 10004,
  UNKNOWN_MEMBER: 10007,
  UNKNOWN_ROLE: 10011,
  UNKNOWN_USER: 10013,
  REQUEST_ENTITY_TOO_LARGE: 40005,
  MISSING_ACCESS: 50001,
  CANNOT_SEND_EMPTY_MESSAGE: 50006,
  MISSING_PERMISSIONS: 50013,
  INVALID_FORM_BODY: 50035,
  INVALID_JSON: 50109,
} as const;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export function errorResponse(status: number, code: number, message: string): Response {
  return jsonResponse({ code, message }, { status });
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
  return new HttpError(400, ApiCode.INVALID_FORM_BODY, `Invalid Form Body: ${field} ${problem}`);
}

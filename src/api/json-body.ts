/**
 * Request bodies: JSON objects read with a byte limit that holds before and while
 * reading. A declared Content-Length over the limit is refused before any of the
 * body is read; a streamed (chunked) body is refused as soon as it passes it. Bytes
 * that are not UTF-8 are refused, never replaced, so what is stored is what was sent.
 */
import { parseJson } from "../protocol/parse-json.ts";
import { ApiCode, errorResponse, HttpError } from "./errors.ts";

/** Largest body any route reads but an upload (a dispatch's `d`), bytes; the transports refuse larger ones unread. */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The transports' answer to a body over MAX_REQUEST_BODY_BYTES. */
export function payloadTooLarge(): Response {
  const response = errorResponse(413, ApiCode.REQUEST_ENTITY_TOO_LARGE, "Request entity too large");
  // The rest of the body is not read: the connection ends with the answer.
  response.headers.set("connection", "close");
  return response;
}

/**
 * Reads a JSON object body of at most `maxBytes`, or throws a 400/413. With
 * `emptyIsObject`, an empty body reads as `{}` (for routes whose fields are all optional).
 */
export async function readJsonObject(
  request: Request,
  maxBytes = 64 * 1024,
  emptyIsObject = false,
): Promise<Record<string, unknown>> {
  const body = await readJson(request, maxBytes, emptyIsObject ? {} : undefined);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, ApiCode.INVALID_FORM_BODY, "Invalid Form Body: the body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

/** Reads a JSON body of at most `maxBytes` (any JSON value), or throws a 400/413; an empty body is `empty` if given. */
export async function readJson(request: Request, maxBytes: number, empty?: unknown): Promise<unknown> {
  let text: string;
  try {
    text = utf8.decode(await readCapped(request, maxBytes));
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, ApiCode.INVALID_JSON, "The request body contains invalid JSON: it is not UTF-8.");
  }
  if (empty !== undefined && text.trim() === "") return empty;
  try {
    // Snowflakes sent as JSON numbers (discord.py sends ids so) stay exact, as decimal strings.
    return parseJson(text);
  } catch {
    throw new HttpError(400, ApiCode.INVALID_JSON, "The request body contains invalid JSON.");
  }
}

/** The body's bytes; a 413 once it declares or streams more than `maxBytes` (and no more is read). */
export async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = (): HttpError => new HttpError(413, ApiCode.REQUEST_ENTITY_TOO_LARGE, `Request entity too large: at most ${maxBytes} bytes`);
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes) throw tooLarge();
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Leaving the loop early (the throw) cancels the stream.
  for await (const chunk of request.body) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * JSON HTTP answers as Discord sends them: `Content-Type: application/json`, exactly.
 * Bun's `Response.json` says `application/json;charset=utf-8`, and discord.py parses a body
 * as JSON only when the header is exactly `application/json` (http.py `json_or_text`): its
 * login read the text body as the user and failed with `TypeError: string indices must be
 * integers`. Every JSON answer (REST, ingress, errors, health) is built here.
 */

/** A Response with `body` as JSON and `status` (default 200). */
export function jsonResponse(body: unknown, init: { status?: number } = {}): Response {
  return new Response(JSON.stringify(body), { status: init.status ?? 200, headers: { "content-type": "application/json" } });
}

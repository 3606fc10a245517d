/** A JSON call to a running gateway's HTTP side, for tests: status and parsed body. */
export type Json = Record<string, unknown>;

export async function callJson(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  auth = "Bearer ingress",
): Promise<{ status: number; json: Json }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: auth, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Json) : {} };
}

/**
 * GET /api/openapi.json is kept in step with the router, both ways:
 * - every described route answers: each (path, method) of the description, with real ids,
 *   gets an answer other than the router's "no such route" (404 `404: Not Found`) or 405;
 * - every route the router answers is described: paths near the described ones (each
 *   segment replaced by a word of the routes' vocabulary or an id, a segment added, the last
 *   one dropped), under every method, are asked; any that gets an answer other than
 *   "no such route" or 405 must match a described (path, method).
 * HEAD is answered wherever GET is and is not listed. The pages' hashed script and style
 * files are not API routes and are not asked for. The server runs with --demo, so the demo
 * routes are there.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { RunningServer } from "../src/server.ts";
import { callJson } from "./support/http.ts";
import { PREPARED_INGRESS_SECRET, startPrepared } from "./support/prepared-server.ts";

const METHODS = ["get", "post", "put", "patch", "delete"] as const;
/** Words of routes guildgate has, and of Discord routes it has not, to probe with. */
const EXTRA_WORDS = ["api", "v8", "v9", "v10", "v11", "internal", "webhooks", "invites", "typing", "reactions", "pins", "threads", "bans", "emojis", "stickers", "interactions", "admin", "health", "status", "docs", "openapi.yaml", "favicon.ico", "index.html"];

let server: RunningServer;
let base = "";
let doc: { openapi: string; paths: Record<string, Record<string, unknown>> };
/** Real ids for each path parameter. */
const ids: Record<string, string> = {};
let clientToken = "";

beforeAll(async () => {
  ({ server, base } = await startPrepared(["--demo"]));
  doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as typeof doc;
  const api = (method: string, path: string, body?: unknown) => callJson(base, method, path, body, `Bearer ${PREPARED_INGRESS_SECRET}`);
  ids.user_id = (await api("POST", "/internal/users", { username: "openapi" })).json.id as string;
  clientToken = (await api("POST", `/internal/users/${ids.user_id}/token`)).json.token as string;
  ids.guild_id = (await api("POST", "/internal/guilds", { name: "openapi", owner_id: ids.user_id })).json.id as string;
  ids.role_id = (await api("POST", `/internal/guilds/${ids.guild_id}/roles`, { name: "r" })).json.id as string;
  ids.channel_id = (await api("POST", `/internal/guilds/${ids.guild_id}/channels`, { name: "c" })).json.id as string;
  ids.version = "10";
  // Shaped as an interaction token (two parts and a dot), signed by no one: the routes answer it 10062 or 50027.
  ids.interaction_token = "aW50ZXJhY3Rpb24.bm90LWEtdG9rZW4";
});

afterAll(() => server.stop());

/** The answer to `method path`, with the credentials its prefix needs. */
async function ask(method: string, path: string): Promise<{ status: number; text: string }> {
  const authorization = path.startsWith("/internal/") ? `Bearer ${PREPARED_INGRESS_SECRET}` : path.startsWith("/api/") ? `Bot ${clientToken}` : "";
  // Never open an endless events stream: the probe wants the route, not the stream.
  const response = await fetch(`${base}${path}`, { method, headers: { authorization, "content-type": "application/json" }, body: method === "GET" ? undefined : "{}" });
  const text = response.headers.get("content-type") === "text/event-stream" ? "" : await response.text();
  if (text === "") await response.body?.cancel();
  return { status: response.status, text };
}

/** Whether the router had no route for it: its 404 `404: Not Found`, or 405 for the method. */
function noRoute({ status, text }: { status: number; text: string }): boolean {
  return status === 405 || (status === 404 && text === JSON.stringify({ code: 0, message: "404: Not Found" }));
}

const fill = (template: string): string => template.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? "1");

/** Whether a described (path, method) covers `method path`. */
function described(method: string, path: string): boolean {
  return Object.entries(doc.paths).some(([template, operations]) => {
    const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{\w+\\?\}/g, "[^/]+")}$`);
    return pattern.test(path) && method.toLowerCase() in operations;
  });
}

test("the description is OpenAPI 3.1 and every $ref in it resolves", () => {
  expect(doc.openapi).toBe("3.1.0");
  const text = JSON.stringify(doc);
  for (const [, target] of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
    const found = (target as string).split("/").reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
    expect({ target, found: found !== undefined }).toEqual({ target, found: true });
  }
});

test("every described route answers", async () => {
  for (const [template, operations] of Object.entries(doc.paths)) {
    for (const method of Object.keys(operations)) {
      if (template === "/dashboard/events") continue; // answered 401 without a login below
      const answer = await ask(method.toUpperCase(), fill(template));
      expect({ route: `${method} ${template}`, answered: !noRoute(answer) }).toEqual({ route: `${method} ${template}`, answered: true });
    }
  }
  expect((await ask("GET", "/dashboard/events")).status).toBe(401);
});

test("every route the router answers is described", async () => {
  const templates = Object.keys(doc.paths);
  const words = new Set([...templates.flatMap((t) => t.split("/")).filter((w) => w && !w.includes("{")), ...EXTRA_WORDS, ...Object.values(ids)]);
  const candidates = new Set<string>();
  for (const template of templates) {
    const segments = fill(template).split("/").slice(1);
    candidates.add(`/${segments.slice(0, -1).join("/")}`);
    for (const word of words) {
      candidates.add(`/${[...segments, word].join("/")}`.replace("//", "/"));
      segments.forEach((_, i) => candidates.add(`/${segments.map((s, j) => (j === i ? word : s)).join("/")}`));
    }
  }
  const undescribed: string[] = [];
  const probes = [...candidates].flatMap((path) => METHODS.map((method) => [method.toUpperCase(), path] as const));
  // In batches: the whole set at once would open thousands of sockets.
  for (let i = 0; i < probes.length; i += 64) {
    await Promise.all(
      probes.slice(i, i + 64).map(async ([method, path]) => {
        if (path === "/dashboard/events" && method === "GET") return;
        if (!noRoute(await ask(method, path)) && !described(method, path)) undescribed.push(`${method} ${path}`);
      }),
    );
  }
  expect(probes.length).toBeGreaterThan(10_000);
  expect(undescribed).toEqual([]);
}, 120_000);

/**
 * Hostile HTTP input, wherever the gateway runs: Bun.serve and uWebSockets.js
 * through the harnesses (`gateway.test.ts`, `gateway-node.test.ts`), and the
 * compiled binary (`binary.test.ts`), whose development error page once
 * showed stacks, paths and source. Every bad body sent to every route gets a
 * defined 4xx `{code, message}` JSON answer that shows nothing of the machine;
 * a body over a limit is refused before it is read; an unexpected exception
 * answers an exact, detail-free 500 and is counted in /metrics.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import net from "node:net";
import type { User } from "../src/store/guild-store.ts";
import { HARNESS_INGRESS_SECRET, type HarnessFactory } from "./support/harness.ts";

/** A running gateway, as this suite needs it. */
export interface HttpTarget {
  readonly httpBase: string;
  readonly ingressSecret: string;
  /** Stores a user past the API's validation (the harnesses), to inject a record the API cannot render. */
  readonly putUser?: (user: User) => Promise<void>;
  stop(): Promise<void>;
}

/** What an answer must never contain: stack lines, source positions, paths of the machine, an HTML page. */
const INTERNALS: readonly RegExp[] = [
  /\/work\b/,
  /\/root\b/,
  /\/tmp\b/,
  /\/home\//,
  /node_modules/,
  /\$bunfs/,
  /\.[cm]?[tj]s:\d/,
  /^\s*at /m,
  /<html/i,
  /RangeError|TypeError|SyntaxError/,
];

const INTERNAL_ERROR = '{"code":0,"message":"internal error"}';

/** Bodies sent raw: some cannot be written with JSON.stringify (9007199254740993, a lone surrogate escape, bad UTF-8). */
const BAD_BODIES: readonly (string | Uint8Array)[] = [
  '{"username":"x","privileged_intents":1e300}',
  '{"privileged_intents":4294967298}',
  '{"privileged_intents":-0.5}',
  '{"expires_in":1e20}',
  '{"expires_in":9007199254740993}',
  '{"expires_in":1e400}',
  '{"expires_in":-1}',
  '{"expires_in":"3600"}',
  '{"name":"\\ud800lone","username":"\\udfffx","nick":"a\\ud800"}',
  '{"topic":"\\ud83d"}',
  '{"content":"\\ud800"}',
  '{"position":1e300,"color":-1,"type":4294967296}',
  '{"color":16777216}',
  '{"permissions":"18446744073709551616"}',
  '{"permissions":1e300}',
  '{"permissions":"-1"}',
  '{"permission_overwrites":[{"id":"1","type":2,"allow":"99999999999999999999"}]}',
  '{"roles":["99999999999999999999"]}',
  '{"owner_id":"99999999999999999999","id":"-1"}',
  '{"t":"MESSAGE_CREATE"}',
  '{"t":"x","d":{}}',
  '{"__proto__":{"admin":true},"constructor":1}',
  '{"nonce":1e300,"content":"x"}',
  "[]",
  "null",
  '"text"',
  "not json",
  "[".repeat(30_000) + "]".repeat(30_000),
  `{"name":"${"x".repeat(60_000)}"}`,
  new Uint8Array([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
];

/**
 * Sends a request head, then `chunks` one at a time (each once the last is written) unless the
 * server has answered; resolves with the status code and the text after the headers.
 */
function rawHttp(base: string, head: string, chunks: readonly Uint8Array[]): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let answered = false;
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf("\r\n\r\n");
      if (end < 0) return;
      const headers = received.subarray(0, end).toString("latin1");
      const length = Number(/^content-length: *(\d+)/im.exec(headers)?.[1] ?? 0);
      if (received.length < end + 4 + length) return;
      answered = true;
      socket.destroy();
      resolve({ status: Number(headers.split(" ")[1]), text: received.subarray(end + 4, end + 4 + length).toString("utf8") });
    });
    socket.on("error", (error) => answered || reject(error));
    socket.on("close", () => answered || reject(new Error(`closed without an answer; got ${JSON.stringify(received.toString("latin1"))}`)));
    let next = 0;
    const pump = (): void => {
      const chunk = chunks[next++];
      if (!answered && chunk) socket.write(chunk, pump);
    };
    socket.write(head, pump);
  });
}

/** Asserts that an answer is a defined error: a 4xx JSON `{code, message}` showing no internals. */
function expectCleanError(label: string, status: number, contentType: string | null, text: string): void {
  for (const pattern of INTERNALS) expect({ label, leaked: pattern.test(text) ? text.slice(0, 300) : null }).toEqual({ label, leaked: null });
  expect({ label, status: status >= 400 && status < 500 }).toEqual({ label, status: true });
  expect({ label, contentType: contentType?.startsWith("application/json") ?? false }).toEqual({ label, contentType: true });
  const body = JSON.parse(text) as { code: unknown; message: unknown };
  expect({ label, code: typeof body.code, message: typeof body.message }).toEqual({ label, code: "number", message: "string" });
}

/** The suite on a harness, which can also inject an unexpected exception (it stores users past the API). */
export function hostileHttpContract(harness: HarnessFactory): void {
  hostileHttpSuite(harness.name, true, async () => {
    const server = await harness.start({ node: "hostile", tokenSecret: "hostile-secret-0123456789abcdef", args: [] });
    return { httpBase: server.httpBase, ingressSecret: HARNESS_INGRESS_SECRET, putUser: server.putUser, stop: server.stop };
  });
}

/** The suite; with `injects` (the target has `putUser`), also an injected unexpected exception. */
export function hostileHttpSuite(name: string, injects: boolean, start: () => Promise<HttpTarget>): void {
  describe(`hostile HTTP input on ${name}`, () => {
    let target: HttpTarget;
    let admin: Record<string, string>;
    const routes: [method: string, path: string][] = [];
    let dispatchPath = "";

    beforeAll(async () => {
      target = await start();
      admin = { authorization: `Bearer ${target.ingressSecret}`, "content-type": "application/json" };
      const create = async (path: string, body: unknown): Promise<string> => {
        const response = await fetch(`${target.httpBase}${path}`, { method: "POST", headers: admin, body: JSON.stringify(body) });
        expect(response.status).toBe(201);
        return ((await response.json()) as { id: string }).id;
      };
      const user = await create("/internal/users", { username: "owner" });
      dispatchPath = `/internal/users/${user}/dispatch`;
      const guild = await create("/internal/guilds", { name: "Hostile", owner_id: user });
      const role = await create(`/internal/guilds/${guild}/roles`, { name: "role" });
      const channel = await create(`/internal/guilds/${guild}/channels`, { name: "general" });
      for (const path of ["/internal/users", "/internal/guilds"]) routes.push(["POST", path]);
      for (const path of [`/internal/users/${user}`, `/internal/guilds/${guild}`, `/internal/guilds/${guild}/roles/${role}`, `/internal/guilds/${guild}/channels/${channel}`]) {
        routes.push(["PATCH", path]);
      }
      for (const path of [`/internal/users/${user}/token`, `/internal/users/${user}/dispatch`, `/internal/guilds/${guild}/roles`, `/internal/guilds/${guild}/channels`]) {
        routes.push(["POST", path]);
      }
      routes.push(["POST", `/internal/guilds/${guild}/dispatch`], ["POST", `/internal/channels/${channel}/dispatch`]);
      routes.push(["PUT", `/internal/guilds/${guild}/members/${user}`], ["POST", `/api/v10/channels/${channel}/messages`]);
      routes.push(["POST", "/internal/interactions"], ["POST", "/api/v10/interactions/1/aW50ZXJhY3Rpb24.bm8/callback"], ["POST", "/api/v10/webhooks/1/aW50ZXJhY3Rpb24.bm8"]);
    });

    afterAll(() => target.stop());

    test("every bad body, to every route, gets a 4xx JSON error that shows nothing of the machine", async () => {
      for (const [method, path] of routes) {
        for (const body of BAD_BODIES) {
          const response = await fetch(`${target.httpBase}${path}`, { method, headers: admin, body });
          const text = await response.text();
          expectCleanError(`${method} ${path} ${String(body).slice(0, 60)}`, response.status, response.headers.get("content-type"), text);
        }
      }
    }, 60_000);

    test("the numbers and strings of issue 9 are refused with 50035 naming the field", async () => {
      const [, userPath] = routes.find(([, path]) => path.startsWith("/internal/users/")) as [string, string];
      const cases: [path: string, body: string, field: string][] = [
        ["/internal/users", '{"username":"x","privileged_intents":1e300}', "privileged_intents"],
        ["/internal/users", '{"username":"\\ud800lone"}', "username"],
        [`${userPath}/token`, '{"expires_in":1e20}', "expires_in"],
        [`${userPath}/token`, '{"expires_in":9007199254740993}', "expires_in"],
      ];
      for (const [path, body, field] of cases) {
        const response = await fetch(`${target.httpBase}${path}`, { method: "POST", headers: admin, body });
        const answer = (await response.json()) as { code: number; message: string };
        expect({ body, status: response.status, code: answer.code, names: answer.message.includes(field) }).toEqual({ body, status: 400, code: 50035, names: true });
      }
    });

    test("hostile paths and methods get JSON errors too", async () => {
      const paths = [
        "/internal/users/99999999999999999999",
        "/internal/users/%00",
        "/internal/users/..%2F..%2Fetc%2Fpasswd",
        "/internal/guilds/99999999999999999999",
        "/internal/guilds/99999999999999999999/roles/99999999999999999999",
        "/internal/channels/99999999999999999999/dispatch",
        "/api/v10/channels/99999999999999999999/messages",
        "/api/v10/users/@me",
        // (A bare "/metrics/.." is "/", the chat page.)
        "/metrics/../nope",
      ];
      for (const path of paths) {
        for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
          const response = await fetch(`${target.httpBase}${path}`, { method, headers: admin, body: method === "GET" ? undefined : "{}" });
          expectCleanError(`${method} ${path}`, response.status, response.headers.get("content-type"), await response.text());
        }
      }
    });

    test("a declared 50 MiB body is refused with 413 before any of it is sent", async () => {
      const head =
        `POST /internal/users HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${target.ingressSecret}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n`;
      const { status, text } = await rawHttp(target.httpBase, head, []);
      expect(status).toBe(413);
      expect(JSON.parse(text)).toMatchObject({ code: 40005 });
    });

    test("a streamed body is refused with 413 once it passes the limit, before it ends", async () => {
      const head =
        `POST ${dispatchPath} HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${target.ingressSecret}\r\n` +
        `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
      // One chunk past the dispatch route's 1 MiB (the transports' limit too), and never the
      // last (zero) chunk: only a server that cuts the body as it arrives answers. It needs
      // the last chunk to decide, so no write of ours can meet its close.
      const chunk = Buffer.concat([Buffer.from("10000\r\n"), Buffer.alloc(64 * 1024, 0x20), Buffer.from("\r\n")]);
      const { status, text } = await rawHttp(target.httpBase, head, Array.from({ length: 17 }, () => chunk));
      expect(status).toBe(413);
      expect(JSON.parse(text)).toMatchObject({ code: 40005 });
    });

    test.if(injects)("an unexpected exception answers exactly 500 {code: 0, message: internal error} and is counted in /metrics", async () => {
      // A stored user whose creation date no Date can show (past year 275760): rendering it throws.
      const id = "175928847299117999";
      if (!target.putUser) throw new Error(`${name} cannot store a user past the API`);
      await target.putUser({ id, username: "odd", globalName: null, avatar: null, bot: false, privilegedIntents: 0, createdAt: 9e15, tokenGeneration: 0 });
      const metric = async (): Promise<number> => {
        const text = await (await fetch(`${target.httpBase}/metrics`)).text();
        return Number(/^guildgate_http_internal_errors_total{node="[^"]+"} (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
      };
      const before = await metric();
      const response = await fetch(`${target.httpBase}/internal/users/${id}`, { headers: admin });
      expect(response.status).toBe(500);
      expect(response.headers.get("content-type")).toBe("application/json");
      expect(await response.text()).toBe(INTERNAL_ERROR);
      expect(await metric()).toBe(before + 1);
    });
  });
}

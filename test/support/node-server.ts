/**
 * The Node entry of the Node harness (`node-harness.ts`), bundled with
 * `bun build --target=node`: the gateway on uWebSockets.js, plus a test-only
 * control API on a second port, bound to 127.0.0.1, so the gateway's own
 * HTTP surface stays what users see.
 *
 * Usage: node node-server.js <node> <token-secret> [guildgate flags...]
 * Prints one JSON line: {"gatewayUrl", "httpBase", "control"}. SIGTERM, or the end
 * of stdin, stops it.
 *
 * Control API (JSON bodies): POST /users <User> -> 204;
 * POST /dispatch {topic, t, d} (d: serialised JSON) -> 204;
 * POST /disconnect {userId, code, reason} -> {"closed": n}.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { startUwsTransport } from "../../src/transport/uws.ts";
import type { User } from "../../src/store/guild-store.ts";
import { startTestServer } from "./harness.ts";

const [node, tokenSecret, ...args] = process.argv.slice(2);
if (!node || !tokenSecret) throw new Error("usage: node node-server.js <node> <token-secret> [guildgate flags...]");
const { server, store } = startTestServer({ node, tokenSecret, args }, startUwsTransport);

async function readJson<T>(request: IncomingMessage): Promise<T> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as T;
}

async function control(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== "POST") return void response.writeHead(405).end();
  switch (request.url) {
    case "/users":
      await store.putUser(await readJson<User>(request));
      return void response.writeHead(204).end();
    case "/dispatch": {
      const { topic, t, d } = await readJson<{ topic: string; t: string; d: string }>(request);
      server.sessions.publishTopics([topic], t, d);
      return void response.writeHead(204).end();
    }
    case "/disconnect": {
      const { userId, code, reason } = await readJson<{ userId: string; code: number; reason: string }>(request);
      const closed = server.sessions.disconnectUser(userId, code, reason);
      return void response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ closed }));
    }
    default:
      response.writeHead(404).end();
  }
}

const controlServer = createServer((request, response) => {
  control(request, response).catch((error: unknown) => {
    console.error("node-server: control request failed:", error);
    response.writeHead(500).end(String(error));
  });
});
controlServer.listen(0, "127.0.0.1", () => {
  const { port } = controlServer.address() as AddressInfo;
  const { hostname, port: gatewayPort } = server.transport;
  const ready = { gatewayUrl: server.gatewayUrl, httpBase: `http://${hostname}:${gatewayPort}`, control: `http://127.0.0.1:${port}` };
  process.stdout.write(JSON.stringify(ready) + "\n");
});

function stop(): void {
  controlServer.close();
  void server.stop().finally(() => process.exit(0));
}
process.once("SIGTERM", stop);
// The harness holds our stdin open: if the test process dies, we stop too.
process.stdin.once("close", stop).resume();

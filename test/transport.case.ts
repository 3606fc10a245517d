/**
 * What a transport decides before the session layer sees a request, for any
 * transport: which requests upgrade, how bad upgrades are refused, and how
 * `stop` closes sockets. uWS.js makes some of these choices differently by
 * itself, so its adapter must match Bun.serve here. Run by `gateway.test.ts`
 * and `gateway-node.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import net from "node:net";
import { RawClient } from "./support/gateway-client.ts";
import type { Harness, HarnessFactory } from "./support/harness.ts";

const SETUP = { node: "tr", tokenSecret: "transport-secret-0123456789abcdef", args: [] };
const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

/** Sends one raw HTTP/1.1 request; resolves with the status line and what follows the headers. */
function rawRequest(base: string, path: string, headers: Record<string, string>): Promise<{ status: string; body: string }> {
  const { hostname, port, host } = new URL(base);
  const lines = Object.entries({ Host: host, ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let text = "";
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = /^content-length: *(\d+)/im.exec(text.slice(0, end))?.[1];
      const upgraded = text.startsWith("HTTP/1.1 101");
      if (!upgraded && text.length < end + 4 + Number(length ?? 0)) return;
      socket.destroy();
      resolve({ status: text.slice(0, text.indexOf("\r\n")), body: upgraded ? "" : text.slice(end + 4) });
    });
    socket.on("error", reject);
    socket.write(`GET ${path} HTTP/1.1\r\n${lines.join("")}\r\n`);
  });
}

export function transportContract(harness: HarnessFactory): void {
  describe(`transport on ${harness.name}`, () => {
    let server: Harness;

    beforeAll(async () => {
      server = await harness.start(SETUP);
    });

    afterAll(() => server.stop());

    const upgrade = { Upgrade: "websocket", Connection: "Upgrade", "Sec-WebSocket-Key": KEY, "Sec-WebSocket-Version": "13" };

    test("upgrades a GET / with Upgrade: websocket, a valid key and version 13", async () => {
      expect((await rawRequest(server.httpBase, "/?v=10&encoding=json", upgrade)).status).toBe("HTTP/1.1 101 Switching Protocols");
    });

    test("serves other paths, and requests without Upgrade: websocket, as plain HTTP: / is the chat page", async () => {
      const notFound = { status: "HTTP/1.1 404 Not Found", body: JSON.stringify({ code: 0, message: "404: Not Found" }) };
      expect(await rawRequest(server.httpBase, "/elsewhere", upgrade)).toEqual(notFound);
      const { Upgrade: _, ...noUpgrade } = upgrade;
      const page = await rawRequest(server.httpBase, "/?v=10", noUpgrade);
      expect(page.status).toBe("HTTP/1.1 200 OK");
      expect(page.body).toContain("<title>guildgate</title>");
    });

    test("refuses a bad Sec-WebSocket-Key with 400 and another version with 426", async () => {
      const failed = await rawRequest(server.httpBase, "/", { ...upgrade, "Sec-WebSocket-Key": "short" });
      expect(failed).toEqual({ status: "HTTP/1.1 400 Bad Request", body: JSON.stringify({ code: 0, message: "400: WebSocket upgrade failed" }) });
      const version = await rawRequest(server.httpBase, "/", { ...upgrade, "Sec-WebSocket-Version": "8" });
      expect(version.status).toBe("HTTP/1.1 426 Upgrade Required");
    });

    test("stop closes every open socket with 1001", async () => {
      const own = await harness.start(SETUP);
      const client = new RawClient(`${own.gatewayUrl}/?v=10&encoding=json`);
      await client.op(10);
      await own.stop();
      expect(await client.closed).toEqual({ code: 1001, reason: "Server closed" });
    });
  });
}

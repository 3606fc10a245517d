/**
 * WHATWG Request and Response over uWS.js's HttpRequest and HttpResponse,
 * for `uws.ts`, answering as Bun.serve does where uWS would differ.
 *
 * A uWS request is only valid synchronously in its handler, so what is needed
 * is copied out at once; a response must get `onAborted` before any async
 * work, and is written corked.
 */
import { STATUS_CODES } from "node:http";
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import { jsonResponse } from "../protocol/json-response.ts";

/** Largest HTTP request body read; larger gets 413. Bun.serve's default `maxRequestBodySize`. */
const MAX_REQUEST_BODY_BYTES = 128 * 1024 * 1024;

export interface RequestHead {
  method: string;
  url: URL;
  headers: Headers;
}

/** What a uWS request says, copied out while it is valid (synchronously, in its handler). */
export function readHead(req: HttpRequest, fallbackHost: string): RequestHead {
  const headers = new Headers();
  req.forEach((key, value) => headers.append(key, value));
  const query = req.getQuery();
  const url = new URL(`http://${headers.get("host") || fallbackHost}${req.getUrl()}${query ? `?${query}` : ""}`);
  return { method: req.getCaseSensitiveMethod(), url, headers };
}

export function toRequest(head: RequestHead, body: Uint8Array | null): Request {
  return new Request(head.url.href, { method: head.method, headers: head.headers, body });
}

/** The request body, or null past MAX_REQUEST_BODY_BYTES. Chunks are copied: uWS reuses their memory. */
export function readBody(res: HttpResponse): Promise<Uint8Array | null> {
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    res.onData((chunk, isLast) => {
      if (size > MAX_REQUEST_BODY_BYTES) return;
      size += chunk.byteLength;
      if (size > MAX_REQUEST_BODY_BYTES) return resolve(null);
      chunks.push(new Uint8Array(chunk.slice(0)));
      if (isLast) resolve(Buffer.concat(chunks));
    });
  });
}

/** What Bun.serve (through our Bun adapter) answers when `server.upgrade` refuses, e.g. for a bad Sec-WebSocket-Key. */
export function upgradeFailed(): Response {
  return jsonResponse({ code: 0, message: "400: WebSocket upgrade failed" }, { status: 400 });
}

/** Bun.serve's answer to an upgrade with a missing or unsupported Sec-WebSocket-Version. */
export function upgradeRequired(): Response {
  return new Response(null, { status: 426, headers: { "sec-websocket-version": "13", connection: "close" } });
}

export function payloadTooLarge(): Response {
  return new Response("Payload Too Large", { status: 413, headers: { connection: "close" } });
}

/** As Bun.serve without an `error` handler: a throw is logged and answered with 500. */
export function internalError(error: unknown): Response {
  console.error("guildgate: unexpected error handling an HTTP request:", error);
  return new Response("Internal Server Error", { status: 500 });
}

/** The HTTP handler's Response for a request, or a 500 if it throws. */
export async function handle(http: (request: Request) => Response | Promise<Response>, head: RequestHead, body: Uint8Array | null): Promise<Response> {
  try {
    return await http(toRequest(head, body));
  } catch (error) {
    return internalError(error);
  }
}

/**
 * Writes a Response once it (and its body) is ready, unless the client has
 * gone. Must be called synchronously in the uWS handler: it sets `onAborted`.
 */
export function respond(res: HttpResponse, method: string, pending: Response | Promise<Response>): void {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  void (async () => {
    let response: Response;
    let body: Uint8Array;
    try {
      response = await pending;
      body = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      console.error("guildgate: cannot read an HTTP response body:", error);
      if (!aborted) res.close();
      return;
    }
    if (aborted) return;
    const closeConnection = response.headers.get("connection")?.toLowerCase() === "close";
    res.cork(() => {
      res.writeStatus(`${response.status} ${response.statusText || STATUS_CODES[response.status] || ""}`);
      response.headers.forEach((value, key) => {
        // uWS writes the framing headers (and Connection: close) itself.
        if (key !== "content-length" && key !== "transfer-encoding" && key !== "connection") res.writeHeader(key, value);
      });
      if (method === "HEAD") res.endWithoutBody(body.byteLength, closeConnection);
      else res.end(body, closeConnection);
    });
  })();
}

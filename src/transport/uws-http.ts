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

/** Whether the request declares a body larger than `maxBytes` (refused before any of it is read). */
export function declaresTooLarge(head: RequestHead, maxBytes: number): boolean {
  return Number(head.headers.get("content-length") ?? 0) > maxBytes;
}

/**
 * The request body, or null as soon as it passes `maxBytes` (a streamed body is
 * never held past it). Chunks are copied: uWS reuses their memory.
 */
export function readBody(res: HttpResponse, maxBytes: number): Promise<Uint8Array | null> {
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    res.onData((chunk, isLast) => {
      if (size > maxBytes) return;
      size += chunk.byteLength;
      if (size > maxBytes) return resolve(null);
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

/**
 * Writes the Response `answer` makes once it (and its body) is ready, unless the
 * client has gone. If `answer` throws or its body cannot be read, `internalError`'s
 * Response is written instead, as Bun.serve's `error` handler answers. Must be
 * called synchronously in the uWS handler: it sets `onAborted`.
 */
export function respond(
  res: HttpResponse,
  method: string,
  answer: () => Response | Promise<Response>,
  internalError: (error: unknown) => Response,
): void {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  void (async () => {
    let response: Response;
    let body: Uint8Array;
    try {
      response = await answer();
      body = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      response = internalError(error);
      body = new Uint8Array(await response.arrayBuffer());
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

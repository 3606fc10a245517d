/**
 * The HTTP surface: health, then each route group in turn, then 404. What a route throws is
 * answered here, once (errors.ts `errorAnswer`); anything unexpected goes on to the
 * transport's internal-error answer (internal-errors.ts).
 */
import type { HashRing } from "../native.ts";
import { errorAnswer, methodNotAllowed, notFound } from "./errors.ts";
import { jsonResponse } from "../protocol/json-response.ts";
import { acceptedAt, now } from "../cluster/ingress-latency.ts";

/** A route group: a Response, or undefined when the path is not its own. */
export type Routes = (request: Request, url: URL) => Promise<Response | undefined>;

/** What the HTTP routes read from the running node. */
export interface HttpContext {
  readonly version: string;
  readonly ring: HashRing;
  readonly routes: readonly Routes[];
}


/**
 * Routes plain HTTP requests (WebSocket upgrades are handled before this). Each request is
 * stamped when accepted, so the events it causes record their ingress-to-send latency.
 */
export function createHttpHandler(context: HttpContext): (request: Request) => Promise<Response> {
  const handle = routeRequest(context);
  return (request) => acceptedAt.run(now(), () => handle(request));
}

function routeRequest(context: HttpContext): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") {
      if (request.method !== "GET" && request.method !== "HEAD") {
        return methodNotAllowed("GET, HEAD");
      }
      return jsonResponse({
        status: "ok",
        version: context.version,
        workers: context.ring.nodes(),
        ringGeneration: context.ring.generation,
      });
    }
    for (const routes of context.routes) {
      let response: Response | undefined;
      try {
        response = await routes(request, url);
      } catch (error) {
        response = errorAnswer(error);
        if (!response) throw error;
      }
      // A body refused as too large is not read to its end: the answer ends the connection.
      if (response?.status === 413) response.headers.set("connection", "close");
      if (response) return response;
    }
    return notFound();
  };
}

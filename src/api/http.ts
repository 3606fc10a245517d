/**
 * The HTTP surface. HTTP failures are `{code, message}` JSON bodies with a
 * status, mapped here and in the route modules, nowhere else.
 */
import type { HashRing } from "../native.ts";

/** A route group: a Response, or undefined when the path is not its own. */
export type Routes = (request: Request, url: URL) => Promise<Response | undefined>;

/** What the HTTP routes read from the running node. */
export interface HttpContext {
  readonly version: string;
  readonly ring: HashRing;
  readonly routes: readonly Routes[];
}

/** A JSON error body as Discord's REST API shapes it. */
export function errorResponse(status: number, code: number, message: string): Response {
  return Response.json({ code, message }, { status });
}

/** Routes plain HTTP requests (WebSocket upgrades are handled before this). */
export function createHttpHandler(context: HttpContext): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") {
      if (request.method !== "GET" && request.method !== "HEAD") {
        return errorResponse(405, 0, "405: Method Not Allowed");
      }
      return Response.json({
        status: "ok",
        version: context.version,
        workers: context.ring.nodes(),
        ringGeneration: context.ring.generation,
      });
    }
    for (const routes of context.routes) {
      const response = await routes(request, url);
      if (response) return response;
    }
    return errorResponse(404, 0, "404: Not Found");
  };
}

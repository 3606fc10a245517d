/**
 * The Bun.serve transport (uWebSockets inside): native pub/sub, corking and
 * per-socket backpressure come from the runtime.
 */
import type { Server, ServerWebSocket } from "bun";
import { bodyLimit, type Socket, type StartTransport, type Transport, type TransportOptions } from "./transport.ts";
import { jsonResponse } from "../protocol/json-response.ts";

export const startBunTransport: StartTransport = <Data>(options: TransportOptions<Data>): Transport => {
  const { handlers } = options;
  // ServerWebSocket<Data> fits Socket<Data> as it is; `satisfies` proves it.
  const asSocket = (ws: ServerWebSocket<Data>): Socket<Data> => ws satisfies Socket<Data>;
  const server: Server<Data> = Bun.serve<Data>({
    hostname: options.host,
    port: options.port,
    reusePort: options.reusePort ?? false,
    // Never Bun's development error page (stack, paths, source), whatever NODE_ENV says.
    development: false,
    error: (error) => options.internalError(error),
    // The limit is maxRequestBodyBytes, checked below and answered as the API answers
    // (Bun's own 413 has no body). Bun streams a body to the handler, so the reader
    // caps it as it arrives, and one no handler reads is drained, not held (measured:
    // 300 MiB into a route that never reads it, +16 MiB RSS).
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    fetch(request, server) {
      if (Number(request.headers.get("content-length") ?? 0) > bodyLimit(request.headers.get("content-type"), options)) return options.payloadTooLarge();
      const url = new URL(request.url);
      if (url.pathname === "/" && request.headers.get("upgrade")?.toLowerCase() === "websocket") {
        const data = options.upgrade(request);
        if (data instanceof Response) return data;
        // Bun's conditional parameter type cannot resolve for a generic Data.
        if (server.upgrade(request, { data } as never)) return undefined;
        return jsonResponse({ code: 0, message: "400: WebSocket upgrade failed" }, { status: 400 });
      }
      return options.http(request);
    },
    websocket: {
      maxPayloadLength: options.maxPayloadBytes,
      backpressureLimit: options.backpressureLimitBytes,
      closeOnBackpressureLimit: true,
      // Heartbeats are the protocol's liveness check; uWS's idle timeout stays off.
      idleTimeout: 0,
      sendPings: false,
      publishToSelf: true,
      open: (ws) => handlers.open(asSocket(ws)),
      message: (ws, message) => handlers.message(asSocket(ws), message),
      drain: (ws) => handlers.drain(asSocket(ws)),
      close: (ws, code, reason) => handlers.close(asSocket(ws), code, reason),
    },
  });
  return {
    hostname: server.hostname ?? options.host,
    port: server.port ?? options.port,
    publish: (topic, frame) => void server.publish(topic, frame),
    subscriberCount: (topic) => server.subscriberCount(topic),
    stop: (closeSockets) => server.stop(closeSockets),
  };
};

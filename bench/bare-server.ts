/**
 * The baseline for bench/idle-memory.ts: a bare Bun.serve that accepts
 * WebSockets, subscribes each to one topic, and does nothing else.
 */
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request, server) {
    return server.upgrade(request) ? undefined : new Response("upgrade only", { status: 400 });
  },
  websocket: {
    idleTimeout: 0,
    open(ws) {
      ws.subscribe("all");
    },
    message() {},
  },
});
console.log(`port ${server.port}`);

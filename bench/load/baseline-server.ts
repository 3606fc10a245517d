/**
 * The two baselines the load harness runs beside guildgate, on the same
 * wire so the same generator drives all three:
 *
 *   bun bench/load/baseline-server.ts raw|naive [--heartbeat-interval-ms 41250]
 *
 * - `raw`: a bare Bun.serve that builds each event's frame once and calls
 *   `server.publish` per guild topic: the practical ceiling on this machine.
 * - `naive`: keeps a JS array of sockets per guild and, per event, loops over
 *   it: `JSON.parse` of the event, `JSON.stringify` of a frame with the
 *   recipient's own `s`, `ws.send` (the Soketi / Discord-2017 pattern).
 *
 * Both speak just enough of Gateway v10: HELLO on open, heartbeat ACKs,
 * IDENTIFY answered with READY (the token is the user id: no JWT, no store),
 * optional shared-block zlib-stream as guildgate does it. Routes:
 * `POST /setup {members: {userId: [guildId]}}` says who is in which guild
 * (a user not named is in guild "0"); `POST /internal/guilds/:id/dispatch
 * {t, d}` is the event trigger, answered 202 after the fanout, as the gateway
 * answers. Prints "listening on http://… (gateway ws://…)" as guildgate does.
 */
import type { ServerWebSocket } from "bun";
import zlib from "node:zlib";

const mode = process.argv[2];
if (mode !== "raw" && mode !== "naive") throw new Error("usage: baseline-server.ts raw|naive");
const hbIndex = process.argv.indexOf("--heartbeat-interval-ms");
const HEARTBEAT_MS = hbIndex > 0 ? Number(process.argv[hbIndex + 1]) : 41_250;

interface Conn {
  compressed: boolean;
  zlibStarted: boolean;
  seq: number;
  guilds: string[];
}

const ZLIB_HEADER = new Uint8Array([0x78, 0x9c]);
const DEFLATE: zlib.ZlibOptions = { finishFlush: zlib.constants.Z_SYNC_FLUSH, level: 6 };
const deflate = (frame: string): Buffer => zlib.deflateRawSync(Buffer.from(frame), DEFLATE);

/** Guilds per user id, from /setup. */
const membership = new Map<string, string[]>();
/** naive only: the sockets of each guild, in join order. */
const rosters = new Map<string, Set<ServerWebSocket<Conn>>>();
let sequence = 0;

function sendTo(ws: ServerWebSocket<Conn>, frame: string): void {
  if (!ws.data.compressed) {
    ws.send(frame);
  } else if (ws.data.zlibStarted) {
    ws.send(deflate(frame));
  } else {
    ws.data.zlibStarted = true;
    ws.send(Buffer.concat([ZLIB_HEADER, deflate(frame)]));
  }
}

function identify(ws: ServerWebSocket<Conn>, token: string): void {
  const guilds = membership.get(token) ?? ["0"];
  ws.data.guilds = guilds;
  for (const guild of guilds) {
    if (mode === "raw") ws.subscribe(`${ws.data.compressed ? "gz" : "g"}:${guild}`);
    else {
      let roster = rosters.get(guild);
      if (!roster) rosters.set(guild, (roster = new Set()));
      roster.add(ws);
    }
  }
  const ready = { v: 10, user: { id: token, username: "load", bot: true }, guilds: [], session_id: `${mode}-${token}` };
  sendTo(ws, JSON.stringify({ op: 0, d: ready, s: ++ws.data.seq, t: "READY" }));
}

/** raw: one frame per event, published natively (plus one deflated block for compressed sockets). */
function fanoutRaw(guild: string, body: string): void {
  const event = JSON.parse(body) as { t: string; d: unknown };
  const frame = `{"op":0,"d":${JSON.stringify(event.d)},"s":${++sequence},"t":"${event.t}"}`;
  server.publish(`g:${guild}`, frame);
  if (server.subscriberCount(`gz:${guild}`) > 0) server.publish(`gz:${guild}`, deflate(frame));
}

/** naive: per recipient, parse the event, stringify its own frame, send. */
function fanoutNaive(guild: string, body: string): void {
  for (const ws of rosters.get(guild) ?? []) {
    const event = JSON.parse(body) as { t: string; d: unknown };
    sendTo(ws, JSON.stringify({ op: 0, d: event.d, s: ++ws.data.seq, t: event.t }));
  }
}

const DISPATCH = /^\/internal\/guilds\/([^/]+)\/dispatch$/;

const server = Bun.serve<Conn>({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request, server) {
    const url = new URL(request.url);
    if (url.pathname === "/" && request.headers.get("upgrade")?.toLowerCase() === "websocket") {
      const data: Conn = { compressed: url.searchParams.get("compress") === "zlib-stream", zlibStarted: false, seq: 0, guilds: [] };
      return server.upgrade(request, { data }) ? undefined : new Response("upgrade failed", { status: 400 });
    }
    const dispatch = DISPATCH.exec(url.pathname);
    if (dispatch && request.method === "POST") {
      const body = await request.text();
      if (mode === "raw") fanoutRaw(dispatch[1] as string, body);
      else fanoutNaive(dispatch[1] as string, body);
      return new Response('{"ok":true}', { status: 202 });
    }
    if (url.pathname === "/setup" && request.method === "POST") {
      const { members } = (await request.json()) as { members: Record<string, string[]> };
      for (const [user, guilds] of Object.entries(members)) membership.set(user, guilds);
      return new Response(null, { status: 204 });
    }
    return new Response("not found", { status: 404 });
  },
  websocket: {
    idleTimeout: 0,
    sendPings: false,
    // guildgate's default bound: a reader this far behind is cut, not buffered without end.
    backpressureLimit: 4 * 1024 * 1024,
    closeOnBackpressureLimit: true,
    open(ws) {
      if (ws.data.compressed) ws.data.zlibStarted = true;
      const hello = `{"op":10,"d":{"heartbeat_interval":${HEARTBEAT_MS}},"s":null,"t":null}`;
      ws.send(ws.data.compressed ? Buffer.concat([ZLIB_HEADER, deflate(hello)]) : hello);
    },
    message(ws, message) {
      const payload = JSON.parse(String(message)) as { op: number; d: { token?: string } | null };
      if (payload.op === 1) sendTo(ws, '{"op":11,"d":null,"s":null,"t":null}');
      else if (payload.op === 2 && payload.d?.token) identify(ws, payload.d.token);
    },
    close(ws) {
      for (const guild of ws.data.guilds) rosters.get(guild)?.delete(ws);
    },
  },
});

console.log(`listening on http://127.0.0.1:${server.port} (gateway ws://127.0.0.1:${server.port})`);

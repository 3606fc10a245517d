/**
 * The uWebSockets.js transport, for Node (Bun cannot load uWS.js; it has
 * Bun.serve, `bun.ts`). It behaves as the Bun adapter does: the same routing
 * of upgrades and plain HTTP, the same send results, close codes and
 * stop semantics, so one contract suite runs on both.
 *
 * uWS objects are only valid synchronously (requests) or until close
 * (sockets), and touching them after that throws or crashes; the adapter
 * copies what it needs out of a request at once, and guards each socket with
 * a `closed` flag.
 */
import uWS from "uWebSockets.js";
import { bodyLimit, type Socket, type StartTransport, type Transport, type TransportOptions } from "./transport.ts";
import { declaresTooLarge, readBody, readHead, respond, toRequest, upgradeFailed, upgradeRequired, type RequestHead } from "./uws-http.ts";

/** What Bun.serve's `stop(true)` sends every open socket. */
const SERVER_CLOSED = { code: 1001, reason: "Server closed" } as const;
/** uWS `send` results. */
const BACKPRESSURE = 0;
const DROPPED = 2;

const utf8 = new TextDecoder();

// Process-wide: no "uWebSockets: 20" header on responses, as Bun.serve sends none.
uWS._cfg("999999990007");

/**
 * A topic every socket holds and nothing is published to. uWS.js frees a socket's subscriber
 * when it leaves its last topic, and with it the frames published to it and not written yet:
 * discord.js missed the bot's own GUILD_MEMBER_UPDATE after a role change (its one guild
 * topic let go of in the class move), once sockets stopped holding their user's topic
 * (test/discordjs-client-node.test.ts). A session on a shard other than 0 never held one.
 * Topics are built in protocol/topics.ts, and none starts with a space.
 */
const SUBSCRIBER_TOPIC = " subscriber";

/** uWS per-socket user data; uWS.js copies these fields onto its WebSocket object. */
interface UserData<Data> {
  readonly data: Data;
  socket: UwsSocket<Data> | null;
}

/** One connection, created in `open`: the session layer's Socket over a uWS WebSocket. */
class UwsSocket<Data> implements Socket<Data> {
  /** Set by the close handler; uWS throws on any call after it. */
  closed = false;
  readonly #ws: uWS.WebSocket<UserData<Data>>;

  constructor(
    ws: uWS.WebSocket<UserData<Data>>,
    readonly data: Data,
  ) {
    this.#ws = ws;
  }

  send(frame: string | Uint8Array): number {
    if (this.closed) return 0;
    const text = typeof frame === "string";
    const result = this.#ws.send(frame, !text);
    if (result === DROPPED) return 0;
    if (result === BACKPRESSURE) return -1;
    return text ? Buffer.byteLength(frame) : frame.byteLength;
  }

  subscribe(topic: string): void {
    if (!this.closed) this.#ws.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    if (!this.closed) this.#ws.unsubscribe(topic);
  }

  /** As Bun's `close()`: 1000 when no code is given. uWS runs the close handler before returning. */
  close(code = 1000, reason = ""): void {
    if (!this.closed) this.#ws.end(code, reason);
  }

  getBufferedAmount(): number {
    return this.closed ? 0 : this.#ws.getBufferedAmount();
  }

  cork<T>(fn: (socket: this) => T): T {
    if (this.closed) return fn(this);
    let result: T | undefined;
    this.#ws.cork(() => {
      result = fn(this);
    });
    return result as T;
  }
}

export const startUwsTransport: StartTransport = <Data>(options: TransportOptions<Data>): Transport => {
  const { handlers } = options;
  const sockets = new Set<UwsSocket<Data>>();
  let port = options.port;
  const fallbackHost = (): string => `${options.host}:${port}`;

  const app = uWS.App();
  app.ws<UserData<Data>>("/*", {
    maxPayloadLength: options.maxPayloadBytes,
    maxBackpressure: options.backpressureLimitBytes,
    // uWS.js reads this as a boolean; its d.ts types it as a number.
    closeOnBackpressureLimit: 1,
    // Heartbeats are the protocol's liveness check; uWS's idle timeout stays off.
    idleTimeout: 0,
    sendPingsAutomatically: false,
    // uWS routes any GET with a 24-character Sec-WebSocket-Key here; the checks
    // below are the ones Bun.serve (and our Bun adapter) make before upgrading.
    upgrade: (res, req, context) => {
      const answer = (method: string, make: () => Response | Promise<Response>): void => respond(res, method, make, options.internalError);
      let head: RequestHead;
      let data: Data;
      try {
        head = readHead(req, fallbackHost());
        const request = toRequest(head, null);
        if (head.url.pathname !== "/" || head.headers.get("upgrade")?.toLowerCase() !== "websocket") {
          return answer(head.method, () => options.http(request));
        }
        if (head.headers.get("sec-websocket-version") !== "13") return answer(head.method, upgradeRequired);
        const decided = options.upgrade(request);
        if (decided instanceof Response) return answer(head.method, () => decided);
        data = decided;
      } catch (error) {
        return answer("GET", () => options.internalError(error));
      }
      const userData: UserData<Data> = { data, socket: null };
      const header = (name: string): string => head.headers.get(name) ?? "";
      res.upgrade(userData, header("sec-websocket-key"), header("sec-websocket-protocol"), header("sec-websocket-extensions"), context);
    },
    open: (ws) => {
      const userData = ws.getUserData();
      const socket = new UwsSocket(ws, userData.data);
      userData.socket = socket;
      ws.subscribe(SUBSCRIBER_TOPIC);
      sockets.add(socket);
      guarded(() => handlers.open(socket));
    },
    message: (ws, message, isBinary) => {
      const socket = ws.getUserData().socket;
      if (!socket) return;
      // The ArrayBuffer is neutered when this returns; a binary message is copied, as Bun's is owned.
      guarded(() => handlers.message(socket, isBinary ? new Uint8Array(message.slice(0)) : utf8.decode(message)));
    },
    drain: (ws) => {
      const socket = ws.getUserData().socket;
      if (!socket || socket.closed) return;
      guarded(() => handlers.drain(socket));
    },
    close: (ws, code, message) => {
      const socket = ws.getUserData().socket;
      if (!socket) return;
      socket.closed = true;
      sockets.delete(socket);
      guarded(() => handlers.close(socket, code, utf8.decode(message)));
    },
  });
  app.any("/*", (res, req) => {
    let method = "GET";
    let answer: () => Response | Promise<Response>;
    try {
      const head = readHead(req, fallbackHost());
      method = head.method;
      if (head.url.pathname === "/" && head.headers.get("upgrade")?.toLowerCase() === "websocket") {
        // Not a valid upgrade (uWS routes those to `ws`).
        answer = upgradeFailed;
      } else if (method === "GET" || method === "HEAD") {
        answer = () => options.http(toRequest(head, null));
      } else if (declaresTooLarge(head, bodyLimit(head.headers.get("content-type"), options))) {
        answer = options.payloadTooLarge;
      } else {
        const body = readBody(res, bodyLimit(head.headers.get("content-type"), options));
        answer = async () => {
          const bytes = await body;
          return bytes === null ? options.payloadTooLarge() : options.http(toRequest(head, bytes));
        };
      }
    } catch (error) {
      answer = () => options.internalError(error);
    }
    respond(res, method, answer, options.internalError);
  });

  let listenSocket: uWS.us_listen_socket | false = false;
  // uWS calls back synchronously, before `listen` returns.
  app.listen(options.host, options.port, (socket) => {
    listenSocket = socket;
  });
  if (!listenSocket) throw new Error(`uWebSockets.js cannot listen on ${options.host}:${options.port}`);
  port = uWS.us_socket_local_port(listenSocket);

  return {
    hostname: options.host,
    port,
    publish: (topic, frame) => void app.publish(topic, frame, typeof frame !== "string"),
    subscriberCount: (topic) => app.numSubscribers(topic),
    stop: async (closeSockets) => {
      // Closing a listen socket twice is a native use-after-free, not an exception.
      if (listenSocket) uWS.us_listen_socket_close(listenSocket);
      listenSocket = false;
      if (closeSockets) for (const socket of [...sockets]) socket.close(SERVER_CLOSED.code, SERVER_CLOSED.reason);
    },
  };
};

/**
 * Runs a WebSocket handler; if it throws, the error is logged and the server
 * goes on, as on Bun.serve (uncaught under uWS.js, it would end the Node process).
 */
function guarded(handler: () => void): void {
  try {
    handler();
  } catch (error) {
    console.error("guildgate: uncaught error in a WebSocket handler:", error);
  }
}

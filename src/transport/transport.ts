/**
 * The transport contract: what the session layer needs from a WebSocket server.
 * Bun.serve (`bun.ts`) is the default; uWebSockets.js serves Node. The session
 * layer never imports an adapter, only this file.
 */

/** One WebSocket connection. Bun's ServerWebSocket fits this shape as it is. */
export interface Socket<Data> {
  readonly data: Data;
  /** Sends one frame: >0 bytes written, -1 queued under backpressure, 0 dropped (closed). */
  send(frame: string | Uint8Array): number;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  /** Closes with a WebSocket close code and a reason of at most 123 bytes. */
  close(code?: number, reason?: string): void;
  /** Bytes queued to this socket and not yet written. */
  getBufferedAmount(): number;
  /** Batches the sends made inside `fn` into as few writes as possible. */
  cork<T>(fn: (socket: this) => T): T;
}

/** What the session layer does on socket events. */
export interface SocketHandlers<Data> {
  open(socket: Socket<Data>): void;
  message(socket: Socket<Data>, message: string | Uint8Array): void;
  close(socket: Socket<Data>, code: number, reason: string): void;
  /** The socket's send buffer has emptied after backpressure. */
  drain(socket: Socket<Data>): void;
}

export interface TransportOptions<Data> {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Decides an upgrade on `/`: the new socket's data, or a Response that refuses it. */
  upgrade(request: Request): Data | Response;
  /** Every plain HTTP request. */
  http(request: Request): Response | Promise<Response>;
  /**
   * The answer when `http` or `upgrade` throws (or its answer cannot be read): the adapter
   * sends it instead of any page of its own, so no detail of the error reaches the client.
   */
  internalError(error: unknown): Response;
  /**
   * Largest request body taken, bytes. A larger Content-Length gets `payloadTooLarge()`
   * before any of the body is read; a streamed body is never held past it.
   */
  maxRequestBodyBytes: number;
  /** The same for a `multipart/form-data` body (a message's files): larger, as files are. */
  maxUploadBytes: number;
  payloadTooLarge(): Response;
  handlers: SocketHandlers<Data>;
  /** Largest client frame the server reads; the session enforces the protocol's own limit below it. */
  maxPayloadBytes: number;
  /** Per-socket send buffer bound; a socket over it is closed (and its client resumes). */
  backpressureLimitBytes: number;
  /** Share the port with the other workers of the process (SO_REUSEPORT); the kernel spreads connections. */
  reusePort?: boolean;
}

/** The native pub/sub side of a transport. */
export interface Publisher {
  /** Sends one frame to every socket subscribed to `topic`, natively, in one call. */
  publish(topic: string, frame: string | Uint8Array): void;
  subscriberCount(topic: string): number;
}

/** A listening server. */
export interface Transport extends Publisher {
  readonly hostname: string;
  readonly port: number;
  /** Stops listening; with `closeSockets`, also closes every open socket. */
  stop(closeSockets: boolean): Promise<void>;
}

export type StartTransport = <Data>(options: TransportOptions<Data>) => Transport;

/** The largest body a request may send: an upload's limit for `multipart/form-data`, else the usual one. */
export function bodyLimit(contentType: string | null, options: Pick<TransportOptions<unknown>, "maxRequestBodyBytes" | "maxUploadBytes">): number {
  return (contentType ?? "").toLowerCase().startsWith("multipart/form-data") ? options.maxUploadBytes : options.maxRequestBodyBytes;
}

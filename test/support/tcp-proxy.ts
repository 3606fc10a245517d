/**
 * A TCP proxy in front of the gateway, so a test can drop a client's connection as a
 * network does: `cut()` destroys both TCP sockets of every open connection (no close
 * frame either way, so both ends see an abnormal closure, 1006), and holds the connections
 * that come after it, unanswered, until `restore()`. Events sent meanwhile are what the
 * client must get on RESUME. The client needs no change: the gateway's `--public-url`
 * names the proxy, so READY's `resume_gateway_url` and `/gateway`'s `url` lead back here.
 * It keeps the first line each connection sent (the upgrade's request line: its query says
 * which encoding and compression the client asked for).
 */
import net from "node:net";

/** One client connection and, once connected, its upstream. */
interface Pair {
  client: net.Socket;
  upstream: net.Socket | null;
  /** What the client sent before its upstream was connected. */
  pending: Buffer[];
}

export class TcpProxy {
  readonly #server: net.Server;
  readonly #pairs = new Set<Pair>();
  /** The first line of each connection's request, in order of arrival (`GET /?v=10&... HTTP/1.1`). */
  readonly requestLines: string[] = [];
  #target: { host: string; port: number } | null = null;
  #holding = false;

  private constructor(server: net.Server) {
    this.#server = server;
  }

  /** Listens on 127.0.0.1, on a free port; forwards once `forwardTo` is called. */
  static async start(): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(server);
    server.on("connection", (client) => proxy.#accept(client));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** Where connections go (the gateway, started after the proxy so it can name the proxy). */
  forwardTo(host: string, port: number): void {
    this.#target = { host, port };
  }

  /** Drops every open connection at once, and holds new ones until `restore()`. */
  cut(): void {
    this.#holding = true;
    for (const pair of this.#pairs) {
      if (!pair.upstream) continue;
      pair.client.destroy();
      pair.upstream.destroy();
      this.#pairs.delete(pair);
    }
  }

  /** Forwards the connections held since `cut()`, and every one after. */
  restore(): void {
    this.#holding = false;
    for (const pair of this.#pairs) if (!pair.upstream) this.#connect(pair);
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.#pairs) {
      client.destroy();
      upstream?.destroy();
    }
    this.#pairs.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: net.Socket): void {
    const pair: Pair = { client, upstream: null, pending: [] };
    this.#pairs.add(pair);
    client.once("data", (chunk: Buffer) => this.requestLines.push(chunk.toString("latin1").split("\r\n")[0] as string));
    client.on("data", (chunk: Buffer) => (pair.upstream ? pair.upstream.write(chunk) : pair.pending.push(chunk)));
    client.on("error", () => {});
    client.on("close", () => {
      pair.upstream?.end();
      this.#pairs.delete(pair);
    });
    if (!this.#holding) this.#connect(pair);
  }

  #connect(pair: Pair): void {
    if (!this.#target) throw new Error("TcpProxy: forwardTo() was not called");
    const upstream = net.connect(this.#target.port, this.#target.host);
    pair.upstream = upstream;
    for (const chunk of pair.pending) upstream.write(chunk);
    pair.pending = [];
    upstream.on("data", (chunk: Buffer) => pair.client.write(chunk));
    upstream.on("error", () => pair.client.destroy());
    upstream.on("close", () => pair.client.end());
  }
}

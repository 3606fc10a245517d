/**
 * What the contract suites drive: a running gateway, wherever it runs. The
 * Bun harness (`bun-harness.ts`) starts it in the test process; the Node
 * harness (`node-harness.ts`) runs it under Node on uWebSockets.js and drives
 * it over a test-only control API. Suites see only this interface.
 */
import { parseCommand } from "../../src/config.ts";
import { startServer, type RunningServer } from "../../src/server.ts";
import { MemoryGuildStore } from "../../src/store/memory.ts";
import type { User } from "../../src/store/guild-store.ts";
import type { StartTransport } from "../../src/transport/transport.ts";

/** What a suite asks for: the session id prefix, the token secret and guildgate flags (e.g. --heartbeat-interval-ms). */
export interface ServerSetup {
  node: string;
  tokenSecret: string;
  args: readonly string[];
  /** The server's REST clock (Bun harness only; default `Date.now`). */
  now?: () => number;
}

/** A running gateway with an in-memory store, on port 0. */
export interface Harness {
  /** The URL clients connect to, no query string (also READY's resume_gateway_url). */
  readonly gatewayUrl: string;
  /** http://host:port of the same server, for REST. */
  readonly httpBase: string;
  putUser(user: User): Promise<void>;
  /** `Gateway.dispatch`; resolves once the frame has been published. */
  dispatch(topic: string, t: string, dJson: string): Promise<void>;
  /** `Gateway.disconnectUser`: how many connections were closed. */
  disconnectUser(userId: string, code: number, reason: string): Promise<number>;
  /** Stops the server, closing every socket. */
  stop(): Promise<void>;
}

export interface HarnessFactory {
  /** The transport's name, for test titles. */
  readonly name: string;
  start(setup: ServerSetup): Promise<Harness>;
}

/** The ingress secret of every harness server. */
export const HARNESS_INGRESS_SECRET = "ingress";

/** The server both harnesses run: startServer with a MemoryGuildStore, on port 0 and 127.0.0.1. */
export function startTestServer(setup: ServerSetup, startTransport: StartTransport): { server: RunningServer; store: MemoryGuildStore } {
  const command = parseCommand(["--port", "0", ...setup.args], {});
  if (command.kind !== "run") throw new Error(`not a server command line: ${setup.args.join(" ")}`);
  const store = new MemoryGuildStore();
  const server = startServer({
    config: command.config,
    secrets: { tokenSecret: setup.tokenSecret, ingressSecret: HARNESS_INGRESS_SECRET },
    store,
    startTransport,
    version: "test",
    node: setup.node,
    worker: 0,
    now: setup.now,
  });
  return { server, store };
}

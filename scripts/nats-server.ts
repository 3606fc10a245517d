/**
 * A private nats-server, for tests, `npm run cluster` and the load harness: on 127.0.0.1, on
 * a port the server picks, with JetStream (membership keeps its view in a key-value bucket)
 * storing under a temp dir, and its monitoring endpoint (`/varz`: messages in and out) on
 * another free port; stopped and removed by `stop`. nats-server comes from the OS packages
 * (`apt-get install -y nats-server`; .ci/run installs it); a machine without it fails with
 * that instruction, never skips.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";

export interface NatsServer {
  /** nats://127.0.0.1:port */
  url: string;
  /** http://127.0.0.1:port of the monitoring endpoint (`${monitorUrl}/varz`). */
  monitorUrl: string;
  /** The server's process, for reading its CPU and memory. */
  pid: number;
  connect(): Promise<NatsConnection>;
  stop(): Promise<void>;
}

/** A loopback port free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startNatsServer(): Promise<NatsServer> {
  const binary = Bun.which("nats-server") ?? ((await Bun.file("/usr/sbin/nats-server").exists()) ? "/usr/sbin/nats-server" : null);
  if (!binary) throw new Error("nats-server is not installed: apt-get install -y nats-server");
  const store = mkdtempSync(join(tmpdir(), "guildgate-nats-"));
  const monitorPort = await freePort();
  // Its own process group: a Ctrl-C at the terminal reaches the nodes, which leave the cluster
  // through it, and the launcher, which stops it after them.
  const child = Bun.spawn([binary, "-a", "127.0.0.1", "-p", "-1", "-m", String(monitorPort), "-js", "-sd", store], {
    stdout: "ignore",
    stderr: "pipe",
    detached: true,
  });
  const reader = (child.stderr as ReadableStream<Uint8Array>).getReader();
  let output = "";
  const deadline = Date.now() + 10_000;
  let port: string | undefined;
  while (!port && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    output += new TextDecoder().decode(value);
    port = /Listening for client connections on 127\.0\.0\.1:(\d+)/.exec(output)?.[1];
  }
  // The rest of its log is not read: let it drain so the server never blocks on a full pipe.
  void (async () => {
    while (!(await reader.read()).done);
  })().catch(() => {});
  if (!port) throw new Error(`nats-server did not start: ${output}`);
  const url = `nats://127.0.0.1:${port}`;
  return {
    url,
    monitorUrl: `http://127.0.0.1:${monitorPort}`,
    pid: child.pid,
    connect: () => connect({ servers: url }),
    async stop() {
      child.kill("SIGTERM");
      await child.exited;
      rmSync(store, { recursive: true, force: true });
    },
  };
}

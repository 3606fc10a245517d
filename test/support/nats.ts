/**
 * A private nats-server for a test: on 127.0.0.1, on a port the server picks, with JetStream
 * (membership keeps its view in a key-value bucket) storing under a temp dir, stopped at the
 * end. nats-server comes from the OS packages (`apt-get install -y nats-server`; .ci/run
 * installs it); a machine without it fails the test with that instruction, never skips it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";

export interface NatsServer {
  url: string;
  connect(): Promise<NatsConnection>;
  stop(): Promise<void>;
}

export async function startNatsServer(): Promise<NatsServer> {
  const binary = Bun.which("nats-server") ?? (await Bun.file("/usr/sbin/nats-server").exists() ? "/usr/sbin/nats-server" : null);
  if (!binary) throw new Error("nats-server is not installed: apt-get install -y nats-server");
  const store = mkdtempSync(join(tmpdir(), "guildgate-nats-"));
  const child = Bun.spawn([binary, "-a", "127.0.0.1", "-p", "-1", "-js", "-sd", store], { stdout: "ignore", stderr: "pipe" });
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
  reader.releaseLock();
  if (!port) throw new Error(`nats-server did not start: ${output}`);
  const url = `nats://127.0.0.1:${port}`;
  return {
    url,
    connect: () => connect({ servers: url }),
    async stop() {
      child.kill("SIGTERM");
      await child.exited;
      rmSync(store, { recursive: true, force: true });
    },
  };
}

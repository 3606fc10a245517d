/**
 * A server started as the binary's workers start it (prepare, restore, listen), in the test
 * process on Bun.serve with an in-memory store, so startup work such as --demo's seeding runs.
 */
import { parseCommand } from "../../src/config.ts";
import { prepareServer, type RunningServer } from "../../src/server.ts";
import { MemoryGuildStore } from "../../src/store/memory.ts";
import { startBunTransport } from "../../src/transport/bun.ts";

export const PREPARED_INGRESS_SECRET = "prepared-ingress-secret";

export async function startPrepared(args: readonly string[], store = new MemoryGuildStore()): Promise<{ server: RunningServer; base: string }> {
  const command = parseCommand(["--port", "0", "--heartbeat-interval-ms", "30000", ...args], {});
  if (command.kind !== "run") throw new Error("not a run command");
  const prepared = prepareServer({
    config: command.config,
    secrets: { tokenSecret: "prepared-token-secret-0123456789abcdef", ingressSecret: PREPARED_INGRESS_SECRET },
    store,
    startTransport: startBunTransport,
    version: "test",
    node: "prepared",
    worker: 0,
  });
  await prepared.restore();
  const server = prepared.listen();
  return { server, base: `http://${server.transport.hostname}:${server.transport.port}` };
}

/**
 * One worker thread of the gateway (`--workers N`): its own Bun.serve on the shared port
 * (reusePort), the sessions that land on it, the guilds the ring gives it, and bus links to
 * every other worker. Started and stopped by cluster/workers.ts in the main thread: start
 * (build, take back saved sessions) -> "restored"; listen -> "listening"; drain -> "drained".
 */
import { join } from "node:path";
import { peerId, type PeerId } from "./cluster/bus.ts";
import { PortBus } from "./cluster/bus-ports.ts";
import type { WorkerCommand, WorkerInit, WorkerReport } from "./cluster/workers.ts";
import { prepareServer, type RunningServer } from "./server.ts";
import { openStore } from "./store/open-store.ts";
import { startBunTransport } from "./transport/bun.ts";

declare const self: Worker;

const report = (message: WorkerReport): void => self.postMessage(message);

async function start(init: WorkerInit): Promise<void> {
  const store = await openStore(init.config);
  const prepared = prepareServer({
    config: init.config,
    secrets: init.secrets,
    store,
    startTransport: startBunTransport,
    version: init.version,
    node: init.node,
    worker: init.worker,
    bus: new PortBus(peerId(init.node, init.worker), workerLinks(init)),
    sessionsFile: join(init.config.dataDir, "sessions", `worker-${init.worker}.json`),
  });
  await prepared.restore();
  report({ k: "restored", worker: init.worker });
  let server: RunningServer | undefined;
  self.onmessage = (event: MessageEvent<WorkerCommand>) => {
    const command = event.data;
    if (command.k === "listen") {
      server = prepared.listen(command.port);
      report({ k: "listening", worker: init.worker, hostname: server.transport.hostname, port: server.transport.port, gatewayUrl: server.gatewayUrl });
      return;
    }
    if (command.k !== "drain" || !server) return;
    void server
      .drain(command.graceMs)
      .then(() => store.close())
      .then(() => report({ k: "drained", worker: init.worker }))
      .catch((error: unknown) => {
        console.error(`guildgate: worker ${init.worker} failed to drain:`, error);
        report({ k: "drained", worker: init.worker });
      });
  };
}

/** The ports to the other workers, by their peer ids. */
function workerLinks(init: WorkerInit): Map<PeerId, MessagePort> {
  const links = new Map<PeerId, MessagePort>();
  init.links.forEach((port, worker) => port && links.set(peerId(init.node, worker), port));
  return links;
}

self.onmessage = (event: MessageEvent<WorkerCommand>) => {
  if (event.data.k !== "start") return;
  const { init } = event.data;
  start(init).catch((error: unknown) => {
    console.error(`guildgate: worker ${init.worker} could not start:`, error);
    process.exit(1);
  });
};

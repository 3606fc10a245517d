/**
 * One worker thread of the gateway (`--workers N`): its own Bun.serve on the shared port
 * (reusePort), the sessions that land on it, the guilds the ring gives it, and bus links to
 * every other worker. Started and stopped by cluster/workers.ts in the main thread: start
 * (build, bus up) -> "connected"; restore (take back saved sessions) -> "restored";
 * listen -> "listening"; drain -> "drained".
 */
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { peerId, type Bus, type PeerId } from "./cluster/bus.ts";
import { NatsBus } from "./cluster/bus-nats.ts";
import { PortBus } from "./cluster/bus-ports.ts";
import { CLUSTER_PREFIX } from "./cluster/membership.ts";
import { peerRing, ringPeers } from "./cluster/ring.ts";
import type { WorkerCommand, WorkerInit, WorkerReport } from "./cluster/workers.ts";
import { prepareServer, type RunningServer } from "./server.ts";
import { openStore } from "./store/open-store.ts";
import { startBunTransport } from "./transport/bun.ts";

declare const self: Worker;

const report = (message: WorkerReport): void => self.postMessage(message);
/** How long a draining worker waits for NATS to take what its bus wrote, ms. */
const FLUSH_MS = 2_000;

async function start(init: WorkerInit): Promise<void> {
  const store = await openStore(init.config);
  const { bus, close: closeBus } = await workerBus(init);
  const prepared = prepareServer({
    config: init.config,
    secrets: init.secrets,
    store,
    startTransport: startBunTransport,
    version: init.version,
    node: init.node,
    worker: init.worker,
    bus,
    sessionsFile: join(init.config.dataDir, "sessions", `worker-${init.worker}.json`),
  });
  let server: RunningServer | undefined;
  self.onmessage = (event: MessageEvent<WorkerCommand>) => {
    const command = event.data;
    if (command.k === "snowflake-process") return prepared.setSnowflakeProcess(command.snowflakeProcess);
    if (command.k === "restore") {
      prepared.setSnowflakeProcess(command.snowflakeProcess);
      prepared.restore().then(
        () => report({ k: "restored", worker: init.worker }),
        (error: unknown) => fail(init, "could not take back its sessions", error),
      );
      return;
    }
    if (command.k === "listen") {
      server = prepared.listen(command.port);
      report({ k: "listening", worker: init.worker, hostname: server.transport.hostname, port: server.transport.port, gatewayUrl: server.gatewayUrl });
      return;
    }
    if (command.k !== "drain" || !server) return;
    void server
      .drain(command.graceMs)
      .then(() => Promise.all([store.close(), closeBus()]))
      .then(() => report({ k: "drained", worker: init.worker }))
      .catch((error: unknown) => {
        console.error(`guildgate: worker ${init.worker} failed to drain:`, error);
        report({ k: "drained", worker: init.worker });
      });
  };
  report({ k: "connected", worker: init.worker });
}

function fail(init: WorkerInit, what: string, error: unknown): never {
  console.error(`guildgate: worker ${init.worker} ${what}:`, error);
  process.exit(1);
}

/**
 * A node of a cluster reaches every peer, its own workers too, over NATS (its own connection,
 * subscribed before the node joins the membership, so nothing sent to it is lost); a process
 * on its own links its workers with MessagePorts. `close` ends the bus and what it runs on.
 */
async function workerBus(init: WorkerInit): Promise<{ bus: Bus; close(): Promise<void> }> {
  const self = peerId(init.node, init.worker);
  if (!init.config.cluster) {
    const bus = new PortBus(self, workerLinks(init));
    return { bus, close: async () => bus.close() };
  }
  const connection = await connect({ servers: init.config.cluster, name: `guildgate ${self}` });
  const bus = new NatsBus({ connection, prefix: CLUSTER_PREFIX, self, peers: ringPeers(peerRing(), self) });
  await bus.ready();
  return {
    bus,
    close: async () => {
      bus.close();
      // Flush what the bus wrote, unless NATS is gone already (stopped along with this node).
      await Promise.race([connection.drain(), new Promise((resolve) => setTimeout(resolve, FLUSH_MS))]);
      if (!connection.isClosed()) await connection.close();
    },
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
  start(init).catch((error: unknown) => fail(init, "could not start", error));
};

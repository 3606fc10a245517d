/**
 * The `guildgate` command: flags and environment -> config -> a running node: N worker
 * threads (`--workers`, default one per core but one) sharing one port, each with its
 * sessions and the guilds the ring gives it; with `--cluster`, one node of a cluster whose
 * membership (cluster/membership.ts) sets the ring. SIGTERM or SIGINT leaves the cluster,
 * drains the workers (op 7 to every session) and exits 0.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ConfigError, parseCommand, USAGE, type Config } from "./config.ts";
import { resolveSecrets } from "./store/secrets.ts";
import { openStore, StoreUnavailableError } from "./store/open-store.ts";
import { peerId, type PeerId } from "./cluster/bus.ts";
import { ClusterFullError, CLUSTER_PREFIX, Membership, NodeIdTakenError, type JoiningNode } from "./cluster/membership.ts";
import { guildRing, peerRing } from "./cluster/ring.ts";
import { startWorkers, type RunningWorkers } from "./cluster/workers.ts";
import packageJson from "../package.json" with { type: "json" };

/** How long a drain waits for clients to leave after op 7, ms. */
const DRAIN_GRACE_MS = 5_000;
/** A node says it is alive this often, and is taken out of the cluster when silent this long, ms. */
const HEARTBEAT_MS = 250;
const DEAD_AFTER_MS = 1_500;
/** How long a stopping node waits on NATS (to leave, to flush), ms. */
const LEAVE_MS = 2_000;

/** NATS cannot be reached at start. */
class ClusterUnavailableError extends Error {}

async function start(config: Config): Promise<void> {
  const secrets = resolveSecrets(config.dataDir, config);
  // Create and migrate the store once (and find PostgreSQL reachable), before the workers open it side by side.
  const store = await openStore(config);
  const floor = await store.highestFence();
  await store.close();
  const node = config.nodeId;
  const ring = guildRing();
  const peers = peerRing();
  const cluster = config.cluster ? await connectCluster(config.cluster, node) : undefined;
  let membership: Membership | undefined;
  let snowflakeProcess = 0;
  let running: RunningWorkers | undefined;
  const workers = await startWorkers({
    config,
    secrets: { tokenSecret: secrets.tokenSecret, ingressSecret: secrets.ingressSecret },
    version: packageJson.version,
    node,
    async join() {
      // The ring's nodes are the workers' peer ids, so an owner lookup is a bus address. Its
      // generation starts above every fence the store holds, so a guild's new owner can claim it.
      if (!cluster) {
        ring.setNodesAt(workerPeers({ id: node, workers: config.workers }), floor + 1);
        return 0;
      }
      membership = await Membership.join({
        connection: cluster,
        prefix: CLUSTER_PREFIX,
        self: { id: node, workers: config.workers },
        heartbeatMs: HEARTBEAT_MS,
        deadAfterMs: DEAD_AFTER_MS,
        floor,
        onView: (view) => {
          // Peers first: a guild's new owner is always reachable once the ring names it.
          peers.setNodesAt(view.nodes.flatMap(workerPeers), view.generation);
          // Every node leaving (the whole cluster stopping): the owners stay as they were.
          const owners = view.nodes.filter((n) => !n.leaving);
          if (owners.length > 0) ring.setNodesAt(owners.flatMap(workerPeers), view.generation);
          // Taken out while alive and back under another process id: the ids made from now take it.
          const own = view.nodes.find((n) => n.id === node)?.snowflakeProcess;
          if (own !== undefined && own !== snowflakeProcess) {
            snowflakeProcess = own;
            running?.setSnowflakeProcess(own);
          }
        },
      });
      return snowflakeProcess;
    },
  });
  running = workers;
  if (secrets.file) console.log(`generated secrets are kept in ${secrets.file}`);
  console.log(
    config.demo
      ? "demo mode: on: a demo guild is seeded and anyone who opens the page at / may join it as a new user (--demo)"
      : "demo mode: off (--demo seeds a demo guild and lets the page at / join it as a new user)",
  );
  if (membership) console.log(`cluster: node ${node} joined ${config.cluster} (nodes: ${membership.view.nodes.map((n) => n.id).join(", ")})`);
  console.log(
    `guildgate ${packageJson.version} listening on http://${workers.hostname}:${workers.port} ` +
      `(gateway ${workers.gatewayUrl}) with ${config.workers} worker${config.workers === 1 ? "" : "s"}`,
  );
  let draining = false;
  const stop = (): void => {
    if (draining) return;
    draining = true;
    // In a cluster: marked leaving first, so the others take over this node's guilds; then op 7
    // sends its sessions away, and they RESUME on other nodes, which move them from here; then
    // out. NATS may be gone too (stopped with us): the others then notice by the heartbeats.
    void within(membership?.startLeaving(), LEAVE_MS, "start leaving the cluster")
      .then(() => workers.drain(DRAIN_GRACE_MS))
      .then(() => within(membership?.leave(), LEAVE_MS, "leave the cluster"))
      .then(() => within(cluster?.drain(), LEAVE_MS, "close the NATS connection"))
      .finally(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

/** Waits for `work` (if any) for at most `ms`; a failure or a timeout is logged, never thrown. */
async function within(work: Promise<unknown> | undefined, ms: number, what: string): Promise<void> {
  if (!work) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer within ${ms} ms`), ms)));
  const outcome = await Promise.race([work.then(() => undefined), late]).catch((error: unknown) => String(error));
  clearTimeout(timer);
  if (outcome) console.error(`guildgate: could not ${what}: ${outcome}`);
}

/** The peer ids of a node's workers. */
function workerPeers(node: JoiningNode): PeerId[] {
  return Array.from({ length: node.workers }, (_, i) => peerId(node.id, i));
}

async function connectCluster(url: string, node: string): Promise<NatsConnection> {
  try {
    return await connect({ servers: url, name: `guildgate ${node}` });
  } catch (error) {
    throw new ClusterUnavailableError(`cannot reach NATS at ${url}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function main(argv: string[]): number {
  try {
    const command = parseCommand(argv, process.env);
    if (command.kind === "help") {
      process.stdout.write(USAGE);
      return 0;
    }
    if (command.kind === "version") {
      console.log(`guildgate ${packageJson.version}`);
      return 0;
    }
    start(command.config).catch((error: unknown) => {
      // A database that cannot be reached is said in one line (its URL without the password).
      if (error instanceof StoreUnavailableError || error instanceof ClusterUnavailableError || error instanceof NodeIdTakenError || error instanceof ClusterFullError) {
        console.error(`guildgate: could not start: ${error.message}`);
      }
      else console.error("guildgate: could not start:", error);
      process.exit(1);
    });
    return -1;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`guildgate: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

const code = main(process.argv.slice(2));
if (code >= 0) process.exit(code);

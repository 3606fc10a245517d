/**
 * `GET /cluster` (ingress secret): the nodes the bus reaches at the ring's current generation
 * (a node leaving the cluster is marked: it owns no guild while its sessions move away), and
 * for each how many sessions and connections its workers hold, how many guilds they own
 * (loaded), and the bus batches they sent and took in (one NATS message each in a cluster).
 * Every worker of every node is asked; one that does not answer in time is counted as not
 * answering rather than holding up the answer. Without `--cluster` the one node is this process.
 */
import type { PeerId } from "../cluster/bus.ts";
import type { HashRing } from "../native.ts";
import { jsonResponse } from "../protocol/json-response.ts";
import { methodNotAllowed, unauthorized } from "./errors.ts";
import type { WorkerStats } from "./metrics.ts";

export interface ClusterRouteOptions {
  /** Whether a request carries the ingress secret. */
  authorized(request: Request): boolean;
  /** This node's id. */
  node: string;
  ring: HashRing;
  /** Every peer the bus reaches, this one included. */
  peers(): readonly PeerId[];
  /** Asks one peer for its stats; undefined when it does not answer in time. */
  statsOf(peer: PeerId): Promise<WorkerStats | undefined>;
}

export interface ClusterNodeView {
  id: string;
  /** Owns no guild: it is draining its sessions before it leaves. */
  leaving: boolean;
  workers: number;
  /** Workers that answered. */
  answered: number;
  sessions: number;
  connections: number;
  /** Guilds loaded by the node's workers: those the ring gives it that were asked for. */
  guilds: number;
  busBatchesSent: number;
  busBatchesReceived: number;
}

export interface ClusterView {
  node: string;
  generation: number;
  nodes: ClusterNodeView[];
}

/** The node of a peer id `{node}/{worker}` (bus.ts peerId). */
function nodeOf(peer: PeerId): string {
  return peer.slice(0, peer.lastIndexOf("/"));
}

export async function clusterView(options: Omit<ClusterRouteOptions, "authorized">): Promise<ClusterView> {
  const generation = options.ring.generation;
  const owners = new Set(options.ring.nodes());
  const peers = [...options.peers()].sort();
  const answers = await Promise.all(peers.map((peer) => options.statsOf(peer)));
  const nodes = new Map<string, ClusterNodeView>();
  peers.forEach((peer, i) => {
    const id = nodeOf(peer);
    let node = nodes.get(id);
    if (!node) {
      node = { id, leaving: !owners.has(peer), workers: 0, answered: 0, sessions: 0, connections: 0, guilds: 0, busBatchesSent: 0, busBatchesReceived: 0 };
      nodes.set(id, node);
    }
    node.workers++;
    const stats = answers[i];
    if (!stats) return;
    node.answered++;
    node.sessions += stats.gateway.sessions;
    node.connections += stats.gateway.connections;
    node.guilds += stats.guilds.loaded;
    node.busBatchesSent += stats.bus.batchesSent;
    node.busBatchesReceived += stats.bus.batchesReceived;
  });
  return { node: options.node, generation, nodes: [...nodes.values()] };
}

export function createClusterRoute(options: ClusterRouteOptions): (request: Request, url: URL) => Promise<Response | undefined> {
  return async (request, url) => {
    if (url.pathname !== "/cluster") return undefined;
    if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed("GET, HEAD");
    if (!options.authorized(request)) return unauthorized();
    return jsonResponse(await clusterView(options));
  };
}

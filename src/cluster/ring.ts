/**
 * The guild ring: which worker owns which guild (and which user). It lives natively and is
 * shared by every Worker of the process under one name. Its nodes are peer ids
 * (`{node}/{worker}`, bus.ts), so its answer is an address on the bus.
 */
import { openHashRing, type HashRing } from "../native.ts";
import type { PeerId } from "./bus.ts";

export const GUILD_RING_NAME = "guildgate:guilds";
export const PEER_RING_NAME = "guildgate:peers";

export function guildRing(): HashRing {
  return openHashRing(GUILD_RING_NAME);
}

/**
 * In a cluster, every peer the bus reaches: the workers of every node in the view, leaving
 * ones too (they own no guild, but the sessions they drain move from them). A ring used only
 * for its node list, which it shares between a process's threads, stamped with the view's
 * generation.
 */
export function peerRing(): HashRing {
  return openHashRing(PEER_RING_NAME);
}

/**
 * The nodes of `ring` other than `self`, re-read only when its generation moves: a node's
 * workers reach the cluster's through the peer ring (bus-nats.ts), so a node the membership
 * took out is no longer a peer.
 */
export function ringPeers(ring: HashRing, self: PeerId): () => readonly PeerId[] {
  let generation = -1;
  let peers: PeerId[] = [];
  return () => {
    if (ring.generation !== generation) {
      generation = ring.generation;
      peers = ring.nodes().filter((peer) => peer !== self);
    }
    return peers;
  };
}

/** The owner while the ring is empty (a node of a cluster before it joins): no peer, so a request there fails `peer-gone` and is asked again. */
export const NO_OWNER: PeerId = "";

/**
 * The owner of a snowflake (a guild or user id) on `ring`, as a peer id. The ring's node
 * names are re-read only when its generation moves (a lookup stays one JS ring walk).
 */
export function ringOwner(ring: HashRing): (key: string) => PeerId {
  let generation = -1;
  let nodes: string[] = [];
  return (key) => {
    for (;;) {
      if (ring.generation !== generation) {
        generation = ring.generation;
        nodes = ring.nodes();
      }
      if (nodes.length === 0) return NO_OWNER;
      const index = ring.find(key);
      // A new generation swapped in between: the index may be into its nodes, so look again.
      if (ring.generation === generation) return nodes[index] as PeerId;
    }
  };
}

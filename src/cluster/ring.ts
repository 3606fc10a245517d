/**
 * The guild ring: which worker owns which guild (and which user). It lives natively and is
 * shared by every Worker of the process under one name. Its nodes are peer ids
 * (`{node}/{worker}`, bus.ts), so its answer is an address on the bus.
 */
import { openHashRing, type HashRing } from "../native.ts";
import type { PeerId } from "./bus.ts";

export const GUILD_RING_NAME = "guildgate:guilds";

export function guildRing(): HashRing {
  return openHashRing(GUILD_RING_NAME);
}

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
      const index = ring.find(key);
      // A new generation swapped in between: the index may be into its nodes, so look again.
      if (ring.generation === generation) return nodes[index] as PeerId;
    }
  };
}

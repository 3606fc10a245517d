/**
 * The guild ring: which worker owns which guild. It lives natively and is
 * shared by every Worker of the process under one name.
 */
import { openHashRing, type HashRing } from "../native.ts";

export const GUILD_RING_NAME = "guildgate:guilds";

export function guildRing(): HashRing {
  return openHashRing(GUILD_RING_NAME);
}

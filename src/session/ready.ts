/**
 * The READY payload, shaped as discord.js, @discordjs/ws and discord.py read
 * it: `v, user, guilds, session_id, resume_gateway_url, shard, application`,
 * `private_channels` (a user's DMs and group DMs, ready-private-channels.ts; a bot's is
 * empty), plus the empty collections discord.py iterates.
 */
import { userObject } from "../guild/user-json.ts";
import type { GatewayVersion } from "../protocol/gateway-query.ts";
import type { User } from "../store/guild-store.ts";
import type { Session } from "./session.ts";

/**
 * READY for a new session on a socket that asked for `version` (Discord's READY `v` is the
 * gateway version in use). A bot's application id is its user id, as on Discord.
 */
export function readyPayload(
  session: Session,
  user: User,
  version: GatewayVersion,
  gatewayUrl: string,
  guildIds: readonly string[],
  privateChannels: readonly Record<string, unknown>[],
): Record<string, unknown> {
  return {
    v: version,
    user: userObject(user),
    // Stubs; a GUILD_CREATE follows for each, as on Discord.
    guilds: guildIds.map((id) => ({ id, unavailable: true })),
    session_id: session.id,
    session_type: "normal",
    resume_gateway_url: gatewayUrl,
    shard: session.shard,
    application: { id: session.user.id, flags: 0 },
    private_channels: privateChannels,
    relationships: [],
    presences: [],
    user_settings: {},
    guild_join_requests: [],
    geo_ordered_rtc_regions: [],
  };
}

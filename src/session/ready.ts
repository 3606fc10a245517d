/**
 * The READY payload, shaped as discord.js, @discordjs/ws and discord.py read
 * it: `v, user, guilds, session_id, resume_gateway_url, shard, application`,
 * plus the empty collections discord.py iterates.
 */
import type { User } from "../store/guild-store.ts";
import type { Session } from "./session.ts";

/** A user as Discord's API shapes it (discriminator "0": the post-2023 username system). */
export function userObject(user: User): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    discriminator: "0",
    global_name: user.globalName,
    avatar: user.avatar,
    bot: user.bot,
    system: false,
    flags: 0,
    public_flags: 0,
    mfa_enabled: false,
    verified: true,
  };
}

/** READY for a new session. A bot's application id is its user id, as on Discord. */
export function readyPayload(session: Session, gatewayUrl: string): Record<string, unknown> {
  return {
    v: 10,
    user: userObject(session.user),
    // Guild stubs ({id, unavailable: true}) arrive with the guild layer.
    guilds: [],
    session_id: session.id,
    session_type: "normal",
    resume_gateway_url: gatewayUrl,
    shard: session.shard,
    application: { id: session.user.id, flags: 0 },
    private_channels: [],
    relationships: [],
    presences: [],
    user_settings: {},
    guild_join_requests: [],
    geo_ordered_rtc_regions: [],
  };
}

/** A user as Discord's API shapes it (discriminator "0": the post-2023 username system). */
import type { User } from "../store/guild-store.ts";

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

/**
 * Presences: what a connected member shows others (status and activities). They live in
 * memory only, on the owner of each guild, and go away when the member's last session
 * does (the others then see it offline).
 */
import type { Activity, PresenceStatus, PresenceUpdateData } from "../protocol/payloads.ts";

export interface Presence {
  /** What others see: "invisible" shows as "offline". */
  readonly status: "online" | "idle" | "dnd" | "offline";
  readonly activities: readonly Activity[];
}

export const OFFLINE: Presence = Object.freeze({ status: "offline", activities: Object.freeze([]) });
export const ONLINE: Presence = Object.freeze({ status: "online", activities: Object.freeze([]) });

/** The presence a session's op 3 (or IDENTIFY `presence`) asks for, as others see it. */
export function presenceFrom(update: PresenceUpdateData | undefined): Presence {
  if (!update) return ONLINE;
  const status: PresenceStatus = update.status;
  return {
    status: status === "invisible" ? "offline" : status,
    activities: status === "invisible" || status === "offline" ? [] : update.activities,
  };
}

export function samePresence(a: Presence, b: Presence): boolean {
  return a.status === b.status && JSON.stringify(a.activities) === JSON.stringify(b.activities);
}

/** PRESENCE_UPDATE's `d`, and the items of GUILD_CREATE `presences` (with `guildId`). */
export function presenceJson(userId: string, presence: Presence, guildId?: string): Record<string, unknown> {
  const json: Record<string, unknown> = {
    user: { id: userId },
    status: presence.status,
    activities: presence.activities.map((a) => ({ created_at: 0, ...a })),
    client_status: presence.status === "offline" ? {} : { desktop: presence.status },
  };
  if (guildId !== undefined) json.guild_id = guildId;
  return json;
}

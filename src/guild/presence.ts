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

/**
 * The presences of a guild's connected members, with how many are online and a version that
 * changes with every change, so readers (member lists, GUILD_CREATE) never scan for them.
 */
export class PresenceBook {
  readonly #byUser = new Map<string, Presence>();
  #online = 0;
  #version = 0;

  get online(): number {
    return this.#online;
  }

  /** Bumped on every change. */
  get version(): number {
    return this.#version;
  }

  /** The member's presence; OFFLINE when it has none. */
  get(userId: string): Presence {
    return this.#byUser.get(userId) ?? OFFLINE;
  }

  entries(): IterableIterator<[string, Presence]> {
    return this.#byUser.entries();
  }

  /** Sets a presence (OFFLINE forgets it); returns the one before. */
  set(userId: string, presence: Presence): Presence {
    const before = this.get(userId);
    if (presence === OFFLINE) this.#byUser.delete(userId);
    else this.#byUser.set(userId, presence);
    this.#online += Number(presence.status !== "offline") - Number(before.status !== "offline");
    this.#version++;
    return before;
  }
}

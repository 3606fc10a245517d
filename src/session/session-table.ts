/**
 * The sessions a worker holds, by id and by user (events addressed to a user reach all of
 * its sessions). A session is in the table from IDENTIFY (or arrival from elsewhere) until it
 * ends or moves away.
 */
import type { Session } from "./session.ts";

const NONE: readonly Session[] = Object.freeze([]);

export class SessionTable {
  readonly #byId = new Map<string, Session>();
  /** A user's one session, or its several: most users have one, and a Set per user costs ~100 B. */
  readonly #byUser = new Map<string, Session | Set<Session>>();

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): Session | undefined {
    return this.#byId.get(id);
  }

  has(session: Session): boolean {
    return this.#byId.get(session.id) === session;
  }

  values(): IterableIterator<Session> {
    return this.#byId.values();
  }

  /** The live sessions of a user (attached or waiting to resume). */
  ofUser(userId: string): Iterable<Session> {
    const held = this.#byUser.get(userId);
    if (held === undefined) return NONE;
    return held instanceof Set ? held : [held];
  }

  add(session: Session): void {
    this.#byId.set(session.id, session);
    const userId = session.user.id;
    const held = this.#byUser.get(userId);
    if (held === undefined) this.#byUser.set(userId, session);
    else if (held instanceof Set) held.add(session);
    else this.#byUser.set(userId, new Set([held, session]));
  }

  /** Removes the session; false if it was not here. */
  delete(session: Session): boolean {
    if (!this.has(session)) return false;
    this.#byId.delete(session.id);
    const userId = session.user.id;
    const held = this.#byUser.get(userId);
    if (held instanceof Set) {
      held.delete(session);
      if (held.size === 1) this.#byUser.set(userId, held.values().next().value as Session);
    } else {
      this.#byUser.delete(userId);
    }
    return true;
  }
}

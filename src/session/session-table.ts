/**
 * The sessions a worker holds, by id and by user (events addressed to a user reach all of
 * its sessions). A session is in the table from IDENTIFY (or arrival from elsewhere) until it
 * ends or moves away.
 */
import type { Session } from "./session.ts";

const NONE: ReadonlySet<Session> = new Set();

export class SessionTable {
  readonly #byId = new Map<string, Session>();
  readonly #byUser = new Map<string, Set<Session>>();

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
  ofUser(userId: string): ReadonlySet<Session> {
    return this.#byUser.get(userId) ?? NONE;
  }

  add(session: Session): void {
    this.#byId.set(session.id, session);
    let sessions = this.#byUser.get(session.user.id);
    if (!sessions) this.#byUser.set(session.user.id, (sessions = new Set()));
    sessions.add(session);
  }

  /** Removes the session; false if it was not here. */
  delete(session: Session): boolean {
    if (!this.has(session)) return false;
    this.#byId.delete(session.id);
    const sessions = this.#byUser.get(session.user.id);
    sessions?.delete(session);
    if (sessions?.size === 0) this.#byUser.delete(session.user.id);
    return true;
  }
}

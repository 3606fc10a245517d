/**
 * Events addressed to a user, and closing a user's sessions: routed through the user's owner
 * (the ring names it by the user id, as a guild's by the guild id), which passes them to
 * every worker. One owner per user keeps each session's user events in one order, wherever
 * the session lives.
 */
import type { Bus, BusPush, PeerId } from "./bus.ts";

/** What a worker does with a user event (the gateway side). */
export interface UserDelivery {
  dispatchToUser(userId: string, t: string, dJson: string): void;
  disconnectUser(userId: string, code: number, reason: string): void;
}

export class UserEvents {
  readonly #bus: Bus;
  readonly #ownerOf: (userId: string) => PeerId;
  readonly #local: UserDelivery;

  constructor(bus: Bus, ownerOf: (userId: string) => PeerId, local: UserDelivery) {
    this.#bus = bus;
    this.#ownerOf = ownerOf;
    this.#local = local;
  }

  /** A dispatch to every session of a user, through the user's owner. */
  dispatchToUser(userId: string, t: string, dJson: string): void {
    this.#toOwner(userId, { k: "user-event", userId, t, dJson });
  }

  /** Closes a user's sessions on every worker, through the user's owner. */
  disconnectUser(userId: string, code: number, reason: string): void {
    this.#toOwner(userId, { k: "user-disconnect", userId, code, reason });
  }

  /** A pushed user message: as its owner, pass it to every worker; as a worker, deliver it. False if not one. */
  handlePush(message: BusPush): boolean {
    switch (message.k) {
      case "user-event":
        this.#everywhere({ ...message, k: "user-deliver" });
        return true;
      case "user-disconnect":
        this.#everywhere({ ...message, k: "user-disconnect-deliver" });
        return true;
      case "user-deliver":
        this.#local.dispatchToUser(message.userId, message.t, message.dJson);
        return true;
      case "user-disconnect-deliver":
        this.#local.disconnectUser(message.userId, message.code, message.reason);
        return true;
      default:
        return false;
    }
  }

  #toOwner(userId: string, message: BusPush): void {
    const owner = this.#ownerOf(userId);
    if (owner === this.#bus.self) this.handlePush(message);
    else this.#bus.send(owner, message);
  }

  /** As the user's owner: every worker gets it, in this owner's order. */
  #everywhere(message: BusPush): void {
    for (const peer of this.#bus.peers()) this.#bus.send(peer, message);
    this.handlePush(message);
  }
}

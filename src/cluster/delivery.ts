/**
 * The owner's `GuildDelivery` across workers: a publish goes to the one worker it names
 * (Manifold: the owner makes one call per worker per event), member changes go to every
 * worker, since any of them may hold the member's sessions. This worker's share is a direct
 * call; a peer's is one bus message, so each worker sees the owner's calls in its order.
 */
import type { GuildDelivery, PublishPart, WorkerId } from "../guild/guilds.ts";
import type { Bus, BusPush } from "./bus.ts";

export class ClusterDelivery implements GuildDelivery {
  readonly #bus: Bus;
  readonly #local: GuildDelivery;

  /** `local` is this worker's session side (SessionGuilds). */
  constructor(bus: Bus, local: GuildDelivery) {
    this.#bus = bus;
    this.#local = local;
  }

  publish(worker: WorkerId, t: string, parts: readonly PublishPart[]): void {
    if (worker === this.#bus.self) this.#local.publish(worker, t, parts);
    else this.#bus.send(worker, { k: "publish", t, parts: [...parts] });
  }

  sendToMember(guildId: string, userId: string, t: string, dJson: string): void {
    this.#everywhere({ k: "member-event", guildId, userId, t, dJson });
  }

  sendToSelf(guildId: string, userId: string, t: string, dJson: string): void {
    this.#everywhere({ k: "member-self-event", guildId, userId, t, dJson });
  }

  moveMember(guildId: string, userId: string, classId: number): void {
    this.#everywhere({ k: "member-moved", guildId, userId, classId });
  }

  memberAdded(guildId: string, userId: string): void {
    this.#everywhere({ k: "member-added", guildId, userId });
  }

  memberRemoved(guildId: string, userId: string): void {
    this.#everywhere({ k: "member-removed", guildId, userId });
  }

  dropList(guildId: string, userId: string, listId: string): void {
    this.#everywhere({ k: "list-dropped", guildId, userId, listId });
  }

  /** Worker side: a delivery pushed by an owner; false if the message is not one. */
  handlePush(message: BusPush): boolean {
    const local = this.#local;
    switch (message.k) {
      case "publish":
        local.publish(this.#bus.self, message.t, message.parts);
        return true;
      case "member-event":
        local.sendToMember(message.guildId, message.userId, message.t, message.dJson);
        return true;
      case "member-self-event":
        local.sendToSelf(message.guildId, message.userId, message.t, message.dJson);
        return true;
      case "member-moved":
        local.moveMember(message.guildId, message.userId, message.classId);
        return true;
      case "member-added":
        local.memberAdded(message.guildId, message.userId);
        return true;
      case "member-removed":
        local.memberRemoved(message.guildId, message.userId);
        return true;
      case "list-dropped":
        local.dropList(message.guildId, message.userId, message.listId);
        return true;
      default:
        return false;
    }
  }

  /** To every peer, then here: each worker handles it in the owner's order. */
  #everywhere(message: BusPush): void {
    for (const peer of this.#bus.peers()) this.#bus.send(peer, message);
    this.handlePush(message);
  }
}

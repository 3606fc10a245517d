/**
 * The owner's `GuildDelivery` across workers: a publish goes to the one worker it names
 * (Manifold: the owner makes one call per worker per event), member changes go to every
 * worker, since any of them may hold the member's sessions. This worker's share is a direct
 * call; a peer's is one bus message, so each worker sees the owner's calls in its order.
 * An event caused by an HTTP request carries when it was accepted, and each worker records
 * the ingress-to-send latency once it has handed the event's frames to its transport.
 */
import type { GuildDelivery, PublishPart, WorkerId } from "../guild/guilds.ts";
import type { Bus, BusPush } from "./bus.ts";
import { acceptedAt, type LatencyHistogram } from "./ingress-latency.ts";

export class ClusterDelivery implements GuildDelivery {
  readonly #bus: Bus;
  readonly #local: GuildDelivery;
  readonly #latency: LatencyHistogram;

  /** `local` is this worker's session side (SessionGuilds); `latency` gets one observation per event published here. */
  constructor(bus: Bus, local: GuildDelivery, latency: LatencyHistogram) {
    this.#bus = bus;
    this.#local = local;
    this.#latency = latency;
  }

  publish(worker: WorkerId, t: string, parts: readonly PublishPart[]): void {
    const since = acceptedAt.getStore();
    if (worker !== this.#bus.self) return this.#bus.send(worker, { k: "publish", t, parts: [...parts], acceptedAt: since });
    this.#local.publish(worker, t, parts);
    if (since !== undefined) this.#latency.observeSince(since);
  }

  sendToMember(guildId: string, userId: string, t: string, dJson: string, strippedJson?: string): void {
    this.#everywhere({ k: "member-event", guildId, userId, t, dJson, ...(strippedJson !== undefined && { strippedJson }) });
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

  rehome(worker: WorkerId, guildId: string, moves: readonly (readonly [string, number])[]): void {
    const copy = moves.map(([userId, classId]): [string, number] => [userId, classId]);
    if (worker === this.#bus.self) this.#local.rehome(worker, guildId, copy);
    else this.#bus.send(worker, { k: "rehome", guildId, moves: copy });
  }

  /** Worker side: a delivery pushed by an owner; false if the message is not one. */
  handlePush(message: BusPush): boolean {
    const local = this.#local;
    switch (message.k) {
      case "publish":
        local.publish(this.#bus.self, message.t, message.parts);
        if (message.acceptedAt !== undefined) this.#latency.observeSince(message.acceptedAt);
        return true;
      case "member-event":
        if (message.strippedJson === undefined) local.sendToMember(message.guildId, message.userId, message.t, message.dJson);
        else local.sendToMember(message.guildId, message.userId, message.t, message.dJson, message.strippedJson);
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
      case "rehome":
        local.rehome(this.#bus.self, message.guildId, message.moves);
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

/**
 * The owner's `GuildDelivery` across workers: a publish goes to the one worker it names
 * (Manifold: the owner makes one call per worker per event), member changes go to every
 * worker, since any of them may hold the member's sessions. This worker's share is a direct
 * call; a peer's is one bus message.
 */
import type { GuildDelivery, PublishPart } from "../guild/guilds.ts";
import { Bus, type BusMessage, type Port } from "./bus.ts";
import { USER_PUSHES } from "./guild-router.ts";

/**
 * The bus between a process's workers. Fanout messages and user events are handled
 * synchronously (a publish, a send), so a batch of them is handled in one task; anything
 * else ends the task first (see `Bus`).
 */
export function workerBus(self: number, ports: readonly (Port | null)[]): Bus {
  return new Bus(self, ports, ["pub", ...USER_PUSHES]);
}

const MEMBER_OPS = ["sendToMember", "sendToSelf", "moveMember", "memberAdded", "memberRemoved", "dropList"] as const;
type MemberOp = (typeof MEMBER_OPS)[number];

export class ClusterDelivery implements GuildDelivery {
  readonly #bus: Bus;
  readonly #local: GuildDelivery;

  /** `local` is this worker's session side (SessionGuilds). */
  constructor(bus: Bus, local: GuildDelivery) {
    this.#bus = bus;
    this.#local = local;
  }

  publish(worker: number, t: string, parts: readonly PublishPart[]): void {
    if (worker === this.#bus.self) this.#local.publish(worker, t, parts);
    else this.#bus.send(worker, { k: "pub", t, parts });
  }

  sendToMember(guildId: string, userId: string, t: string, dJson: string): void {
    this.#everywhere("sendToMember", [guildId, userId, t, dJson]);
  }

  sendToSelf(guildId: string, userId: string, t: string, dJson: string): void {
    this.#everywhere("sendToSelf", [guildId, userId, t, dJson]);
  }

  moveMember(guildId: string, userId: string, classId: number): void {
    this.#everywhere("moveMember", [guildId, userId, classId]);
  }

  memberAdded(guildId: string, userId: string): void {
    this.#everywhere("memberAdded", [guildId, userId]);
  }

  memberRemoved(guildId: string, userId: string): void {
    this.#everywhere("memberRemoved", [guildId, userId]);
  }

  dropList(guildId: string, userId: string, listId: string): void {
    this.#everywhere("dropList", [guildId, userId, listId]);
  }

  /** Worker side: a delivery pushed by a peer owner; false if the message is not one. */
  handlePush(message: BusMessage): boolean {
    if (message.k === "pub") {
      this.#local.publish(this.#bus.self, message.t as string, message.parts as PublishPart[]);
      return true;
    }
    if (message.k !== "member") return false;
    this.#apply(message.op as MemberOp, message.args as unknown[]);
    return true;
  }

  #everywhere(op: MemberOp, args: unknown[]): void {
    for (const peer of this.#bus.peers()) this.#bus.send(peer, { k: "member", op, args });
    this.#apply(op, args);
  }

  #apply(op: MemberOp, args: unknown[]): void {
    if (!MEMBER_OPS.includes(op)) throw new Error(`bus: unknown member operation ${String(op)}`);
    (this.#local[op] as (...args: unknown[]) => void).apply(this.#local, args);
  }
}

/**
 * Routing of guild work to its owner (DESIGN.md, "One event, end to end", step 2): the
 * ring names the worker that owns a guild, and every operation on the guild runs there, in
 * the order it arrives. Callers on any worker (sessions, ingress) get a Promise; a call for
 * a guild owned here runs at once, a call for another worker's guild crosses the bus.
 *
 * Events addressed to a user (and closing a user's sessions) are routed the same way, by
 * the user id, and their owner sends them to every worker: one owner per topic keeps each
 * session's events in one order, wherever the session lives.
 */
import { GuildUnavailableError, type Guilds } from "../guild/guilds.ts";
import type { HashRing } from "../native.ts";
import { Bus, BusRequestError, type BusMessage } from "./bus.ts";

/** The owner operations callers may route. Each takes its guild first: an id, or a record naming it. */
const GUILD_OPS = [
  "join",
  "guildCreate",
  "leave",
  "activate",
  "moveSession",
  "subscribeList",
  "unsubscribeList",
  "moveListHold",
  "setPresence",
  "requestMembers",
  "dispatch",
  "permissionsIn",
  "member",
  "createGuild",
  "updateGuild",
  "deleteGuild",
  "putRole",
  "deleteRole",
  "putChannel",
  "deleteChannel",
  "putMember",
  "deleteMember",
] as const satisfies readonly (keyof Guilds)[];

const ROUTED: ReadonlySet<string> = new Set(GUILD_OPS);

/** The guild an operation is about: its first argument, a guild id or a guild (`id`), role, channel or member (`guildId`) record. */
function guildOf(first: unknown): string {
  if (typeof first === "string") return first;
  const record = first as { id: string; guildId?: string };
  return record.guildId ?? record.id;
}

export type GuildOp = (typeof GUILD_OPS)[number];
type Result<K extends GuildOp> = ReturnType<Guilds[K]>;
type Args<K extends GuildOp> = Parameters<Guilds[K]>;

/** User-event pushes; each is handled synchronously. */
export const USER_PUSHES = ["user-dispatch", "user-disconnect", "user-dispatch-local", "user-disconnect-local"] as const;

/** What a user's owner does with a user event (the worker side: gateway + sessions). */
export interface UserDelivery {
  dispatchToUser(userId: string, t: string, dJson: string): void;
  disconnectUser(userId: string, code: number, reason: string): void;
}

export class GuildRouter {
  readonly #bus: Bus;
  readonly #ring: HashRing;
  readonly #guilds: Guilds;
  readonly #users: UserDelivery;

  constructor(bus: Bus, ring: HashRing, guilds: Guilds, users: UserDelivery) {
    this.#bus = bus;
    this.#ring = ring;
    this.#guilds = guilds;
    this.#users = users;
  }

  /** The worker that owns `key` (a guild or user id). */
  ownerOf(key: string): number {
    return this.#bus.size === 1 ? this.#bus.self : this.#ring.find(key);
  }

  /** Runs `op` on the guild's owner. */
  call<K extends GuildOp>(op: K, ...args: Args<K>): Promise<Result<K>> {
    const key = guildOf(args[0]);
    const owner = this.ownerOf(key);
    if (owner === this.#bus.self) {
      try {
        return Promise.resolve(this.#run(op, args));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#bus.request<Result<K>>(owner, { k: "guild", op, args }).catch((error: unknown) => {
      throw rebuild(error);
    });
  }

  /** A dispatch to every session of a user, through the user's owner. */
  dispatchToUser(userId: string, t: string, dJson: string): void {
    this.#toUserOwner(userId, { k: "user-dispatch", userId, t, dJson });
  }

  /** Closes a user's sessions on every worker, through the user's owner. */
  disconnectUser(userId: string, code: number, reason: string): void {
    this.#toUserOwner(userId, { k: "user-disconnect", userId, code, reason });
  }

  /** Owner side: a routed guild operation from a peer (answered synchronously, so FIFO holds). */
  handleRequest(message: BusMessage): unknown {
    const op = message.op as GuildOp;
    if (!ROUTED.has(op)) throw new Error(`bus: unknown guild operation ${String(op)}`);
    return this.#run(op, message.args as Args<GuildOp>);
  }

  /** A pushed user message: as its owner, fan it out to every worker; as a worker, deliver it. */
  handlePush(message: BusMessage): boolean {
    switch (message.k) {
      case "user-dispatch":
      case "user-disconnect":
        this.#fanOutUser(message);
        return true;
      case "user-dispatch-local":
        this.#users.dispatchToUser(message.userId as string, message.t as string, message.dJson as string);
        return true;
      case "user-disconnect-local":
        this.#users.disconnectUser(message.userId as string, message.code as number, message.reason as string);
        return true;
      default:
        return false;
    }
  }

  #run<K extends GuildOp>(op: K, args: Args<K>): Result<K> {
    const method = this.#guilds[op] as (...args: unknown[]) => Result<K>;
    return method.apply(this.#guilds, args);
  }

  #toUserOwner(userId: string, message: BusMessage): void {
    const owner = this.ownerOf(userId);
    if (owner === this.#bus.self) this.#fanOutUser(message);
    else this.#bus.send(owner, message);
  }

  /** As the user's owner: every worker gets it, in this owner's order. */
  #fanOutUser(message: BusMessage): void {
    const local = { ...message, k: `${message.k}-local` };
    for (const peer of this.#bus.peers()) this.#bus.send(peer, local);
    this.handlePush(local);
  }
}

/** Rebuilds the errors callers act on from their bus form. */
function rebuild(error: unknown): unknown {
  if (!(error instanceof BusRequestError)) return error;
  const { name, message, data } = error.error;
  if (name === "GuildUnavailableError" && data) return new GuildUnavailableError(data.guildId as string, data.max as number);
  if (name === "RangeError") return new RangeError(message);
  return error;
}

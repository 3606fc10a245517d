/**
 * Guild owner operations, typed end to end (DESIGN.md, "Owner operations"): `GuildOwner` is
 * what a guild's owner does (`Guilds` implements it), and `Owners` is the same set of
 * operations for any caller on any peer, each returning a promise. Whether the owner is this
 * peer or another is decided here, once: the ring names the owner of the guild the call is
 * about (its first argument), and the call is one bus request (run at once when the owner is
 * this peer).
 * An operation answers its value at once when the guild is idle here, or a promise when it
 * waits its turn, a load or a write's commit (guild/guild-queue.ts).
 * Errors arrive as the owner threw them: `GuildUnavailableError`, `GuildFencedError` and
 * `Refusal` are rebuilt from their bus form.
 */
import { GuildMovedError, GuildUnavailableError, type Guilds } from "../guild/guilds.ts";
import type { DirectMessages } from "../guild/direct-messages.ts";
import type { GuildInteractions } from "../guild/interactions.ts";
import { Refusal, type RefusalReason } from "../guild/refusal.ts";
import { GuildFencedError } from "../store/guild-store.ts";
import { BusError, type Bus, type BusReply, type BusRequest, type PeerId } from "./bus.ts";
import { acceptedAt } from "./ingress-latency.ts";

/** The operations a guild's owner runs; each takes its guild first (an id, or a record naming it). */
const GUILD_OPS = [
  "join",
  "warm",
  "guildCreate",
  "leave",
  "activate",
  "subscribeList",
  "unsubscribeList",
  "setPresence",
  "setVoiceState",
  "requestMembers",
  "dispatch",
  "createMessage",
  "editMessage",
  "deleteMessage",
  "bulkDeleteMessages",
  "pinMessage",
  "addReaction",
  "removeReactions",
  "typing",
  "readChannel",
  "readGuild",
  "createThread",
  "patchThread",
  "deleteThread",
  "addThreadMember",
  "removeThreadMember",
  "readThreads",
  "createGuild",
  "updateGuild",
  "deleteGuild",
  "createRole",
  "patchRole",
  "deleteRole",
  "createChannel",
  "patchChannel",
  "deleteChannel",
  "setMember",
  "deleteMember",
] as const satisfies readonly (keyof Guilds)[];

/** The operations a private channel's owner runs (guild/direct-messages.ts); each takes the channel's id first. */
const DM_OPS = [
  "createDmMessage",
  "editDmMessage",
  "deleteDmMessage",
  "addDmReaction",
  "removeDmReaction",
  "dmPin",
  "dmTyping",
  "createGroupDm",
  "updateGroupDm",
  "addGroupDmRecipient",
  "removeGroupDmRecipient",
] as const satisfies readonly (keyof DirectMessages)[];

/** The operations on a guild's interactions (guild/interactions.ts); each takes the guild's id first. */
const INTERACTION_OPS = ["startInteraction", "respond", "followUp", "readResponse", "editResponse", "deleteResponse"] as const satisfies readonly (keyof GuildInteractions)[];

/** Every owner operation: the ring names its owner by its first argument, a guild or a DM channel. */
export const OWNER_OPS = [...GUILD_OPS, ...DM_OPS, ...INTERACTION_OPS] as const;

export type OwnerOp = (typeof OWNER_OPS)[number];
type GuildOp = (typeof GUILD_OPS)[number];
type DmOp = (typeof DM_OPS)[number];
type InteractionOp = (typeof INTERACTION_OPS)[number];

/** What an owner does: its guilds' operations, its DM channels' and its guilds' interactions'. */
export type GuildOwner = Pick<Guilds, GuildOp> & Pick<DirectMessages, DmOp> & Pick<GuildInteractions, InteractionOp>;

/** The objects that run a peer's owner operations: its guilds, its DM channels, its guilds' interactions. */
export interface LocalOwners {
  readonly guilds: Pick<Guilds, GuildOp>;
  readonly dms: Pick<DirectMessages, DmOp>;
  readonly interactions: Pick<GuildInteractions, InteractionOp>;
}

const DM_OP_NAMES: ReadonlySet<OwnerOp> = new Set(DM_OPS);
const INTERACTION_OP_NAMES: ReadonlySet<OwnerOp> = new Set(INTERACTION_OPS);

/** An owner operation as a bus request. */
export type OwnerCall = {
  [K in OwnerOp]: {
    k: "owner";
    op: K;
    args: Parameters<GuildOwner[K]>;
    /** When the HTTP request behind the call was accepted, carried to the owner's deliveries (ingress-latency.ts). */
    acceptedAt?: number;
  };
}[OwnerOp];

/** The reply to an owner call: what the operation returns. */
export type OwnerReply<C extends OwnerCall> = Awaited<ReturnType<GuildOwner[C["op"]]>>;

/** Every owner operation, run on the guild's owner wherever it is. */
export type Owners = {
  [K in OwnerOp]: (...args: Parameters<GuildOwner[K]>) => Promise<Awaited<ReturnType<GuildOwner[K]>>>;
};

/** The guild (or DM channel) an operation is about: its first argument, an id, or a guild (`id`), role, channel or member (`guildId`) record. */
function guildOf(first: unknown): string {
  if (typeof first === "string") return first;
  const record = first as { id: string; guildId?: string };
  return record.guildId ?? record.id;
}

/**
 * While the ring moves a guild (a node joins, leaves or is lost), a call can reach a peer that
 * no longer owns it, or one that is gone, or one busy loading the guilds it just got. It is
 * asked again, of whoever owns it then, after these pauses (ms): about 5 s in all, enough for
 * a membership change to settle. Then the error stands (HTTP 503).
 */
const RETRY_PAUSES_MS = [20, 50, 100, 200, 300, 400, 500, 700, 1_000, 1_000, 1_000];

/** `Owners` over `bus`: `ownerOf` names the peer owning a guild (the bus runs a call to itself at once). */
export function createOwners(bus: Bus, ownerOf: (guildId: string) => PeerId): Owners {
  const owners: Partial<Record<OwnerOp, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const op of OWNER_OPS) {
    owners[op] = (...args: unknown[]) => askOwner(bus, ownerOf, guildOf(args[0]), { k: "owner", op, args, acceptedAt: acceptedAt.getStore() } as OwnerCall);
  }
  return owners as Owners;
}

/**
 * Sends `request` to the owner of `key` (a guild or user id) and resolves with its reply; asked
 * again of whoever owns it then while the ring moves it (see RETRY_PAUSES_MS). A failure comes
 * back as the owner threw it (`fromBus`).
 */
export async function askOwner<R extends BusRequest>(bus: Bus, ownerOf: (key: string) => PeerId, key: string, request: R): Promise<BusReply<R>> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await bus.request(ownerOf(key), request);
    } catch (error) {
      const pause = RETRY_PAUSES_MS[attempt];
      if (pause === undefined || !worthAskingAgain(error)) throw fromBus(error);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/**
 * Whether a call failed for a reason that passes: the guild's owner changed under it (asking
 * again finds the new one), or the owner had too many guild loads in flight (as when a node's
 * guilds all move at once).
 */
function worthAskingAgain(error: unknown): boolean {
  return error instanceof BusError && (error.code === "guild-moved" || error.code === "guild-fenced" || error.code === "peer-gone" || error.code === "guild-unavailable");
}

/** The owner side of an owner call: runs it on this peer's guilds or DM channels; its errors in their bus form. */
export function runOwnerCall<C extends OwnerCall>(local: LocalOwners, call: C): OwnerReply<C> | Promise<OwnerReply<C>> {
  const target: object = DM_OP_NAMES.has(call.op) ? local.dms : INTERACTION_OP_NAMES.has(call.op) ? local.interactions : local.guilds;
  const operation = (target as Record<OwnerOp, (...args: unknown[]) => OwnerReply<C> | Promise<OwnerReply<C>>>)[call.op];
  const run = (): OwnerReply<C> | Promise<OwnerReply<C>> => operation.apply(target, call.args);
  return inBusForm(() => (call.acceptedAt === undefined ? run() : acceptedAt.run(call.acceptedAt, run)));
}

/** Runs an owner's work; what it throws (or rejects with) is thrown in the form that crosses the bus. */
export function inBusForm<T>(run: () => T | Promise<T>): T | Promise<T> {
  try {
    const result = run();
    return result instanceof Promise ? result.catch(toBus) : result;
  } catch (error) {
    return toBus(error);
  }
}

/** Throws the error in the form that crosses the bus. */
function toBus(error: unknown): never {
  if (error instanceof GuildUnavailableError) {
    throw new BusError("guild-unavailable", error.message, { guildId: error.guildId, max: error.max });
  }
  if (error instanceof GuildFencedError) {
    throw new BusError("guild-fenced", error.message, { guildId: error.guildId, generation: error.generation, fence: error.fence });
  }
  if (error instanceof GuildMovedError) throw new BusError("guild-moved", error.message, { guildId: error.guildId });
  if (error instanceof Refusal) throw new BusError("refused", error.message, { reason: error.reason, field: error.field ?? "" });
  throw error;
}

/** Rebuilds the errors callers act on from their bus form. */
function fromBus(error: unknown): unknown {
  if (!(error instanceof BusError)) return error;
  if (error.code === "guild-unavailable") return new GuildUnavailableError(String(error.data.guildId), Number(error.data.max));
  if (error.code === "guild-fenced") {
    return new GuildFencedError(String(error.data.guildId), Number(error.data.generation), Number(error.data.fence));
  }
  if (error.code === "guild-moved") return new GuildMovedError(String(error.data.guildId));
  if (error.code === "refused") return new Refusal(error.data.reason as RefusalReason, error.message, String(error.data.field) || undefined);
  return error;
}

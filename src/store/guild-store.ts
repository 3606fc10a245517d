/**
 * The `GuildStore` contract: the durable state a node keeps across restarts.
 * It holds users today; guilds, roles, channels and members join it as more
 * `get*`/`put*`/`delete*`/`list*` methods in the same style. Implementations:
 * `sqlite.ts` (default, embedded) and `memory.ts` (tests). Both pass the shared
 * contract suite in `guild-store.case.test.ts`.
 *
 * Calls are synchronous: bun:sqlite is, and a synchronous store keeps session
 * code free of awaits on the hot path. Records go in and come out as fresh
 * plain objects, so a caller never shares mutable state with the store.
 */
import { isSnowflake } from "../protocol/fields.ts";
import { PRIVILEGED_INTENTS } from "../protocol/opcodes.ts";

/** A user or bot account that may connect to the gateway. */
export interface User {
  /** Snowflake, as a canonical decimal string. */
  readonly id: string;
  readonly username: string;
  /** Display name; null falls back to `username`. */
  readonly globalName: string | null;
  /** Avatar hash, or null for the default avatar. */
  readonly avatar: string | null;
  readonly bot: boolean;
  /**
   * Privileged intents this user may request in IDENTIFY: a subset of
   * GUILD_MEMBERS (1 << 1) | GUILD_PRESENCES (1 << 8) | MESSAGE_CONTENT (1 << 15).
   */
  readonly privilegedIntents: number;
  /** When the account was created, in milliseconds since the Unix epoch. */
  readonly createdAt: number;
}

/** Durable gateway state. Every method is synchronous and safe to call after a failed one. */
export interface GuildStore {
  /** The user with this id, or undefined. */
  getUser(id: string): User | undefined;
  /** Inserts or replaces the user with `user.id`. Throws `RangeError` for an invalid record. */
  putUser(user: User): void;
  /** Removes the user; true if it existed. */
  deleteUser(id: string): boolean;
  /**
   * Up to `limit` users with id greater than `after` (all when absent), in
   * ascending numeric id order, for keyset pagination. `limit` is an integer ≥ 0
   * and `after` a snowflake; anything else throws `RangeError`.
   */
  listUsers(limit: number, after?: string): User[];
  /** Releases the store. No method may be called afterwards. */
  close(): void;
}

/** Throws `RangeError` unless `user` is a record every store can hold and order. */
export function assertValidUser(user: User): void {
  if (!isSnowflake(user.id)) throw new RangeError(`user id must be a snowflake, got "${user.id}"`);
  const intents = user.privilegedIntents;
  if (!Number.isInteger(intents) || intents < 0 || intents > PRIVILEGED_INTENTS || (intents & ~PRIVILEGED_INTENTS) !== 0) {
    throw new RangeError(`user ${user.id}: privilegedIntents must be a subset of ${PRIVILEGED_INTENTS}`);
  }
  if (!Number.isSafeInteger(user.createdAt)) {
    throw new RangeError(`user ${user.id}: createdAt must be an integer of milliseconds`);
  }
}

/** Throws `RangeError` unless `limit` and `after` are valid `list*` arguments. */
export function assertValidPage(limit: number, after: string | undefined): void {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError(`limit must be an integer >= 0, got ${limit}`);
  }
  if (after !== undefined && !isSnowflake(after)) {
    throw new RangeError(`after must be a snowflake, got "${after}"`);
  }
}

/**
 * An in-memory `GuildStore` for tests: nothing survives `close()`. `listUsers`
 * sorts on every call (O(n log n)), which is fine at test sizes and keeps this
 * store an obviously-correct model for the SQLite one.
 */
import { assertValidPage, assertValidUser, type GuildStore, type User } from "./guild-store.ts";

/** Canonical snowflakes order as numbers when compared by length, then by text. */
function compareSnowflakes(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Only the `User` fields, so extra properties on an argument never leak back out. */
function copyUser(user: User): User {
  const { id, username, globalName, avatar, bot, privilegedIntents, createdAt } = user;
  return { id, username, globalName, avatar, bot, privilegedIntents, createdAt };
}

/** `GuildStore` over Maps; records are copied in and out. */
export class MemoryGuildStore implements GuildStore {
  readonly #users = new Map<string, User>();

  getUser(id: string): User | undefined {
    const user = this.#users.get(id);
    return user && copyUser(user);
  }

  putUser(user: User): void {
    assertValidUser(user);
    this.#users.set(user.id, copyUser(user));
  }

  deleteUser(id: string): boolean {
    return this.#users.delete(id);
  }

  listUsers(limit: number, after?: string): User[] {
    assertValidPage(limit, after);
    const ids = [...this.#users.keys()]
      .filter((id) => after === undefined || compareSnowflakes(id, after) > 0)
      .sort(compareSnowflakes);
    return ids.slice(0, limit).map((id) => copyUser(this.#users.get(id) as User));
  }

  close(): void {
    this.#users.clear();
  }
}

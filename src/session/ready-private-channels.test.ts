import { expect, test } from "bun:test";
import type { GuildStore, User } from "../store/guild-store.ts";
import { MemoryGuildStore } from "../store/memory.ts";
import { READY_PRIVATE_CHANNELS, readyPrivateChannels } from "./ready-private-channels.ts";

const person = (id: string): User => ({ id, username: `u${id}`, globalName: null, avatar: null, bot: false, privilegedIntents: 0, createdAt: 0, tokenGeneration: 0 });

/** The store, counting each call READY makes of it. */
function counted(store: GuildStore): { store: GuildStore; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.set(String(name), (calls.get(String(name)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

test(`a user with more than ${READY_PRIVATE_CHANNELS} DMs gets the ${READY_PRIVATE_CHANNELS} latest active, in two store calls whatever their number`, async () => {
  const memory = new MemoryGuildStore();
  const me = "5";
  await memory.putUser(person(me));
  const others = Array.from({ length: READY_PRIVATE_CHANNELS + 1 }, (_, i) => String(1_000 + i));
  for (const [i, other] of others.entries()) {
    await memory.putUser(person(other));
    await memory.openDmChannel({ id: String(100_000 + i), recipientIds: [me, other], createdAt: i });
  }
  // The first DM made is the latest active: it has a message.
  await memory.writeGuild("100000", 1, [
    { k: "message", message: { id: "900000", channelId: "100000", guildId: "100000", authorId: me, type: 0, content: "hi", flags: 0, editedAt: null, pinnedAt: null, nonce: null, data: "{}" } },
  ]);
  const { store, calls } = counted(memory);
  const listed = await readyPrivateChannels(store, me);
  expect(listed).toHaveLength(READY_PRIVATE_CHANNELS);
  expect(listed[0]).toEqual({ id: "100000", type: 1, last_message_id: "900000", flags: 0, recipients: [expect.objectContaining({ id: "1000" })] });
  // Then by the channels' own ids, newest first; the second made is the one left out.
  expect(listed[1]).toMatchObject({ id: String(100_000 + READY_PRIVATE_CHANNELS), last_message_id: null });
  expect(listed.some((channel) => channel.id === "100001")).toBe(false);
  expect(Object.fromEntries(calls)).toEqual({ listPrivateChannels: 1, getUsers: 1 });
});

test("a user with no private channels costs one store call", async () => {
  const { store, calls } = counted(new MemoryGuildStore());
  expect(await readyPrivateChannels(store, "5")).toEqual([]);
  expect(Object.fromEntries(calls)).toEqual({ listPrivateChannels: 1 });
});

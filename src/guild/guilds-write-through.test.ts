/**
 * The owner writes through (guilds.ts): a change is committed to the store before memory and
 * sessions see it, later operations on the guild wait for the commit, a failed write changes
 * nothing anyone sees, a guild loads once however many callers ask at once, and an owner fenced
 * off by a later generation writes nothing and drops the guild. Fencing runs on every store.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSemaphore } from "../native.ts";
import { Intent } from "../protocol/opcodes.ts";
import { GuildFencedError, type GuildStore, type User } from "../store/guild-store.ts";
import { MemoryGuildStore } from "../store/memory.ts";
import { PostgresGuildStore } from "../store/postgres.ts";
import { SqliteGuildStore } from "../store/sqlite.ts";
import { freshDatabase } from "../../test/support/postgres.ts";
import { GuildMovedError, Guilds, type GuildDelivery, type Joiner } from "./guilds.ts";
import { Permission } from "./permissions.ts";
import { ONLINE } from "./presence.ts";

const GUILD = "10";
const CHANNEL = "11";
const users: User[] = ["1", "2", "3"].map((id) => ({
  id,
  username: `u${id}`,
  globalName: null,
  avatar: null,
  bot: true,
  privilegedIntents: 0,
  createdAt: 0,
  tokenGeneration: 0,
}));
const semaphore = openSemaphore("test:guilds-write-through:load", 64);

/** Guild 10 (owner 1): @everyone may view and send, channel 11, members 1–3. */
async function seed(store: GuildStore): Promise<void> {
  for (const user of users) await store.putUser(user);
  await store.writeGuild(GUILD, 0, [
    { k: "guild", guild: { id: GUILD, name: "g", ownerId: "1", icon: null, createdAt: 0 } },
    {
      k: "role",
      role: { id: GUILD, guildId: GUILD, name: "@everyone", permissions: Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES, position: 0, hoist: false, color: 0, mentionable: false },
    },
    { k: "channel", channel: { id: CHANNEL, guildId: GUILD, type: 0, name: "general", position: 0, parentId: null, overwrites: [], topic: null } },
    ...users.map((user) => ({ k: "member" as const, member: { guildId: GUILD, userId: user.id, roleIds: [], nick: null, joinedAt: 0 } })),
  ]);
}

/** Records the events the owner publishes, by name. */
function recorder(): GuildDelivery & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    publish: (_worker, t) => void events.push(t),
    sendToMember: (_guild, _user, t) => void events.push(`member:${t}`),
    sendToSelf: (_guild, _user, t) => void events.push(`self:${t}`),
    moveMember: () => {},
    memberAdded: () => {},
    memberRemoved: () => {},
    dropList: () => {},
    rehome: () => {},
  };
}

const joiner = (userId: string): Joiner => ({ worker: "w0", userId, intents: Intent.GUILDS | Intent.GUILD_MESSAGES, bot: true, presence: ONLINE, largeThreshold: 250 });
const message = { id: "99", channel_id: CHANNEL, guild_id: GUILD, content: "hi" };

/** A store whose guild writes (and claims) can be held back or made to fail, and are counted. */
function gated(inner: GuildStore) {
  let held: (() => void)[] | undefined;
  let failure: Error | undefined;
  const counts = { claims: 0, writes: 0, messageReads: 0 };
  const store: GuildStore = new Proxy(inner, {
    get(target, key, receiver) {
      if (key === "claimGuild") {
        return async (guildId: string, generation: number) => {
          counts.claims++;
          if (held) await new Promise<void>((resolve) => held?.push(resolve));
          return target.claimGuild(guildId, generation);
        };
      }
      if (key === "writeGuild") {
        return async (...args: Parameters<GuildStore["writeGuild"]>) => {
          counts.writes++;
          if (held) await new Promise<void>((resolve) => held?.push(resolve));
          if (failure) throw failure;
          return target.writeGuild(...args);
        };
      }
      if (key === "getMessage" || key === "findMessageByNonce") counts.messageReads++;
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    store,
    counts,
    hold: () => void (held = []),
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const resolve of waiting) resolve();
    },
    fail: (error: Error | undefined) => void (failure = error),
  };
}

async function owner(store: GuildStore, generation = 1) {
  const delivery = recorder();
  const guilds = new Guilds({ store, delivery, loadSemaphore: semaphore, passiveThreshold: 1_000_000, generation: () => generation, owns: () => true, takeOver: async () => [] });
  return { guilds, delivery };
}

/** An owner that has guild 10 loaded (a session of member 2 in it), on a gated store; no events recorded yet. */
async function loaded() {
  const gate = gated(new MemoryGuildStore());
  await seed(gate.store);
  const { guilds, delivery } = await owner(gate.store);
  await guilds.join(GUILD, joiner("2"));
  delivery.events.length = 0;
  return { gate, guilds, delivery };
}

describe("Guilds writes through", () => {
  test("on a loaded, idle guild an event is published at once, with no promise", async () => {
    const store = new MemoryGuildStore();
    await seed(store);
    const { guilds, delivery } = await owner(store);
    await guilds.join(GUILD, joiner("2"));
    const topics = guilds.dispatch(GUILD, "MESSAGE_CREATE", message, CHANNEL);
    expect(topics).toBe(1);
    expect(delivery.events.at(-1)).toBe("MESSAGE_CREATE");
  });

  test("a change is applied and published only once committed; an event after it waits for it", async () => {
    const { gate, guilds, delivery } = await loaded();
    gate.hold();
    const renamed = guilds.patchRole(GUILD, GUILD, { name: "renamed" });
    const sent = guilds.dispatch(GUILD, "MESSAGE_CREATE", message, CHANNEL);
    expect(sent).toBeInstanceOf(Promise);
    // Held at the store: neither the change nor the event behind it has reached anyone.
    await Promise.resolve();
    expect(delivery.events).toEqual([]);
    expect((await gate.store.getRole(GUILD))?.name).toBe("@everyone");
    gate.release();
    expect((await renamed).name).toBe("renamed");
    expect(await sent).toBe(1);
    expect(delivery.events).toEqual(["GUILD_ROLE_UPDATE", "MESSAGE_CREATE"]);
    expect((await gate.store.getRole(GUILD))?.name).toBe("renamed");
  });

  test("a posted message is stored, then published; a plain one reads nothing first; a failed write publishes nothing", async () => {
    const { gate, guilds, delivery } = await loaded();
    const request = (id: string) => ({ id, content: "hi", enforceNonce: false, tts: false, embeds: [], components: [], flags: 0, attachments: [] });
    gate.hold();
    const posted = guilds.createMessage(GUILD, CHANNEL, "2", request("100"), Date.now());
    await Promise.resolve();
    expect(delivery.events).toEqual([]);
    expect(gate.counts.messageReads).toBe(0);
    gate.release();
    expect((await posted).id).toBe("100");
    expect(delivery.events).toEqual(["MESSAGE_CREATE"]);
    expect((await gate.store.getMessage(CHANNEL, "100"))?.content).toBe("hi");
    gate.fail(new Error("disk full"));
    await expect(guilds.createMessage(GUILD, CHANNEL, "2", request("101"), Date.now())).rejects.toThrow("disk full");
    expect(delivery.events).toEqual(["MESSAGE_CREATE"]);
  });

  test("a failed write: the caller gets the error, nothing is published, the guild stays as it was and serves on", async () => {
    const { gate, guilds, delivery } = await loaded();
    gate.fail(new Error("disk full"));
    await expect(guilds.patchRole(GUILD, GUILD, { name: "lost" })).rejects.toThrow("disk full");
    await expect(guilds.deleteMember(GUILD, "3")).rejects.toThrow("disk full");
    expect(delivery.events).toEqual([]);
    // Memory kept the old records: the next change starts from them.
    gate.fail(undefined);
    expect((await guilds.patchRole(GUILD, GUILD, { color: 5 })).name).toBe("@everyone");
    expect(await guilds.guildCreate(GUILD, "3", Intent.GUILDS, 250)).toBeUndefined();
    expect(guilds.dispatch(GUILD, "MESSAGE_CREATE", message, CHANNEL)).toBe(1);
    expect(delivery.events).toEqual(["GUILD_ROLE_UPDATE", "MESSAGE_CREATE"]);
    expect(await gate.store.getMember(GUILD, "3")).toBeDefined();
  });

  test("given up to a new owner, the guild is let go after what was started on it; then refused while this ring lags", async () => {
    const { gate, guilds, delivery } = await loaded();
    gate.hold();
    const renamed = guilds.patchRole(GUILD, GUILD, { name: "renamed" });
    const sent = guilds.dispatch(GUILD, "MESSAGE_CREATE", message, CHANNEL);
    // A new owner at generation 2 takes it over (this owner's ring still says 1, and its own).
    const released = guilds.release(GUILD, 2).then(() => void delivery.events.push("released"));
    gate.release();
    await Promise.all([renamed, sent, released]);
    expect(delivery.events).toEqual(["GUILD_ROLE_UPDATE", "MESSAGE_CREATE", "released"]);
    expect(guilds.stats().loaded).toBe(0);
    expect(() => guilds.dispatch(GUILD, "MESSAGE_CREATE", message, CHANNEL)).toThrow(GuildMovedError);
    expect(() => guilds.join(GUILD, joiner("3"))).toThrow(GuildMovedError);
  });

  test("a new owner's load has the old owner let the guild go before anything runs on it", async () => {
    const store = new MemoryGuildStore();
    await seed(store);
    const old = await owner(store, 1);
    await old.guilds.join(GUILD, joiner("2"));
    const delivery = recorder();
    const taking: [string, number][] = [];
    const next = new Guilds({
      store,
      delivery,
      loadSemaphore: semaphore,
      passiveThreshold: 1_000_000,
      generation: () => 2,
      owns: () => true,
      takeOver: async (guildId, generation) => {
        taking.push([guildId, generation]);
        await old.guilds.release(guildId, generation);
        return [];
      },
    });
    expect(next.dispatch(GUILD, "MESSAGE_CREATE", message, CHANNEL)).toBeInstanceOf(Promise);
    await Promise.resolve(next.dispatch(GUILD, "MESSAGE_CREATE", message, CHANNEL));
    expect(taking).toEqual([[GUILD, 2]]);
    expect(() => old.guilds.dispatch(GUILD, "MESSAGE_CREATE", message, CHANNEL)).toThrow(GuildMovedError);
  });

  test("a new owner takes over the voice states its holders carry, where they may still be, and GUILD_CREATE lists them", async () => {
    const store = new MemoryGuildStore();
    await seed(store);
    // @everyone has no CONNECT in the guild; this channel grants it.
    const overwrites = [{ id: GUILD, type: 0 as const, allow: Permission.CONNECT, deny: 0n }];
    const voice = { id: "12", guildId: GUILD, type: 2, name: "voice", position: 1, parentId: null, overwrites, topic: null };
    await store.writeGuild(GUILD, 0, [{ k: "channel", channel: voice }]);
    const request = (channelId: string) => ({ sessionId: "s", channelId, selfMute: true, selfDeaf: false });
    const next = new Guilds({
      store,
      delivery: recorder(),
      loadSemaphore: semaphore,
      passiveThreshold: 1_000_000,
      generation: () => 2,
      owns: () => true,
      // Member 2 in the voice channel, member 3 "in" the text channel (no voice state may be there).
      takeOver: async () => [
        { worker: "w0", userId: "2", variant: "0", presence: ONLINE, voice: request(voice.id) },
        { worker: "w0", userId: "3", variant: "0", presence: ONLINE, voice: request(CHANNEL) },
      ],
    });
    const joined = await next.join(GUILD, { ...joiner("1"), intents: Intent.GUILDS | Intent.GUILD_VOICE_STATES });
    const states = (JSON.parse(joined?.guildCreate ?? "{}") as { voice_states: unknown[] }).voice_states;
    expect(states).toEqual([expect.objectContaining({ user_id: "2", channel_id: voice.id, session_id: "s", self_mute: true })]);
  });

  test("callers that ask for an unloaded guild at once share one load", async () => {
    const gate = gated(new MemoryGuildStore());
    await seed(gate.store);
    const { guilds } = await owner(gate.store);
    gate.hold();
    const joins = ["1", "2", "3"].map((userId) => guilds.join(GUILD, joiner(userId)));
    const sent = guilds.dispatch(GUILD, "MESSAGE_CREATE", message, CHANNEL);
    gate.release();
    const joined = await Promise.all(joins);
    expect(joined.every((j) => j?.guildCreate !== undefined)).toBe(true);
    // Two topics: the guild owner's class, and the class of members without roles.
    expect(await sent).toBe(2);
    expect(gate.counts.claims).toBe(1);
    expect(guilds.stats().loaded).toBe(1);
  });
});

/** Two owners of one guild on one store's data, as two workers or nodes open it. */
const stores: { name: string; open(): Promise<{ first: GuildStore; second: GuildStore; dispose(): Promise<void> }> }[] = [
  {
    name: "MemoryGuildStore",
    open: async () => {
      const store = new MemoryGuildStore();
      return { first: store, second: store, dispose: () => store.close() };
    },
  },
  {
    name: "SqliteGuildStore",
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), "guildgate-fence-"));
      const first = new SqliteGuildStore(dir);
      const second = new SqliteGuildStore(dir);
      return {
        first,
        second,
        dispose: async () => {
          await first.close();
          await second.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: "PostgresGuildStore",
    open: async () => {
      const database = await freshDatabase();
      const first = await PostgresGuildStore.open(database.url);
      const second = await PostgresGuildStore.open(database.url);
      return {
        first,
        second,
        dispose: async () => {
          await first.close();
          await second.close();
          await database.drop();
        },
      };
    },
  },
];

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

for (const { name, open } of stores) {
  test(`fencing on ${name}: once an owner at generation 2 has the guild, the owner at generation 1 writes nothing and drops it`, async () => {
    const { first, second, dispose } = await open();
    cleanups.push(dispose);
    await seed(first);
    const old = await owner(first, 1);
    await old.guilds.join(GUILD, joiner("2"));
    // The guild moves: the owner at generation 2 loads it, which claims it.
    const next = await owner(second, 2);
    await next.guilds.join(GUILD, joiner("3"));
    old.delivery.events.length = 0;

    const stale = Promise.resolve(old.guilds.patchRole(GUILD, GUILD, { name: "old owner's" }));
    await expect(stale).rejects.toBeInstanceOf(GuildFencedError);
    expect(old.delivery.events).toEqual([]);
    expect(old.guilds.stats().loaded).toBe(0);
    // Asked again, the old owner cannot take it back: loading claims, and the claim is refused.
    await expect(Promise.resolve(old.guilds.dispatch(GUILD, "MESSAGE_CREATE", message, CHANNEL))).rejects.toBeInstanceOf(GuildFencedError);

    expect((await next.guilds.patchRole(GUILD, GUILD, { name: "new owner's" })).name).toBe("new owner's");
    for (const store of [first, second]) expect((await store.getRole(GUILD))?.name).toBe("new owner's");
  });
}

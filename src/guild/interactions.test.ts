/**
 * The owner's table of interactions, on a stand-in place (a guild or DM's turn is a port)
 * writing through a memory store: an interaction is answered once, its webhook takes requests
 * only once answered, and it is forgotten 15 minutes after its creation (by its id's time), so
 * the table never keeps them; an autocomplete, 3 s after. A place's next owner (another
 * table on the same store) goes on from what the last one wrote, and the last one, fenced off,
 * can write nothing more.
 */
import { expect, test } from "bun:test";
import { SnowflakeGenerator } from "../api/snowflake.ts";
import { GuildFencedError, type GuildStore, type User } from "../store/guild-store.ts";
import { MemoryGuildStore } from "../store/memory.ts";
import type { StoredMessage } from "../store/message-records.ts";
import { GuildInteractions, INTERACTION_LIFETIME_MS, type InteractionPlace, type InteractionStart } from "./interactions.ts";
import type { MessageRequest } from "./message-rules.ts";
import { Refusal } from "./refusal.ts";

const T0 = Date.UTC(2026, 0, 1);
const user = (id: string): User => ({ id, username: `u${id}`, globalName: null, avatar: null, bot: id === "2", privilegedIntents: 0, createdAt: T0, tokenGeneration: 0 });

/** An owner's hold on guild 10: the ring generation it writes at, and its tenure (a reload makes another). */
interface Hold {
  generation: number;
  tenure: object;
}

/** An owner of guild 10 writing to `store` as `hold` says. */
function table(store: GuildStore = new MemoryGuildStore(), generation = 0, hold: Hold = { generation, tenure: {} }): { interactions: GuildInteractions; told: string[] } {
  const told: string[] = [];
  const place = (): InteractionPlace => ({
    tenure: hold.tenure,
    scope: { id: "10", user, member: user, role: () => undefined },
    permissions: () => 0n,
    checkStart: () => {},
    createJson: (facts) => ({ id: facts.id }),
    fieldsJson: () => ({}),
    eventJson: (message: StoredMessage) => ({ id: message.id }),
    commit: (writes, apply) => store.writeGuild("10", hold.generation, writes).then(apply),
    messageEvent: (t) => void told.push(t),
    toUser: (userId, t) => void told.push(`${t} to ${userId}`),
  });
  const interactions = new GuildInteractions({ inPlace: (_unit, _channel, _actor, operation) => operation(place()), store });
  return { interactions, told };
}

/** A table with one interaction started at T0 (a command by user 3 for app 2), and ids made at T0. */
async function begun(store?: GuildStore): Promise<ReturnType<typeof table> & { ids: SnowflakeGenerator; key: { id: string; applicationId: string; channelId: string } }> {
  const ids = new SnowflakeGenerator(0, 0, () => T0);
  const id = ids.next();
  const made = table(store);
  await made.interactions.startInteraction("10", start(id), T0);
  return { ...made, ids, key: { id, applicationId: "2", channelId: "11" } };
}

const start = (id: string): InteractionStart => ({
  facts: { id, type: 2, applicationId: "2", guildId: "10", channelId: "11", userId: "3", command: { name: "ping", type: 1 } },
  token: "t",
  data: {},
  resolve: { users: [], roles: [], channels: [], messages: [] },
  locale: "en-US",
});
const message = (id: string, content: string): MessageRequest => ({ id, content, enforceNonce: false, tts: false, embeds: [], components: [], flags: 0, attachments: [] });
const refusal = async (run: () => unknown): Promise<string | undefined> => {
  try {
    await run();
  } catch (error) {
    if (error instanceof Refusal) return error.reason;
    throw error;
  }
  return undefined;
};

test("answered once; the webhook only once answered; forgotten 15 minutes after creation", async () => {
  const { interactions, told, ids, key } = await begun();
  expect(told).toEqual(["INTERACTION_CREATE to 2"]);
  expect(await refusal(() => interactions.followUp("10", key, message(ids.next(), "early"), T0))).toBe("unknown-webhook");
  await interactions.respond("10", key, { type: 4, message: message(ids.next(), "pong") }, T0 + 1_000);
  expect(await refusal(() => interactions.respond("10", key, { type: 6 }, T0 + 1_000))).toBe("interaction-acknowledged");
  expect(await interactions.followUp("10", key, message(ids.next(), "more"), T0 + INTERACTION_LIFETIME_MS)).toMatchObject({ content: "more" });
  expect(await refusal(() => interactions.followUp("10", key, message(ids.next(), "late"), T0 + INTERACTION_LIFETIME_MS + 1))).toBe("unknown-webhook");
  expect(await refusal(() => interactions.respond("10", { ...key, applicationId: "9" }, { type: 6 }, T0))).toBe("unknown-interaction");
});

test("a modal shown can be submitted until its interaction expires; its ephemeral messages go with it", async () => {
  const { interactions, told, ids, key } = await begun();
  await interactions.respond("10", key, { type: 9, customId: "form" }, T0);
  const submit = (at: number) => {
    const submitted = ids.next();
    return interactions.startInteraction("10", { ...start(submitted), facts: { ...start(submitted).facts, type: 5, command: undefined, customId: "form" } }, at);
  };
  await submit(T0 + 1_000);
  const ephemeral = await interactions.followUp("10", key, { ...message(ids.next(), "secret"), flags: 64 }, T0);
  expect(told.at(-1)).toBe("MESSAGE_CREATE to 3");
  expect(await interactions.readResponse("10", key, ephemeral.id as string, T0)).toMatchObject({ content: "secret" });
  expect(await refusal(() => submit(T0 + INTERACTION_LIFETIME_MS + 1))).toBe("invalid-field");
  expect(await refusal(() => interactions.readResponse("10", key, ephemeral.id as string, T0 + INTERACTION_LIFETIME_MS + 1))).toBe("unknown-webhook");
});

test("an autocomplete is answered once with choices, to its invoker, within 3 s; it has no webhook; its table keeps it 3 s only", async () => {
  const { interactions, told } = table();
  const ids = new SnowflakeGenerator(0, 0, () => T0);
  const begin = async (at: number) => {
    const id = ids.next();
    await interactions.startInteraction("10", { ...start(id), facts: { ...start(id).facts, type: 4 }, focusedType: 3, nonce: "77" }, at);
    return { id, applicationId: "2", channelId: "11" };
  };
  const choices = [{ name: "a", value: "a" }];
  const first = await begin(T0);
  expect(await refusal(() => interactions.respond("10", first, { type: 6 }, T0))).toBe("invalid-field");
  expect(await refusal(() => interactions.respond("10", first, { type: 8, choices: [{ name: "n", value: 1 }] }, T0))).toBe("invalid-field");
  expect(await interactions.respond("10", first, { type: 8, choices }, T0 + 3_000)).toEqual({ interaction: { id: first.id, type: 4 }, resource: { type: 8 } });
  expect(told.at(-1)).toBe("APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE to 3");
  expect(await refusal(() => interactions.respond("10", first, { type: 8, choices }, T0 + 3_000))).toBe("interaction-acknowledged");
  expect(await refusal(() => interactions.followUp("10", first, message(ids.next(), "more"), T0))).toBe("unknown-webhook");
  const second = await begin(T0);
  expect(await refusal(() => interactions.respond("10", second, { type: 8, choices }, T0 + 3_001))).toBe("unknown-interaction");
});

test("the guild's next owner goes on from what the last one wrote: the callback, a second one refused, follow-ups, @original and ephemeral messages", async () => {
  const store = new MemoryGuildStore();
  const { interactions: first, ids, key } = await begun(store);
  const next = table(store, 1);
  await store.claimGuild("10", 1);
  // Started before the move, answered after it.
  const answered = await next.interactions.respond("10", key, { type: 4, message: message(ids.next(), "pong") }, T0 + 1_000);
  expect(answered).toMatchObject({ resource: { type: 4, message: { content: "pong" } } });
  expect(await refusal(() => table(store, 1).interactions.respond("10", key, { type: 6 }, T0 + 1_000))).toBe("interaction-acknowledged");
  // The last owner, fenced off, can answer nothing.
  await expect(Promise.resolve(first.respond("10", key, { type: 4, message: message(ids.next(), "stale") }, T0 + 1_000))).rejects.toBeInstanceOf(GuildFencedError);
  const later = table(store, 2);
  await store.claimGuild("10", 2);
  const followUp = await later.interactions.followUp("10", key, message(ids.next(), "more"), T0 + 2_000);
  const secret = await later.interactions.followUp("10", key, { ...message(ids.next(), "secret"), flags: 64 }, T0 + 2_000);
  expect(await later.interactions.editResponse("10", key, "@original", { content: "edited" }, T0 + 3_000)).toMatchObject({ content: "edited" });
  const last = table(store, 3).interactions;
  await store.claimGuild("10", 3);
  expect(await last.readResponse("10", key, "@original", T0 + 4_000)).toMatchObject({ content: "edited" });
  expect(await last.readResponse("10", key, followUp.id as string, T0 + 4_000)).toMatchObject({ content: "more" });
  expect(await last.readResponse("10", key, secret.id as string, T0 + 4_000)).toMatchObject({ content: "secret" });
  expect(await refusal(() => last.respond("10", key, { type: 6 }, T0 + 4_000))).toBe("interaction-acknowledged");
  expect(await refusal(() => last.followUp("10", key, message(ids.next(), "late"), T0 + INTERACTION_LIFETIME_MS + 1))).toBe("unknown-webhook");
});

test("an owner the guild comes back to reads what was written meanwhile, not its own table", async () => {
  const store = new MemoryGuildStore();
  const hold: Hold = { generation: 0, tenure: {} };
  const { interactions: owner } = table(store, 0, hold);
  const key = { id: new SnowflakeGenerator(0, 0, () => T0).next(), applicationId: "2", channelId: "11" };
  await owner.startInteraction("10", start(key.id), T0);
  // The guild moves away and its next owner answers; then it comes back here (reloaded: another tenure).
  await store.claimGuild("10", 1);
  await table(store, 1).interactions.respond("10", key, { type: 4, message: message(new SnowflakeGenerator(0, 1, () => T0).next(), "pong") }, T0 + 1_000);
  Object.assign(hold, { generation: 2, tenure: {} });
  await store.claimGuild("10", 2);
  expect(await refusal(() => owner.respond("10", key, { type: 6 }, T0 + 2_000))).toBe("interaction-acknowledged");
});

test("a modal shown before the guild moved can be submitted to its next owner, until its interaction expires", async () => {
  const store = new MemoryGuildStore();
  const { interactions: first, ids, key } = await begun(store);
  await first.respond("10", key, { type: 9, customId: "form" }, T0);
  await store.claimGuild("10", 1);
  const next = table(store, 1);
  const submit = (customId: string, at: number) => {
    const submitted = ids.next();
    return next.interactions.startInteraction("10", { ...start(submitted), facts: { ...start(submitted).facts, type: 5, command: undefined, customId } }, at);
  };
  await submit("form", T0 + 1_000);
  expect(next.told).toEqual(["INTERACTION_CREATE to 2"]);
  expect(await refusal(() => submit("other", T0 + 1_000))).toBe("invalid-field");
  expect(await refusal(() => submit("form", T0 + INTERACTION_LIFETIME_MS + 1))).toBe("invalid-field");
});

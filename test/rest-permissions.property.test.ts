/**
 * The issue-13 bar, as a property test over real HTTP and gateway sockets: seeded random
 * operations on Discord's message routes (send, edit own/others' content and flags, delete
 * own/others', bulk delete, pin/unpin, react with a new and an existing emoji, remove one's
 * own and another's reaction, remove all, typing, read one message, history, the channel, the
 * guild's channels) by random members of a random guild (an owner, roles with and without
 * VIEW_CHANNEL, SEND_MESSAGES, READ_MESSAGE_HISTORY, MANAGE_MESSAGES, ADD_REACTIONS,
 * PIN_MESSAGES, SEND_TTS_MESSAGES, MENTION_EVERYONE and ADMINISTRATOR, channels with @everyone,
 * role and member overwrites of the same, changed now and then between operations), each
 * checked against a reference model written from discord-api-docs (support/discord-rest-model.ts,
 * support/discord-rest-rules.ts):
 *
 *  - answer:  the status and code are one the docs give (2xx, 403 50001/50013/50005, 404 10008),
 *             and a message's `tts` and `mention_everyone`;
 *  - reach:   the resulting event reaches exactly the member sessions with its intent that can
 *             view the channel (once), and no other session gets any message event;
 *  - content: MESSAGE_CREATE/UPDATE carry the content for sessions with MESSAGE_CONTENT, of the
 *             author or of a mentioned user, and "" for the others;
 *  - reads:   history, one message, the channel and the guild's channels show the model's state.
 *
 * After each operation a marker event dispatched to the guild is the barrier: every frame
 * before it on a socket has arrived, so "no event" is proven without sleeping. A failure
 * prints its seed, step and the operations up to it; `RESTPROP_SEED=n` replays one seed.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { RawClient } from "./support/gateway-client.ts";
import type { Json } from "./support/http.ts";
import { prng } from "./support/prng.ts";
import { type Account, restServer } from "./support/rest-world.ts";
import { EVENT_INTENT, Intent, type ModelGuild, type ModelOverwrite, Perm, answerText, channelPermissions, has, sameAnswer, seesContent, userMentions } from "./support/discord-rest-model.ts";
import { type ExpectedEvent, type ModelMessage, type Op, expectationOf } from "./support/discord-rest-rules.ts";

/** 150 × 60 operations took ~8 s here (2 cores, shared). */
const SEEDS = 150;
const STEPS = 60;
const EMOJIS = ["👍", "🔥", "🎉", "🙂"];
const { GUILDS, GUILD_MESSAGES, GUILD_MESSAGE_REACTIONS, GUILD_MESSAGE_TYPING, MESSAGE_CONTENT } = Intent;

/** The pool's sessions: every mix of the event intents, with and without MESSAGE_CONTENT (GUILDS for all, for GUILD_CREATE). */
const POOL_INTENTS = [
  GUILD_MESSAGES | GUILD_MESSAGE_REACTIONS | GUILD_MESSAGE_TYPING | MESSAGE_CONTENT,
  GUILD_MESSAGES,
  GUILD_MESSAGES | MESSAGE_CONTENT,
  GUILD_MESSAGE_REACTIONS | GUILD_MESSAGE_TYPING,
  GUILD_MESSAGES | GUILD_MESSAGE_REACTIONS,
  0,
  GUILD_MESSAGES | GUILD_MESSAGE_TYPING | MESSAGE_CONTENT,
  GUILD_MESSAGES | GUILD_MESSAGE_REACTIONS | MESSAGE_CONTENT,
].map((intents) => intents | GUILDS);

const rest = restServer("restprop", ["--rest-rate-limit", "0", "--heartbeat-interval-ms", "600000"]);

interface PoolMember {
  account: Account;
  intents: number;
  client: RawClient;
  /** Frames before this index were checked. */
  cursor: number;
}

interface Failure {
  seed: number;
  step: number;
  message: string;
  ops: string[];
}

type Rnd = () => number;
const pick = <T>(rnd: Rnd, list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
const chance = (rnd: Rnd, p: number): boolean => rnd() < p;

const coverage = { ops: 0, everyonePings: 0, byAnswer: new Map<string, number>(), delivered: 0, withheld: 0, stripped: 0, ownOrMentioned: 0, open: new Map<string, number>() };
const count = (map: Map<string, number>, key: string): void => void map.set(key, (map.get(key) ?? 0) + 1);

const CHECKED = new Set(Object.keys(EVENT_INTENT));

// --- the random guild --------------------------------------------------------------------

const BITS = [Perm.VIEW_CHANNEL, Perm.SEND_MESSAGES, Perm.READ_MESSAGE_HISTORY, Perm.MANAGE_MESSAGES, Perm.ADD_REACTIONS, Perm.PIN_MESSAGES, Perm.SEND_TTS_MESSAGES, Perm.MENTION_EVERYONE];

const randomBits = (rnd: Rnd, p: number): bigint => BITS.reduce((acc, bit) => (chance(rnd, p) ? acc | bit : acc), 0n);

/** @everyone: usually may view, send and read; now and then a moderator's bits. */
const everyoneBits = (rnd: Rnd): bigint =>
  (chance(rnd, 0.8) ? Perm.VIEW_CHANNEL : 0n) |
  (chance(rnd, 0.7) ? Perm.SEND_MESSAGES : 0n) |
  (chance(rnd, 0.7) ? Perm.READ_MESSAGE_HISTORY : 0n) |
  (chance(rnd, 0.6) ? Perm.ADD_REACTIONS : 0n) |
  (chance(rnd, 0.15) ? Perm.MANAGE_MESSAGES : 0n) |
  (chance(rnd, 0.15) ? Perm.PIN_MESSAGES : 0n) |
  (chance(rnd, 0.4) ? Perm.SEND_TTS_MESSAGES : 0n) |
  (chance(rnd, 0.2) ? Perm.MENTION_EVERYONE : 0n);

/** An overwrite: a few bits allowed, a few denied (both may name one bit: deny applies first). ADMINISTRATOR in an overwrite must mean nothing. */
const randomOverwrite = (rnd: Rnd, id: string, type: 0 | 1): ModelOverwrite => ({
  id,
  type,
  allow: randomBits(rnd, 0.2) | (chance(rnd, 0.05) ? Perm.ADMINISTRATOR : 0n),
  deny: randomBits(rnd, 0.25),
});

const wire = (o: ModelOverwrite) => ({ id: o.id, type: o.type, allow: o.allow.toString(), deny: o.deny.toString() });

// --- the run -----------------------------------------------------------------------------

async function call(method: string, path: string, member: PoolMember, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await rest.fetch(method, `/api/v10${path}`, member.account.auth, body);
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

async function created(path: string, body: unknown): Promise<Json> {
  const { status, json } = await rest.api("POST", path, body);
  if (status !== 201) throw new Error(`${path}: ${status} ${JSON.stringify(json)}`);
  return json;
}

let markers = 0;

/** Dispatches a marker to the guild and waits for it on every member's socket; answers each one's frames since the last marker. */
async function barrier(guildId: string, members: readonly PoolMember[]): Promise<Map<PoolMember, { t: string; d: Json }[]>> {
  const t = `RESTPROP_MARK_${++markers}`;
  const { status } = await rest.api("POST", `/internal/guilds/${guildId}/dispatch`, { t, d: {}, intents: 0, permissions: "0" });
  if (status !== 202) throw new Error(`marker dispatch answered ${status}`);
  const seen = new Map<PoolMember, { t: string; d: Json }[]>();
  for (const member of members) {
    await member.client.next((f) => f.t === t, 5_000, member.cursor);
    const at = member.client.frames.findIndex((f, i) => i >= member.cursor && f.t === t);
    const frames = member.client.frames.slice(member.cursor, at).filter((f) => f.op === 0 && CHECKED.has(f.t as string) && (f.d as Json).guild_id === guildId);
    seen.set(member, frames.map((f) => ({ t: f.t as string, d: f.d as Json })));
    member.cursor = at + 1;
  }
  return seen;
}

async function runSeed(seed: number, pool: readonly PoolMember[]): Promise<Failure | undefined> {
  const rnd = prng(seed);
  const ops: string[] = [];
  let step = 0;

  // The guild: 3–6 members of the pool, one of them its owner; 1–3 roles; 2 channels.
  const members = [...pool].sort(() => rnd() - 0.5).slice(0, 3 + Math.floor(rnd() * 4));
  const owner = pick(rnd, members);
  const guildJson = await created("/internal/guilds", { name: `prop ${seed}`, owner_id: owner.account.id });
  const guild: ModelGuild = { id: guildJson.id as string, ownerId: owner.account.id, roles: new Map(), members: new Map(), channels: new Map() };
  const everyone = everyoneBits(rnd);
  guild.roles.set(guild.id, everyone);
  expect((await rest.api("PATCH", `/internal/guilds/${guild.id}/roles/${guild.id}`, { permissions: everyone.toString() })).status).toBe(200);
  for (let i = 0, n = 1 + Math.floor(rnd() * 3); i < n; i++) {
    const permissions = randomBits(rnd, 0.3) | (chance(rnd, 0.12) ? Perm.ADMINISTRATOR : 0n);
    const role = await created(`/internal/guilds/${guild.id}/roles`, { name: `r${i}`, permissions: permissions.toString() });
    guild.roles.set(role.id as string, permissions);
  }
  const roleIds = [...guild.roles.keys()].filter((id) => id !== guild.id);
  for (const member of members) guild.members.set(member.account.id, member === owner ? [] : roleIds.filter(() => chance(rnd, 0.35)));
  const randomOverwrites = (): ModelOverwrite[] => {
    const overwrites: ModelOverwrite[] = [];
    if (chance(rnd, 0.6)) overwrites.push(randomOverwrite(rnd, guild.id, 0));
    for (const roleId of roleIds) if (chance(rnd, 0.4)) overwrites.push(randomOverwrite(rnd, roleId, 0));
    for (const member of members) if (chance(rnd, 0.15)) overwrites.push(randomOverwrite(rnd, member.account.id, 1));
    return overwrites;
  };
  for (let i = 0; i < 2; i++) {
    const overwrites = randomOverwrites();
    const channel = await created(`/internal/guilds/${guild.id}/channels`, { name: `c${i}`, permission_overwrites: overwrites.map(wire) });
    guild.channels.set(channel.id as string, overwrites);
  }
  for (const member of members) {
    if (member !== owner) expect((await rest.api("PUT", `/internal/guilds/${guild.id}/members/${member.account.id}`, { roles: guild.members.get(member.account.id) })).status).toBe(201);
    await member.client.next((f) => f.t === "GUILD_CREATE" && (f.d as Json).id === guild.id, 5_000, member.cursor);
  }
  await barrier(guild.id, members);
  const channelIds = [...guild.channels.keys()];
  const name = (userId: string): string => `u${pool.findIndex((m) => m.account.id === userId)}`;
  ops.push(`guild ${guild.id}, owner ${name(owner.account.id)}`);
  for (const [id, permissions] of guild.roles) ops.push(`  role ${id === guild.id ? "@everyone" : id} ${permissions}`);
  for (const member of members) ops.push(`  member ${name(member.account.id)} (intents ${member.intents}) roles [${guild.members.get(member.account.id)?.join(",")}]`);
  const overwritesText = (overwrites: readonly ModelOverwrite[]): string => overwrites.map((o) => `${o.type ? "member" : "role"} ${o.type ? name(o.id) : o.id} +${o.allow} -${o.deny}`).join("; ") || "none";
  for (const [id, overwrites] of guild.channels) ops.push(`  channel ${id}: ${overwritesText(overwrites)}`);

  const messages: ModelMessage[] = [];
  const fail = (message: string): Failure => ({ seed, step, message, ops });

  for (step = 1; step <= STEPS; step++) {
    if (chance(rnd, 0.08)) {
      // The channel's overwrites change between two operations (an app's change, over ingress).
      const channelId = pick(rnd, channelIds);
      const overwrites = randomOverwrites();
      guild.channels.set(channelId, overwrites);
      ops.push(`${step}. channel ${channelId} overwrites now ${overwritesText(overwrites)}`);
      expect((await rest.api("PATCH", `/internal/guilds/${guild.id}/channels/${channelId}`, { permission_overwrites: overwrites.map(wire) })).status).toBe(200);
      continue;
    }
    const op = randomOp(rnd, members, channelIds, messages);
    const actor = members.find((m) => m.account.id === op.user) as PoolMember;
    ops.push(`${step}. ${describeOp(op, name)}`);
    const expected = expectationOf(guild, op);
    const { status, json } = await perform(op, guild, actor);
    const code = (json as Json | undefined)?.code as number | undefined;
    const answer = status < 300 ? { status } : { status, code };
    coverage.ops++;
    count(coverage.byAnswer, `${op.k}${op.k === "send" && op.tts ? " tts" : ""} ${answerText(answer)}`);
    if (!expected.answers.some((a) => sameAnswer(a, answer))) {
      return fail(`${describeOp(op, name)}: answered ${answerText(answer)} ${JSON.stringify(json)}, the docs say ${expected.answers.map(answerText).join(" or ")}`);
    }
    if (expected.open) count(coverage.open, expected.open);
    const succeeded = status < 300;
    if (op.k === "send" && succeeded) {
      const sent = json as Json;
      const everyone = expected.event?.t === "MESSAGE_CREATE" && expected.event.everyone;
      messages.push({ id: sent.id as string, channelId: op.channel, authorId: op.user, content: op.content, everyone, pinned: false, deleted: false, reactions: new Map() });
      if (sent.tts !== op.tts) return fail(`${describeOp(op, name)}: answered tts ${String(sent.tts)}, want ${op.tts}`);
    }
    if (succeeded && (expected.event?.t === "MESSAGE_CREATE" || expected.event?.t === "MESSAGE_UPDATE") && (json as Json).mention_everyone !== expected.event.everyone) {
      return fail(`${describeOp(op, name)}: answered mention_everyone ${String((json as Json).mention_everyone)}, want ${expected.event.everyone}`);
    }
    if (succeeded && op.k === "editContent" && expected.event?.t === "MESSAGE_UPDATE") op.message.everyone = expected.event.everyone;
    if (succeeded && (json as Json | undefined)?.mention_everyone === true) coverage.everyonePings++;
    const event = succeeded ? eventWithId(expected.event, json) : undefined;
    const readProblem = succeeded ? checkRead(op, json, guild, messages) : undefined;
    if (readProblem) return fail(readProblem);
    if (succeeded) apply(op);

    const seen = await barrier(guild.id, members);
    for (const member of members) {
      const frames = seen.get(member) ?? [];
      const who = `${name(member.account.id)} (intents ${member.intents})`;
      if (!event) {
        if (frames.length > 0) return fail(`${who} got ${frames.map((f) => f.t).join(", ")} after ${op.k}, which fires nothing here`);
        continue;
      }
      const entitled = (member.intents & (EVENT_INTENT[event.t] as number)) !== 0 && has(channelPermissions(guild, member.account.id, event.channel), Perm.VIEW_CHANNEL);
      // The docs do not say whether a typer gets its own TYPING_START.
      const optional = event.t === "TYPING_START" && member.account.id === op.user;
      const others = frames.filter((f) => f.t !== event.t);
      if (others.length > 0) return fail(`${who} got ${others.map((f) => f.t).join(", ")} after ${op.k}; only ${event.t} was due`);
      const got = frames.filter((f) => f.t === event.t);
      if (!optional && got.length !== (entitled ? 1 : 0)) {
        return fail(`${who} got ${event.t} ${got.length}x, want ${entitled ? 1 : 0} (${entitled ? "has the intent and views the channel" : "lacks the intent or cannot view"})`);
      }
      if (entitled) coverage.delivered++;
      else coverage.withheld++;
      for (const frame of got) {
        const problem = checkEvent(event, frame.d, member);
        if (problem) return fail(`${who}: ${event.t} ${problem}: ${JSON.stringify(frame.d)}`);
      }
    }
  }
  return undefined;

  function apply(op: Op): void {
    switch (op.k) {
      case "editContent":
        op.message.content = op.content;
        return;
      case "delete":
        op.message.deleted = true;
        return;
      case "bulkDelete":
        for (const m of op.messages) m.deleted = true;
        return;
      case "pin":
      case "unpin":
        op.message.pinned = op.k === "pin";
        return;
      case "reactNew":
      case "reactExisting":
        op.message.reactions.set(op.emoji, [...(op.message.reactions.get(op.emoji) ?? []), op.user]);
        return;
      case "unreactOwn":
      case "removeOthers": {
        const left = (op.message.reactions.get(op.emoji) ?? []).filter((u) => u !== (op.k === "removeOthers" ? op.target : op.user));
        if (left.length > 0) op.message.reactions.set(op.emoji, left);
        else op.message.reactions.delete(op.emoji);
        return;
      }
      case "removeAll":
        op.message.reactions.clear();
        return;
      default:
        return;
    }
  }
}

/** MESSAGE_CREATE's message id is the one the answer gave. */
function eventWithId(event: ExpectedEvent | undefined, json: unknown): ExpectedEvent | undefined {
  if (event?.t === "MESSAGE_CREATE") return { ...event, messageId: (json as Json).id as string };
  return event;
}

function checkEvent(event: ExpectedEvent, d: Json, member: PoolMember): string | undefined {
  if (d.channel_id !== event.channel) return `channel_id ${String(d.channel_id)}, want ${event.channel}`;
  switch (event.t) {
    case "MESSAGE_CREATE":
    case "MESSAGE_UPDATE": {
      if (d.id !== event.messageId) return `id ${String(d.id)}, want ${event.messageId}`;
      const sees = seesContent(member.intents, member.account.id, event.authorId, userMentions(event.content));
      if (sees && (member.intents & MESSAGE_CONTENT) === 0) coverage.ownOrMentioned++;
      if (!sees && event.everyone) {
        // The docs do not say whether @everyone counts as "the app is mentioned".
        count(coverage.open, "an @everyone message's content without MESSAGE_CONTENT: kept or emptied");
        return d.content === "" || d.content === event.content ? undefined : `content ${JSON.stringify(d.content)}, want "" or the content`;
      }
      const want = sees ? event.content : "";
      if (!sees) coverage.stripped++;
      return d.content === want ? undefined : `content ${JSON.stringify(d.content)}, want ${JSON.stringify(want)}`;
    }
    case "MESSAGE_DELETE":
    case "MESSAGE_REACTION_REMOVE_ALL":
      return (d.id ?? d.message_id) === event.messageId ? undefined : `message ${String(d.id ?? d.message_id)}, want ${event.messageId}`;
    case "MESSAGE_DELETE_BULK": {
      const ids = [...((d.ids as string[] | undefined) ?? [])].sort();
      return JSON.stringify(ids) === JSON.stringify([...event.ids].sort()) ? undefined : `ids ${ids.join(",")}, want ${event.ids.join(",")}`;
    }
    case "CHANNEL_PINS_UPDATE":
      return undefined;
    case "MESSAGE_REACTION_ADD":
    case "MESSAGE_REACTION_REMOVE":
      if (d.message_id !== event.messageId || d.user_id !== event.userId) return `message ${String(d.message_id)} user ${String(d.user_id)}, want ${event.messageId} ${event.userId}`;
      return (d.emoji as Json | undefined)?.name === event.emoji ? undefined : `emoji ${JSON.stringify(d.emoji)}, want ${event.emoji}`;
    case "TYPING_START":
      return d.user_id === event.userId ? undefined : `user_id ${String(d.user_id)}, want ${event.userId}`;
  }
}

/** A read's answer against the model (before this op's change, which reads never make). */
function checkRead(op: Op, json: unknown, guild: ModelGuild, messages: readonly ModelMessage[]): string | undefined {
  const can = (p: bigint, channel: string) => has(channelPermissions(guild, op.user, channel), p);
  switch (op.k) {
    case "history": {
      const want = can(Perm.READ_MESSAGE_HISTORY, op.channel) ? messages.filter((m) => m.channelId === op.channel && !m.deleted).map((m) => m.id).reverse() : [];
      const got = (json as Json[]).map((m) => m.id);
      return JSON.stringify(got) === JSON.stringify(want) ? undefined : `history of ${op.channel}: [${got.join(",")}], want [${want.join(",")}]`;
    }
    case "readOne": {
      const got = json as Json;
      return got.id === op.message.id && got.content === op.message.content ? undefined : `message ${op.message.id}: ${JSON.stringify(got)}, want content ${JSON.stringify(op.message.content)}`;
    }
    case "readChannel":
      return (json as Json).id === op.channel ? undefined : `channel ${op.channel}: ${JSON.stringify(json)}`;
    case "listChannels": {
      // The docs do not say whether hidden channels are listed; guildgate lists those the caller can view (README).
      const want = [...guild.channels.keys()].filter((c) => can(Perm.VIEW_CHANNEL, c)).sort();
      const got = (json as Json[]).map((c) => c.id as string).sort();
      return JSON.stringify(got) === JSON.stringify(want) ? undefined : `guild channels: [${got.join(",")}], want [${want.join(",")}]`;
    }
    default:
      return undefined;
  }
}

const enc = encodeURIComponent;

function perform(op: Op, guild: ModelGuild, actor: PoolMember): Promise<{ status: number; json: unknown }> {
  const at = (rest = ""): string => `/channels/${"channel" in op ? op.channel : ""}${rest}`;
  switch (op.k) {
    case "send":
      return call("POST", at("/messages"), actor, { content: op.content, ...(op.tts && { tts: true }) });
    case "editContent":
      return call("PATCH", at(`/messages/${op.message.id}`), actor, { content: op.content });
    case "editFlags":
      return call("PATCH", at(`/messages/${op.message.id}`), actor, { flags: 4 });
    case "delete":
      return call("DELETE", at(`/messages/${op.message.id}`), actor);
    case "bulkDelete":
      return call("POST", at("/messages/bulk-delete"), actor, { messages: op.messages.map((m) => m.id) });
    case "pin":
      return call("PUT", at(`/messages/pins/${op.message.id}`), actor);
    case "unpin":
      return call("DELETE", at(`/messages/pins/${op.message.id}`), actor);
    case "reactNew":
    case "reactExisting":
      return call("PUT", at(`/messages/${op.message.id}/reactions/${enc(op.emoji)}/@me`), actor);
    case "unreactOwn":
      return call("DELETE", at(`/messages/${op.message.id}/reactions/${enc(op.emoji)}/@me`), actor);
    case "removeOthers":
      return call("DELETE", at(`/messages/${op.message.id}/reactions/${enc(op.emoji)}/${op.target}`), actor);
    case "removeAll":
      return call("DELETE", at(`/messages/${op.message.id}/reactions`), actor);
    case "typing":
      return call("POST", at("/typing"), actor);
    case "readOne":
      return call("GET", at(`/messages/${op.message.id}`), actor);
    case "history":
      return call("GET", at("/messages"), actor);
    case "readChannel":
      return call("GET", at(), actor);
    case "listChannels":
      return call("GET", `/guilds/${guild.id}/channels`, actor);
  }
}

/** One operation: a kind by weight, then its targets; a kind with no target yet becomes a send. */
function randomOp(rnd: Rnd, members: readonly PoolMember[], channels: readonly string[], messages: readonly ModelMessage[]): Op {
  const user = pick(rnd, members).account.id;
  const channel = pick(rnd, channels);
  const inChannel = messages.filter((m) => m.channelId === channel);
  const live = inChannel.filter((m) => !m.deleted);
  // Now and then a message that is gone, for 10008.
  const target = (): ModelMessage | undefined => (inChannel.length > live.length && chance(rnd, 0.1) ? pick(rnd, inChannel.filter((m) => m.deleted)) : live.length > 0 ? pick(rnd, live) : undefined);
  const mine = live.filter((m) => m.authorId === user);
  const content = (everyoneOdds = 0.15): string => {
    const mention = chance(rnd, 0.3) ? ` <@${pick(rnd, members).account.id}>` : "";
    const everyone = chance(rnd, everyoneOdds) ? " @everyone" : "";
    return `m${Math.floor(rnd() * 1e6)}${mention}${everyone}`;
  };
  const roll = rnd();
  const send: Op = { k: "send", channel, user, content: content(), tts: chance(rnd, 0.1) };
  const withMessage = (make: (message: ModelMessage) => Op | undefined): Op => {
    const message = target();
    return (message && make(message)) ?? send;
  };
  if (roll < 0.24) return send;
  // Edits ping @everyone often: an author may have lost SEND_MESSAGES since, and with it MENTION_EVERYONE.
  if (roll < 0.32) return withMessage((message) => ({ k: "editContent", channel, user, message: chance(rnd, 0.7) && mine.length > 0 ? pick(rnd, mine) : message, content: content(0.5) }));
  if (roll < 0.36) return withMessage((message) => ({ k: "editFlags", channel, user, message }));
  if (roll < 0.43) return withMessage((message) => ({ k: "delete", channel, user, message: chance(rnd, 0.4) && mine.length > 0 ? pick(rnd, mine) : message }));
  if (roll < 0.46) return live.length >= 2 ? { k: "bulkDelete", channel, user, messages: [...live].sort(() => rnd() - 0.5).slice(0, 2 + Math.floor(rnd() * (live.length - 1))) } : send;
  if (roll < 0.5) return withMessage((message) => (message.pinned && !message.deleted ? undefined : { k: "pin", channel, user, message }));
  if (roll < 0.53) {
    const pinned = live.filter((m) => m.pinned);
    return pinned.length > 0 ? { k: "unpin", channel, user, message: pick(rnd, pinned) } : send;
  }
  if (roll < 0.61) {
    return withMessage((message) => {
      const unused = EMOJIS.filter((e) => !message.reactions.has(e));
      return unused.length > 0 ? { k: "reactNew", channel, user, message, emoji: pick(rnd, unused) } : undefined;
    });
  }
  const reactions = live.flatMap((message) => [...message.reactions].flatMap(([emoji, users]) => users.map((by) => ({ message, emoji, by, users }))));
  if (roll < 0.67) {
    const others = reactions.filter((r) => !r.users.includes(user));
    return others.length > 0 ? (({ message, emoji }) => ({ k: "reactExisting", channel, user, message, emoji }) as Op)(pick(rnd, others)) : send;
  }
  if (roll < 0.71) {
    const own = reactions.filter((r) => r.by === user);
    return own.length > 0 ? (({ message, emoji }) => ({ k: "unreactOwn", channel, user, message, emoji }) as Op)(pick(rnd, own)) : send;
  }
  if (roll < 0.75) {
    const theirs = reactions.filter((r) => r.by !== user);
    return theirs.length > 0 ? (({ message, emoji, by }) => ({ k: "removeOthers", channel, user, message, emoji, target: by }) as Op)(pick(rnd, theirs)) : send;
  }
  if (roll < 0.78) {
    const reacted = live.filter((m) => m.reactions.size > 0);
    return reacted.length > 0 ? { k: "removeAll", channel, user, message: pick(rnd, reacted) } : send;
  }
  if (roll < 0.84) return { k: "typing", channel, user };
  if (roll < 0.89) return withMessage((message) => ({ k: "readOne", channel, user, message }));
  if (roll < 0.94) return { k: "history", channel, user };
  if (roll < 0.97) return { k: "readChannel", channel, user };
  return { k: "listChannels", user };
}

function describeOp(op: Op, name: (userId: string) => string): string {
  const parts: string[] = [op.k, `by ${name(op.user)}`];
  if ("channel" in op) parts.push(`in ${op.channel}`);
  if ("message" in op) parts.push(`message ${op.message.id} (by ${name(op.message.authorId)}${op.message.deleted ? ", deleted" : ""})`);
  if ("messages" in op) parts.push(`messages ${op.messages.map((m) => m.id).join(",")}`);
  if ("emoji" in op) parts.push(op.emoji);
  if ("target" in op) parts.push(`of ${name(op.target)}`);
  if ("content" in op) parts.push(JSON.stringify(op.content));
  if ("tts" in op && op.tts) parts.push("tts");
  return parts.join(" ");
}

// --- the test ----------------------------------------------------------------------------

const only = process.env.RESTPROP_SEED;
const seeds = only ? [Number(only)] : Array.from({ length: SEEDS }, (_, i) => i + 1);
const failures: Failure[] = [];

describe("REST permissions property: random operations by random members against Discord's documented rules", () => {
  beforeAll(async () => {
    const pool: PoolMember[] = [];
    for (const [i, intents] of POOL_INTENTS.entries()) {
      const account = await rest.user(`prop${i}`, MESSAGE_CONTENT, true);
      const client = new RawClient(`${rest.gatewayUrl}/?v=10&encoding=json`);
      await client.opened();
      await client.op(10);
      client.send({ op: 2, d: { token: account.token, intents, properties: { os: "linux", browser: "t", device: "t" } } });
      await client.dispatch("READY");
      pool.push({ account, intents, client, cursor: client.frames.length });
    }
    for (const seed of seeds) {
      const failure = await runSeed(seed, pool);
      if (failure) failures.push(failure);
    }
    for (const member of pool) member.client.close();
  }, 60_000);

  test("every answer and every event is as the docs say", () => {
    if (process.env.RESTPROP_VERBOSE) console.log(`rest property: ${seeds.length} seeds`, coverage);
    if (failures.length > 0) {
      const first = failures[0] as Failure;
      throw new Error(
        `${failures.length} of ${seeds.length} seeds fail:\n${failures.map((f) => `  seed ${f.seed}, step ${f.step}: ${f.message}`).join("\n")}\n` +
          `seed ${first.seed}, step ${first.step}: ${first.message}\n  ops:\n    ${first.ops.join("\n    ")}\n` +
          `  replay: RESTPROP_SEED=${first.seed} bun test test/rest-permissions.property.test.ts`,
      );
    }
  });

  test("coverage: every operation is both allowed and refused, events reach some and not others", () => {
    if (only) return;
    for (const key of ["send 200", "send 403 50001", "send 403 50013", "editContent 200", "editContent 403 50005", "delete 204", "delete 403 50013", "delete 404 10008", "bulkDelete 204", "bulkDelete 403 50013", "pin 204", "pin 403 50013", "unpin 204", "reactNew 204", "reactNew 403 50013", "reactExisting 204", "unreactOwn 204", "removeOthers 204", "removeOthers 403 50013", "removeAll 204", "typing 204", "typing 403 50013", "readOne 200", "readOne 403 50013", "history 200", "readChannel 200", "readChannel 403 50001", "listChannels 200"]) {
      expect({ key, seen: (coverage.byAnswer.get(key) ?? 0) > 0 }).toEqual({ key, seen: true });
    }
    expect(coverage.delivered).toBeGreaterThan(300);
    expect(coverage.withheld).toBeGreaterThan(300);
    expect(coverage.stripped).toBeGreaterThan(50);
    expect(coverage.ownOrMentioned).toBeGreaterThan(20);
    expect(coverage.everyonePings).toBeGreaterThan(20);
    for (const key of ["send tts 200", "send tts 403 50013"]) expect({ key, seen: (coverage.byAnswer.get(key) ?? 0) > 0 }).toEqual({ key, seen: true });
  });
});

import { describe, expect, test } from "bun:test";
import { DISCORD_EPOCH_MS } from "../protocol/timestamp.ts";
import type { MemberWithUser, StoredChannel } from "../store/guild-store.ts";
import { GuildState, type ThreadChannel } from "./guild-state.ts";
import { Permission } from "./permissions.ts";
import { Refusal } from "./refusal.ts";
import { archivedIfIdle, checkRemoveThreadMember, newThread, newThreadMember, patchedThread, threadAfterSend, threadPermissions, type ThreadRequest } from "./thread-rules.ts";

const GUILD = "7";
const OWNER = "1";
const MOD = "2";
const MEMBER = "3";
const OTHER = "4";
const MODS = "70";
const TEXT = "100";
const NEWS = "101";
const VOICE = "102";
const NOW = 1_700_000_000_000;

/** @everyone may view, send and start threads, not manage them; the mods role may manage them. */
function state(): GuildState {
  const { VIEW_CHANNEL, SEND_MESSAGES, SEND_MESSAGES_IN_THREADS, CREATE_PUBLIC_THREADS, CREATE_PRIVATE_THREADS, MANAGE_THREADS } = Permission;
  const everyone = { id: GUILD, guildId: GUILD, name: "@everyone", permissions: VIEW_CHANNEL | SEND_MESSAGES | SEND_MESSAGES_IN_THREADS | CREATE_PUBLIC_THREADS | CREATE_PRIVATE_THREADS, position: 0, hoist: false, color: 0, mentionable: false };
  const mods = { ...everyone, id: MODS, name: "mods", permissions: MANAGE_THREADS, position: 1 };
  const channel = (id: string, type: number): StoredChannel => ({ id, guildId: GUILD, type, name: id, position: 0, parentId: null, overwrites: [], topic: null });
  const member = (id: string, roleIds: string[] = []): MemberWithUser => ({
    member: { guildId: GUILD, userId: id, roleIds, nick: null, joinedAt: 0 },
    user: { id, username: `user${id}`, globalName: null, avatar: null, bot: false, privilegedIntents: 0, createdAt: 0, tokenGeneration: 0 },
  });
  const record = { id: GUILD, name: "g", ownerId: OWNER, icon: null, createdAt: 0 };
  return GuildState.of(record, 1, [everyone, mods], [channel(TEXT, 0), channel(NEWS, 5), channel(VOICE, 2)], [member(OWNER), member(MOD, [MODS]), member(MEMBER), member(OTHER)]);
}

/** Starts a thread in `parentId` by `creatorId` and puts it (and its creator's membership) in the state. */
function started(guild: GuildState, request: Partial<ThreadRequest>, parentId = TEXT, creatorId = MEMBER): ThreadChannel {
  const { thread, member } = newThread(guild, parentId, creatorId, { id: "500", name: "t", ...request }, NOW);
  guild.putChannel(thread);
  guild.putThreadMember(member);
  return thread;
}

const refusal = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    if (error instanceof Refusal) return error.reason;
    throw error;
  }
  return undefined;
};

describe("newThread", () => {
  test("types: a message's thread follows its parent (announcement threads in announcement channels); without one, as asked, private by default", () => {
    expect(newThread(state(), TEXT, MEMBER, { id: "500", name: "t", messageId: "500" }, NOW).thread.type).toBe(11);
    expect(newThread(state(), NEWS, MEMBER, { id: "500", name: "t", messageId: "500" }, NOW).thread.type).toBe(10);
    expect(newThread(state(), TEXT, MEMBER, { id: "500", name: "t" }, NOW).thread.type).toBe(12);
    expect(newThread(state(), NEWS, MEMBER, { id: "500", name: "t", type: 11 }, NOW).thread.type).toBe(10);
    expect(refusal(() => newThread(state(), NEWS, MEMBER, { id: "500", name: "t", type: 12 }, NOW))).toBe("invalid-channel-type");
    expect(refusal(() => newThread(state(), VOICE, MEMBER, { id: "500", name: "t" }, NOW))).toBe("invalid-channel-type");
    expect(refusal(() => newThread(state(), "999", MEMBER, { id: "500", name: "t" }, NOW))).toBe("unknown-channel");
  });

  test("the record: the creator owns it and joins it; invitable only means something for a private thread; a second from one message is refused", () => {
    const guild = state();
    const thread = started(guild, { invitable: false, autoArchiveDuration: 60 });
    expect(thread.thread).toMatchObject({ ownerId: MEMBER, archived: false, locked: false, invitable: false, autoArchiveDuration: 60, archiveTimestamp: NOW, messageCount: 0, lastMessageId: null });
    expect([...guild.threadMembers(thread.id).keys()]).toEqual([MEMBER]);
    expect(newThread(state(), TEXT, MEMBER, { id: "500", name: "t", type: 11, invitable: false }, NOW).thread.thread.invitable).toBe(false);
    expect(refusal(() => newThread(guild, TEXT, MEMBER, { id: "500", name: "again", messageId: "500" }, NOW))).toBe("thread-exists");
    expect(refusal(() => newThread(guild, thread.id, MEMBER, { id: "501", name: "nested" }, NOW))).toBe("invalid-channel-type");
  });
});

describe("who sees a thread", () => {
  test("a private thread: its members and MANAGE_THREADS; a public one: everyone who views the parent", () => {
    const guild = state();
    const privateThread = started(guild, { type: 12 });
    expect(refusal(() => threadPermissions(guild, privateThread, OTHER))).toBe("missing-access");
    expect(refusal(() => threadPermissions(guild, privateThread, MOD))).toBeUndefined();
    expect(refusal(() => threadPermissions(guild, privateThread, MEMBER))).toBeUndefined();
    const publicThread = started(guild, { id: "501", type: 11 });
    expect(refusal(() => threadPermissions(guild, publicThread, OTHER))).toBeUndefined();
  });
});

describe("patchedThread", () => {
  test("the creator renames and archives; others need MANAGE_THREADS; locking, slow mode and invitable need it always; unarchiving needs only SEND_MESSAGES", () => {
    const guild = state();
    const thread = started(guild, { type: 11 });
    expect(patchedThread(guild, thread, MEMBER, { name: "mine", archived: true }, NOW + 1)).toMatchObject({ name: "mine", thread: { archived: true, archiveTimestamp: NOW + 1 } });
    expect(refusal(() => patchedThread(guild, thread, OTHER, { name: "theirs" }, NOW))).toBe("missing-permissions");
    expect(patchedThread(guild, thread, MOD, { name: "mod's" }, NOW).name).toBe("mod's");
    expect(refusal(() => patchedThread(guild, thread, MEMBER, { locked: true }, NOW))).toBe("missing-permissions");
    expect(refusal(() => patchedThread(guild, thread, MEMBER, { rateLimitPerUser: 5 }, NOW))).toBe("missing-permissions");
    expect(refusal(() => patchedThread(guild, thread, MOD, { invitable: false }, NOW))).toBe("invalid-field");
    const archived = patchedThread(guild, thread, MEMBER, { archived: true }, NOW);
    guild.putChannel(archived);
    expect(refusal(() => patchedThread(guild, archived, MOD, { name: "x" }, NOW))).toBe("archived-thread");
    expect(patchedThread(guild, archived, OTHER, { archived: false }, NOW + 2).thread).toMatchObject({ archived: false, archiveTimestamp: NOW + 2 });
    const locked = { ...archived, thread: { ...archived.thread, locked: true } };
    expect(refusal(() => patchedThread(guild, locked, OTHER, { archived: false }, NOW))).toBe("missing-permissions");
    expect(patchedThread(guild, locked, MOD, { archived: false }, NOW).thread.archived).toBe(false);
  });
});

describe("thread members", () => {
  test("adding: active threads only; another needs SEND_MESSAGES_IN_THREADS, and in a private thread that is not invitable MANAGE_THREADS; one already in is nothing to do", () => {
    const guild = state();
    const closed = started(guild, { type: 12, invitable: false });
    expect(refusal(() => newThreadMember(guild, closed, MEMBER, OTHER, NOW))).toBe("missing-permissions");
    expect(newThreadMember(guild, closed, MOD, OTHER, NOW)).toEqual({ guildId: GUILD, threadId: closed.id, userId: OTHER, joinedAt: NOW, flags: 0 });
    expect(newThreadMember(guild, closed, MEMBER, MEMBER, NOW)).toBeUndefined();
    expect(refusal(() => newThreadMember(guild, closed, MOD, "999", NOW))).toBe("unknown-member");
    const archived = { ...closed, thread: { ...closed.thread, archived: true } };
    expect(refusal(() => newThreadMember(guild, archived, MOD, OTHER, NOW))).toBe("archived-thread");
  });

  test("removing another: MANAGE_THREADS, or the creator of a private thread; false for one not in it", () => {
    const guild = state();
    const open = started(guild, { type: 11 });
    guild.putThreadMember({ guildId: GUILD, threadId: open.id, userId: OTHER, joinedAt: NOW, flags: 0 });
    expect(refusal(() => checkRemoveThreadMember(guild, open, MEMBER, OTHER))).toBe("missing-permissions");
    expect(checkRemoveThreadMember(guild, open, MOD, OTHER)).toBe(true);
    expect(checkRemoveThreadMember(guild, open, MOD, OWNER)).toBe(false);
    const closed = started(guild, { id: "501", type: 12 });
    guild.putThreadMember({ guildId: GUILD, threadId: closed.id, userId: OTHER, joinedAt: NOW, flags: 0 });
    expect(checkRemoveThreadMember(guild, closed, MEMBER, OTHER)).toBe(true);
  });
});

describe("archivedIfIdle", () => {
  const MINUTE = 60_000;
  /** A message id made at `ms` (Discord's epoch: 2015-01-01). */
  const idAt = (ms: number): string => (BigInt(ms - DISCORD_EPOCH_MS) << 22n).toString();

  test("archives a thread idle for its duration, counting from its last message or its last archive change", () => {
    const thread = started(state(), { type: 11, autoArchiveDuration: 60 });
    expect(archivedIfIdle(thread, NOW + 59 * MINUTE)).toBeUndefined();
    expect(archivedIfIdle(thread, NOW + 60 * MINUTE)?.thread).toMatchObject({ archived: true, archiveTimestamp: NOW + 60 * MINUTE });
    const talked = threadAfterSend(thread, idAt(NOW + 30 * MINUTE), NOW + 30 * MINUTE);
    expect(archivedIfIdle(talked, NOW + 60 * MINUTE)).toBeUndefined();
    expect(archivedIfIdle(talked, NOW + 90 * MINUTE)?.thread.archived).toBe(true);
    const archived = archivedIfIdle(thread, NOW + 60 * MINUTE) as ThreadChannel;
    expect(archivedIfIdle(archived, NOW + 10_000 * MINUTE)).toBeUndefined();
  });
});

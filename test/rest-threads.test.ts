/**
 * Threads over Discord's REST routes, over real HTTP and gateway sockets: starting one from a
 * message and without one, messages in it, PATCH and DELETE, thread members, the active and
 * archived lists; each THREAD_* event (and each message in a thread) reaches those Discord's
 * rule gives it to, and no other: a public thread its parent's viewers, a private one its
 * members and those with MANAGE_THREADS. Refusals answer Discord's codes.
 */
import { describe, expect, test } from "bun:test";
import type { Json } from "./support/http.ts";
import { Intents, restServer, type Account, type World } from "./support/rest-world.ts";

const { GUILDS, GUILD_MEMBERS, GUILD_MESSAGES, MESSAGE_CONTENT } = Intents;
const SEND_MESSAGES = 1n << 11n;
const SEND_MESSAGES_IN_THREADS = 1n << 38n;

const rest = restServer("threads");

const channels = (id: string, rest = ""): string => `/api/v10/channels/${id}${rest}`;

/** A call that must succeed with 200: its body. */
async function call(method: string, path: string, who: Account, body?: Json): Promise<Json> {
  const { status, json } = await rest.api(method, path, body, who.auth);
  expect({ method, path, status, json }).toMatchObject({ status: 200 });
  return json;
}

/** A call that must succeed with 204. */
async function done(method: "PUT" | "DELETE", path: string, who: Account): Promise<void> {
  const { status, json } = await rest.api(method, path, undefined, who.auth);
  expect({ method, path, status, json }).toMatchObject({ status: 204 });
}

const post = (w: World, who: "owner" | "member", content: string, channelId = w.lobby.id): Promise<Json> => call("POST", channels(channelId, "/messages"), w[who], { content });

/** A third member of the world's guild, without MANAGE_THREADS (its user may ask for MESSAGE_CONTENT). */
async function another(w: World, name: string): Promise<Account> {
  const account = await rest.user(name, MESSAGE_CONTENT);
  await rest.join(w.guild.id, account);
  return account;
}

describe("starting threads", () => {
  test("from a message: the thread has the message's id; THREAD_CREATE (newly_created) and MESSAGE_UPDATE with `thread` to the parent's viewers only; a second is 160004", async () => {
    const w = await rest.world();
    const owner = await rest.session(w.owner, GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT | GUILD_MEMBERS, w.guild.id);
    const member = await rest.session(w.member, GUILDS | GUILD_MESSAGES, w.guild.id);
    const message = await post(w, "member", "let's talk");
    const from = owner.frames.length;
    const thread = await call("POST", channels(w.lobby.id, `/messages/${message.id}/threads`), w.member, { name: "talk", auto_archive_duration: 60 });
    expect(thread).toMatchObject({
      id: message.id,
      type: 11,
      guild_id: w.guild.id,
      parent_id: w.lobby.id,
      owner_id: w.member.id,
      name: "talk",
      message_count: 0,
      member_count: 1,
      thread_metadata: { archived: false, auto_archive_duration: 60, locked: false },
    });
    expect(await rest.event(owner, "THREAD_CREATE", from)).toMatchObject({ id: message.id, newly_created: true, parent_id: w.lobby.id });
    const updated = await rest.event(owner, "MESSAGE_UPDATE", from, (d) => d.id === message.id);
    expect(updated).toMatchObject({ thread: { id: message.id }, flags: 32 });
    // The creator joined it, and is told so though it has no GUILD_MEMBERS.
    expect(await rest.event(member, "THREAD_MEMBERS_UPDATE", 0)).toMatchObject({ id: message.id, member_count: 1, added_members: [{ user_id: w.member.id }] });
    expect(await rest.api("POST", channels(w.lobby.id, `/messages/${message.id}/threads`), { name: "again" }, w.member.auth)).toMatchObject({ status: 400, json: { code: 160004 } });

    // In the secret channel, which the member cannot view: it hears nothing of the thread.
    const before = member.frames.length;
    const hidden = await post(w, "owner", "secret", w.secret.id);
    await call("POST", channels(w.secret.id, `/messages/${hidden.id}/threads`), w.owner, { name: "hidden" });
    await rest.event(owner, "THREAD_CREATE", from, (d) => d.id === hidden.id);
    await rest.nothingSince(member, w.guild.id, "THREAD_CREATE", before);
    expect(await rest.api("GET", channels(hidden.id as string), undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
  });

  test("without a message: public and private by `type`; refusals 50035, 10008, 10003, 50013, 50024", async () => {
    const w = await rest.world();
    const publicThread = await call("POST", channels(w.lobby.id, "/threads"), w.member, { name: "open", type: 11 });
    expect(publicThread).toMatchObject({ type: 11, owner_id: w.member.id });
    expect("invitable" in (publicThread.thread_metadata as Json)).toBe(false);
    // Discord's default type is PRIVATE_THREAD.
    expect(await call("POST", channels(w.lobby.id, "/threads"), w.member, { name: "closed", invitable: false })).toMatchObject({ type: 12, thread_metadata: { invitable: false } });
    const refused = (path: string, body: Json, who = w.member) => rest.api("POST", channels(w.lobby.id, path), body, who.auth);
    expect(await refused("/threads", { name: "" })).toMatchObject({ status: 400, json: { code: 50035, errors: { name: { _errors: [{ code: "BASE_TYPE_INVALID" }] } } } });
    expect(await refused("/threads", { name: "x", auto_archive_duration: 61 })).toMatchObject({ status: 400, json: { code: 50035 } });
    expect(await refused("/messages/1/threads", { name: "x" })).toMatchObject({ status: 404, json: { code: 10008 } });
    expect(await rest.api("POST", channels("1", "/threads"), { name: "x" }, w.member.auth)).toMatchObject({ status: 404, json: { code: 10003 } });
    expect(await rest.api("POST", channels(w.secret.id, "/threads"), { name: "x" }, w.member.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
    // A thread of a thread, and one in a voice channel: not this channel type.
    expect(await rest.api("POST", channels(publicThread.id as string, "/threads"), { name: "x" }, w.member.auth)).toMatchObject({ status: 400, json: { code: 50024 } });
    const voice = (await rest.created(`/internal/guilds/${w.guild.id}/channels`, { name: "voice", type: 2 })) as { id: string };
    expect(await rest.api("POST", channels(voice.id, "/threads"), { name: "x" }, w.member.auth)).toMatchObject({ status: 400, json: { code: 50024 } });
    const noPrivate = (await rest.created(`/internal/guilds/${w.guild.id}/channels`, {
      name: "no-private",
      permission_overwrites: [{ id: w.guild.id, type: 0, allow: "0", deny: (1n << 36n).toString() }],
    })) as { id: string };
    expect(await rest.api("POST", channels(noPrivate.id, "/threads"), { name: "x", type: 12 }, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    expect(await rest.api("POST", channels(noPrivate.id, "/threads"), { name: "x", type: 11 }, w.member.auth)).toMatchObject({ status: 200 });
  });
});

describe("forum channels", () => {
  test("a post: a public thread opening with its message (the thread's id), SEND_MESSAGES not CREATE_PUBLIC_THREADS; THREAD_CREATE and MESSAGE_CREATE in the thread; refusals 50035, 50024, 50013", async () => {
    const w = await rest.world();
    const owner = await rest.session(w.owner, GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT, w.guild.id);
    const forum = (await rest.created(`/internal/guilds/${w.guild.id}/channels`, {
      name: "forum",
      type: 15,
      permission_overwrites: [{ id: w.guild.id, type: 0, allow: "0", deny: (1n << 35n).toString() }],
    })) as { id: string };
    const from = owner.frames.length;
    const post = await call("POST", channels(forum.id, "/threads"), w.member, { name: "a post", message: { content: "first words" } });
    expect(post).toMatchObject({ type: 11, parent_id: forum.id, owner_id: w.member.id, message_count: 1, total_message_sent: 1, message: { id: post.id, channel_id: post.id, content: "first words" } });
    expect(await rest.event(owner, "THREAD_CREATE", from)).toMatchObject({ id: post.id, parent_id: forum.id });
    expect(await rest.event(owner, "MESSAGE_CREATE", from, (d) => d.id === post.id)).toMatchObject({ channel_id: post.id, content: "first words" });
    expect(((await call("GET", channels(post.id as string, "/messages"), w.member)) as unknown as Json[]).map((m) => m.content)).toEqual(["first words"]);
    const refused = (body: Json, path = "/threads") => rest.api("POST", channels(forum.id, path), body, w.member.auth);
    expect(await refused({ name: "no message" })).toMatchObject({ status: 400, json: { code: 50035, errors: { message: {} } } });
    expect(await refused({ name: "empty", message: {} })).toMatchObject({ status: 400, json: { code: 50006 } });
    expect(await refused({ name: "x" }, `/messages/${post.id}/threads`)).toMatchObject({ status: 400, json: { code: 50024 } });
    expect(await rest.api("POST", channels(w.lobby.id, "/threads"), { name: "x", type: 11, message: { content: "x" } }, w.member.auth)).toMatchObject({ status: 400, json: { code: 50035 } });
    const quiet = (await rest.created(`/internal/guilds/${w.guild.id}/channels`, {
      name: "quiet-forum",
      type: 15,
      permission_overwrites: [{ id: w.guild.id, type: 0, allow: "0", deny: SEND_MESSAGES.toString() }],
    })) as { id: string };
    expect(await rest.api("POST", channels(quiet.id, "/threads"), { name: "x", message: { content: "x" } }, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
  });
});

describe("messages in threads", () => {
  test("need SEND_MESSAGES_IN_THREADS, not SEND_MESSAGES; counted; the sender joins; MESSAGE_CREATE to the parent's viewers", async () => {
    const w = await rest.world();
    const owner = await rest.session(w.owner, GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT | GUILD_MEMBERS, w.guild.id);
    const member = await rest.session(w.member, GUILDS | GUILD_MESSAGES, w.guild.id);
    const thread = await call("POST", channels(w.lobby.id, "/threads"), w.owner, { name: "chat", type: 11 });
    const threadId = thread.id as string;
    const from = owner.frames.length;
    const sent = await post(w, "member", "in the thread", threadId);
    expect(sent).toMatchObject({ channel_id: threadId, content: "in the thread" });
    expect(await rest.event(owner, "MESSAGE_CREATE", from, (d) => d.id === sent.id)).toMatchObject({ channel_id: threadId, content: "in the thread", channel_type: 11 });
    // Without MESSAGE_CONTENT the author still gets its own message's content, as Discord's docs say.
    expect(await rest.event(member, "MESSAGE_CREATE", 0, (d) => d.id === sent.id)).toMatchObject({ content: "in the thread" });
    // The sender joined: THREAD_MEMBERS_UPDATE to those with GUILD_MEMBERS, and to itself; THREAD_CREATE with its member to itself.
    expect(await rest.event(owner, "THREAD_MEMBERS_UPDATE", from, (d) => d.member_count === 2)).toMatchObject({ id: threadId, member_count: 2, added_members: [{ user_id: w.member.id, member: { user: { id: w.member.id } } }] });
    expect(await rest.event(member, "THREAD_CREATE", 0, (d) => d.id === threadId && "member" in d)).toMatchObject({ member: { user_id: w.member.id } });
    expect(await call("GET", channels(threadId), w.member)).toMatchObject({ message_count: 1, total_message_sent: 1, last_message_id: sent.id, member_count: 2, member: { user_id: w.member.id } });
    expect(((await call("GET", channels(threadId, "/messages"), w.member)) as unknown as Json[]).map((m) => m.id)).toEqual([sent.id]);
    await done("DELETE", channels(threadId, `/messages/${sent.id}`), w.member);
    expect(await call("GET", channels(threadId), w.member)).toMatchObject({ message_count: 0, total_message_sent: 1 });

    // SEND_MESSAGES denied, SEND_MESSAGES_IN_THREADS kept: the thread takes it; and the other way round.
    const deny = async (name: string, bits: bigint): Promise<string> => {
      const channel = (await rest.created(`/internal/guilds/${w.guild.id}/channels`, { name, permission_overwrites: [{ id: w.guild.id, type: 0, allow: "0", deny: bits.toString() }] })) as { id: string };
      return (await call("POST", channels(channel.id, "/threads"), w.owner, { name, type: 11 })).id as string;
    };
    const quietParent = await deny("no-send", SEND_MESSAGES);
    expect(await rest.api("POST", channels(quietParent, "/messages"), { content: "x" }, w.member.auth)).toMatchObject({ status: 200 });
    const quietThreads = await deny("no-thread-send", SEND_MESSAGES_IN_THREADS);
    expect(await rest.api("POST", channels(quietThreads, "/messages"), { content: "x" }, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
  });
});

describe("private threads", () => {
  test("reach only their members and MANAGE_THREADS holders; adding and removing a member tells it", async () => {
    const w = await rest.world();
    const third = await another(w, "third");
    const owner = await rest.session(w.owner, GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT | GUILD_MEMBERS, w.guild.id);
    const outsider = await rest.session(third, GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT, w.guild.id);
    const creator = await rest.session(w.member, GUILDS | GUILD_MESSAGES, w.guild.id);
    const from = owner.frames.length;
    const before = outsider.frames.length;
    const thread = await call("POST", channels(w.lobby.id, "/threads"), w.member, { name: "private", type: 12 });
    const threadId = thread.id as string;
    await rest.event(owner, "THREAD_CREATE", from, (d) => d.id === threadId);
    const sent = await post(w, "member", "members only", threadId);
    expect(await rest.event(owner, "MESSAGE_CREATE", from, (d) => d.id === sent.id)).toMatchObject({ content: "members only" });
    // A member told one by one gets its own message's content without MESSAGE_CONTENT, as Discord's docs say...
    expect(await rest.event(creator, "MESSAGE_CREATE", 0, (d) => d.id === sent.id)).toMatchObject({ channel_id: threadId, content: "members only" });
    // ...and the copy without content of another's.
    const reply = await post(w, "owner", "from the owner", threadId);
    expect(await rest.event(creator, "MESSAGE_CREATE", 0, (d) => d.id === reply.id)).toMatchObject({ channel_id: threadId, content: "" });
    await rest.nothingSince(outsider, w.guild.id, "THREAD_CREATE", before);
    await rest.nothingSince(outsider, w.guild.id, "MESSAGE_CREATE", before);
    expect(await rest.api("GET", channels(threadId), undefined, third.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
    expect(await rest.api("POST", channels(threadId, "/messages"), { content: "x" }, third.auth)).toMatchObject({ status: 403, json: { code: 50001 } });

    // Added by its creator: the thread and the membership reach it; its messages from then on too, content and all.
    const added = outsider.frames.length;
    await done("PUT", channels(threadId, `/thread-members/${third.id}`), w.member);
    expect(await rest.event(outsider, "THREAD_CREATE", added)).toMatchObject({ id: threadId, member: { user_id: third.id } });
    expect(await rest.event(outsider, "THREAD_MEMBERS_UPDATE", added)).toMatchObject({ id: threadId, added_members: [{ user_id: third.id }] });
    const second = await post(w, "member", "now you see it", threadId);
    expect(await rest.event(outsider, "MESSAGE_CREATE", added, (d) => d.id === second.id)).toMatchObject({ content: "now you see it" });

    // Removed by its creator: told, then nothing more.
    const removed = outsider.frames.length;
    await done("DELETE", channels(threadId, `/thread-members/${third.id}`), w.member);
    expect(await rest.event(outsider, "THREAD_MEMBERS_UPDATE", removed)).toMatchObject({ id: threadId, removed_member_ids: [third.id] });
    await post(w, "member", "gone again", threadId);
    await rest.nothingSince(outsider, w.guild.id, "MESSAGE_CREATE", removed);

    // Leaving the guild leaves its threads: joining again does not bring the private thread back.
    await done("PUT", channels(threadId, `/thread-members/${third.id}`), w.member);
    const left = owner.frames.length;
    expect((await rest.api("DELETE", `/internal/guilds/${w.guild.id}/members/${third.id}`)).status).toBe(204);
    expect(await rest.event(owner, "THREAD_MEMBERS_UPDATE", left, (d) => (d.removed_member_ids as string[] | undefined)?.includes(third.id) === true)).toMatchObject({ id: threadId });
    await rest.join(w.guild.id, third);
    expect(await rest.api("GET", channels(threadId), undefined, third.auth)).toMatchObject({ status: 403, json: { code: 50001 } });

    // Not invitable: a member without MANAGE_THREADS may not add others.
    const closed = (await call("POST", channels(w.lobby.id, "/threads"), w.member, { name: "closed", type: 12, invitable: false })).id as string;
    expect(await rest.api("PUT", channels(closed, `/thread-members/${third.id}`), undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    // Removing another needs MANAGE_THREADS unless it is the creator of the private thread.
    await done("PUT", channels(threadId, `/thread-members/${third.id}`), w.owner);
    expect(await rest.api("DELETE", channels(threadId, `/thread-members/${w.member.id}`), undefined, third.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
  });
});

describe("changing and deleting threads", () => {
  test("PATCH: the creator archives, a message unarchives (THREAD_UPDATE), MANAGE_THREADS locks; refusals 50083, 50013, 50024", async () => {
    const w = await rest.world();
    const owner = await rest.session(w.owner, GUILDS | GUILD_MESSAGES | GUILD_MEMBERS, w.guild.id);
    const threadId = (await call("POST", channels(w.lobby.id, "/threads"), w.member, { name: "t", type: 11 })).id as string;
    const from = owner.frames.length;
    const archived = await call("PATCH", channels(threadId), w.member, { archived: true, name: "renamed" });
    expect(archived).toMatchObject({ name: "renamed", thread_metadata: { archived: true } });
    expect(await rest.event(owner, "THREAD_UPDATE", from)).toMatchObject({ id: threadId, name: "renamed", thread_metadata: { archived: true } });
    // Archived: nothing but unarchiving; no join, no edit.
    expect(await rest.api("PATCH", channels(threadId), { name: "again" }, w.member.auth)).toMatchObject({ status: 400, json: { code: 50083 } });
    expect(await rest.api("PUT", channels(threadId, "/thread-members/@me"), undefined, w.owner.auth)).toMatchObject({ status: 400, json: { code: 50083 } });
    const unarchiving = owner.frames.length;
    await post(w, "member", "wake up", threadId);
    expect(await rest.event(owner, "THREAD_UPDATE", unarchiving)).toMatchObject({ id: threadId, thread_metadata: { archived: false } });
    // Locking needs MANAGE_THREADS; a locked thread takes no message or change from a member without it.
    expect(await rest.api("PATCH", channels(threadId), { locked: true }, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    expect(await call("PATCH", channels(threadId), w.owner, { locked: true, rate_limit_per_user: 5 })).toMatchObject({ rate_limit_per_user: 5, thread_metadata: { locked: true } });
    expect(await rest.api("POST", channels(threadId, "/messages"), { content: "x" }, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    expect(await rest.api("PATCH", channels(threadId), { name: "mine" }, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    expect(await rest.api("PATCH", channels(threadId), { invitable: true }, w.owner.auth)).toMatchObject({ status: 400, json: { code: 50035 } });
    expect(await rest.api("PATCH", channels(w.lobby.id), { name: "x" }, w.owner.auth)).toMatchObject({ status: 400, json: { code: 50024 } });
    // A stranger to the creator renaming: MANAGE_THREADS.
    const other = (await call("POST", channels(w.lobby.id, "/threads"), w.owner, { name: "owners", type: 11 })).id as string;
    expect(await rest.api("PATCH", channels(other), { name: "mine" }, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
  });

  test("in an archived thread no edit and no reaction (50083), deleting yes; in a locked one edits need MANAGE_THREADS", async () => {
    const w = await rest.world();
    const threadId = (await call("POST", channels(w.lobby.id, "/threads"), w.member, { name: "t", type: 11 })).id as string;
    const first = (await post(w, "member", "one", threadId)).id as string;
    const second = (await post(w, "member", "two", threadId)).id as string;
    await call("PATCH", channels(threadId), w.owner, { locked: true });
    expect(await rest.api("PATCH", channels(threadId, `/messages/${first}`), { content: "edited" }, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    await done("PUT", channels(threadId, `/messages/${first}/reactions/${encodeURIComponent("👍")}/@me`), w.member);
    await call("PATCH", channels(threadId), w.owner, { archived: true });
    expect(await rest.api("PATCH", channels(threadId, `/messages/${first}`), { content: "edited" }, w.owner.auth)).toMatchObject({ status: 400, json: { code: 50083 } });
    expect(await rest.api("PUT", channels(threadId, `/messages/${first}/reactions/${encodeURIComponent("👀")}/@me`), undefined, w.member.auth)).toMatchObject({ status: 400, json: { code: 50083 } });
    await done("DELETE", channels(threadId, `/messages/${second}`), w.member);
    expect(await call("GET", channels(threadId), w.member)).toMatchObject({ message_count: 1, thread_metadata: { archived: true, locked: true } });
    // Archived and locked: a member's message neither sends nor unarchives it.
    expect(await rest.api("POST", channels(threadId, "/messages"), { content: "x" }, w.member.auth)).toMatchObject({ status: 400, json: { code: 50083 } });
  });

  test("DELETE: MANAGE_THREADS; THREAD_DELETE with id, guild_id, parent_id and type; its messages go with it", async () => {
    const w = await rest.world();
    const member = await rest.session(w.member, GUILDS | GUILD_MESSAGES, w.guild.id);
    const thread = await call("POST", channels(w.lobby.id, "/threads"), w.member, { name: "doomed", type: 11 });
    const threadId = thread.id as string;
    await post(w, "member", "last words", threadId);
    expect(await rest.api("DELETE", channels(threadId), undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    const from = member.frames.length;
    expect(await call("DELETE", channels(threadId), w.owner)).toMatchObject({ id: threadId, name: "doomed" });
    expect(await rest.event(member, "THREAD_DELETE", from)).toEqual({ id: threadId, guild_id: w.guild.id, parent_id: w.lobby.id, type: 11 });
    expect(await rest.api("GET", channels(threadId), undefined, w.member.auth)).toMatchObject({ status: 404, json: { code: 10003 } });
    expect(await rest.api("GET", channels(threadId, "/messages"), undefined, w.member.auth)).toMatchObject({ status: 404, json: { code: 10003 } });
    // A channel's threads go with it.
    const orphan = (await call("POST", channels(w.lobby.id, "/threads"), w.member, { name: "orphan", type: 11 })).id as string;
    expect((await rest.api("DELETE", `/internal/guilds/${w.guild.id}/channels/${w.lobby.id}`)).status).toBe(204);
    expect(await rest.api("GET", channels(orphan), undefined, w.member.auth)).toMatchObject({ status: 404, json: { code: 10003 } });
  });
});

describe("thread members and lists", () => {
  test("join, leave, get and list members (with_member; GUILD_MEMBERS needed), the active list, the archived lists", async () => {
    const w = await rest.world();
    const member = await rest.session(w.member, GUILDS, w.guild.id);
    const threadId = (await call("POST", channels(w.lobby.id, "/threads"), w.owner, { name: "club", type: 11 })).id as string;
    const from = member.frames.length;
    await done("PUT", channels(threadId, "/thread-members/@me"), w.member);
    expect(await rest.event(member, "THREAD_CREATE", from, (d) => "member" in d)).toMatchObject({ id: threadId, member: { user_id: w.member.id } });
    expect(await rest.event(member, "THREAD_MEMBERS_UPDATE", from)).toMatchObject({ id: threadId, member_count: 2 });
    expect(await call("GET", channels(threadId, `/thread-members/${w.member.id}?with_member=true`), w.member)).toMatchObject({
      id: threadId,
      user_id: w.member.id,
      flags: 0,
      member: { user: { id: w.member.id } },
    });
    expect(await rest.api("GET", channels(threadId, `/thread-members/${w.member.id}`), undefined, w.owner.auth)).toMatchObject({ status: 200, json: { user_id: w.member.id } });
    // Listing needs the GUILD_MEMBERS privileged intent (the member's user has none).
    expect(await rest.api("GET", channels(threadId, "/thread-members"), undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50001 } });
    const listed = (await call("GET", channels(threadId, "/thread-members"), w.owner)) as unknown as Json[];
    expect(listed.map((m) => m.user_id).sort()).toEqual([w.owner.id, w.member.id].sort());
    const leaving = member.frames.length;
    await done("DELETE", channels(threadId, "/thread-members/@me"), w.member);
    expect(await rest.event(member, "THREAD_MEMBERS_UPDATE", leaving)).toMatchObject({ id: threadId, removed_member_ids: [w.member.id] });
    expect(await rest.api("GET", channels(threadId, `/thread-members/${w.member.id}`), undefined, w.owner.auth)).toMatchObject({ status: 404, json: { code: 10007 } });

    // Active: those the caller may see. Archived: by list.
    const secretThread = (await call("POST", channels(w.lobby.id, "/threads"), w.owner, { name: "mods", type: 12 })).id as string;
    const active = await call("GET", `/api/v10/guilds/${w.guild.id}/threads/active`, w.member);
    expect((active.threads as Json[]).map((t) => t.id)).toEqual([threadId]);
    expect(((await call("GET", `/api/v10/guilds/${w.guild.id}/threads/active`, w.owner)).threads as Json[]).map((t) => t.id).sort()).toEqual([threadId, secretThread].sort());
    await call("PATCH", channels(threadId), w.owner, { archived: true });
    await call("PATCH", channels(secretThread), w.owner, { archived: true });
    expect(await call("GET", channels(w.lobby.id, "/threads/archived/public"), w.member)).toMatchObject({ threads: [{ id: threadId }], members: [], has_more: false });
    expect(await rest.api("GET", channels(w.lobby.id, "/threads/archived/private"), undefined, w.member.auth)).toMatchObject({ status: 403, json: { code: 50013 } });
    expect(await call("GET", channels(w.lobby.id, "/threads/archived/private"), w.owner)).toMatchObject({ threads: [{ id: secretThread }], members: [{ id: secretThread, user_id: w.owner.id }] });
    expect(await call("GET", channels(w.lobby.id, "/users/@me/threads/archived/private"), w.owner)).toMatchObject({ threads: [{ id: secretThread }] });
    expect(await call("GET", channels(w.lobby.id, "/users/@me/threads/archived/private"), w.member)).toMatchObject({ threads: [] });
    expect(await rest.api("GET", channels(w.lobby.id, "/threads/archived/public?before=yesterday"), undefined, w.member.auth)).toMatchObject({ status: 400, json: { code: 50035 } });
    // Archived threads leave the active list; unarchived, they are back.
    const activeIds = async (): Promise<unknown[]> => ((await call("GET", `/api/v10/guilds/${w.guild.id}/threads/active`, w.owner)).threads as Json[]).map((t) => t.id);
    expect(await activeIds()).toEqual([]);
    await call("PATCH", channels(threadId), w.owner, { archived: false });
    expect(await activeIds()).toEqual([threadId]);
  });

  test("GUILD_CREATE's threads: the active ones the session may see, with its thread member in those it joined", async () => {
    const w = await rest.world();
    const third = await another(w, "third");
    const open = (await call("POST", channels(w.lobby.id, "/threads"), w.member, { name: "open", type: 11 })).id as string;
    const closed = (await call("POST", channels(w.lobby.id, "/threads"), w.member, { name: "closed", type: 12 })).id as string;
    const hidden = (await call("POST", channels(w.secret.id, "/threads"), w.owner, { name: "hidden", type: 11 })).id as string;
    const old = (await call("POST", channels(w.lobby.id, "/threads"), w.member, { name: "old", type: 11 })).id as string;
    await call("PATCH", channels(old), w.member, { archived: true });
    const threadsOf = async (account: Account): Promise<Json[]> => {
      const client = await rest.session(account, GUILDS, w.guild.id);
      const created = client.frames.find((f) => f.t === "GUILD_CREATE")?.d as Json;
      return (created.threads as Json[]).sort((a, b) => String(a.name).localeCompare(String(b.name)));
    };
    const mine = await threadsOf(w.member);
    expect(mine.map((t) => t.id)).toEqual([closed, open]);
    expect(mine[0]).toMatchObject({ type: 12, member: { flags: 0 } });
    expect("user_id" in (mine[0]?.member as Json)).toBe(false);
    expect((await threadsOf(third)).map((t) => t.id)).toEqual([open]);
    expect((await threadsOf(w.owner)).map((t) => t.id)).toEqual([closed, hidden, open]);
  });

  test("THREAD_LIST_SYNC: a member who gains a channel (a role, or the channel's overwrites) gets the active threads there it may see", async () => {
    const w = await rest.world();
    const member = await rest.session(w.member, GUILDS, w.guild.id);
    const open = (await call("POST", channels(w.secret.id, "/threads"), w.owner, { name: "open", type: 11 })).id as string;
    await call("POST", channels(w.secret.id, "/threads"), w.owner, { name: "mods", type: 12 });
    const old = (await call("POST", channels(w.secret.id, "/threads"), w.owner, { name: "old", type: 11 })).id as string;
    await call("PATCH", channels(old), w.owner, { archived: true });
    const from = member.frames.length;
    await rest.join(w.guild.id, w.member, [w.role.id]);
    await rest.event(member, "CHANNEL_CREATE", from, (d) => d.id === w.secret.id);
    expect(await rest.event(member, "THREAD_LIST_SYNC", from)).toMatchObject({ guild_id: w.guild.id, channel_ids: [w.secret.id], threads: [{ id: open }], members: [] });
    // Everyone gains a channel: the class is told, once.
    const third = await another(w, "third");
    const client = await rest.session(third, GUILDS, w.guild.id);
    const before = client.frames.length;
    expect((await rest.api("PATCH", `/internal/guilds/${w.guild.id}/channels/${w.secret.id}`, { permission_overwrites: [] })).status).toBe(200);
    expect(await rest.event(client, "THREAD_LIST_SYNC", before)).toMatchObject({ channel_ids: [w.secret.id], threads: [{ id: open }] });
  });
});

describe("ingress and threads", () => {
  test("a dispatch into a thread reaches those who may see it; thread types are not ingress channels; an app's own event is not sent into a private thread", async () => {
    const w = await rest.world();
    const third = await another(w, "third");
    const member = await rest.session(w.member, GUILDS | GUILD_MESSAGES, w.guild.id);
    const outsider = await rest.session(third, GUILDS | GUILD_MESSAGES, w.guild.id);
    const privateThread = (await call("POST", channels(w.lobby.id, "/threads"), w.member, { name: "p", type: 12 })).id as string;
    const before = outsider.frames.length;
    const deleted = { t: "MESSAGE_DELETE", d: { id: "1", channel_id: privateThread, guild_id: w.guild.id } };
    expect(await rest.api("POST", `/internal/channels/${privateThread}/dispatch`, deleted)).toMatchObject({ status: 202 });
    expect(await rest.event(member, "MESSAGE_DELETE", 0)).toMatchObject({ channel_id: privateThread });
    await rest.nothingSince(outsider, w.guild.id, "MESSAGE_DELETE", before);
    const own = { t: "APP_EVENT", d: { channel_id: privateThread }, intents: 0, permissions: "0" };
    expect(await rest.api("POST", `/internal/guilds/${w.guild.id}/dispatch`, own)).toMatchObject({ status: 400, json: { code: 50035 } });
    // A public thread: its parent's viewers' topic (the member and the third share one); in the secret channel, no one connected sees it.
    const publicThread = (await call("POST", channels(w.lobby.id, "/threads"), w.owner, { name: "o", type: 11 })).id as string;
    expect(await rest.api("POST", `/internal/guilds/${w.guild.id}/dispatch`, { ...own, d: { channel_id: publicThread } })).toMatchObject({ status: 202, json: { topics: 1 } });
    const hiddenThread = (await call("POST", channels(w.secret.id, "/threads"), w.owner, { name: "h", type: 11 })).id as string;
    expect(await rest.api("POST", `/internal/guilds/${w.guild.id}/dispatch`, { ...own, d: { channel_id: hiddenThread } })).toMatchObject({ status: 202, json: { topics: 0 } });
    expect(await rest.api("POST", `/internal/guilds/${w.guild.id}/channels`, { name: "fake", type: 11 })).toMatchObject({ status: 400, json: { code: 50035 } });
  });
});

/**
 * What a guild's owner tells sessions about threads (docs: events/gateway-events "Thread
 * Create" ... "Thread Members Update", topics/threads "Thread Membership"), once a change is
 * committed: each event goes to the thread's audience (`OwnedGuild.threadAudience`: a public
 * thread's parent's viewers as topics; a private thread's MANAGE_THREADS classes as topics and
 * its other members one by one), `d` serialised once (and once without content).
 */
import type { StoredThreadMember } from "../store/thread-records.ts";
import { contentReaders, knownRule, withoutContent } from "./audience.ts";
import type { ThreadChannel } from "./guild-state.ts";
import type { GuildDelivery, WorkerId } from "./guilds.ts";
import type { Audience, OwnedGuild } from "./owned-guild.ts";
import { threadJson, threadMemberJson, threadMemberWithMemberJson } from "./thread-json.ts";

type Json = Record<string, unknown>;

/** Who gets a thread's event (`OwnedGuild.threadAudience`). */
export type ThreadAudience = ReturnType<OwnedGuild["threadAudience"]>;

/** The owner's publishing, shared with its other events: one message per worker, `d` serialised once; the topics it went to. */
export type Deliver = (audiences: ReadonlyMap<WorkerId, Audience>, t: string, d: unknown) => number;

/** The thread's channel object as it is now (its member count from the guild). */
export function threadObject(owned: OwnedGuild, thread: ThreadChannel): Json {
  return threadJson(thread, owned.state.threadMembers(thread.id).size);
}

export class ThreadEvents {
  readonly #delivery: GuildDelivery;
  readonly #deliver: Deliver;

  constructor(delivery: GuildDelivery, deliver: Deliver) {
    this.#delivery = delivery;
    this.#deliver = deliver;
  }

  /**
   * `t` about the thread or in it, to `audience` (computed now unless given): its topics, then a
   * private thread's members one by one (with a copy without content for those without
   * MESSAGE_CONTENT, when the rule strips it, but for its author and those it mentions). How
   * many topics and members it went to.
   */
  event(owned: OwnedGuild, t: string, thread: ThreadChannel, d: Json, audience: ThreadAudience = owned.threadAudience(knownRule(t), thread)): number {
    const topics = this.#deliver(audience.topics, t, d);
    if (audience.members.length === 0) return topics;
    const full = JSON.stringify(d);
    const strips = knownRule(t).content;
    const stripped = strips ? JSON.stringify(withoutContent(d)) : undefined;
    // The author and those mentioned get the content without MESSAGE_CONTENT too (audience.ts `contentReaders`).
    const readers = strips ? contentReaders(d) : [];
    for (const userId of audience.members) this.#delivery.sendToMember(owned.id, userId, t, full, readers.includes(userId) ? undefined : stripped);
    return topics + audience.members.length;
  }

  /**
   * The thread changed (already applied): THREAD_UPDATE unless only its counts or last message
   * did (Discord sends none for those); unarchived, each of its members gets THREAD_MEMBER_UPDATE (docs:
   * topics/threads "Unarchiving a Thread").
   */
  changed(owned: OwnedGuild, before: ThreadChannel, after: ThreadChannel): void {
    // Discord sends no THREAD_UPDATE for these (docs: "not sent when the field last_message_id is altered").
    const counts = { messageCount: 0, totalMessageSent: 0, lastMessageId: null };
    if (JSON.stringify({ ...before, thread: { ...before.thread, ...counts } }) === JSON.stringify({ ...after, thread: { ...after.thread, ...counts } })) return;
    this.event(owned, "THREAD_UPDATE", after, threadObject(owned, after));
    if (!before.thread.archived || after.thread.archived) return;
    for (const member of owned.state.threadMembers(after.id).values()) {
      this.#delivery.sendToMember(owned.id, member.userId, "THREAD_MEMBER_UPDATE", JSON.stringify({ ...threadMemberJson(member), guild_id: owned.id }));
    }
  }

  /** A user joined or was added (already applied): THREAD_MEMBERS_UPDATE, and THREAD_CREATE with its member to the user (Discord sends it the thread, whether or not it had it). */
  memberAdded(owned: OwnedGuild, thread: ThreadChannel, member: StoredThreadMember): void {
    this.membersUpdate(owned, thread, [member], []);
    const d = { ...threadObject(owned, thread), member: threadMemberJson(member) };
    this.#delivery.sendToMember(owned.id, member.userId, "THREAD_CREATE", JSON.stringify(d));
  }

  /**
   * THREAD_MEMBERS_UPDATE to the thread's audience with GUILD_MEMBERS (`audience`: as it was
   * before a removal), and to the users added or removed whatever their intents (docs: it is
   * always sent to them).
   */
  membersUpdate(owned: OwnedGuild, thread: ThreadChannel, added: readonly StoredThreadMember[], removedIds: readonly string[], audience?: ThreadAudience): void {
    const addedJson = added.flatMap((member) => {
      const guildMember = owned.state.member(member.userId);
      const user = owned.state.user(member.userId);
      return guildMember && user ? [{ ...threadMemberWithMemberJson(member, guildMember, user), presence: null }] : [];
    });
    const d = {
      id: thread.id,
      guild_id: owned.id,
      member_count: threadObject(owned, thread).member_count,
      ...(addedJson.length > 0 && { added_members: addedJson }),
      ...(removedIds.length > 0 && { removed_member_ids: removedIds }),
    };
    this.event(owned, "THREAD_MEMBERS_UPDATE", thread, d, audience);
    const dJson = JSON.stringify(d);
    for (const userId of [...added.map((member) => member.userId), ...removedIds]) this.#delivery.sendToSelf(owned.id, userId, "THREAD_MEMBERS_UPDATE", dJson);
  }
}

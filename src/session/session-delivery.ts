/**
 * Sessions in guilds, the owner's side: the `GuildDelivery` a guild's owner calls (through
 * cluster/delivery.ts, in the owner's order) to reach the sessions on this worker: an
 * event's frames for its topics, an event for one member's sessions, a member moving to
 * another class's topic, joining or leaving the guild, and losing sight of a member list.
 * What sessions ask of their guilds is session-guilds.ts.
 */
import { ANY_SESSION, eventRule, parseVariant, variantReceives, variantSeesContent } from "../guild/audience.ts";
import type { GuildDelivery, PublishPart, WorkerId } from "../guild/guilds.ts";
import { guildTopic, listTopic } from "../protocol/topics.ts";
import { shardOf, type SessionGuilds } from "./session-guilds.ts";
import type { Sessions } from "./sessions.ts";

export class SessionDelivery implements GuildDelivery {
  readonly #sessions: Sessions;
  readonly #guilds: SessionGuilds;

  constructor(sessions: Sessions, guilds: SessionGuilds) {
    this.#sessions = sessions;
    this.#guilds = guilds;
  }

  publish(_worker: WorkerId, t: string, parts: readonly PublishPart[]): void {
    for (const { topics, dJson, contentFor } of parts) {
      if (!contentFor) {
        this.#sessions.publishTopics(topics, t, dJson);
        continue;
      }
      // The few sessions of the author and the mentioned users that hold one of these topics get the content, alone.
      const readers = contentFor.userIds.flatMap((userId) => [...this.#sessions.ofUser(userId)].filter((session) => topics.some((topic) => session.topics.has(topic))));
      this.#sessions.publishTopics(topics, t, dJson, readers);
      for (const session of readers) this.#sessions.sendTo(session, t, contentFor.dJson);
    }
  }

  sendToMember(guildId: string, userId: string, t: string, dJson: string, strippedJson?: string): void {
    this.#sendToSessions(guildId, userId, t, dJson, true, strippedJson);
  }

  sendToSelf(guildId: string, userId: string, t: string, dJson: string): void {
    this.#sendToSessions(guildId, userId, t, dJson, false);
  }

  /**
   * `t` to the user's sessions in the guild whose variant does (or, for `receives` false, does
   * not) take it; an event with no guild rule (INTERACTION_CREATE) goes to all of them;
   * `strippedJson` to those of them without MESSAGE_CONTENT, when given.
   */
  #sendToSessions(guildId: string, userId: string, t: string, dJson: string, receives: boolean, strippedJson?: string): void {
    const rule = eventRule(t) ?? ANY_SESSION;
    for (const session of this.#sessions.ofUser(userId)) {
      const joined = session.guilds.get(guildId);
      if (!joined) continue;
      const variant = parseVariant(joined.variant);
      if (variantReceives(variant, rule) !== receives) continue;
      this.#sessions.sendTo(session, t, strippedJson !== undefined && !variantSeesContent(variant) ? strippedJson : dJson);
    }
  }

  /** `classId` -1: hold no topic of the guild for now (the owner is telling classes about a change). */
  moveMember(guildId: string, userId: string, classId: number): void {
    for (const session of this.#sessions.ofUser(userId)) {
      const joined = session.guilds.get(guildId);
      if (!joined) continue;
      if (joined.topic !== "") this.#sessions.release(session, joined.topic);
      joined.topic = classId < 0 ? "" : guildTopic(guildId, classId, joined.variant);
      if (joined.topic !== "") this.#sessions.hold(session, joined.topic);
    }
  }

  memberAdded(guildId: string, userId: string): void {
    for (const session of this.#sessions.ofUser(userId)) {
      const [shardId, shardCount] = session.shard;
      if (!session.guilds.has(guildId) && shardOf(guildId, shardCount) === shardId) this.#guilds.join(session, guildId);
    }
  }

  memberRemoved(guildId: string, userId: string): void {
    for (const session of this.#sessions.ofUser(userId)) {
      if (this.#guilds.leave(session, guildId)) this.#sessions.sendTo(session, "GUILD_DELETE", JSON.stringify({ id: guildId }));
    }
  }

  /** A new owner took the guild over: each member's sessions take its class's topic there; their lists go. */
  rehome(_worker: WorkerId, guildId: string, moves: readonly (readonly [string, number])[]): void {
    for (const [userId, classId] of moves) {
      for (const session of this.#sessions.ofUser(userId)) {
        const joined = session.guilds.get(guildId);
        if (!joined) continue;
        for (const [listId, chunks] of joined.lists ?? []) {
          for (const chunk of chunks) this.#sessions.release(session, listTopic(guildId, listId, chunk));
        }
        joined.lists?.clear();
        if (joined.topic !== "") this.#sessions.release(session, joined.topic);
        joined.topic = guildTopic(guildId, classId, joined.variant);
        this.#sessions.hold(session, joined.topic);
      }
    }
  }

  dropList(guildId: string, userId: string, listId: string): void {
    for (const session of this.#sessions.ofUser(userId)) {
      const joined = session.guilds.get(guildId);
      const chunks = joined?.lists?.get(listId);
      if (!chunks) continue;
      for (const chunk of chunks) this.#sessions.release(session, listTopic(guildId, listId, chunk));
      joined?.lists?.delete(listId);
    }
  }
}

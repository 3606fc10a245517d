/**
 * A guild on its owner: the state, its permission classes, the topics sessions hold, and
 * the presences of connected members. It answers "which topics get this event" from the
 * live topics alone (classes × variants), so the cost of deciding never grows with the
 * number of sessions.
 */
import {
  eventRule,
  guildTopic,
  parseVariant,
  variantReceives,
  variantSeesContent,
} from "./audience.ts";
import type { GuildState } from "./guild-state.ts";
import { PermissionClasses, type ClassMove } from "./permission-classes.ts";
import type { Presence } from "./presence.ts";

interface LiveTopic {
  readonly classId: number;
  readonly intents: number;
  readonly passive: boolean;
  /** Sessions holding it, on every worker. */
  sessions: number;
}

/** The topics an event goes to: `full` get `d` as is, `stripped` without message content. */
export interface Audience {
  full: string[];
  stripped: string[];
}

export class OwnedGuild {
  readonly state: GuildState;
  readonly classes: PermissionClasses;
  /** Presences of members with a session, by user id. */
  readonly presences = new Map<string, Presence>();
  readonly #topics = new Map<string, LiveTopic>();
  /** Per member with sessions: how many sessions hold each variant. */
  readonly #variants = new Map<string, Map<string, number>>();

  constructor(state: GuildState) {
    this.state = state;
    this.classes = new PermissionClasses(state);
  }

  get id(): string {
    return this.state.id;
  }

  /** Members with at least one session. */
  get connectedMembers(): number {
    return this.#variants.size;
  }

  /** How many sessions of `userId` are attached (0 if none). */
  sessionsOf(userId: string): number {
    let count = 0;
    for (const n of this.#variants.get(userId)?.values() ?? []) count += n;
    return count;
  }

  /** A session of a member joins; returns the topic it must hold. */
  attach(userId: string, variant: string): string {
    const member = this.state.member(userId);
    if (!member) throw new Error(`guild ${this.id}: ${userId} is not a member`);
    let variants = this.#variants.get(userId);
    if (!variants) {
      variants = new Map();
      this.#variants.set(userId, variants);
      this.classes.track(member);
    }
    variants.set(variant, (variants.get(variant) ?? 0) + 1);
    const classId = this.classes.classOf(userId) as number;
    return this.#addTopic(classId, variant, 1);
  }

  /** A session of a member leaves. */
  detach(userId: string, variant: string): void {
    const variants = this.#variants.get(userId);
    const count = variants?.get(variant);
    if (!variants || count === undefined) return;
    const classId = this.classes.classOf(userId) as number;
    this.#removeTopic(classId, variant, 1);
    if (count > 1) variants.set(variant, count - 1);
    else variants.delete(variant);
    if (variants.size === 0) {
      this.#variants.delete(userId);
      this.classes.untrack(userId);
    }
  }

  /** Moves the topic counts of members whose class changed (from `PermissionClasses`). */
  applyMoves(moves: readonly ClassMove[]): ClassMove[] {
    const moved: ClassMove[] = [];
    for (const move of moves) {
      if (move.from < 0 || move.to < 0) continue;
      for (const [variant, count] of this.#variants.get(move.userId) ?? []) {
        this.#removeTopic(move.from, variant, count);
        this.#addTopic(move.to, variant, count);
      }
      moved.push(move);
    }
    return moved;
  }

  /** The topic a connected member's sessions of `variant` hold now. */
  topicOf(userId: string, variant: string): string | undefined {
    const classId = this.classes.classOf(userId);
    return classId === undefined ? undefined : guildTopic(this.id, classId, variant);
  }

  /** Users with sessions here. */
  connectedUserIds(): IterableIterator<string> {
    return this.#variants.keys();
  }

  /**
   * The live topics that get `t`: the variant must receive it, and for channel events the
   * class must view the channel (`channelId`), or, with `classIds`, be one of them.
   */
  audience(t: string, channelId?: string, classIds?: ReadonlySet<number>): Audience {
    const rule = eventRule(t, channelId !== undefined);
    const full: string[] = [];
    const stripped: string[] = [];
    for (const [topic, live] of this.#topics) {
      if (!variantReceives(live, rule)) continue;
      if (classIds !== undefined && !classIds.has(live.classId)) continue;
      if (rule.channelScoped && channelId !== undefined && !this.classes.canView(live.classId, channelId)) continue;
      (rule.content && !variantSeesContent(live) ? stripped : full).push(topic);
    }
    return { full, stripped };
  }

  /** Topics of one class (for CHANNEL_CREATE/DELETE when a class's view of a channel flips). */
  topicsOfClass(classId: number, t: string): string[] {
    const rule = eventRule(t, true);
    const topics: string[] = [];
    for (const [topic, live] of this.#topics) {
      if (live.classId === classId && variantReceives(live, rule)) topics.push(topic);
    }
    return topics;
  }

  /** Every live topic (GUILD_DELETE on deletion goes to all). */
  allTopics(): string[] {
    return [...this.#topics.keys()];
  }

  #addTopic(classId: number, variant: string, count: number): string {
    const topic = guildTopic(this.id, classId, variant);
    const live = this.#topics.get(topic);
    if (live) live.sessions += count;
    else this.#topics.set(topic, { classId, ...parseVariant(variant), sessions: count });
    return topic;
  }

  #removeTopic(classId: number, variant: string, count: number): void {
    const topic = guildTopic(this.id, classId, variant);
    const live = this.#topics.get(topic);
    if (!live) return;
    live.sessions -= count;
    if (live.sessions <= 0) this.#topics.delete(topic);
  }
}

/**
 * A guild on its owner: the state, its permission classes, the topics sessions hold, and
 * the presences of connected members. It answers "which topics get this event" from the
 * live topics alone (classes × variants), so the cost of deciding never grows with the
 * number of sessions.
 */
import { guildTopic } from "../protocol/topics.ts";
import { parseVariant, variantReceives, variantSeesContent, type EventRule } from "./audience.ts";
import type { GuildState, ThreadChannel } from "./guild-state.ts";
import { Permission } from "./permissions.ts";
import { ThreadType } from "../store/thread-records.ts";
import type { WorkerId } from "./guilds.ts";
import { PermissionClasses, type ClassMove } from "./permission-classes.ts";
import { GuildMemberLists } from "./member-lists.ts";
import { PresenceBook } from "./presence.ts";
import { VoiceStates } from "./voice-states.ts";

interface VariantCount {
  readonly worker: WorkerId;
  readonly variant: string;
  count: number;
}

interface LiveTopic {
  /** The topic's name, made once: every session holding it shares the string. */
  readonly topic: string;
  readonly classId: number;
  readonly intents: number;
  readonly passive: boolean;
  /** Sessions holding it, per worker. */
  readonly workers: Map<WorkerId, number>;
}

/** The topics an event goes to on one worker: `full` get `d` as is, `stripped` without message content. */
export interface Audience {
  full: string[];
  stripped: string[];
}

export class OwnedGuild {
  readonly state: GuildState;
  readonly classes: PermissionClasses;
  /** Presences of members with a session, by user id. */
  readonly presences = new PresenceBook();
  /** Voice states of members with a session (op 4), by user id. */
  readonly voiceStates = new VoiceStates();
  readonly #topics = new Map<string, LiveTopic>();
  /** Per member with sessions: how many sessions hold each variant, per worker (usually one entry: an array, not a Map). */
  readonly #variants = new Map<string, VariantCount[]>();

  /** Its lazy member lists (built on the first op 14 for each). */
  readonly lists: GuildMemberLists;

  constructor(state: GuildState) {
    this.state = state;
    this.classes = new PermissionClasses(state);
    this.lists = new GuildMemberLists(state, this.presences);
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
    for (const held of this.#variants.get(userId) ?? []) count += held.count;
    return count;
  }

  /** A session of a member joins, on `worker`; returns the topic it must hold. */
  attach(userId: string, variant: string, worker: WorkerId): string {
    const member = this.state.member(userId);
    if (!member) throw new Error(`guild ${this.id}: ${userId} is not a member`);
    let variants = this.#variants.get(userId);
    if (!variants) {
      variants = [];
      this.#variants.set(userId, variants);
      this.classes.track(member);
    }
    const held = variants.find((v) => v.worker === worker && v.variant === variant);
    if (held) held.count++;
    else variants.push({ worker, variant, count: 1 });
    const classId = this.classes.classOf(userId) as number;
    return this.#addTopic(classId, variant, worker, 1);
  }

  /** A session of a member leaves (from `worker`). */
  detach(userId: string, variant: string, worker: WorkerId): void {
    const variants = this.#variants.get(userId);
    const at = variants?.findIndex((v) => v.worker === worker && v.variant === variant) ?? -1;
    const held = variants?.[at];
    if (!variants || !held) return;
    const classId = this.classes.classOf(userId) as number;
    this.#removeTopic(classId, variant, worker, 1);
    if (held.count > 1) held.count--;
    else variants.splice(at, 1);
    if (variants.length === 0) {
      this.#variants.delete(userId);
      this.classes.untrack(userId);
    }
  }

  /** Moves the topic counts of members whose class changed (from `PermissionClasses`). */
  applyMoves(moves: readonly ClassMove[]): ClassMove[] {
    const moved: ClassMove[] = [];
    for (const move of moves) {
      if (move.from < 0 || move.to < 0) continue;
      for (const { worker, variant, count } of this.#variants.get(move.userId) ?? []) {
        this.#removeTopic(move.from, variant, worker, count);
        this.#addTopic(move.to, variant, worker, count);
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
   * The live topics that get an event under `rule`, per worker holding them: the variant must
   * receive it; with `channelId` the class must view that channel; the class must have the
   * rule's permissions (in the channel, if any); and, with `classIds`, be one of them. The
   * cost follows the live topics, never the sessions.
   */
  audience(rule: EventRule, channelId?: string, classIds?: ReadonlySet<number>): Map<WorkerId, Audience> {
    const byWorker = new Map<WorkerId, Audience>();
    for (const [topic, live] of this.#topics) {
      if (!variantReceives(live, rule)) continue;
      if (classIds !== undefined && !classIds.has(live.classId)) continue;
      if (channelId !== undefined && !this.classes.canView(live.classId, channelId)) continue;
      if (rule.permissions !== 0n && !this.classes.has(live.classId, rule.permissions, channelId)) continue;
      const strip = rule.content && !variantSeesContent(live);
      for (const worker of live.workers.keys()) {
        let audience = byWorker.get(worker);
        if (!audience) byWorker.set(worker, (audience = { full: [], stripped: [] }));
        (strip ? audience.stripped : audience.full).push(topic);
      }
    }
    return byWorker;
  }

  /**
   * Who gets an event under `rule` about a thread (docs: topics/threads "Permissions"): a public
   * thread's audience is its parent's viewers, topics only, as for any channel event; a private
   * thread's is the classes with MANAGE_THREADS in the parent (topics), and its members of other
   * classes that view the parent (`members`, told one by one: a private thread has few).
   */
  threadAudience(rule: EventRule, thread: ThreadChannel): { topics: Map<WorkerId, Audience>; members: string[] } {
    const parentId = thread.parentId as string;
    if (thread.type !== ThreadType.PRIVATE) return { topics: this.audience(rule, parentId), members: [] };
    const topics = this.audience({ ...rule, permissions: rule.permissions | Permission.MANAGE_THREADS }, parentId);
    const members: string[] = [];
    for (const userId of this.state.threadMembers(thread.id).keys()) {
      const classId = this.classes.classOf(userId);
      if (classId === undefined || !this.classes.canView(classId, parentId) || this.classes.has(classId, Permission.MANAGE_THREADS, parentId)) continue;
      if (rule.permissions === 0n || this.classes.has(classId, rule.permissions, parentId)) members.push(userId);
    }
    return { topics, members };
  }

  /** Topics of one class that take `rule`, per worker (for CHANNEL_CREATE/DELETE when a class's view of a channel flips). */
  topicsOfClass(classId: number, rule: EventRule): Map<WorkerId, Audience> {
    const byWorker = new Map<WorkerId, Audience>();
    for (const [topic, live] of this.#topics) {
      if (live.classId !== classId || !variantReceives(live, rule)) continue;
      for (const worker of live.workers.keys()) {
        let audience = byWorker.get(worker);
        if (!audience) byWorker.set(worker, (audience = { full: [], stripped: [] }));
        audience.full.push(topic);
      }
    }
    return byWorker;
  }

  /**
   * Moves one session's hold of `variant` from worker `from` to `to` (a resumed session
   * moving home); the topic it holds (its class's), or undefined if there was none to move.
   */
  moveSession(userId: string, variant: string, from: WorkerId, to: WorkerId): string | undefined {
    const variants = this.#variants.get(userId);
    const at = variants?.findIndex((v) => v.worker === from && v.variant === variant) ?? -1;
    const held = variants?.[at];
    const classId = this.classes.classOf(userId);
    if (!variants || classId === undefined) return undefined;
    // Taken over while it moved, this owner found it on `to` already: it holds the class topic there.
    if (!held) return variants.some((v) => v.worker === to && v.variant === variant) ? guildTopic(this.id, classId, variant) : undefined;
    // Counts move; the member stays tracked, so its class (and topic) stay the same.
    if (held.count > 1) held.count--;
    else variants.splice(at, 1);
    const target = variants.find((v) => v.worker === to && v.variant === variant);
    if (target) target.count++;
    else variants.push({ worker: to, variant, count: 1 });
    this.#removeTopic(classId, variant, from, 1);
    return this.#addTopic(classId, variant, to, 1);
  }

  #addTopic(classId: number, variant: string, worker: WorkerId, count: number): string {
    const topic = guildTopic(this.id, classId, variant);
    let live = this.#topics.get(topic);
    if (!live) this.#topics.set(topic, (live = { topic, classId, ...parseVariant(variant), workers: new Map() }));
    live.workers.set(worker, (live.workers.get(worker) ?? 0) + count);
    return live.topic;
  }

  #removeTopic(classId: number, variant: string, worker: WorkerId, count: number): void {
    const topic = guildTopic(this.id, classId, variant);
    const live = this.#topics.get(topic);
    const held = live?.workers.get(worker);
    if (!live || held === undefined) return;
    if (held > count) live.workers.set(worker, held - count);
    else live.workers.delete(worker);
    if (live.workers.size === 0) this.#topics.delete(topic);
  }
}

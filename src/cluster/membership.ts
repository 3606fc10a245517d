/**
 * Which nodes are in the cluster, as one ordered sequence of views that every node sees the
 * same (DESIGN.md, "Scale"): the current view is one key of a JetStream key-value bucket,
 * changed only by compare-and-set on its revision, so concurrent changes are serialised by
 * NATS and every watcher sees the same views in the same order. A view's `generation` is
 * the guild ring's generation on every node (ring.ts), so every node computes the same owner
 * for a guild from the same generation.
 *
 * Liveness is core NATS: every node publishes a heartbeat every `heartbeatMs`; a node not
 * heard for `deadAfterMs` is taken out of the view by whichever node notices first (the
 * compare-and-set lets one win). A node joins by adding itself, leaves (SIGTERM) in two steps
 * (marked `leaving` while it drains, then taken out), and adds itself back if it finds itself
 * taken out while alive. A node id heard beating when a process joins under it is refused
 * (NodeIdTakenError).
 *
 * Why not per-key TTLs: Debian's nats-server 2.9 expires a bucket's old entries without
 * telling watchers, so an expiry could not be a view change everyone sees.
 */
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { Kvm, type KV } from "@nats-io/kv";
import { JetStreamApiError } from "@nats-io/jetstream";

/**
 * One node of a view: its id, how many workers (peers `{id}/0` .. `{id}/{workers-1}`) it runs,
 * and its `snowflakeProcess`: the 5-bit process id of the snowflakes it makes (its workers make
 * the worker bits), unique among the view's nodes, so no two nodes ever make the same id. A
 * `leaving` node owns nothing (the ring leaves it out) but is still reached on the bus, so the
 * sessions it drains can move to other nodes.
 */
export interface ClusterNode {
  id: string;
  workers: number;
  snowflakeProcess: number;
  leaving?: true;
}

/** What a node says of itself when it joins (the view gives it the rest). */
export type JoiningNode = Pick<ClusterNode, "id" | "workers">;

/** A snowflake's process id has 5 bits: a cluster holds at most this many nodes. */
export const MAX_NODES = 32;

/** A view of the cluster: the nodes by id, and its place in the sequence. */
export interface MembershipView {
  generation: number;
  nodes: ClusterNode[];
}

export interface MembershipOptions {
  connection: NatsConnection;
  /** Names the bucket and subjects, shared by the cluster's nodes (e.g. "guildgate"). */
  prefix: string;
  self: JoiningNode;
  /** How often this node says it is alive, ms. */
  heartbeatMs: number;
  /** A node silent this long is taken out of the view, ms. */
  deadAfterMs: number;
  /**
   * The generation every new view must pass: the store's highest fence, so a cluster whose
   * view was lost (a new NATS) never numbers its owners below the fences already written.
   */
  floor: number;
  /** Every view, in order, from the first one that holds this node. */
  onView(view: MembershipView): void;
  now?: () => number;
}

/** The prefix of the cluster's NATS subjects and key-value bucket. */
export const CLUSTER_PREFIX = "guildgate";

const VIEW_KEY = "view";
/** JetStream's "wrong last sequence": another node changed the view first. */
const CHANGED_MEANWHILE = 10071;
const EMPTY: MembershipView = { generation: 0, nodes: [] };
const encoder = new TextEncoder();
/** How long `startLeaving` waits for this node's own watch to deliver the view it wrote, ms. */
const LEAVING_SEEN_MS = 2_000;
/** Compare-and-set attempts per change before giving up until the next check. */
const ATTEMPTS = 16;

/** The view has no snowflake process id left for another node. */
export class ClusterFullError extends Error {
  constructor() {
    super(`the cluster already has ${MAX_NODES} nodes, the most it can hold (snowflake ids have 5 bits for the node)`);
  }
}

/** Another live process already is this node. */
export class NodeIdTakenError extends Error {
  constructor(id: string) {
    super(`node id "${id}" is taken by another running node of this cluster: give each node its own --node-id`);
  }
}

export class Membership {
  readonly #options: MembershipOptions;
  readonly #now: () => number;
  readonly #kv: KV;
  readonly #heartbeats: Subscription;
  /** When each node was last heard from (or first seen in a view), ms. */
  readonly #lastSeen = new Map<string, number>();
  #view: MembershipView = EMPTY;
  #timer: ReturnType<typeof setInterval> | undefined;
  #leaving = false;
  #updates: { stop(): void } | undefined;

  private constructor(options: MembershipOptions, kv: KV) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#kv = kv;
    this.#heartbeats = options.connection.subscribe(`${options.prefix}.heartbeat`, {
      callback: (error, message) => {
        if (!error) this.#lastSeen.set(message.string(), this.#now());
      },
    });
  }

  /** Joins the cluster: resolves once a view that holds this node was delivered to `onView`. */
  static async join(options: MembershipOptions): Promise<Membership> {
    const kv = await new Kvm(options.connection).create(`${options.prefix}-membership`, { history: 1 });
    const membership = new Membership(options, kv);
    await membership.#start();
    return membership;
  }

  /** The latest view this node has seen. */
  get view(): MembershipView {
    return this.#view;
  }

  /**
   * The first step of a planned leave: this node stays in the view, beating, but marked
   * `leaving`, so its guilds move to the others while it drains its sessions.
   */
  async startLeaving(): Promise<void> {
    this.#leaving = true;
    const { self } = this.#options;
    await this.#change((view) => {
      const node = view.nodes.find((known) => known.id === self.id);
      return node && !node.leaving ? this.#withNode(view, { ...node, leaving: true }) : null;
    });
    // Resolves once this node has the view too (its ring leaves itself out from then on).
    const deadline = this.#now() + LEAVING_SEEN_MS;
    while (!this.#view.nodes.some((node) => node.id === self.id && node.leaving) && this.#now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /** A planned leave: this node takes itself out of the view and stops beating. */
  async leave(): Promise<void> {
    this.#leaving = true;
    this.#stopBeating();
    // The watch goes on: while it drains, this node still routes to the guilds' new owners.
    await this.#change((view) => (view.nodes.some((node) => node.id === this.#options.self.id) ? this.#without(view, [this.#options.self.id]) : null));
  }

  /** Stops heartbeats, checks and the watch of views: as a killed node stops, without leaving. */
  stop(): void {
    this.#stopBeating();
    this.#updates?.stop();
  }

  #stopBeating(): void {
    clearInterval(this.#timer);
    if (!this.#heartbeats.isClosed()) this.#heartbeats.unsubscribe();
  }

  async #start(): Promise<void> {
    const { self, heartbeatMs } = this.#options;
    // Two live processes under one id would be one node to everyone else: listen before beating.
    await new Promise((resolve) => setTimeout(resolve, 2 * heartbeatMs));
    if (this.#lastSeen.has(self.id)) {
      this.#heartbeats.unsubscribe();
      throw new NodeIdTakenError(self.id);
    }
    const joined = new Promise<void>((resolve, reject) => {
      this.#watch(resolve).catch((error: unknown) => {
        console.error(`guildgate: node ${self.id} stopped watching the cluster's views:`, error);
        reject(error);
      });
    });
    this.#beat();
    // Always a new view, even if this node is still in the last one (restarted before it was
    // taken out): everyone learns it came back with none of what it held.
    await this.#change((view) => this.#withNode(view, self));
    this.#timer = setInterval(() => {
      this.#beat();
      // NATS may be away for a moment (it reconnects): the next check tries again.
      this.#check().catch((error: unknown) => console.error(`guildgate: node ${self.id} could not check the cluster:`, error));
    }, heartbeatMs);
    this.#timer.unref?.();
    await joined;
  }

  #beat(): void {
    // A closed connection (the node is stopping) has nobody to tell.
    if (this.#options.connection.isClosed()) return;
    this.#options.connection.publish(`${this.#options.prefix}.heartbeat`, encoder.encode(this.#options.self.id));
  }

  /** Delivers every view, in order; resolves `joined` at the first that holds this node. */
  async #watch(joined: () => void): Promise<void> {
    const updates = await this.#kv.watch({ key: VIEW_KEY });
    this.#updates = updates;
    for await (const entry of updates) {
      if (entry.operation !== "PUT") continue;
      const view = entry.json<MembershipView>();
      if (view.generation <= this.#view.generation) continue;
      const now = this.#now();
      // A node first seen in a view counts as heard from now (its heartbeats may not have arrived).
      for (const node of view.nodes) if (!this.#view.nodes.some((known) => known.id === node.id)) this.#lastSeen.set(node.id, Math.max(this.#lastSeen.get(node.id) ?? 0, now));
      this.#view = view;
      this.#options.onView(view);
      if (view.nodes.some((node) => node.id === this.#options.self.id)) joined();
    }
  }

  /** Takes out the nodes not heard for `deadAfterMs`; puts this node back if it was taken out while alive (unless it is leaving). */
  async #check(): Promise<void> {
    if (this.#leaving) return;
    const { self, deadAfterMs } = this.#options;
    const now = this.#now();
    const dead = (view: MembershipView): string[] =>
      view.nodes.filter((node) => node.id !== self.id && now - (this.#lastSeen.get(node.id) ?? now) > deadAfterMs).map((node) => node.id);
    if (dead(this.#view).length > 0) await this.#change((view) => (dead(view).length > 0 ? this.#without(view, dead(view)) : null));
    if (!this.#view.nodes.some((node) => node.id === self.id)) await this.#change((view) => (view.nodes.some((node) => node.id === self.id) ? null : this.#withNode(view, self)));
  }

  /** `view` with `node` in it (replacing its entry, if any); a node new to the view gets the lowest free snowflake process id. */
  #withNode(view: MembershipView, node: JoiningNode & Partial<ClusterNode>): MembershipView {
    const others = view.nodes.filter((known) => known.id !== node.id);
    const taken = new Set(others.map((known) => known.snowflakeProcess));
    const current = view.nodes.find((known) => known.id === node.id)?.snowflakeProcess;
    let snowflakeProcess = current ?? 0;
    if (current === undefined) while (taken.has(snowflakeProcess)) snowflakeProcess++;
    if (snowflakeProcess >= MAX_NODES) throw new ClusterFullError();
    const nodes = [...others, { ...node, snowflakeProcess }].sort((a, b) => (a.id < b.id ? -1 : 1));
    return { generation: this.#nextGeneration(view), nodes };
  }

  #without(view: MembershipView, ids: readonly string[]): MembershipView {
    return { generation: this.#nextGeneration(view), nodes: view.nodes.filter((node) => !ids.includes(node.id)) };
  }

  #nextGeneration(view: MembershipView): number {
    return Math.max(view.generation, this.#options.floor) + 1;
  }

  /** Applies `change` to the current view by compare-and-set; `change` returns null when nothing needs doing. */
  async #change(change: (view: MembershipView) => MembershipView | null): Promise<void> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const entry = await this.#kv.get(VIEW_KEY);
      const current = entry && entry.operation === "PUT" ? entry.json<MembershipView>() : EMPTY;
      const next = change(current);
      if (!next) return;
      const value = JSON.stringify(next);
      try {
        if (entry) await this.#kv.update(VIEW_KEY, value, entry.revision);
        else await this.#kv.create(VIEW_KEY, value);
        return;
      } catch (error) {
        // Another node changed the view first: read it again and retry.
        if (!(error instanceof JetStreamApiError && error.code === CHANGED_MEANWHILE)) throw error;
      }
    }
    console.error(`guildgate: node ${this.#options.self.id} could not change the cluster view after ${ATTEMPTS} attempts`);
  }
}



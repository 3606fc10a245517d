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
 * compare-and-set lets one win). A node joins by adding itself, leaves (SIGTERM) by taking
 * itself out, and adds itself back if it finds itself taken out while alive.
 *
 * Why not per-key TTLs: Debian's nats-server 2.9 expires a bucket's old entries without
 * telling watchers, so an expiry could not be a view change everyone sees.
 */
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { Kvm, type KV } from "@nats-io/kv";
import { JetStreamApiError } from "@nats-io/jetstream";

/** One node of a view: its id and how many workers (peers `{id}/0` .. `{id}/{workers-1}`) it runs. */
export interface ClusterNode {
  id: string;
  workers: number;
}

/** A view of the cluster: the nodes by id, and its place in the sequence. */
export interface MembershipView {
  generation: number;
  nodes: ClusterNode[];
}

export interface MembershipOptions {
  connection: NatsConnection;
  /** Names the bucket and subjects, shared by the cluster's nodes (e.g. "guildgate"). */
  prefix: string;
  self: ClusterNode;
  /** How often this node says it is alive, ms. */
  heartbeatMs: number;
  /** A node silent this long is taken out of the view, ms. */
  deadAfterMs: number;
  /** Every view, in order, from the first one that holds this node. */
  onView(view: MembershipView): void;
  now?: () => number;
}

const VIEW_KEY = "view";
/** JetStream's "wrong last sequence": another node changed the view first. */
const CHANGED_MEANWHILE = 10071;
const EMPTY: MembershipView = { generation: 0, nodes: [] };
const encoder = new TextEncoder();
/** Compare-and-set attempts per change before giving up until the next check. */
const ATTEMPTS = 16;

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

  /** A planned leave: this node takes itself out of the view and stops. */
  async leave(): Promise<void> {
    this.#leaving = true;
    this.stop();
    await this.#change((view) => (view.nodes.some((node) => node.id === this.#options.self.id) ? without(view, [this.#options.self.id]) : null));
  }

  /** Stops heartbeats and checks (a killed node stops the same way, without leaving). */
  stop(): void {
    clearInterval(this.#timer);
    this.#heartbeats.unsubscribe();
  }

  async #start(): Promise<void> {
    const { self, heartbeatMs } = this.#options;
    const joined = new Promise<void>((resolve) => {
      void this.#watch(resolve);
    });
    this.#beat();
    await this.#change((view) => (view.nodes.some((node) => node.id === self.id) ? null : withNode(view, self)));
    this.#timer = setInterval(() => {
      this.#beat();
      void this.#check();
    }, heartbeatMs);
    this.#timer.unref?.();
    await joined;
  }

  #beat(): void {
    this.#options.connection.publish(`${this.#options.prefix}.heartbeat`, encoder.encode(this.#options.self.id));
  }

  /** Delivers every view, in order; resolves `joined` at the first that holds this node. */
  async #watch(joined: () => void): Promise<void> {
    const updates = await this.#kv.watch({ key: VIEW_KEY });
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

  /** Takes out the nodes not heard for `deadAfterMs`; puts this node back if it was taken out while alive. */
  async #check(): Promise<void> {
    if (this.#leaving) return;
    const { self, deadAfterMs } = this.#options;
    const now = this.#now();
    const dead = (view: MembershipView): string[] =>
      view.nodes.filter((node) => node.id !== self.id && now - (this.#lastSeen.get(node.id) ?? now) > deadAfterMs).map((node) => node.id);
    if (dead(this.#view).length > 0) await this.#change((view) => (dead(view).length > 0 ? without(view, dead(view)) : null));
    if (!this.#view.nodes.some((node) => node.id === self.id)) await this.#change((view) => (view.nodes.some((node) => node.id === self.id) ? null : withNode(view, self)));
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

function withNode(view: MembershipView, node: ClusterNode): MembershipView {
  const nodes = [...view.nodes.filter((known) => known.id !== node.id), node].sort((a, b) => (a.id < b.id ? -1 : 1));
  return { generation: view.generation + 1, nodes };
}

function without(view: MembershipView, ids: readonly string[]): MembershipView {
  return { generation: view.generation + 1, nodes: view.nodes.filter((node) => !ids.includes(node.id)) };
}

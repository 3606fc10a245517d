/**
 * A RESUME that lands on another worker than the session's home (DESIGN.md, "Resume"):
 * the session moves here and nothing is lost or doubled. With `reusePort` the kernel, not
 * the session id, picks the worker a new connection lands on.
 *
 * 1. Here -> home: "move-out". Home checks the session and `seq` (or answers why not),
 *    gives it up and keeps logging its topics.
 * 2. Here -> the owner of each topic the session holds (its guilds' owners, its user's
 *    owner): switch the session's hold to this worker. Each owner, in one step, moves the
 *    hold and tells home "cut" for that topic. Because each owner's link to each worker is
 *    FIFO, home's frames for the topic up to the cut and this worker's frames after the
 *    owner's answer are exactly the topic's events, each once.
 * 3. Home, once every topic is cut, sends its frames ("move-frames"); this worker stamps
 *    them and its own post-switch frames anew, in that order, replays them and goes live.
 */
import { askOwner, inBusForm } from "../cluster/owner-api.ts";
import { BusError, peerId, type Bus, type BusPush, type BusReply, type BusRequest, type MoveOutReply, type PeerId } from "../cluster/bus.ts";
import type { MaybePromise } from "../guild/guild-queue.ts";
import type { Guilds, Holder } from "../guild/guilds.ts";
import { CloseCode } from "../protocol/close-codes.ts";
import type { ResumeData } from "../protocol/payloads.ts";
import type { Socket } from "../transport/transport.ts";
import { parseTopic } from "../protocol/topics.ts";
import type { SessionHandoff } from "./handoff.ts";
import type { Resumes } from "./resume.ts";
import type { Connection, Session } from "./session.ts";
import type { Sessions } from "./sessions.ts";

/** `{node}.{worker}.{random}`: the node and worker parts of a session id (session.ts). */
const SESSION_ID = /^(.+)\.(\d{1,4})\.[0-9a-f]{24}$/;

type MoveRequest = Extract<BusRequest, { k: "move-out" | "move-topic" }>;

/** A move-out's answer, and the peer that gave it. */
interface Found {
  out: MoveOutReply;
  home: PeerId;
}

const UNKNOWN: MoveOutReply = { ok: false, reason: "unknown" };

/** A move that has not finished in this long is abandoned (its RESUME refused). */
const MOVE_TIMEOUT_MS = 10_000;

export interface SessionMovesOptions {
  bus: Bus;
  sessions: Sessions;
  handoff: SessionHandoff;
  resumes: Resumes;
  /** The peer owning a guild or user id (the ring). */
  ownerOf(key: string): PeerId;
  /** This worker's own guilds, for the owner side of a move. */
  guilds: Pick<Guilds, "moveSession" | "moveListHold">;
  resumeWindowMs: number;
}

export class SessionMoves {
  readonly #bus: Bus;
  readonly #sessions: Sessions;
  readonly #handoff: SessionHandoff;
  readonly #resumes: Resumes;
  readonly #ownerOf: (key: string) => PeerId;
  readonly #guilds: Pick<Guilds, "moveSession" | "moveListHold">;
  readonly #resumeWindowMs: number;
  /** Moves in progress here: waiting for home's frames. */
  readonly #awaiting = new Map<string, (frames: string[] | null) => void>();
  /** Sessions that moved away from here, and where to (for a later RESUME that lands here). */
  readonly #movedTo = new Map<string, PeerId>();
  /** Sessions moving here: per topic whose owner has moved the hold here, the stamp then. */
  readonly #movingIn = new Map<string, { session: Session; acks: Map<string, number> }>();

  constructor(options: SessionMovesOptions) {
    this.#bus = options.bus;
    this.#sessions = options.sessions;
    this.#handoff = options.handoff;
    this.#resumes = options.resumes;
    this.#ownerOf = options.ownerOf;
    this.#guilds = options.guilds;
    this.#resumeWindowMs = options.resumeWindowMs;
  }

  /** Where a session this worker does not hold lives: where it moved to, or the peer its id names. */
  homeOf(sessionId: string): PeerId | undefined {
    const moved = this.#movedTo.get(sessionId);
    if (moved !== undefined) return moved;
    const match = SESSION_ID.exec(sessionId);
    if (!match) return undefined;
    const home = peerId(match[1] as string, Number(match[2]));
    return this.#bus.peers().includes(home) ? home : undefined;
  }

  /**
   * The sessions of a guild that this worker answers for, for a new owner taking it over: its
   * own, but a session moving here only once the owner moved its hold here, and a session
   * moving away as long as the owner has not (exactly one worker answers for each).
   */
  holdersOf(guildId: string): Holder[] {
    const holders: Holder[] = [];
    const add = (session: Session, held: (topic: string) => boolean): void => {
      const joined = session.guilds.get(guildId);
      if (!joined || !held(joined.topic)) return;
      holders.push({ worker: this.#bus.self, userId: session.user.id, variant: joined.variant, presence: session.presence, ...(joined.voice && { voice: joined.voice }) });
    };
    for (const session of this.#sessions.values()) add(session, (topic) => this.#movingIn.get(session.id)?.acks.has(topic) ?? true);
    for (const { session, held } of this.#handoff.movingOut()) add(session, held);
    return holders;
  }

  /** Takes over a RESUME for a session this worker does not hold; false if it cannot be anywhere else. */
  resume(socket: Socket<Connection>, d: ResumeData, userId: string): boolean {
    if (!SESSION_ID.test(d.session_id) || this.#bus.peers().length === 0) return false;
    this.#moveHere(socket, d, userId, this.homeOf(d.session_id)).catch((error: unknown) => {
      // A home that is gone (its node lost) is a session that cannot resume, as on Discord: op 9.
      if (!(error instanceof BusError && error.code === "peer-gone")) console.error("guildgate: moving a session between workers failed:", error);
      this.#awaiting.delete(d.session_id);
      this.#resumes.refuseMoved(socket);
    });
    return true;
  }

  /** A move request from a peer (or this worker). */
  handleRequest<R extends MoveRequest>(from: PeerId, message: R): BusReply<R> | Promise<BusReply<R>> {
    if (message.k === "move-out") return this.#moveOut(message.sessionId, message.userId, message.seq, from) as BusReply<R>;
    return this.#moveTopic(message) as BusReply<R> | Promise<BusReply<R>>;
  }

  /** Pushes from peers; false if not a move message. */
  handlePush(message: BusPush): boolean {
    switch (message.k) {
      case "move-cut": {
        const frames = this.#handoff.cutMoving(message.sessionId, message.topic);
        if (frames !== undefined) this.#bus.send(message.to, { k: "move-frames", sessionId: message.sessionId, frames });
        return true;
      }
      case "move-switched":
        this.#switched(message.sessionId, message.topic, message.held);
        return true;
      case "move-frames":
        this.#awaiting.get(message.sessionId)?.(message.frames);
        this.#awaiting.delete(message.sessionId);
        return true;
      default:
        return false;
    }
  }

  async #moveHere(socket: Socket<Connection>, d: ResumeData, userId: string, first: PeerId | undefined): Promise<void> {
    const self = this.#bus.self;
    const ask = { k: "move-out", sessionId: d.session_id, userId, seq: d.seq } as const;
    let found: Found | undefined = first === undefined ? undefined : await this.#follow(first, ask);
    // Not where its id or its moves say (that worker restarted, or left): asked of everyone.
    if (found === undefined || (!found.out.ok && found.out.reason !== "bad-seq" && found.out.reason !== "expired")) found = await this.#search(ask);
    const { out, home } = found;
    if (!out.ok) {
      return this.#resumes.refuseMoved(socket, out.reason === "bad-seq" ? CloseCode.INVALID_SEQ : undefined);
    }
    const framesFromHome = new Promise<string[] | null>((resolve) => {
      this.#awaiting.set(d.session_id, resolve);
      setTimeout(() => resolve(null), MOVE_TIMEOUT_MS).unref?.();
    });
    const session = this.#handoff.moveIn(socket, out.session);
    const acks = new Map<string, number>();
    this.#movingIn.set(session.id, { session, acks });
    // Each topic's owner says when it switched (`move-switched`, before its answer and before
    // any later event of the topic): the stamp then is where this worker's share begins.
    const switched = out.session.topics.flatMap((topic) => {
      // A user topic's owner is the user's; a guild or member-list topic's, the guild's. A topic
      // restored from before a restart has none: nothing is published to it any more.
      const parsed = parseTopic(topic);
      if (!parsed || parsed.kind === "restored") return [];
      const message = { k: "move-topic", topic, userId, home, sessionId: session.id, to: self } as const;
      return [askOwner(this.#bus, this.#ownerOf, parsed.kind === "user" ? parsed.userId : parsed.guildId, message)];
    });
    try {
      await Promise.all(switched);
      const frames = await framesFromHome;
      if (frames === null) throw new Error(`session ${session.id}: its home worker sent no frames`);
      this.#handoff.moveInDone(session, d.seq, frames, acks);
    } finally {
      this.#movingIn.delete(session.id);
    }
  }

  /** A topic's owner switched a session moving here: its events come here from now on. */
  #switched(sessionId: string, topic: string, held: string | false): void {
    const moving = this.#movingIn.get(sessionId);
    if (!moving) return;
    moving.acks.set(held === false ? topic : held, this.#handoff.lastStamp);
    if (held === false) this.#dropChunk(moving.session, topic);
    else if (held !== topic) this.#retopic(moving.session, topic, held);
  }

  /** The guild's owner holds the session under another name for its class than home did (a new owner numbers classes anew). */
  #retopic(session: Session, from: string, to: string): void {
    const parsed = parseTopic(to);
    const joined = parsed?.kind === "guild" ? session.guilds.get(parsed.guildId) : undefined;
    if (!joined || joined.topic !== from) return;
    this.#sessions.release(session, from);
    joined.topic = to;
    this.#sessions.hold(session, to);
  }

  /**
   * Asks `home` to give the session up, following where each worker sent it on; unknown if
   * the trail ends at a worker that is gone.
   */
  async #follow(home: PeerId, ask: Extract<BusRequest, { k: "move-out" }>): Promise<Found> {
    let out: MoveOutReply = UNKNOWN;
    for (let hops = 0; hops <= this.#bus.peers().length; hops++) {
      out = await this.#bus.request(home, ask).catch((error: unknown): MoveOutReply => {
        if (error instanceof BusError && error.code === "peer-gone") return UNKNOWN;
        throw error;
      });
      if (out.ok || out.reason !== "moved" || out.to === this.#bus.self) break;
      home = out.to;
    }
    return { out, home };
  }

  /** Asks every peer at once; only the one that holds the session gives it up. */
  async #search(ask: Extract<BusRequest, { k: "move-out" }>): Promise<Found> {
    const peers = this.#bus.peers();
    const answers = await Promise.all(peers.map((peer) => this.#bus.request(peer, ask).catch((): MoveOutReply => UNKNOWN)));
    const given = answers.findIndex((answer) => answer.ok);
    if (given >= 0) return { out: answers[given] as MoveOutReply, home: peers[given] as PeerId };
    // Known somewhere but refused there (its seq, or its log, no longer reaches): say why.
    const refused = answers.find((answer) => !answer.ok && (answer.reason === "bad-seq" || answer.reason === "expired"));
    return { out: refused ?? UNKNOWN, home: this.#bus.self };
  }

  /** A member-list chunk the member was let go of while it moved. */
  #dropChunk(session: Session, topic: string): void {
    const parsed = parseTopic(topic);
    if (parsed?.kind !== "list") return;
    this.#sessions.release(session, topic);
    const lists = session.guilds.get(parsed.guildId)?.lists;
    const held = lists?.get(parsed.listId)?.filter((chunk) => chunk !== parsed.chunk);
    if (held && held.length > 0) lists?.set(parsed.listId, held);
    else lists?.delete(parsed.listId);
  }

  /** Home side of step 1. A session with nothing left to cut (no live topics) sends its frames at once. */
  #moveOut(sessionId: string, userId: string, seq: number, to: PeerId): MoveOutReply {
    const out = this.#handoff.moveOut(sessionId, userId, seq);
    if (!out.ok) {
      const movedTo = this.#movedTo.get(sessionId);
      return out.reason === "unknown" && movedTo !== undefined ? { ok: false, reason: "moved", to: movedTo } : out;
    }
    this.#movedTo.set(sessionId, to);
    setTimeout(() => this.#movedTo.get(sessionId) === to && this.#movedTo.delete(sessionId), this.#resumeWindowMs).unref?.();
    const frames = this.#handoff.cutMoving(sessionId);
    if (frames !== undefined) this.#bus.send(to, { k: "move-frames", sessionId, frames });
    return out;
  }

  /**
   * Owner side of step 2: the hold behind `topic` moves from `home` to `to` (a guild class
   * topic `g:{guild}:{class}:{variant}`, a member-list chunk `ml:{guild}:{list}:{chunk}`; a
   * user topic has none, every worker gets its events), then home is told to cut: only once
   * the guild has moved it (it may first finish a write), so no event is published to home
   * after its cut.
   */
  #moveTopic({ topic, userId, home, sessionId, to }: Extract<BusRequest, { k: "move-topic" }>): MaybePromise<string | false> {
    const parsed = parseTopic(topic);
    // Home's share of the topic ends once the owner has moved the hold (which may wait behind
    // a write on the guild's queue); then home sends the frames, once every topic is cut. Both
    // are told in the owner's step that moves the hold, before any later event of the topic:
    // the new worker first (so one that is both hears it before anything else), then home.
    let answer: string | false = topic;
    const switched = (held: string | false): void => {
      answer = held;
      this.#bus.send(to, { k: "move-switched", sessionId, topic, held });
      this.#bus.send(home, { k: "move-cut", sessionId, topic, to });
    };
    let moved: MaybePromise<void>;
    if (parsed?.kind === "guild") {
      // No such hold (the guild is gone, or the member left it): the name home gave it stays.
      moved = inBusForm(() => this.#guilds.moveSession(parsed.guildId, userId, parsed.variant, home, to, (held) => switched(held ?? topic)));
    } else if (parsed?.kind === "list") {
      // A list chunk the member was let go of meanwhile (it lost sight of the list) stays dropped.
      moved = inBusForm(() => this.#guilds.moveListHold(parsed.guildId, parsed.listId, userId, parsed.chunk, home, to, (held) => switched(held && topic)));
    } else moved = switched(topic);
    return moved instanceof Promise ? moved.then(() => answer) : answer;
  }
}


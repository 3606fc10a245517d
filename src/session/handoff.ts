/**
 * Sessions leaving and arriving: a RESUME that landed on another worker moves its session
 * there (session-moves.ts drives the protocol; this is each side's part), and a drain saves
 * the worker's sessions and resume log for the next start. Frames that change worker are
 * stamped anew on arrival, in order, so each session's `s` keeps increasing.
 */
import type { Presence } from "../guild/presence.ts";
import { parseTopic, restoredTopic, userTopic } from "../protocol/topics.ts";
import type { Socket } from "../transport/transport.ts";
import type { SavedEntry } from "./resume-log.ts";
import type { Resumes } from "./resume.ts";
import type { Connection, Session, SessionGuild, SessionUser } from "./session.ts";
import type { Sessions } from "./sessions.ts";
import { SmallMap, SmallSet } from "./small-collections.ts";

/** A session on its way to another worker (see session-moves.ts). */
export interface MovedSession {
  id: string;
  user: SessionUser;
  intents: number;
  shard: [number, number];
  largeThreshold: number;
  presence: Presence;
  topics: string[];
  guilds: [string, SessionGuild][];
}

/** The home worker's answer to "hand this session over". */
export type MoveOut =
  | { ok: true; session: MovedSession }
  | { ok: false; reason: "unknown" | "expired" | "bad-seq" };

/** What a drain saves of a worker's sessions (see `SessionHandoff.save`). */
export interface SavedSessions {
  sessions: (MovedSession & { detachedAt: number })[];
  log: SavedEntry[];
  lastStamp: number;
}

interface Moving {
  session: Session;
  seq: number;
  /** Per topic, the last stamp whose frames still belong to the session here. */
  cuts: Map<string, number>;
  /** The epoch of `s` it left in: a new epoch drops it (its frames carry old stamps). */
  epoch: number;
}

export class SessionHandoff {
  readonly #sessions: Sessions;
  readonly #resumes: Resumes;
  /** Sessions handed over to another worker and waiting for their topics' cut-offs. */
  readonly #moving = new Map<string, Moving>();

  constructor(sessions: Sessions, resumes: Resumes) {
    this.#sessions = sessions;
    this.#resumes = resumes;
  }

  // Moving a session between workers (RESUME landed elsewhere; session-moves.ts drives it).

  /** Sessions given up for a RESUME elsewhere whose frames have not been sent yet. */
  get movingCount(): number {
    return this.#moving.size;
  }

  /**
   * Sessions given up for a RESUME elsewhere, with the topics not cut yet: until its owner has
   * moved the hold, a topic's events still come here (and go to the session with its frames).
   */
  *movingOut(): Iterable<{ session: Session; held: (topic: string) => boolean }> {
    for (const { session, cuts } of this.#moving.values()) yield { session, held: (topic) => !cuts.has(topic) };
  }

  /** The latest stamp this worker handed out (a topic's cut-off or switch-over point). */
  get lastStamp(): number {
    return this.#sessions.counter.last;
  }

  /**
   * Home side: gives the session up for a RESUME on another worker. It leaves this worker
   * (its guild holds stay until each owner moves them), and its frames are collected once
   * every topic is cut (`cutMoving`).
   */
  moveOut(sessionId: string, userId: string, seq: number): MoveOut {
    const session = this.#sessions.get(sessionId);
    if (!session || session.user.id !== userId) return { ok: false, reason: "unknown" };
    if (seq > this.#sessions.counter.last) return { ok: false, reason: "bad-seq" };
    if (this.#sessions.log.replayBatch(seq, session.topics, session.id, 0) === null) {
      this.#sessions.end(session);
      return { ok: false, reason: "expired" };
    }
    this.#resumes.detach(session, null);
    this.#sessions.forget(session);
    // Topics restored from before a restart get no new events: their share ends now.
    const cuts = new Map<string, number>();
    for (const topic of session.topics) if (parseTopic(topic)?.kind === "restored") cuts.set(topic, this.#sessions.counter.last);
    this.#moving.set(session.id, { session, seq, cuts, epoch: this.#sessions.epoch });
    return { ok: true, session: this.#describe(session) };
  }

  /**
   * Home side: `topic`'s owner switched the moving session's hold to its new worker; frames
   * for that topic stop here. Once every topic is cut, returns the frames the session missed
   * (null if the log no longer reaches them); undefined while cuts are outstanding. Without
   * `topic`, only checks (every topic may be cut already: none, or restored ones only).
   */
  cutMoving(sessionId: string, topic?: string): string[] | null | undefined {
    const moving = this.#moving.get(sessionId);
    if (!moving) return undefined;
    // A new epoch began since it left: its frames are gone with the old stamps.
    if (moving.epoch !== this.#sessions.epoch) {
      this.#moving.delete(sessionId);
      return null;
    }
    if (topic !== undefined) moving.cuts.set(topic, this.#sessions.counter.last);
    if (moving.cuts.size < moving.session.topics.size) return undefined;
    this.#moving.delete(sessionId);
    const { session, seq, cuts } = moving;
    return this.#sessions.log.collect(seq, (s, topics, directTo, except) => {
      if (directTo !== null) return directTo === session.id;
      return !except.includes(session.id) && (topics as readonly string[]).some((topic) => s <= (cuts.get(topic) ?? -1));
    });
  }

  /** New side: takes a moving session onto this socket; it replays once `moveInDone` has its frames. */
  moveIn(socket: Socket<Connection>, moved: MovedSession): Session {
    const session = this.#adopt(moved);
    if (socket.data.state === "authenticating") {
      session.socket = socket;
      session.detachedAt = 0;
      socket.data.session = session;
      socket.data.state = "resuming";
    }
    return session;
  }

  /**
   * New side: the frames the session missed at home, then those that reached this worker
   * after each topic switched over (`acks`: topic -> stamp at the switch), are stamped anew
   * in that order, logged for this session and replayed; then live events follow.
   */
  moveInDone(session: Session, seq: number, homeFrames: readonly string[], acks: ReadonlyMap<string, number>): void {
    const resumeLog = this.#sessions.log;
    const since = Math.min(this.#sessions.counter.last, ...acks.values());
    // Frames to its topics since each switched over, and those sent to it alone meanwhile (its copy of a message it wrote or that mentions it, left out of its topic's).
    const here = resumeLog.collect(since, (s, topics, directTo, except) =>
      directTo !== null ? directTo === session.id : !except.includes(session.id) && (topics ?? []).some((topic) => s > (acks.get(topic) ?? Infinity)),
    );
    if (here === null) {
      this.#sessions.end(session);
      if (session.socket) this.#resumes.refuse(session.socket);
      return;
    }
    this.#sessions.counter.observe(seq);
    const from = this.#sessions.counter.last;
    for (const frame of [...homeFrames, ...here]) {
      const s = this.#sessions.stamp();
      resumeLog.appendDirect(s, session.id, restamp(frame, s));
    }
    const socket = session.socket;
    if (socket && socket.data.state === "resuming") this.#resumes.replay(socket, session, from, seq);
  }

  // Carrying sessions across a restart (a drain saves them; the next start restores them).

  /** The detached sessions and the resume log, as plain data, after a drain closed every socket. */
  save(): SavedSessions {
    const sessions = [...this.#sessions.values()].map((session) => ({ ...this.#describe(session), detachedAt: session.detachedAt || this.#sessions.now() }));
    return { sessions, log: this.#sessions.log.entries(), lastStamp: this.#sessions.counter.last };
  }

  /**
   * Takes back what `save` gave, on a fresh worker: the log's topic entries under "r:"-prefixed
   * topics (class ids of the old process mean nothing now), and each session detached, holding
   * those old topics so a RESUME replays what it missed. The caller rejoins their guilds.
   */
  restore(saved: SavedSessions): Session[] {
    const resumeLog = this.#sessions.log;
    for (const [s, topics, sessionId, frame, except] of saved.log) {
      if (sessionId !== null) resumeLog.appendDirect(s, sessionId, frame);
      else resumeLog.appendToTopics(s, (topics ?? []).map(restoredTopic), frame, except);
    }
    this.#sessions.counter.observe(saved.lastStamp);
    return saved.sessions.map((moved) => {
      const topics = moved.topics.map(restoredTopic);
      if (moved.shard[0] === 0) topics.push(userTopic(moved.user.id));
      const session = this.#adopt({ ...moved, topics });
      session.detachedAt = moved.detachedAt;
      return session;
    });
  }

  #describe(session: Session): MovedSession {
    const { id, user, intents, shard, largeThreshold, presence } = session;
    const guilds = [...session.guilds].map(([guildId, held]): [string, SessionGuild] => [
      guildId,
      { variant: held.variant, topic: held.topic, announcedAt: held.announcedAt, lists: new Map(held.lists ?? []), ...(held.voice && { voice: { ...held.voice } }) },
    ]);
    return { id, user, intents, shard: [shard[0], shard[1]], largeThreshold, presence, topics: [...session.topics], guilds };
  }

  /** Adds a session that comes from elsewhere (another worker, or before a restart), detached. */
  #adopt(moved: MovedSession): Session {
    const session: Session = { ...moved, topics: new SmallSet(moved.topics), guilds: new SmallMap(moved.guilds), socket: null, detachedAt: this.#sessions.now() };
    this.#sessions.add(session);
    return session;
  }
}

/** A dispatch frame (`encodeDispatch`'s shape) with its `s` replaced. */
function restamp(frame: string, s: number): string {
  return frame.replace(/,"s":\d+,"t":"([A-Z0-9_]+)"}$/, `,"s":${s},"t":"$1"}`);
}

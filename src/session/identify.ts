/**
 * IDENTIFY: a new session on a socket that got HELLO. Bounded at every step that costs
 * (DESIGN.md, "Limited concurrency"): the process-wide semaphore of IDENTIFYs in flight and
 * the user's `max_concurrency` bucket answer INVALID_SESSION(false) at once, never a queue;
 * a bad token closes with 4004, intents the account may not ask for with 4014, more guilds
 * than a shard may hold with 4011. Then READY, and on the next turn the session's guilds.
 */
import { DEFAULT_LARGE_THRESHOLD } from "../guild/guild-create.ts";
import { presenceFrom } from "../guild/presence.ts";
import type { Semaphore } from "../native.ts";
import { CloseCode, ProtocolError } from "../protocol/close-codes.ts";
import { Intent, PRIVILEGED_INTENTS } from "../protocol/opcodes.ts";
import type { IdentifyData } from "../protocol/payloads.ts";
import { userTopic } from "../protocol/topics.ts";
import type { User } from "../store/guild-store.ts";
import type { Socket } from "../transport/transport.ts";
import type { TokenVerifier } from "./auth.ts";
import { readyPayload } from "./ready.ts";
import { newSessionId, type Connection, type Session } from "./session.ts";
import type { SessionGuilds } from "./session-guilds.ts";
import { SmallMap, SmallSet } from "./small-collections.ts";
import { TurnBudget } from "./turn-budget.ts";
import type { Sessions } from "./sessions.ts";

/** Measured (`npm run load -- storm`, 1 worker): all 15,000 READY in ~1.9 s with 64, ~3.2 s without a bound. */
const IDENTIFYS_PER_TURN = 64;

export interface IdentifyOptions {
  sessions: Sessions;
  guilds: Pick<SessionGuilds, "guildIdsFor" | "joinAll">;
  /** Resolves an IDENTIFY or RESUME token to its user (session/auth.ts). */
  verifyToken: TokenVerifier;
  /** Process-wide bound on IDENTIFYs in flight (native, shared by Workers). */
  identifySemaphore: Semaphore;
  /**
   * `session_start_limit.max_concurrency`: whether the user may start a session in this
   * shard's bucket now. Asked of the user's owner, so it holds across Workers.
   */
  tryStartIdentify(userId: string, shardId: number): Promise<boolean>;
  /**
   * READY's `private_channels` of a user (not a bot) on shard 0, where DMs go
   * (ready-private-channels.ts): a store read on this worker.
   */
  privateChannels(userId: string): Promise<readonly Record<string, unknown>[]>;
  /** Most guilds one session (shard) may hold; more closes with 4011, as on Discord (2500). */
  guildsPerShard: number;
  /** This node's name and this worker's index: every session id starts with them. */
  node: string;
  worker: number;
  /** What clients get as `resume_gateway_url`, e.g. ws://127.0.0.1:8080 (no query). */
  readonly gatewayUrl: string;
  /** Discord's `_trace` in READY: which server answered. */
  trace: readonly string[];
}

/** The shard of a session that asked for none; shared, as most sessions have it. */
const UNSHARDED: readonly [number, number] = Object.freeze([0, 1] as [number, number]);

export class Identify {
  readonly #options: IdentifyOptions;
  #refusedInFlight = 0;
  #refusedRate = 0;
  /** IDENTIFYs started per event-loop turn (turn-budget.ts). */
  readonly #turnBudget = new TurnBudget(IDENTIFYS_PER_TURN);

  constructor(options: IdentifyOptions) {
    this.#options = options;
  }

  /** IDENTIFYs answered with op 9: over the in-flight semaphore, or over max_concurrency. */
  get refused(): { inFlight: number; rateLimited: number } {
    return { inFlight: this.#refusedInFlight, rateLimited: this.#refusedRate };
  }

  /** Resolves the token to its user, or closes with 4004. */
  async authenticate(token: string): Promise<User> {
    const user = await this.#options.verifyToken(token);
    if (!user) throw new ProtocolError(CloseCode.AUTHENTICATION_FAILED);
    return user;
  }

  /** IDENTIFY on `socket` (state "authenticating"); thrown `ProtocolError`s close it. */
  async identify(socket: Socket<Connection>, d: IdentifyData): Promise<void> {
    const { sessions, identifySemaphore } = this.#options;
    const turn = this.#turnBudget.take();
    if (turn) {
      await turn;
      if (socket.data.state !== "authenticating") return;
    }
    if (!identifySemaphore.tryAcquire()) {
      this.#refusedInFlight++;
      return sessions.invalidSession(socket);
    }
    let user: User;
    try {
      user = await this.authenticate(d.token);
    } finally {
      identifySemaphore.release();
    }
    const connection = socket.data;
    if (connection.state !== "authenticating") return;
    const disallowed = d.intents & PRIVILEGED_INTENTS & ~user.privilegedIntents;
    if (disallowed !== 0) {
      const names = Object.entries(Intent).flatMap(([name, bit]) => ((disallowed & bit) !== 0 ? [name] : []));
      throw new ProtocolError(CloseCode.DISALLOWED_INTENTS, `this account may not ask for ${names.join(", ")}`);
    }
    const shard: readonly [number, number] = d.shard ? [d.shard[0], d.shard[1]] : UNSHARDED;
    const guildIds = await this.#options.guilds.guildIdsFor(user.id, shard);
    if (connection.state !== "authenticating") return;
    if (guildIds.length > this.#options.guildsPerShard) throw new ProtocolError(CloseCode.SHARDING_REQUIRED);
    const allowed = await this.#options.tryStartIdentify(user.id, shard[0]);
    if (connection.state !== "authenticating") return;
    if (!allowed) {
      this.#refusedRate++;
      return sessions.invalidSession(socket);
    }
    // A bot's is empty, as on Discord; so is a session's on another shard (it gets no DM events).
    const privateChannels = user.bot || shard[0] !== 0 ? [] : await this.#options.privateChannels(user.id);
    if (connection.state !== "authenticating") return;

    const session: Session = {
      id: newSessionId(this.#options.node, this.#options.worker),
      user: { id: user.id, bot: user.bot },
      intents: d.intents,
      shard,
      largeThreshold: d.large_threshold ?? DEFAULT_LARGE_THRESHOLD,
      presence: presenceFrom(d.presence),
      topics: new SmallSet(shard[0] === 0 ? [userTopic(user.id)] : []),
      guilds: new SmallMap(),
      socket,
      detachedAt: 0,
    };
    sessions.add(session);
    connection.session = session;
    connection.state = "ready";
    const ready = { ...readyPayload(session, user, connection.version, this.#options.gatewayUrl, guildIds, privateChannels), _trace: this.#options.trace };
    socket.cork(() => {
      sessions.subscribeAll(socket, session);
      sessions.lifecycle(session, "READY", JSON.stringify(ready));
    });
    // On the next turn: the runtime writes corked frames at the end of this one, and a first
    // guild load (say 150k members, ~0.6 s) must not hold READY back.
    setImmediate(() => {
      if (sessions.has(session)) this.#options.guilds.joinAll(session, guildIds);
    });
  }
}

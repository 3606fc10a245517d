/**
 * One worker's server: the gateway on a transport, with the HTTP routes
 * beside it. main.ts starts it with Bun.serve; tests start it with any store,
 * on Bun.serve in-process and on uWebSockets.js under Node
 * (test/support/node-server.ts).
 */
import type { Config } from "./config.ts";
import type { Secrets } from "./store/secrets.ts";
import type { GuildStore } from "./store/guild-store.ts";
import type { StartTransport, Transport } from "./transport/transport.ts";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Gateway } from "./session/gateway.ts";
import type { SavedSessions } from "./session/handoff.ts";
import type { Session } from "./session/session.ts";
import { IdentifyLimit } from "./session/identify-limit.ts";
import { ResumeLog } from "./session/resume-log.ts";
import { createTokenVerifier, mintToken } from "./session/auth.ts";
import { directIntent } from "./guild/audience.ts";
import { createBootstrapRoutes } from "./api/bootstrap.ts";
import { createHttpHandler } from "./api/http.ts";
import { createIngressRoutes } from "./api/ingress.ts";
import { createGuildIngressRoutes } from "./api/ingress-guilds.ts";
import { createMessageRoutes } from "./api/messages.ts";
import { Guilds } from "./guild/guilds.ts";
import { peerId, type Bus, type BusHandlers, type BusReply, type BusRequest } from "./cluster/bus.ts";
import { LoopbackBus } from "./cluster/bus-loopback.ts";
import { ClusterDelivery } from "./cluster/delivery.ts";
import { createOwners, runOwnerCall } from "./cluster/owner-api.ts";
import { UserEvents } from "./cluster/user-events.ts";
import { SessionGuilds } from "./session/session-guilds.ts";
import { SessionMoves } from "./session/session-moves.ts";
import { createMetricsRoute, type WorkerStats } from "./api/metrics.ts";
import { InternalErrors } from "./api/internal-errors.ts";
import { MAX_REQUEST_BODY_BYTES, payloadTooLarge } from "./api/json-body.ts";
import { SnowflakeGenerator } from "./api/snowflake.ts";
import { CloseCode } from "./protocol/close-codes.ts";
import { guildRing, ringOwner } from "./cluster/ring.ts";
import { openSemaphore, type HashRing } from "./native.ts";
import { MAX_FRAME_BYTES } from "./protocol/validate.ts";
import { MAX_SEQUENCE } from "./session/sequence-counter.ts";

export interface ServerOptions {
  config: Config;
  secrets: Pick<Secrets, "tokenSecret" | "ingressSecret">;
  store: GuildStore;
  startTransport: StartTransport;
  version: string;
  /** This node's name (session id prefix). */
  node: string;
  worker: number;
  /** Links to the other workers (its `self` is `peerId(node, worker)`); absent for a single worker. */
  bus?: Bus;
  /** The ring that names guild owners (its nodes are peer ids); default: the process-global guild ring. */
  ring?: HashRing;
  /** Where a drain saves this worker's sessions and the next start takes them back (the binary's data dir). */
  sessionsFile?: string;
  /** The stamp before this worker's first `s` (default 0); tests start near the 2^31 limit. */
  sequenceStart?: number;
}

/**
 * A worker's server, built and not yet listening: a drain's saved sessions are taken back and
 * rejoin their guilds first, on every worker, so no event is published before they hold their
 * topics again (cluster/workers.ts waits for every worker's `restore` before any `listen`).
 */
export interface PreparedServer {
  /** Takes back what the last drain saved (if any) and resolves once its sessions hold their guilds. */
  restore(): Promise<void>;
  /** Starts accepting connections; `port` overrides the config's (workers after the first share its port). */
  listen(port?: number): RunningServer;
}

export interface RunningServer {
  readonly transport: Transport;
  readonly gateway: Gateway;
  readonly guilds: Guilds;
  readonly bus: Bus;
  /** The URL clients connect to (no query string). */
  readonly gatewayUrl: string;
  stop(): Promise<void>;
  /**
   * Graceful stop: no new connections, op 7 RECONNECT to every session, up to `graceMs`
   * for clients to go, then the rest are closed.
   */
  drain(graceMs: number): Promise<void>;
}

/** Frames above the protocol's 4096 bytes get a 4002 from the session, not a transport error. */
const TRANSPORT_MAX_PAYLOAD = 16 * MAX_FRAME_BYTES;

/** Builds and starts a server in one step (tests, and anything without saved sessions to take back first). */
export function startServer(options: ServerOptions): RunningServer {
  return prepareServer(options).listen();
}

export function prepareServer(options: ServerOptions): PreparedServer {
  const { config, store } = options;
  const verifyToken = createTokenVerifier(options.secrets.tokenSecret, store);
  const identifyLimit = new IdentifyLimit(config.maxConcurrency);
  const bus = options.bus ?? new LoopbackBus(peerId(options.node, options.worker));
  const ring = options.ring ?? guildRing();
  // A lone worker owns everything; among several, the ring (over their peer ids) decides.
  const ownerOf = bus.peers().length === 0 ? () => bus.self : ringOwner(ring);
  const owners = createOwners(bus, ownerOf);
  let transport: Transport | undefined;
  let gatewayUrl = config.publicUrl ?? "";
  const gateway = new Gateway({
    node: options.node,
    worker: options.worker,
    get gatewayUrl() {
      return gatewayUrl;
    },
    verifyToken,
    identifySemaphore: openSemaphore("guildgate:identify", config.identifyInFlight),
    tryStartIdentify: (userId, shardId) => bus.request(ownerOf(userId), { k: "identify-start", userId, shardId }),
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    resumeWindowMs: config.resumeWindowMs,
    guildsPerShard: config.guildsPerShard,
    resumeLog: new ResumeLog({ maxBytes: config.resumeLogBytes, maxAgeMs: config.resumeWindowMs }),
    // A quarter of the cut-off: a replay batch always fits under it, with room for live frames.
    replayBatchBytes: Math.floor(config.backpressureBytes / 4),
    publish: (topic, frame) => transport?.publish(topic, frame),
    subscriberCount: (topic) => transport?.subscriberCount(topic) ?? 0,
    sequenceStart: options.sequenceStart,
  });
  const sessionGuilds = new SessionGuilds(gateway, store, owners, bus.self);
  const delivery = new ClusterDelivery(bus, sessionGuilds);
  const guilds = new Guilds({
    store,
    delivery,
    loadSemaphore: openSemaphore("guildgate:guild-load", config.guildLoadsInFlight),
    passiveThreshold: config.passiveThreshold,
    // The fencing token of this worker's guild writes; it moves only when the ring does.
    generation: () => ring.generation,
  });
  const userEvents = new UserEvents(bus, ownerOf, {
    dispatchToUser: (userId, t, dJson) => gateway.dispatchToUser(userId, t, dJson, directIntent(t)),
    disconnectUser: (userId, code, reason) => void gateway.disconnectUser(userId, code, reason),
  });
  const moves = new SessionMoves({ bus, gateway, ownerOf, guilds, resumeWindowMs: config.resumeWindowMs });
  gateway.hooks = {
    guildIdsFor: (userId, shard) => sessionGuilds.guildIdsFor(userId, shard),
    ready: (session, guildIds) => sessionGuilds.ready(session, guildIds),
    ended: (session) => sessionGuilds.ended(session),
    resumed: (session, seq) => sessionGuilds.resumed(session, seq),
    op: (session, payload) => sessionGuilds.op(session, payload),
    resumeElsewhere: (socket, d, userId) => moves.resume(socket, d, userId),
  };
  const handlers: BusHandlers = {
    push: (from, message) => {
      if (!delivery.handlePush(message) && !userEvents.handlePush(message) && !moves.handlePush(message)) {
        console.error(`guildgate: ${bus.self} got an unknown bus message "${message.k}" from ${from}`);
      }
    },
    request: <R extends BusRequest>(from: string, message: R): BusReply<R> | Promise<BusReply<R>> => {
      switch (message.k) {
        case "owner":
          return runOwnerCall(guilds, message) as BusReply<R> | Promise<BusReply<R>>;
        case "stats":
          return localStats() as BusReply<R>;
        case "identify-start":
          return identifyLimit.tryStart(message.userId, message.shardId) as BusReply<R>;
        default:
          return moves.handleRequest(from, message) as BusReply<R>;
      }
    },
  };
  bus.listen(handlers);
  const ids = new SnowflakeGenerator(options.worker % 32, 0);
  const bootstrap = createBootstrapRoutes({
    get gatewayUrl() {
      return gatewayUrl;
    },
    verifyToken,
    recommendedShards: async (userId) => Math.max(1, Math.ceil((await store.guildsOfUser(userId)).length / 1000)),
    sessionStartLimit: (userId) => ({
      total: 1000,
      remaining: 1000,
      reset_after: identifyLimit.resetAfterMs(userId, 0),
      max_concurrency: config.maxConcurrency,
    }),
  });
  const ingress = createIngressRoutes({
    ingressSecret: options.secrets.ingressSecret,
    store,
    ids,
    mintToken: (user, expiresInSeconds) => mintToken(options.secrets.tokenSecret, user, { expiresInSeconds }),
    dispatchToUser: (userId, t, dJson) => userEvents.dispatchToUser(userId, t, dJson),
    disconnectUser: (userId, reason) => userEvents.disconnectUser(userId, CloseCode.AUTHENTICATION_FAILED, reason),
    removeMember: (guildId, userId) => owners.deleteMember(guildId, userId),
  });
  const guildIngress = createGuildIngressRoutes({ ingressSecret: options.secrets.ingressSecret, store, owners, ids });
  const messages = createMessageRoutes({ store, owners, ids, verifyToken });
  const internalErrors = new InternalErrors();
  const localStats = (): WorkerStats => ({
    gateway: gateway.stats(),
    guilds: guilds.stats(),
    httpInternalErrors: internalErrors.count,
    heapUsed: process.memoryUsage().heapUsed,
  });
  const metrics = createMetricsRoute(() =>
    Promise.all([localStats(), ...bus.peers().map((peer) => bus.request(peer, { k: "stats" }))]),
  );
  const http = createHttpHandler({
    version: options.version,
    ring,
    routes: [bootstrap, messages, guildIngress, ingress, metrics],
  });
  const listen = (port = config.port): RunningServer => {
    const started = options.startTransport({
      host: config.host,
      port,
      upgrade: (request) => gateway.upgrade(request),
      http,
      internalError: (error) => internalErrors.answer(error),
      maxRequestBodyBytes: MAX_REQUEST_BODY_BYTES,
      payloadTooLarge,
      handlers: gateway.handlers,
      maxPayloadBytes: TRANSPORT_MAX_PAYLOAD,
      backpressureLimitBytes: config.backpressureBytes,
      reusePort: bus.peers().length > 0,
    });
    transport = started;
    if (!gatewayUrl) gatewayUrl = `ws://${started.hostname}:${started.port}`;
    return {
      transport: started,
      gateway,
      guilds,
      bus,
      gatewayUrl,
      async stop() {
        gateway.stop();
        await started.stop(true);
      },
      async drain(graceMs) {
        // Stop listening; the promise settles only once every socket is gone, so not awaited.
        void started.stop(false);
        gateway.reconnectAll();
        const deadline = Date.now() + graceMs;
        while (gateway.stats().connections > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
        gateway.closeAllForRestart();
        gateway.stop();
        await started.stop(true);
        if (options.sessionsFile) saveSessions(gateway, options.sessionsFile);
      },
    };
  };
  return {
    async restore() {
      if (!options.sessionsFile) return;
      const restored = restoreSessions(gateway, options.sessionsFile, config.resumeWindowMs);
      await Promise.all(restored.map((session) => sessionGuilds.rejoin(session)));
    },
    listen,
  };
}

/** Writes the worker's detached sessions and resume log for the next start (see Gateway.save). */
function saveSessions(gateway: Gateway, file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(gateway.handoff.save()), { mode: 0o600 });
}

/** Takes back what the last drain saved, once: the file is removed, so a crash never replays it twice. */
function restoreSessions(gateway: Gateway, file: string, resumeWindowMs: number): Session[] {
  if (!existsSync(file)) return [];
  let saved: SavedSessions;
  try {
    saved = JSON.parse(readFileSync(file, "utf8")) as SavedSessions;
    if (!Array.isArray(saved.sessions) || !Array.isArray(saved.log)) throw new Error("not a saved-sessions file");
    // An older version stamped `s` from a µs clock: no client could resume past those stamps.
    if (!(saved.lastStamp <= MAX_SEQUENCE)) throw new Error("saved by a version with clock stamps");
  } catch (error) {
    // A torn write (say, a full disk at the last drain) must not stop the gateway starting:
    // those sessions cannot resume, and their clients IDENTIFY again.
    console.error(`guildgate: ignoring ${file}: ${(error as Error).message}`);
    rmSync(file, { force: true });
    return [];
  }
  rmSync(file);
  // Sessions already past the resume window (a file from long ago) are not taken back.
  const now = Date.now();
  const live = saved.sessions.filter((session) => now - session.detachedAt <= resumeWindowMs);
  return live.length === 0 ? [] : gateway.handoff.restore({ ...saved, sessions: live });
}

/**
 * One worker's server: the gateway on a transport, with the HTTP routes
 * beside it. main.ts starts it with Bun.serve; tests start it with any store,
 * on Bun.serve in-process and on uWebSockets.js under Node
 * (test/support/node-server.ts).
 */
import type { Config } from "./config.ts";
import type { Secrets } from "./store/secrets.ts";
import type { GuildStore } from "./store/guild-store.ts";
import type { Publisher, StartTransport, Transport } from "./transport/transport.ts";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Gateway } from "./session/gateway.ts";
import { SessionHandoff, type SavedSessions } from "./session/handoff.ts";
import { Heartbeats } from "./session/heartbeats.ts";
import { Identify } from "./session/identify.ts";
import { readyPrivateChannels } from "./session/ready-private-channels.ts";
import { Resumes } from "./session/resume.ts";
import { SessionDelivery } from "./session/session-delivery.ts";
import { Sessions } from "./session/sessions.ts";
import type { Session } from "./session/session.ts";
import { IdentifyLimit } from "./session/identify-limit.ts";
import { ResumeLog } from "./session/resume-log.ts";
import { createTokenVerifier, mintToken } from "./session/auth.ts";
import { directIntent } from "./guild/audience.ts";
import { createBootstrapRoutes } from "./api/bootstrap.ts";
import { createHttpHandler } from "./api/http.ts";
import { createIngressRoutes, ingressAuthorizer } from "./api/ingress.ts";
import { createClusterRoute } from "./api/cluster.ts";
import { createGuildIngressRoutes } from "./api/ingress-guilds.ts";
import { MESSAGE_ROUTES } from "./api/messages.ts";
import { REACTION_ROUTES } from "./api/reactions.ts";
import { COMMAND_PERMISSION_ROUTES } from "./api/command-permissions.ts";
import { COMMAND_ROUTES } from "./api/commands.ts";
import { createIngressInteractionRoute, INTERACTION_ROUTES } from "./api/interactions.ts";
import { createInteractionWebhookRoutes } from "./api/interaction-webhooks.ts";
import { InteractionTokens } from "./api/interaction-tokens.ts";
import { READ_ROUTES } from "./api/reads.ts";
import { THREAD_ROUTES } from "./api/threads.ts";
import { DM_ROUTES } from "./api/direct-messages.ts";
import { RateLimits } from "./api/rate-limits.ts";
import { createRestRoutes } from "./api/rest.ts";
import { Attachments, createAttachmentRoute, defaultMaxUploadBytes } from "./api/attachments.ts";
import { createDemoRoutes, seedDemoGuild, type IngressCall } from "./api/demo.ts";
import { createPageRoutes } from "./api/pages.ts";
import { createDashboardRoutes } from "./api/dashboard.ts";
import { createOpenApiRoute } from "./api/openapi.ts";
import { Guilds, THREAD_ARCHIVE_SWEEP_MS } from "./guild/guilds.ts";
import { DirectMessages } from "./guild/direct-messages.ts";
import { GuildInteractions } from "./guild/interactions.ts";
import { dmPlace, guildPlace } from "./guild/interaction-places.ts";
import { peerId, type Bus, type BusHandlers, type BusReply, type BusRequest, type PeerId } from "./cluster/bus.ts";
import { LoopbackBus } from "./cluster/bus-loopback.ts";
import { ClusterDelivery } from "./cluster/delivery.ts";
import { LatencyHistogram } from "./cluster/ingress-latency.ts";
import { createOwners, runOwnerCall, type Owners } from "./cluster/owner-api.ts";
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
  /** The clock REST requests are handled by (default `Date.now`); tests move it past an interaction's windows. */
  now?: () => number;
}

/**
 * A worker's server, built and not yet listening: a drain's saved sessions are taken back and
 * rejoin their guilds first, on every worker, so no event is published before they hold their
 * topics again (cluster/workers.ts waits for every worker's `restore` before any `listen`).
 */
export interface PreparedServer {
  /**
   * Takes back what the last drain saved (if any) and resolves once its sessions hold their
   * guilds; with `--demo`, worker 0 also makes whatever part of the demo guild is missing.
   */
  restore(): Promise<void>;
  /** Starts accepting connections; `port` overrides the config's (workers after the first share its port). */
  listen(port?: number): RunningServer;
  /** The snowflake process id of the ids this worker makes: its node's (0 on its own; cluster/membership.ts). */
  setSnowflakeProcess(process: number): void;
}

export interface RunningServer {
  readonly transport: Transport;
  readonly gateway: Gateway;
  /** The worker's sessions and the frames they get (tests dispatch through it). */
  readonly sessions: Sessions;
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
  // A server alone on a loopback bus owns everything; on a bus to peers, the ring (over their peer ids) decides.
  const ownerOf = options.bus ? ringOwner(ring) : () => bus.self;
  const owners = createOwners(bus, ownerOf);
  let gatewayUrl = config.publicUrl ?? "";
  // Sessions are built before the transport that carries their frames listens; no socket can
  // hold a topic before then, so nothing is published to it meanwhile.
  const publisher = new PendingPublisher();
  const sessions = new Sessions({
    resumeLog: new ResumeLog({ maxBytes: config.resumeLogBytes, maxAgeMs: config.resumeWindowMs }),
    publisher,
    sequenceStart: options.sequenceStart,
    now: Date.now,
  });
  const sessionGuilds = new SessionGuilds({ sessions, store, owners, worker: bus.self });
  const ingressLatency = new LatencyHistogram();
  const delivery = new ClusterDelivery(bus, new SessionDelivery(sessions, sessionGuilds), ingressLatency);
  const guilds = new Guilds({
    store,
    delivery,
    loadSemaphore: openSemaphore("guildgate:guild-load", config.guildLoadsInFlight),
    passiveThreshold: config.passiveThreshold,
    // The fencing token of this worker's guild writes; it moves only when the ring does.
    generation: () => ring.generation,
    owns: (guildId) => ownerOf(guildId) === bus.self,
    // Two rounds: every other peer lets the guild go first (an old owner finishes what it
    // started, its events and moves sent), then every peer says which sessions it answers for.
    takeOver: async (guildId, generation) => {
      await Promise.all(bus.peers().map((peer) => askWithin(bus, peer, { k: "guild-release", guildId, generation })));
      const answers = await Promise.all([bus.self, ...bus.peers()].map((peer) => askWithin(bus, peer, { k: "guild-holds", guildId })));
      return answers.flatMap((holders) => holders ?? []);
    },
  });
  // Idle threads archive themselves, as on Discord: one sweep of this worker's guilds a minute.
  const threadArchiving = setInterval(() => void guilds.archiveIdleThreads(Date.now()), THREAD_ARCHIVE_SWEEP_MS);
  threadArchiving.unref?.();
  const userEvents = new UserEvents(bus, ownerOf, {
    dispatchToUser: (userId, t, dJson) => sessions.dispatchToUser(userId, t, dJson, directIntent(t)),
    disconnectUser: (userId, code, reason) => void sessions.disconnectUser(userId, code, reason),
  });
  const dms = new DirectMessages({
    store,
    dispatchToUser: (userId, t, dJson) => userEvents.dispatchToUser(userId, t, dJson),
    generation: () => ring.generation,
    owns: (channelId) => ownerOf(channelId) === bus.self,
  });
  // An interaction's unit is its guild, or (in a DM) its channel, as a message's is.
  const interactions = new GuildInteractions({
    inPlace: (unitId, channelId, actorId, operation) =>
      unitId === channelId ? dms.inTurn(channelId, actorId, (turn) => operation(dmPlace(turn))) : guilds.inTurn(unitId, (turn) => operation(guildPlace(turn))),
    store,
  });
  // Discord's `_trace` in READY and RESUMED: which server answered (here: node and worker).
  const trace = [`guildgate-${options.node}-worker-${options.worker}`];
  const resumes = new Resumes({
    sessions,
    resumed: (session, seq) => sessionGuilds.resumed(session, seq),
    // A quarter of the cut-off: a replay batch always fits under it, with room for live frames.
    replayBatchBytes: Math.floor(config.backpressureBytes / 4),
    resumedJson: JSON.stringify({ _trace: trace }),
  });
  const handoff = new SessionHandoff(sessions, resumes);
  const moves = new SessionMoves({ bus, sessions, handoff, resumes, ownerOf, guilds, resumeWindowMs: config.resumeWindowMs });
  const identify = new Identify({
    sessions,
    guilds: sessionGuilds,
    verifyToken,
    identifySemaphore: openSemaphore("guildgate:identify", config.identifyInFlight),
    tryStartIdentify: (userId, shardId) => bus.request(ownerOf(userId), { k: "identify-start", userId, shardId }),
    privateChannels: (userId) => readyPrivateChannels(store, userId),
    guildsPerShard: config.guildsPerShard,
    node: options.node,
    worker: options.worker,
    get gatewayUrl() {
      return gatewayUrl;
    },
    trace,
  });
  const heartbeats = new Heartbeats({ sessions, heartbeatIntervalMs: config.heartbeatIntervalMs, resumeWindowMs: config.resumeWindowMs });
  const gateway = new Gateway({
    sessions,
    heartbeats,
    identify,
    resumes,
    resumeElsewhere: (socket, d, userId) => moves.resume(socket, d, userId),
    guildOp: (session, payload) => sessionGuilds.op(session, payload),
    heartbeatIntervalMs: config.heartbeatIntervalMs,
  });
  const handlers: BusHandlers = {
    push: (from, message) => {
      if (!delivery.handlePush(message) && !userEvents.handlePush(message) && !moves.handlePush(message)) {
        console.error(`guildgate: ${bus.self} got an unknown bus message "${message.k}" from ${from}`);
      }
    },
    request: <R extends BusRequest>(from: string, message: R): BusReply<R> | Promise<BusReply<R>> => {
      switch (message.k) {
        case "owner":
          return runOwnerCall({ guilds, dms, interactions }, message) as BusReply<R> | Promise<BusReply<R>>;
        case "stats":
          return localStats() as BusReply<R>;
        case "identify-start":
          return identifyLimit.tryStart(message.userId, message.shardId) as BusReply<R>;
        case "guild-release":
          return guilds.release(message.guildId, message.generation).then(() => true) as Promise<BusReply<R>>;
        case "guild-holds":
          return moves.holdersOf(message.guildId) as BusReply<R>;
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
  const rateLimits = new RateLimits({ routeLimit: config.restRateLimit, windowMs: config.restRateWindowMs, globalLimit: config.restGlobalRateLimit });
  const attachments = new Attachments(options.secrets.tokenSecret, config.maxUploadBytes ?? defaultMaxUploadBytes(config.cluster !== undefined));
  const restContext = {
    store,
    owners,
    ids,
    verifyToken,
    rateLimits,
    attachments,
    interactionTokens: new InteractionTokens(options.secrets.tokenSecret),
    now: options.now ?? Date.now,
    dispatchToUser: (userId: string, t: string, dJson: string) => userEvents.dispatchToUser(userId, t, dJson),
  };
  const rest = createRestRoutes(restContext, [...MESSAGE_ROUTES, ...REACTION_ROUTES, ...READ_ROUTES, ...THREAD_ROUTES, ...COMMAND_ROUTES, ...COMMAND_PERMISSION_ROUTES, ...DM_ROUTES, ...INTERACTION_ROUTES]);
  const interactionRoutes = [createInteractionWebhookRoutes(restContext), createIngressInteractionRoute(restContext, ingressAuthorizer(options.secrets.ingressSecret))];
  const internalErrors = new InternalErrors();
  const localStats = (): WorkerStats => ({
    peer: bus.self,
    gateway: gateway.stats(),
    guilds: guilds.stats(),
    httpInternalErrors: internalErrors.count,
    heapUsed: process.memoryUsage().heapUsed,
    ingressLatency: ingressLatency.snapshot(),
    bus: { batchesSent: bus.stats.batchesSent, batchesReceived: bus.stats.batchesReceived },
  });
  const statsOf = (peer: PeerId): Promise<WorkerStats | undefined> => (peer === bus.self ? Promise.resolve(localStats()) : askWithin(bus, peer, { k: "stats" }));
  // /metrics is this node's (its workers'); in a cluster each node is scraped.
  const siblings = (): PeerId[] => bus.peers().filter((peer) => peer.startsWith(`${options.node}/`));
  const gatherStats = (): Promise<WorkerStats[]> => Promise.all([localStats(), ...siblings().map((peer) => bus.request(peer, { k: "stats" }))]);
  const metrics = createMetricsRoute(options.node, gatherStats);
  const cluster = createClusterRoute({
    authorized: ingressAuthorizer(options.secrets.ingressSecret),
    node: options.node,
    ring,
    peers: () => [bus.self, ...bus.peers()],
    statsOf,
  });
  // The dashboard shows every worker of every node (a peer that does not answer in time is left out of that push).
  const gatherEveryPeer = async (): Promise<WorkerStats[]> =>
    (await Promise.all([bus.self, ...bus.peers()].map(statsOf))).filter((stats): stats is WorkerStats => stats !== undefined);
  const dashboard = createDashboardRoutes({ ingressSecret: options.secrets.ingressSecret, gather: gatherEveryPeer });
  // The demo is made through the ingress routes themselves, as an app backend would make it.
  const ingressCall: IngressCall = (method, path, body) =>
    http(
      new Request(`http://guildgate.internal${path}`, {
        method,
        headers: { authorization: `Bearer ${options.secrets.ingressSecret}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
  const demo = config.demo ? [createDemoRoutes(ingressCall)] : [];
  const http = createHttpHandler({
    version: options.version,
    ring,
    routes: [createOpenApiRoute(options.version), bootstrap, rest, ...interactionRoutes, createAttachmentRoute(store, attachments), guildIngress, ingress, metrics, cluster, dashboard, ...demo, createPageRoutes()],
  });
  const listen = (port = config.port): RunningServer => {
    const started = options.startTransport({
      host: config.host,
      port,
      upgrade: (request) => gateway.upgrade(request),
      http,
      internalError: (error) => internalErrors.answer(error),
      maxRequestBodyBytes: MAX_REQUEST_BODY_BYTES,
      maxUploadBytes: attachments.maxUploadBytes,
      payloadTooLarge,
      handlers: gateway.handlers,
      maxPayloadBytes: TRANSPORT_MAX_PAYLOAD,
      backpressureLimitBytes: config.backpressureBytes,
      reusePort: bus.peers().length > 0,
    });
    publisher.attach(started);
    if (!gatewayUrl) gatewayUrl = `ws://${started.hostname}:${started.port}`;
    return {
      transport: started,
      gateway,
      sessions,
      guilds,
      bus,
      gatewayUrl,
      async stop() {
        clearInterval(threadArchiving);
        heartbeats.stop();
        await started.stop(true);
      },
      async drain(graceMs) {
        // Stop listening; the promise settles only once every socket is gone, so not awaited.
        void started.stop(false);
        // Leaving a cluster (the ring no longer names this worker): its guilds go to their new
        // owners first, so the sessions moving next find them settled there.
        if (config.cluster) await handOffGuilds(guilds, owners, graceMs / 2);
        gateway.reconnectAll();
        // On its own, the clients come back to the restarted process: wait for them to go. In a
        // cluster they RESUME on other nodes, which move their sessions (and missed frames) from
        // here: wait for that.
        const staying = config.cluster ? () => sessions.size + handoff.movingCount : () => sessions.connectionCount;
        const deadline = Date.now() + graceMs;
        while (staying() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
        gateway.closeAllForRestart();
        clearInterval(threadArchiving);
        heartbeats.stop();
        await started.stop(true);
        if (options.sessionsFile) saveSessions(handoff, options.sessionsFile);
      },
    };
  };
  return {
    async restore() {
      if (config.demo && options.worker === 0) await seedDemoGuild(ingressCall);
      if (!options.sessionsFile) return;
      const restored = restoreSessions(handoff, options.sessionsFile, config.resumeWindowMs);
      await Promise.all(restored.map((session) => sessionGuilds.rejoin(session)));
    },
    listen,
    setSnowflakeProcess: (process) => ids.setProcess(process),
  };
}

/** Has each guild loaded here loaded by its owner now (that has this worker let it go), waiting at most `ms`. */
async function handOffGuilds(guilds: Guilds, owners: Owners, ms: number): Promise<void> {
  const handedOff = Promise.all(guilds.loadedIds().map((guildId) => owners.warm(guildId).catch(() => undefined)));
  await Promise.race([handedOff, new Promise((resolve) => setTimeout(resolve, ms).unref?.())]);
}

/** Writes the worker's detached sessions and resume log for the next start (see SessionHandoff.save). */
function saveSessions(handoff: SessionHandoff, file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(handoff.save()), { mode: 0o600 });
}

/** Takes back what the last drain saved, once: the file is removed, so a crash never replays it twice. */
function restoreSessions(handoff: SessionHandoff, file: string, resumeWindowMs: number): Session[] {
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
  return live.length === 0 ? [] : handoff.restore({ ...saved, sessions: live });
}

/** The transport's publish side, before and after it listens (before, no socket holds a topic). */
class PendingPublisher implements Publisher {
  #transport: Transport | undefined;

  attach(transport: Transport): void {
    this.#transport = transport;
  }

  publish(topic: string, frame: string | Uint8Array): void {
    this.#transport?.publish(topic, frame);
  }

  subscriberCount(topic: string): number {
    return this.#transport?.subscriberCount(topic) ?? 0;
  }
}

/** How long a guild's new owner waits for a peer to give the guild up and say which sessions it holds there, and /cluster for a peer's stats, ms. */
const PEER_ANSWER_MS = 2_000;

/**
 * Asks `peer`; undefined when it fails or does not answer in time (gone, or stuck), so one
 * peer never holds up a caller that asks them all.
 */
function askWithin<R extends BusRequest>(bus: Bus, peer: PeerId, request: R): Promise<BusReply<R> | undefined> {
  return Promise.race([
    bus.request(peer, request),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), PEER_ANSWER_MS).unref?.()),
  ]).catch(() => undefined);
}

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
import { Gateway } from "./session/gateway.ts";
import { IdentifyLimit } from "./session/identify-limit.ts";
import { ResumeLog } from "./session/resume-log.ts";
import { createTokenVerifier, mintToken } from "./session/auth.ts";
import { userTopic } from "./session/session.ts";
import { createBootstrapRoutes } from "./api/bootstrap.ts";
import { createHttpHandler } from "./api/http.ts";
import { createIngressRoutes } from "./api/ingress.ts";
import { createGuildIngressRoutes } from "./api/ingress-guilds.ts";
import { createMessageRoutes } from "./api/messages.ts";
import { Guilds } from "./guild/guilds.ts";
import { SessionGuilds } from "./session/session-guilds.ts";
import { createMetricsRoute } from "./api/metrics.ts";
import { SnowflakeGenerator } from "./api/snowflake.ts";
import { CloseCode } from "./protocol/close-codes.ts";
import { guildRing } from "./cluster/ring.ts";
import { openSemaphore } from "./native.ts";
import { MAX_FRAME_BYTES } from "./protocol/validate.ts";

export interface ServerOptions {
  config: Config;
  secrets: Pick<Secrets, "tokenSecret" | "ingressSecret">;
  store: GuildStore;
  startTransport: StartTransport;
  version: string;
  /** This node's name (session id prefix). */
  node: string;
  worker: number;
}

export interface RunningServer {
  readonly transport: Transport;
  readonly gateway: Gateway;
  readonly guilds: Guilds;
  /** The URL clients connect to (no query string). */
  readonly gatewayUrl: string;
  stop(): Promise<void>;
}

/** Frames above the protocol's 4096 bytes get a 4002 from the session, not a transport error. */
const TRANSPORT_MAX_PAYLOAD = 16 * MAX_FRAME_BYTES;

export function startServer(options: ServerOptions): RunningServer {
  const { config, store } = options;
  const verifyToken = createTokenVerifier(options.secrets.tokenSecret);
  const identifyLimit = new IdentifyLimit(config.maxConcurrency);
  let transport: Transport | undefined;
  let gatewayUrl = config.publicUrl ?? "";
  const gateway = new Gateway({
    node: options.node,
    worker: options.worker,
    get gatewayUrl() {
      return gatewayUrl;
    },
    store,
    verifyToken,
    identifySemaphore: openSemaphore("guildgate:identify", config.identifyInFlight),
    identifyLimit,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    resumeWindowMs: config.resumeWindowMs,
    guildsPerShard: config.guildsPerShard,
    resumeLog: new ResumeLog({ maxBytes: config.resumeLogBytes, maxAgeMs: config.resumeWindowMs }),
    // A quarter of the cut-off: a replay batch always fits under it, with room for live frames.
    replayBatchBytes: Math.floor(config.backpressureBytes / 4),
    publish: (topic, frame) => transport?.publish(topic, frame),
    subscriberCount: (topic) => transport?.subscriberCount(topic) ?? 0,
  });
  const sessionGuilds = new SessionGuilds(gateway, store, options.worker);
  const guilds = new Guilds({
    store,
    delivery: sessionGuilds,
    loadSemaphore: openSemaphore("guildgate:guild-load", config.guildLoadsInFlight),
    passiveThreshold: config.passiveThreshold,
  });
  sessionGuilds.bind(guilds);
  gateway.hooks = sessionGuilds;
  const ids = new SnowflakeGenerator(options.worker % 32, 0);
  const bootstrap = createBootstrapRoutes({
    get gatewayUrl() {
      return gatewayUrl;
    },
    store,
    verifyToken,
    recommendedShards: (userId) => Math.max(1, Math.ceil(store.guildsOfUser(userId).length / 1000)),
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
    mintToken: (userId, expiresInSeconds) => mintToken(options.secrets.tokenSecret, userId, { expiresInSeconds }),
    dispatchToUser: (userId, t, dJson) => gateway.dispatch(userTopic(userId), t, dJson),
    disconnectUser: (userId) => gateway.disconnectUser(userId, CloseCode.AUTHENTICATION_FAILED, "User deleted"),
  });
  const guildIngress = createGuildIngressRoutes({ ingressSecret: options.secrets.ingressSecret, store, guilds, ids });
  const messages = createMessageRoutes({ store, guilds, ids, verifyToken });
  const metrics = createMetricsRoute(() => gateway.stats(), () => guilds.stats());
  const http = createHttpHandler({
    version: options.version,
    ring: guildRing(),
    routes: [bootstrap, messages, guildIngress, ingress, metrics],
  });
  transport = options.startTransport({
    host: config.host,
    port: config.port,
    upgrade: (request) => gateway.upgrade(request),
    http,
    handlers: gateway.handlers,
    maxPayloadBytes: TRANSPORT_MAX_PAYLOAD,
    backpressureLimitBytes: config.backpressureBytes,
  });
  if (!gatewayUrl) gatewayUrl = `ws://${transport.hostname}:${transport.port}`;
  const started = transport;
  return {
    transport: started,
    gateway,
    guilds,
    gatewayUrl,
    async stop() {
      gateway.stop();
      await started.stop(true);
    },
  };
}

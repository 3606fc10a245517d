/**
 * The one place that reads flags, `GUILDGATE_*` environment variables and the
 * optional JSON config file, into a typed, frozen {@link Config}. Precedence:
 * flag, then environment, then config file, then default. Nothing else in the
 * gateway reads `process.env`.
 */
import { readFileSync } from "node:fs";
import { availableParallelism, hostname } from "node:os";

export interface Config {
  /** Interface to listen on. Default 127.0.0.1. */
  readonly host: string;
  /** TCP port for WebSocket, REST and metrics. Default 8080; 0 picks a free port. */
  readonly port: number;
  /** Directory for the store and generated secrets. Default ./data. */
  readonly dataDir: string;
  /**
   * A PostgreSQL URL (`postgres://user:password@host:5432/database`): the store, shared by
   * nodes. Absent: SQLite in the data dir. It holds a password, so it is never logged.
   */
  readonly database: string | undefined;
  /**
   * Worker threads, each with its own Bun.serve on the shared port. Default: one per core but
   * one, which the host needs (the kernel's network stack, NATS, a proxy): on a 2-core machine
   * with a load generator, 1 worker held 0.98x raw Bun.serve in the 15k-session fanout and 2
   * workers 0.60x (3 runs each, README "Where it stands").
   */
  readonly workers: number;
  /** Bearer secret for the ingress/admin API; generated into the data dir when absent. */
  readonly ingressSecret: string | undefined;
  /** HMAC-SHA256 key of client tokens (session/auth.ts); generated into the data dir when absent. */
  readonly tokenSecret: string | undefined;
  /** The WebSocket URL clients are told to use (`url`, `resume_gateway_url`). Default ws://host:port. */
  readonly publicUrl: string | undefined;
  /** HELLO's heartbeat_interval, ms. Default 41250 (Discord's). */
  readonly heartbeatIntervalMs: number;
  /** How long a dropped session stays resumable, ms. Default 180000. */
  readonly resumeWindowMs: number;
  /** Resume log bound per worker, bytes. Default 64 MiB. */
  readonly resumeLogBytes: number;
  /** Per-socket send buffer bound, bytes; a socket over it is closed and resumes. Default 4 MiB. */
  readonly backpressureBytes: number;
  /** IDENTIFYs per 5 s per user and bucket (`session_start_limit.max_concurrency`). Default 1. */
  readonly maxConcurrency: number;
  /**
   * IDENTIFYs in flight at once across the process; over it clients get op 9. Default 16384:
   * in a 15k-session storm here (`npm run load -- storm`), 256 refused 14,088 first IDENTIFYs
   * and doubled the time to READY, and 4096 still refused 5,921.
   */
  readonly identifyInFlight: number;
  /** Guild loads from the store in flight across the process; over it a join is retried later. Default 64. */
  readonly guildLoadsInFlight: number;
  /** Most guilds one session (shard) may hold; more closes with 4011 (sharding required). Default 2500. */
  readonly guildsPerShard: number;
  /** Guilds with more members than this make user (non-bot) sessions passive until op 14/37. Default 75000. */
  readonly passiveThreshold: number;
  /**
   * Demo mode: seeds a demo guild (channels, roles) at start and opens `POST /demo/join`,
   * which lets anyone create a user and get its token. Default off: never on a real deployment.
   */
  readonly demo: boolean;
  /**
   * A NATS URL (`nats://host:4222`): this process is one node of a cluster, its workers peers
   * of every other node's (cluster/membership.ts, bus-nats.ts). Needs `database`. Absent: one
   * process on its own.
   */
  readonly cluster: string | undefined;
  /** This node's name (in the cluster, and the start of its session ids): letters, digits, `-` and `_`. */
  readonly nodeId: string;
  /**
   * REST requests per route bucket (user, route, channel or guild) per `restRateWindowMs`, per
   * worker (api/rate-limits.ts). Default 50; 0: no route limits (and no X-RateLimit headers).
   */
  readonly restRateLimit: number;
  /** The window of `restRateLimit`, ms. Default 1000. */
  readonly restRateWindowMs: number;
  /** REST requests per user per second across routes, per worker (Discord's global limit is 50). Default 0: none. */
  readonly restGlobalRateLimit: number;
  /**
   * Largest `multipart/form-data` body (a message's files together), bytes. Default 10 MiB; in a
   * cluster 768 KiB, as the files cross NATS to the guild's owner in one message, under
   * nats-server's default max_payload (1 MiB: raise both together).
   */
  readonly maxUploadBytes: number | undefined;
}

export type Command = { kind: "run"; config: Config } | { kind: "help" } | { kind: "version" };

/** A bad flag, variable or config file; the message says which and why. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

type Key = keyof Config;
type Parse = (name: string, text: string) => Config[Key];

interface Option {
  key: Key;
  flag: string;
  help: string;
  parse: Parse;
  fallback: Config[Key];
  /** A switch: `--flag` alone means true (`--flag=false` is allowed); it takes no separate value. */
  switch?: true;
}

const text: Parse = (name, value) => {
  if (value.length === 0) throw new ConfigError(`${name} must not be empty`);
  return value;
};

/** A PostgreSQL URL. The message never repeats the value: it may hold a password. */
const postgresUrl: Parse = (name, value) => {
  const shape = `${name} must be a URL like postgres://user:password@host:5432/database`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(shape);
  }
  if ((url.protocol !== "postgres:" && url.protocol !== "postgresql:") || url.hostname === "") throw new ConfigError(shape);
  return value;
};

function integer(min: number, max: number): Parse {
  return (name, value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || number < min || number > max) {
      throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${value}"`);
    }
    return number;
  };
}

/** A NATS server URL. */
const natsUrl: Parse = (name, value) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be a URL like nats://host:4222`);
  }
  if (!["nats:", "tls:"].includes(url.protocol) || url.hostname === "") throw new ConfigError(`${name} must be a URL like nats://host:4222`);
  return value;
};

/** A node id: a NATS subject token and a session id prefix, so no dots, spaces or wildcards. */
const nodeId: Parse = (name, value) => {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(value)) throw new ConfigError(`${name} must be 1 to 64 letters, digits, - or _, got "${value}"`);
  return value;
};

/**
 * The host's name, made a valid id. On its own a process keeps it across restarts, so the
 * sessions a drain saved resume after one (their ids start with it); a node of a cluster
 * adds its process id, so several on one host never collide (an id already beating in the
 * cluster is refused at join anyway).
 */
function defaultNodeId(cluster: boolean): string {
  const host = hostname().replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 40) || "node";
  return cluster ? `${host}-${process.pid}` : host;
}

const yesNo: Parse = (name, value) => {
  const word = value.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(word)) return true;
  if (["false", "0", "no", "off"].includes(word)) return false;
  throw new ConfigError(`${name} must be true or false, got "${value}"`);
};

const OPTIONS: readonly Option[] = [
  { key: "host", flag: "--host", help: "interface to listen on", parse: text, fallback: "127.0.0.1" },
  { key: "port", flag: "--port", help: "port for WebSocket and HTTP", parse: integer(0, 65535), fallback: 8080 },
  { key: "dataDir", flag: "--data-dir", help: "store and generated secrets", parse: text, fallback: "./data" },
  {
    key: "database",
    flag: "--database",
    help: "PostgreSQL URL postgres://user:password@host/db for the store (default: SQLite in the data dir)",
    parse: postgresUrl,
    fallback: undefined,
  },
  {
    key: "workers",
    flag: "--workers",
    help: "worker threads sharing the port (default: one per core but one)",
    parse: integer(1, 32),
    fallback: Math.max(1, Math.min(32, availableParallelism() - 1)),
  },
  { key: "ingressSecret", flag: "--ingress-secret", help: "Bearer secret for the ingress API (generated if absent)", parse: text, fallback: undefined },
  { key: "tokenSecret", flag: "--token-secret", help: "HMAC secret for client tokens (generated if absent)", parse: text, fallback: undefined },
  { key: "publicUrl", flag: "--public-url", help: "WebSocket URL given to clients (default ws://host:port)", parse: text, fallback: undefined },
  { key: "heartbeatIntervalMs", flag: "--heartbeat-interval-ms", help: "HELLO heartbeat_interval", parse: integer(1000, 600_000), fallback: 41_250 },
  { key: "resumeWindowMs", flag: "--resume-window-ms", help: "how long a dropped session stays resumable", parse: integer(0, 3_600_000), fallback: 180_000 },
  { key: "resumeLogBytes", flag: "--resume-log-bytes", help: "resume log bound per worker", parse: integer(0, 2 ** 40), fallback: 64 * 1024 * 1024 },
  { key: "backpressureBytes", flag: "--backpressure-bytes", help: "per-socket send buffer bound", parse: integer(64 * 1024, 2 ** 31), fallback: 4 * 1024 * 1024 },
  { key: "maxConcurrency", flag: "--max-concurrency", help: "IDENTIFYs per 5 s per user and bucket", parse: integer(1, 1024), fallback: 1 },
  { key: "identifyInFlight", flag: "--identify-in-flight", help: "IDENTIFYs in flight across the process", parse: integer(1, 1_000_000), fallback: 16_384 },
  { key: "guildLoadsInFlight", flag: "--guild-loads-in-flight", help: "guild loads from the store in flight", parse: integer(1, 100_000), fallback: 64 },
  { key: "guildsPerShard", flag: "--guilds-per-shard", help: "guilds one session may hold before 4011 (sharding required)", parse: integer(1, 1_000_000), fallback: 2500 },
  { key: "passiveThreshold", flag: "--passive-threshold", help: "members above which user sessions are passive until they subscribe", parse: integer(0, 100_000_000), fallback: 75_000 },
  { key: "demo", flag: "--demo", help: "seed a demo guild and let anyone join it from the page at / (never in production)", parse: yesNo, fallback: false, switch: true },
  { key: "cluster", flag: "--cluster", help: "NATS URL nats://host:4222: run as one node of a cluster (needs --database)", parse: natsUrl, fallback: undefined },
  { key: "restRateLimit", flag: "--rest-rate-limit", help: "REST requests per route bucket per window, per worker (0: none)", parse: integer(0, 1_000_000), fallback: 1000 },
  { key: "restRateWindowMs", flag: "--rest-rate-window-ms", help: "the window of --rest-rate-limit", parse: integer(1, 3_600_000), fallback: 1000 },
  { key: "restGlobalRateLimit", flag: "--rest-global-rate-limit", help: "REST requests per user per second, per worker (0: none)", parse: integer(0, 1_000_000), fallback: 0 },
  { key: "maxUploadBytes", flag: "--max-upload-bytes", help: "largest message upload (its files together; default 10 MiB, 768 KiB in a cluster)", parse: integer(1024, 1024 * 1024 * 1024), fallback: undefined },
  { key: "nodeId", flag: "--node-id", help: "this node's name in the cluster (default: the host's name, and the process id in a cluster)", parse: nodeId, fallback: undefined },
];

const CONFIG_FLAG = "--config";

function envName(option: { flag: string }): string {
  return "GUILDGATE_" + option.flag.slice(2).toUpperCase().replaceAll("-", "_");
}

export const USAGE = `Usage: guildgate [options]

A real-time gateway that speaks the Discord Gateway v10 protocol.

Options (each also reads GUILDGATE_<FLAG>, e.g. GUILDGATE_PORT):
${OPTIONS.map((o) => `  ${(o.switch ? o.flag : o.flag + " <value>").padEnd(30)} ${o.help}${o.fallback === undefined ? "" : ` (default ${o.fallback})`}`).join("\n")}
  ${"--config <file>".padEnd(30)} JSON file with any option above (camelCase keys)
  ${"--version".padEnd(30)} print the version and exit
  ${"--help".padEnd(30)} print this help and exit

Endpoints: ws://<host>:<port>/?v=10&encoding=json   GET /healthz   GET /api/v10/gateway
           GET / (chat page)   GET /dashboard (needs the ingress secret)   GET /api/openapi.json
`;

/** Parses a command line (without the program name) and an environment. */
export function parseCommand(argv: readonly string[], env: Record<string, string | undefined>): Command {
  const fromFlags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    if (arg === "--version" || arg === "-v") return { kind: "version" };
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const option = OPTIONS.find((o) => o.flag === flag);
    if (flag !== CONFIG_FLAG && !option) throw new ConfigError(`unknown option ${flag} (see --help)`);
    const value = eq > 0 ? arg.slice(eq + 1) : option?.switch ? "true" : argv[++i];
    if (value === undefined) throw new ConfigError(`${flag} needs a value`);
    fromFlags.set(flag, value);
  }
  const configPath = fromFlags.get(CONFIG_FLAG) ?? env[envName({ flag: CONFIG_FLAG })];
  const file = configPath === undefined ? new Map<string, string>() : readConfigFile(configPath);
  const config: Record<string, Config[Key]> = {};
  for (const option of OPTIONS) {
    const raw = fromFlags.get(option.flag) ?? env[envName(option)] ?? file.get(option.key);
    config[option.key] = raw === undefined ? option.fallback : option.parse(option.flag.slice(2), raw);
  }
  config.nodeId ??= defaultNodeId(config.cluster !== undefined);
  if (config.cluster !== undefined && config.database === undefined) {
    throw new ConfigError("cluster needs database: the nodes of a cluster share one PostgreSQL (--database postgres://...)");
  }
  return { kind: "run", config: Object.freeze(config) as unknown as Config };
}

function readConfigFile(path: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed)) {
    if (!OPTIONS.some((o) => o.key === key)) throw new ConfigError(`config file ${path}: unknown key "${key}"`);
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      throw new ConfigError(`config file ${path}: "${key}" must be a string, number or boolean`);
    }
    out.set(key, String(value));
  }
  return out;
}

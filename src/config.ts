/**
 * The one place that reads flags, `GUILDGATE_*` environment variables and the
 * optional JSON config file, into a typed, frozen {@link Config}. Precedence:
 * flag, then environment, then config file, then default. Nothing else in the
 * gateway reads `process.env`.
 */
import { readFileSync } from "node:fs";

export interface Config {
  /** Interface to listen on. Default 127.0.0.1. */
  readonly host: string;
  /** TCP port for WebSocket, REST and metrics. Default 8080; 0 picks a free port. */
  readonly port: number;
  /** Directory for the store and generated secrets. Default ./data. */
  readonly dataDir: string;
  /** Bearer secret for the ingress/admin API; generated into the data dir when absent. */
  readonly ingressSecret: string | undefined;
  /** HS256 secret that signs client tokens; generated into the data dir when absent. */
  readonly tokenSecret: string | undefined;
}

export type Command = { kind: "run"; config: Config } | { kind: "help" } | { kind: "version" };

/** A bad flag, variable or config file; the message says which and why. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

type Key = keyof Config;

const FLAGS: Record<string, Key | "config"> = {
  "--host": "host",
  "--port": "port",
  "--data-dir": "dataDir",
  "--ingress-secret": "ingressSecret",
  "--token-secret": "tokenSecret",
  "--config": "config",
};

const ENV_NAMES: Record<Key | "config", string> = {
  host: "GUILDGATE_HOST",
  port: "GUILDGATE_PORT",
  dataDir: "GUILDGATE_DATA_DIR",
  ingressSecret: "GUILDGATE_INGRESS_SECRET",
  tokenSecret: "GUILDGATE_TOKEN_SECRET",
  config: "GUILDGATE_CONFIG",
};

export const USAGE = `Usage: guildgate [options]

A real-time gateway that speaks the Discord Gateway v10 protocol.

Options (each also reads GUILDGATE_<FLAG>, e.g. GUILDGATE_PORT):
  --host <addr>            interface to listen on        (default 127.0.0.1)
  --port <n>               port for WebSocket and HTTP   (default 8080)
  --data-dir <dir>         store and generated secrets   (default ./data)
  --ingress-secret <s>     Bearer secret for the ingress API (generated if absent)
  --token-secret <s>       HS256 secret for client tokens   (generated if absent)
  --config <file>          JSON file with any of the options above (camelCase keys)
  --version                print the version and exit
  --help                   print this help and exit

Endpoints: ws://<host>:<port>/?v=10&encoding=json   GET /healthz
`;

/** Parses a command line (without the program name) and an environment. */
export function parseCommand(argv: readonly string[], env: Record<string, string | undefined>): Command {
  const fromFlags: Partial<Record<Key | "config", string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    if (arg === "--version" || arg === "-v") return { kind: "version" };
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const key = FLAGS[flag];
    if (!key) throw new ConfigError(`unknown option ${flag} (see --help)`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new ConfigError(`${flag} needs a value`);
    fromFlags[key] = value;
  }
  const pick = (key: Key | "config"): string | undefined => fromFlags[key] ?? env[ENV_NAMES[key]];
  const configPath = pick("config");
  const file = configPath === undefined ? {} : readConfigFile(configPath);
  const raw = (key: Key): string | undefined => pick(key) ?? file[key];

  const config: Config = {
    host: raw("host") ?? "127.0.0.1",
    port: integer("port", raw("port"), 8080, 0, 65535),
    dataDir: raw("dataDir") ?? "./data",
    ingressSecret: nonEmpty("ingressSecret", raw("ingressSecret")),
    tokenSecret: nonEmpty("tokenSecret", raw("tokenSecret")),
  };
  return { kind: "run", config: Object.freeze(config) };
}

function readConfigFile(path: string): Partial<Record<Key, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  const out: Partial<Record<Key, string>> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in ENV_NAMES) || key === "config") {
      throw new ConfigError(`config file ${path}: unknown key "${key}"`);
    }
    if (typeof value !== "string" && typeof value !== "number") {
      throw new ConfigError(`config file ${path}: "${key}" must be a string or number`);
    }
    out[key as Key] = String(value);
  }
  return out;
}

function integer(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function nonEmpty(name: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (text.length === 0) throw new ConfigError(`${name} must not be empty`);
  return text;
}

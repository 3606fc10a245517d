/**
 * The `guildgate` command: flags and environment -> config -> a running node.
 */
import { hostname } from "node:os";
import { ConfigError, parseCommand, USAGE, type Config } from "./config.ts";
import { resolveSecrets } from "./store/secrets.ts";
import { SqliteGuildStore } from "./store/sqlite.ts";
import { guildRing } from "./cluster/ring.ts";
import { startBunTransport } from "./transport/bun.ts";
import { startServer } from "./server.ts";
import packageJson from "../package.json" with { type: "json" };

function start(config: Config): void {
  const secrets = resolveSecrets(config.dataDir, config);
  const store = new SqliteGuildStore(config.dataDir);
  guildRing().setNodes(["worker-0"]);
  const server = startServer({
    config,
    secrets,
    store,
    startTransport: startBunTransport,
    version: packageJson.version,
    node: hostname(),
    worker: 0,
  });
  const { hostname: host, port } = server.transport;
  if (secrets.file) console.log(`generated secrets are kept in ${secrets.file}`);
  console.log(`guildgate ${packageJson.version} listening on http://${host}:${port} (gateway ${server.gatewayUrl})`);
  const stop = (): void => {
    void server.stop().finally(() => {
      store.close();
      process.exit(0);
    });
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

function main(argv: string[]): number {
  try {
    const command = parseCommand(argv, process.env);
    if (command.kind === "help") {
      process.stdout.write(USAGE);
      return 0;
    }
    if (command.kind === "version") {
      console.log(`guildgate ${packageJson.version}`);
      return 0;
    }
    start(command.config);
    return -1;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`guildgate: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

const code = main(process.argv.slice(2));
if (code >= 0) process.exit(code);

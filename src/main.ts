/**
 * The `guildgate` command: flags and environment -> config -> a running node: N worker
 * threads (`--workers`, default the number of cores) sharing one port, each with its
 * sessions and the guilds the ring gives it. SIGTERM or SIGINT drains them (op 7 to every
 * session) and exits 0.
 */
import { hostname } from "node:os";
import { ConfigError, parseCommand, USAGE, type Config } from "./config.ts";
import { resolveSecrets } from "./store/secrets.ts";
import { openStore, StoreUnavailableError } from "./store/open-store.ts";
import { peerId } from "./cluster/bus.ts";
import { guildRing } from "./cluster/ring.ts";
import { startWorkers } from "./cluster/workers.ts";
import packageJson from "../package.json" with { type: "json" };

/** How long a drain waits for clients to leave after op 7, ms. */
const DRAIN_GRACE_MS = 5_000;

async function start(config: Config): Promise<void> {
  const secrets = resolveSecrets(config.dataDir, config);
  // Create and migrate the store once (and find PostgreSQL reachable), before the workers open it side by side.
  await (await openStore(config)).close();
  const node = hostname();
  // The ring's nodes are the workers' peer ids, so an owner lookup is a bus address.
  guildRing().setNodes(Array.from({ length: config.workers }, (_, i) => peerId(node, i)));
  const workers = await startWorkers({
    config,
    secrets: { tokenSecret: secrets.tokenSecret, ingressSecret: secrets.ingressSecret },
    version: packageJson.version,
    node,
  });
  if (secrets.file) console.log(`generated secrets are kept in ${secrets.file}`);
  console.log(
    config.demo
      ? "demo mode: on: a demo guild is seeded and anyone who opens the page at / may join it as a new user (--demo)"
      : "demo mode: off (--demo seeds a demo guild and lets the page at / join it as a new user)",
  );
  console.log(
    `guildgate ${packageJson.version} listening on http://${workers.hostname}:${workers.port} ` +
      `(gateway ${workers.gatewayUrl}) with ${config.workers} worker${config.workers === 1 ? "" : "s"}`,
  );
  let draining = false;
  const stop = (): void => {
    if (draining) return;
    draining = true;
    void workers.drain(DRAIN_GRACE_MS).finally(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
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
    start(command.config).catch((error: unknown) => {
      // A database that cannot be reached is said in one line (its URL without the password).
      if (error instanceof StoreUnavailableError) console.error(`guildgate: could not start: ${error.message}`);
      else console.error("guildgate: could not start:", error);
      process.exit(1);
    });
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

/**
 * The `guildgate` command: flags and environment -> config -> a running node.
 */
import { ConfigError, parseCommand, USAGE, type Config } from "./config.ts";
import { resolveSecrets } from "./store/secrets.ts";
import { guildRing } from "./cluster/ring.ts";
import { createHttpHandler } from "./api/http.ts";
import packageJson from "../package.json" with { type: "json" };

function start(config: Config): void {
  const secrets = resolveSecrets(config.dataDir, config);
  const ring = guildRing();
  ring.setNodes(["worker-0"]);
  const server = Bun.serve({
    hostname: config.host,
    port: config.port,
    fetch: createHttpHandler({ version: packageJson.version, ring }),
  });
  console.log(`guildgate ${packageJson.version} listening on http://${server.hostname}:${server.port}`);
  if (secrets.file) console.log(`generated secrets are kept in ${secrets.file}`);
  const stop = (): void => {
    server.stop(true);
    process.exit(0);
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

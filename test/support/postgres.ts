/**
 * PostgreSQL for tests. `GUILDGATE_TEST_DATABASE` names a server (a URL whose user may
 * CREATE DATABASE; `.ci/run` and `npm test` start a private one and set it). Without it, the
 * first use starts a private server with `scripts/postgres.sh`, stopped once the test process
 * is gone. If neither works, the PostgreSQL tests fail, loudly: they never skip.
 * Each `freshDatabase()` is a new, empty database on that server.
 */
import { SQL } from "bun";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ENV = "GUILDGATE_TEST_DATABASE";
const SCRIPT = resolve(import.meta.dir, "../../scripts/postgres.sh");

let admin: SQL | undefined;
let made = 0;

function serverUrl(): string {
  const given = process.env[ENV];
  if (given) return given;
  const dir = mkdtempSync(join(tmpdir(), "guildgate-pg-"));
  const started = spawnSync("bash", [SCRIPT, "start", dir], { encoding: "utf8" });
  if (started.status !== 0) {
    throw new Error(
      `PostgreSQL tests need ${ENV} (the URL of a server whose user may create databases), ` +
        `or PostgreSQL's initdb and pg_ctl here to start a private one: ${started.stderr.trim()}`,
    );
  }
  const url = started.stdout.trim();
  // Later test files in this process use the same server. A watcher stops it once this
  // process is gone, however it ends (bun test runs no exit handlers after a kill).
  process.env[ENV] = url;
  const watch = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; exec bash "$0" stop "$1"`;
  spawn("bash", ["-c", watch, SCRIPT, dir], { detached: true, stdio: "ignore" }).unref();
  return url;
}

/** The server's URL with `database` in place of its database. */
function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A new, empty database; `drop` removes it (closing whatever is still connected). */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const url = serverUrl();
  admin ??= new SQL(url, { max: 2 });
  const name = `guildgate_test_${process.pid}_${++made}`;
  await admin.unsafe(`CREATE DATABASE ${name}`);
  return {
    url: withDatabase(url, name),
    drop: async () => {
      await admin?.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/**
 * A guildgate cluster on this machine: a private nats-server (scripts/nats-server.ts), a
 * PostgreSQL (a given URL, or a private one from scripts/postgres.sh), and N nodes of the
 * built binary (dist/guildgate), each with its own data dir and port and the same secrets.
 * Used by `npm run cluster`, the cluster test and the load harness. Nodes can be killed
 * (SIGKILL), stopped (SIGTERM) and started again, to try what the cluster promises.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { startNatsServer, type NatsServer } from "./nats-server.ts";

export const BINARY = resolve(import.meta.dir, "../dist/guildgate");
const POSTGRES_SCRIPT = resolve(import.meta.dir, "postgres.sh");

export interface LocalClusterOptions {
  nodes: number;
  /** Workers per node. */
  workers: number;
  /** The first node's port (the others follow it); 0: each picks a free one. */
  basePort?: number;
  /** A PostgreSQL URL to use; absent: a private server for the cluster's lifetime. */
  database?: string;
  /** Extra flags for every node. */
  flags?: readonly string[];
  /** How many of the nodes to start now (the rest: `start(i)` later); default all. */
  initial?: number;
  /** Where each node's output is appended, as `<node id>.log`, kept after `close`; default: in the cluster's temp dir, removed with it. */
  logDir?: string;
}

export interface LocalNode {
  readonly id: string;
  /** http://host:port once it listens. */
  base: string;
  child: ReturnType<typeof Bun.spawn> | undefined;
  /** Everything it printed (stdout and stderr). */
  log: string;
}

export interface LocalCluster {
  readonly nats: NatsServer;
  readonly database: string;
  /** The private PostgreSQL's postmaster (its backends are its children); absent with a given database URL. */
  readonly postgresPid?: number;
  readonly ingressSecret: string;
  readonly tokenSecret: string;
  readonly nodes: LocalNode[];
  /** Starts node `i` (again): resolves once it listens. */
  start(i: number): Promise<LocalNode>;
  /** kill -9: the node stops without a word to anyone. */
  kill(i: number): Promise<void>;
  /** SIGTERM: the node leaves the cluster, drains and exits 0 (resolves with its exit code). */
  stop(i: number): Promise<number>;
  /** Stops every node, NATS and the private PostgreSQL, and removes their files. */
  close(): Promise<void>;
}

/** The first line of postmaster.pid in the data dir that postgres.sh made under `dir`. */
function postmasterPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined; // not readable by this user: the harness then does without its CPU figure
  }
}

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  if (!(await Bun.file(BINARY).exists())) throw new Error(`${BINARY} is missing: run \`npm run build\` first`);
  const dir = mkdtempSync(join(tmpdir(), "guildgate-cluster-"));
  const logDir = options.logDir ?? join(dir, "logs");
  mkdirSync(logDir, { recursive: true });
  const nats = await startNatsServer();
  // Its own temp dir: the script hands it to the postgres user, who cannot enter `dir`.
  const pgDir = options.database ? "" : mkdtempSync(join(tmpdir(), "guildgate-cluster-pg-"));
  let database = options.database;
  if (!database) {
    const started = spawnSync("bash", [POSTGRES_SCRIPT, "start", pgDir], { encoding: "utf8" });
    if (started.status !== 0) {
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`could not start PostgreSQL: ${started.stderr.trim()}`);
    }
    database = started.stdout.trim();
  }
  const ingressSecret = randomBytes(24).toString("base64url");
  const tokenSecret = randomBytes(32).toString("base64url");
  const nodes: LocalNode[] = Array.from({ length: options.nodes }, (_, i) => ({ id: `node-${i + 1}`, base: "", child: undefined, log: "" }));

  const start = async (i: number): Promise<LocalNode> => {
    const node = nodes[i] as LocalNode;
    const dataDir = join(dir, node.id);
    mkdirSync(dataDir, { recursive: true });
    const port = options.basePort ? options.basePort + i : 0;
    const child = Bun.spawn(
      [
        BINARY,
        ...["--cluster", nats.url, "--database", database, "--node-id", node.id],
        ...["--port", String(port), "--workers", String(options.workers), "--data-dir", dataDir],
        ...["--ingress-secret", ingressSecret, "--token-secret", tokenSecret],
        ...(options.flags ?? []),
      ],
      { env: { PATH: process.env.PATH ?? "" }, stdout: "pipe", stderr: "pipe" },
    );
    node.child = child;
    node.log = "";
    node.base = "";
    const listening = new Promise<string>((resolve, reject) => {
      const read = async (stream: ReadableStream<Uint8Array>): Promise<void> => {
        const decoder = new TextDecoder();
        for await (const chunk of stream) {
          const text = decoder.decode(chunk, { stream: true });
          node.log += text;
          appendFileSync(join(logDir, `${node.id}.log`), text);
          const base = /listening on (http:\/\/\S+)/.exec(node.log)?.[1];
          if (base) resolve(base);
        }
      };
      void read(child.stdout as ReadableStream<Uint8Array>);
      void read(child.stderr as ReadableStream<Uint8Array>);
      void child.exited.then((code) => reject(new Error(`${node.id} exited (${code}) before it listened:\n${node.log}`)));
      setTimeout(() => reject(new Error(`${node.id} did not listen within 20 s:\n${node.log}`)), 20_000).unref?.();
    });
    node.base = await listening;
    return node;
  };

  const stopChild = async (i: number, signal: "SIGKILL" | "SIGTERM"): Promise<number> => {
    const node = nodes[i] as LocalNode;
    const child = node.child;
    if (!child) return 0;
    child.kill(signal);
    const code = await child.exited;
    node.child = undefined;
    return code;
  };

  try {
    // One at a time: each joins the view the last one made (a real rollout does the same).
    for (let i = 0; i < (options.initial ?? options.nodes); i++) await start(i);
  } catch (error) {
    for (let i = 0; i < options.nodes; i++) await stopChild(i, "SIGKILL");
    await nats.stop();
    if (!options.database) spawnSync("bash", [POSTGRES_SCRIPT, "stop", pgDir]);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    nats,
    database,
    postgresPid: options.database ? undefined : postmasterPid(pgDir),
    ingressSecret,
    tokenSecret,
    nodes,
    start,
    kill: async (i) => void (await stopChild(i, "SIGKILL")),
    stop: (i) => stopChild(i, "SIGTERM"),
    async close() {
      await Promise.all(nodes.map((_, i) => stopChild(i, "SIGTERM")));
      await nats.stop();
      if (!options.database) spawnSync("bash", [POSTGRES_SCRIPT, "stop", pgDir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

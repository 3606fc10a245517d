/**
 * The main thread's side of `--workers N`: it starts N worker threads (src/worker.ts), links
 * every pair with a MessageChannel (the bus), waits until every worker's bus is up, lets the
 * node join its cluster (`join`: its peers can reach every worker from then on), waits until
 * every worker has taken back the sessions the last drain saved (so none misses an event
 * published while others rejoin), then lets worker 0 pick the port and the others join it
 * with reusePort. On shutdown it asks each to drain and waits for all.
 */
import type { Config } from "../config.ts";
import type { Secrets } from "../store/secrets.ts";

export interface WorkerInit {
  config: Config;
  secrets: Pick<Secrets, "tokenSecret" | "ingressSecret">;
  version: string;
  node: string;
  worker: number;
  /** `links[i]`: the port to worker i (null for itself). */
  links: (MessagePort | null)[];
}

export type WorkerCommand =
  | { k: "start"; init: WorkerInit }
  | { k: "restore"; snowflakeProcess: number }
  | { k: "snowflake-process"; snowflakeProcess: number }
  | { k: "listen"; port: number }
  | { k: "drain"; graceMs: number };

export type WorkerReport =
  | { k: "connected"; worker: number }
  | { k: "restored"; worker: number }
  | { k: "listening"; worker: number; hostname: string; port: number; gatewayUrl: string }
  | { k: "drained"; worker: number };

export interface RunningWorkers {
  readonly hostname: string;
  readonly port: number;
  readonly gatewayUrl: string;
  /** Asks every worker to drain (op 7, wait up to `graceMs`, save sessions) and resolves when all have. */
  drain(graceMs: number): Promise<void>;
  /** The node's snowflake process id changed (cluster/membership.ts): every worker's ids take it. */
  setSnowflakeProcess(snowflakeProcess: number): void;
}

/**
 * src/worker.ts. `bun build --compile src/main.ts src/worker.ts` puts both entry points at the
 * root of the binary's file system, next to the bundle this module is part of.
 */
const WORKER_ENTRY = import.meta.url.startsWith("file:///$bunfs/")
  ? new URL("./worker.ts", import.meta.url)
  : new URL("../worker.ts", import.meta.url);

export interface StartWorkersOptions extends Omit<WorkerInit, "worker" | "links"> {
  /**
   * Runs once every worker's bus is up and before any takes back sessions (cluster mode joins
   * here); resolves with the node's snowflake process id.
   */
  join(): Promise<number>;
}

export async function startWorkers({ join, ...options }: StartWorkersOptions): Promise<RunningWorkers> {
  const count = options.config.workers;
  const links: (MessagePort | null)[][] = Array.from({ length: count }, () => Array<MessagePort | null>(count).fill(null));
  for (let i = 0; i < count; i++) {
    for (let j = i + 1; j < count; j++) {
      const { port1, port2 } = new MessageChannel();
      (links[i] as (MessagePort | null)[])[j] = port1;
      (links[j] as (MessagePort | null)[])[i] = port2;
    }
  }
  const workers: Worker[] = [];
  /** Sends `command` and resolves with the worker's next report of kind `k`. */
  const ask = <K extends WorkerReport["k"]>(thread: Worker, command: WorkerCommand, k: K, transfer: MessagePort[] = []): Promise<Extract<WorkerReport, { k: K }>> =>
    new Promise((resolve) => {
      const onMessage = (event: MessageEvent<WorkerReport>): void => {
        if (event.data.k !== k) return;
        thread.removeEventListener("message", onMessage);
        resolve(event.data as Extract<WorkerReport, { k: K }>);
      };
      thread.addEventListener("message", onMessage);
      thread.postMessage(command, transfer);
    });
  const everyWorker = <K extends WorkerReport["k"]>(command: WorkerCommand, k: K) => Promise.all(workers.map((thread) => ask(thread, command, k)));
  await Promise.all(
    Array.from({ length: count }, (_, worker) => {
      const thread = new Worker(WORKER_ENTRY.href);
      workers.push(thread);
      thread.addEventListener("error", (event) => {
        console.error(`guildgate: worker ${worker} failed:`, event.message);
        process.exit(1);
      });
      const own = links[worker] as (MessagePort | null)[];
      const transfer = own.filter((port): port is MessagePort => port !== null);
      return ask(thread, { k: "start", init: { ...options, worker, links: own } }, "connected", transfer);
    }),
  );
  const snowflakeProcess = await join();
  await everyWorker({ k: "restore", snowflakeProcess }, "restored");
  // Worker 0 picks the port (it may be 0: any free one); the rest share it.
  const [head, ...rest] = workers as [Worker, ...Worker[]];
  const first = await ask(head, { k: "listen", port: options.config.port }, "listening");
  await Promise.all(rest.map((thread) => ask(thread, { k: "listen", port: first.port }, "listening")));
  return {
    hostname: first.hostname,
    port: first.port,
    gatewayUrl: first.gatewayUrl,
    async drain(graceMs) {
      await everyWorker({ k: "drain", graceMs }, "drained");
      for (const thread of workers) thread.terminate();
    },
    setSnowflakeProcess(snowflakeProcess) {
      const command: WorkerCommand = { k: "snowflake-process", snowflakeProcess };
      for (const thread of workers) thread.postMessage(command);
    },
  };
}

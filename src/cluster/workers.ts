/**
 * The main thread's side of `--workers N`: it starts N worker threads (src/worker.ts), links
 * every pair with a MessageChannel (the bus), waits until every worker has taken back the
 * sessions the last drain saved (so none misses an event published while others rejoin),
 * then lets worker 0 pick the port and the others join it with reusePort. On shutdown it
 * asks each to drain and waits for all.
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

export type WorkerCommand = { k: "start"; init: WorkerInit } | { k: "listen"; port: number } | { k: "drain"; graceMs: number };

export type WorkerReport =
  | { k: "restored"; worker: number }
  | { k: "listening"; worker: number; hostname: string; port: number; gatewayUrl: string }
  | { k: "drained"; worker: number };

export interface RunningWorkers {
  readonly hostname: string;
  readonly port: number;
  readonly gatewayUrl: string;
  /** Asks every worker to drain (op 7, wait up to `graceMs`, save sessions) and resolves when all have. */
  drain(graceMs: number): Promise<void>;
}

/**
 * src/worker.ts. `bun build --compile src/main.ts src/worker.ts` puts both entry points at the
 * root of the binary's file system, next to the bundle this module is part of.
 */
const WORKER_ENTRY = import.meta.url.startsWith("file:///$bunfs/")
  ? new URL("./worker.ts", import.meta.url)
  : new URL("../worker.ts", import.meta.url);

export async function startWorkers(options: Omit<WorkerInit, "worker" | "links">): Promise<RunningWorkers> {
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
  /** Resolves with the worker's first report of kind `k`. */
  const reported = <K extends WorkerReport["k"]>(thread: Worker, k: K): Promise<Extract<WorkerReport, { k: K }>> =>
    new Promise((resolve) => {
      const onMessage = (event: MessageEvent<WorkerReport>): void => {
        if (event.data.k !== k) return;
        thread.removeEventListener("message", onMessage);
        resolve(event.data as Extract<WorkerReport, { k: K }>);
      };
      thread.addEventListener("message", onMessage);
    });
  const restored = Array.from({ length: count }, (_, worker) => {
    const thread = new Worker(WORKER_ENTRY.href);
    workers.push(thread);
    thread.addEventListener("error", (event) => {
      console.error(`guildgate: worker ${worker} failed:`, event.message);
      process.exit(1);
    });
    const own = links[worker] as (MessagePort | null)[];
    const command: WorkerCommand = { k: "start", init: { ...options, worker, links: own } };
    const done = reported(thread, "restored");
    thread.postMessage(command, own.filter((port): port is MessagePort => port !== null));
    return done;
  });
  await Promise.all(restored);
  const listen = (thread: Worker, port: number): Promise<Extract<WorkerReport, { k: "listening" }>> => {
    const listening = reported(thread, "listening");
    const command: WorkerCommand = { k: "listen", port };
    thread.postMessage(command);
    return listening;
  };
  // Worker 0 picks the port (it may be 0: any free one); the rest share it.
  const [head, ...rest] = workers as [Worker, ...Worker[]];
  const first = await listen(head, options.config.port);
  await Promise.all(rest.map((thread) => listen(thread, first.port)));
  return {
    hostname: first.hostname,
    port: first.port,
    gatewayUrl: first.gatewayUrl,
    async drain(graceMs) {
      const command: WorkerCommand = { k: "drain", graceMs };
      await Promise.all(
        workers.map((thread) => {
          const drained = reported(thread, "drained");
          thread.postMessage(command);
          return drained;
        }),
      );
      for (const thread of workers) thread.terminate();
    },
  };
}

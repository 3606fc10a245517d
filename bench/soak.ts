/**
 * Soak: N sessions connect, identify and heartbeat while every one of them is
 * sent E dispatches through the real ingress API (POST
 * /internal/users/:id/dispatch), and a share of them drop at random times and
 * RESUME on a new socket with the last `s` they saw. Counts every event each
 * session received: the gateway passes when none is lost or duplicated and
 * each session saw its events in order.
 *
 *   bun bench/soak.ts [bun|node] [sessions=1000] [events=100] [dropShare=0.1]
 *
 * bun: the compiled binary (dist/guildgate, Bun.serve); node: the gateway on
 * uWebSockets.js under Node (test/support/node-harness.ts). Loopback only;
 * bounded by the counts above and 180 s. A progress line on stderr says the
 * phase, the sessions connected and the dispatches sent while it runs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { nodeHarness } from "../test/support/node-harness.ts";
import { Progress } from "./progress.ts";

const [runtime = "bun", sessionsArg = "1000", eventsArg = "100", dropArg = "0.1"] = process.argv.slice(2);
const SESSIONS = Number(sessionsArg);
const EVENTS = Number(eventsArg);
const DROP_SHARE = Number(dropArg);
const TOKEN_SECRET = "soak-token-secret-0123456789abcdef";
const INGRESS = "ingress";
const HEARTBEAT_MS = 5_000;
const DEADLINE = Date.now() + 180_000;

interface Server {
  httpBase: string;
  gatewayUrl: string;
  stop(): Promise<void>;
}

async function startServer(): Promise<Server> {
  const args = ["--heartbeat-interval-ms", String(HEARTBEAT_MS), "--identify-in-flight", "100000"];
  if (runtime === "node") {
    const harness = await nodeHarness.start({ node: "soak", tokenSecret: TOKEN_SECRET, args });
    return { httpBase: harness.httpBase, gatewayUrl: harness.gatewayUrl, stop: () => harness.stop() };
  }
  const dataDir = mkdtempSync(join(tmpdir(), "guildgate-soak-"));
  const binary = resolve(import.meta.dir, "../dist/guildgate");
  const child = Bun.spawn(
    [binary, "--port", "0", "--data-dir", dataDir, "--ingress-secret", INGRESS, "--token-secret", TOKEN_SECRET, ...args],
    { stdout: "pipe", stderr: "inherit" },
  );
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  let output = "";
  while (!/listening on (http:\/\/\S+) \(gateway (ws:\/\/\S+)\)/.test(output)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the binary did not start: ${output}`);
    output += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const [, httpBase, gatewayUrl] = /listening on (http:\/\/\S+) \(gateway (ws:\/\/\S+)\)/.exec(output) as RegExpExecArray;
  return {
    httpBase: httpBase as string,
    gatewayUrl: gatewayUrl as string,
    async stop() {
      child.kill("SIGTERM");
      await child.exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One simulated client: identifies, heartbeats, records events, resumes after a drop. */
class SoakClient {
  readonly received: number[] = [];
  seq = 0;
  sessionId = "";
  resumes = 0;
  /** Resumes answered by another worker than the one before (`_trace`): the session moved. */
  moves = 0;
  worker = "";
  invalidated = 0;
  #socket: WebSocket | null = null;
  #heartbeat: ReturnType<typeof setInterval> | null = null;

  constructor(
    readonly userId: string,
    readonly token: string,
    readonly url: string,
  ) {}

  /** Connects and identifies (or resumes, when it has a session); resolves at READY/RESUMED. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${this.url}/?v=10&encoding=json`);
      this.#socket = socket;
      socket.onmessage = (event) => {
        const frame = JSON.parse(event.data as string) as { op: number; d: unknown; s: number | null; t: string | null };
        if (frame.s !== null && frame.s > this.seq) this.seq = frame.s;
        if (frame.op === 10) {
          this.#heartbeat = setInterval(() => socket.send('{"op":1,"d":null}'), HEARTBEAT_MS * 0.8);
          const resume = this.sessionId !== "";
          socket.send(
            JSON.stringify(
              resume
                ? { op: 6, d: { token: this.token, session_id: this.sessionId, seq: this.seq } }
                : { op: 2, d: { token: this.token, intents: 0, properties: { os: "linux", browser: "soak", device: "soak" } } },
            ),
          );
        } else if (frame.op === 1) {
          socket.send(JSON.stringify({ op: 1, d: this.seq }));
        } else if (frame.op === 9) {
          this.invalidated++;
          reject(new Error(`session ${this.sessionId} got INVALID_SESSION`));
        } else if (frame.t === "READY") {
          this.sessionId = (frame.d as { session_id: string }).session_id;
          this.worker = String((frame.d as { _trace?: string[] })._trace?.[0]);
          resolve();
        } else if (frame.t === "RESUMED") {
          this.resumes++;
          const worker = String((frame.d as { _trace?: string[] })._trace?.[0]);
          if (worker !== this.worker) this.moves++;
          this.worker = worker;
          resolve();
        } else if (frame.t === "SOAK_EVENT") {
          this.received.push((frame.d as { n: number }).n);
        }
      };
      socket.onclose = () => {
        if (this.#heartbeat) clearInterval(this.#heartbeat);
        reject(new Error("closed before READY/RESUMED"));
      };
    });
  }

  /** Drops the connection as a client would on a network change, then resumes. */
  async dropAndResume(): Promise<void> {
    const socket = this.#socket;
    if (socket) {
      const closed = new Promise<void>((resolve) => socket.addEventListener("close", () => resolve()));
      socket.close(4200, "soak drop");
      await closed;
    }
    await this.connect();
  }

  close(): void {
    this.#socket?.close(1000);
  }
}

async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length && Date.now() < DEADLINE) await task(items[next++] as T);
    }),
  );
}

const progress = new Progress(`soak ${runtime}`).start();
progress.phase("starting the server");
const server = await startServer();
const admin = { authorization: `Bearer ${INGRESS}`, "content-type": "application/json" };
try {
  const clients: SoakClient[] = [];
  progress.phase("making users and tokens");
  await pool(
    Array.from({ length: SESSIONS }, (_, i) => i),
    64,
    async (i) => {
      const response = await fetch(`${server.httpBase}/internal/users`, {
        method: "POST",
        headers: admin,
        body: JSON.stringify({ username: `soak${i}`, bot: true }),
      });
      const { id } = (await response.json()) as { id: string };
      const minted = await fetch(`${server.httpBase}/internal/users/${id}/token`, { method: "POST", headers: admin });
      const { token } = (await minted.json()) as { token: string };
      clients.push(new SoakClient(id, token, server.gatewayUrl));
      progress.set({ users: [clients.length, SESSIONS] });
    },
  );
  progress.phase("connecting");
  const connectStart = performance.now();
  let connected = 0;
  await pool(clients, 200, async (client) => {
    await client.connect();
    progress.set({ "sessions READY": [++connected, clients.length] });
  });
  const connectMs = performance.now() - connectStart;

  // Each dropped client drops at a random event round, while events flow, and resumes at once.
  const dropped = clients.filter(() => Math.random() < DROP_SHARE);
  const dropRound = new Map(dropped.map((client) => [client, Math.floor(Math.random() * EVENTS)]));
  const drops: Promise<void>[] = [];
  const sendStart = performance.now();
  progress.phase("sending events");
  let sent = 0;
  const received = (): number => clients.reduce((sum, c) => sum + c.received.length, 0);
  for (let n = 0; n < EVENTS && Date.now() < DEADLINE; n++) {
    for (const [client, round] of dropRound) if (round === n) drops.push(client.dropAndResume());
    const body = JSON.stringify({ t: "SOAK_EVENT", d: { n } });
    await pool(clients, 64, async (client) => {
      const response = await fetch(`${server.httpBase}/internal/users/${client.userId}/dispatch`, { method: "POST", headers: admin, body });
      if (response.status !== 202) throw new Error(`dispatch answered ${response.status}`);
      progress.set({ "dispatches sent": [++sent, clients.length * EVENTS], received: received(), resumes: drops.length });
    });
  }
  const sendMs = performance.now() - sendStart;
  await Promise.all(drops);
  progress.phase("waiting for the last events");
  const settle = Date.now() + 10_000;
  while (clients.some((c) => c.received.length < EVENTS) && Date.now() < settle) {
    progress.set({ received: [received(), clients.length * EVENTS] });
    await Bun.sleep(50);
  }
  progress.stop();

  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  for (const client of clients) {
    const seen = new Set<number>();
    client.received.forEach((n, i) => {
      if (seen.has(n)) duplicated++;
      seen.add(n);
      if (i > 0 && n < (client.received[i - 1] as number)) outOfOrder++;
    });
    lost += EVENTS - seen.size;
  }
  const result = {
    runtime,
    sessions: clients.length,
    events_per_session: EVENTS,
    deliveries_expected: clients.length * EVENTS,
    deliveries_received: clients.reduce((sum, c) => sum + c.received.length, 0),
    lost,
    duplicated,
    out_of_order: outOfOrder,
    dropped_and_resumed: dropped.length,
    resumes_completed: clients.reduce((sum, c) => sum + c.resumes, 0),
    resumes_that_moved_worker: clients.reduce((sum, c) => sum + c.moves, 0),
    invalid_sessions: clients.reduce((sum, c) => sum + c.invalidated, 0),
    connect_all_ms: Math.round(connectMs),
    ingress_dispatch_ms: Math.round(sendMs),
  };
  console.log(JSON.stringify(result, null, 2));
  for (const client of clients) client.close();
  process.exitCode = lost === 0 && duplicated === 0 && outOfOrder === 0 && result.resumes_completed === dropped.length ? 0 : 1;
} finally {
  await server.stop();
}

/**
 * Memory per idle identified session: starts the compiled binary, connects N
 * sessions from this process (each its own user, through the real protocol),
 * and reports the server's RSS growth per session, next to a bare Bun.serve
 * holding the same number of plain sockets (the baseline, run the same way).
 *
 *   bun bench/idle-memory.ts [sessions=15000]
 *
 * Bounded: at most `sessions` sockets, 120 s per phase. Loopback only.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const sessions = Number(process.argv[2] ?? 15_000);
const PHASE_MS = 120_000;
const CONCURRENCY = 200;
const root = resolve(import.meta.dir, "..");

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

async function waitForLine(child: ReturnType<typeof Bun.spawn>, pattern: RegExp): Promise<RegExpExecArray> {
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  let output = "";
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const match = pattern.exec(output);
    if (match) {
      reader.releaseLock();
      return match;
    }
    const { value, done } = await reader.read();
    if (done) break;
    output += new TextDecoder().decode(value);
  }
  throw new Error(`server did not print ${pattern}: ${output}`);
}

/** Runs `task(i)` for i in [0, n) with at most `limit` in flight. */
async function pool(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

async function settle(pid: number): Promise<number> {
  await Bun.sleep(2_000);
  return rssKiB(pid);
}

async function measureGateway(): Promise<{ perSessionBytes: number; connected: number; ms: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), "guildgate-idle-"));
  const child = Bun.spawn(
    [join(root, "dist/guildgate"), "--port", "0", "--data-dir", dataDir, "--heartbeat-interval-ms", "600000", "--identify-in-flight", "100000"],
    { stdout: "pipe", stderr: "inherit" },
  );
  try {
    const [, base] = await waitForLine(child, /listening on (http:\/\/\S+)/);
    const secrets = JSON.parse(readFileSync(join(dataDir, "secrets.json"), "utf8")) as { ingressSecret: string; tokenSecret: string };
    const admin = { authorization: `Bearer ${secrets.ingressSecret}` };
    const ids: string[] = [];
    await pool(sessions, 64, async () => {
      const response = await fetch(`${base}/internal/users`, { method: "POST", headers: admin, body: '{"username":"idle","bot":true}' });
      ids.push(((await response.json()) as { id: string }).id);
    });
    const tokens: string[] = [];
    await pool(ids.length, 64, async (i) => {
      const response = await fetch(`${base}/internal/users/${ids[i]}/token`, { method: "POST", headers: admin });
      tokens[i] = ((await response.json()) as { token: string }).token;
    });
    const before = await settle(child.pid);
    const started = Date.now();
    const sockets: WebSocket[] = [];
    let connected = 0;
    const deadline = Date.now() + PHASE_MS;
    await pool(sessions, CONCURRENCY, async (i) => {
      if (Date.now() > deadline) return;
      await new Promise<void>((done) => {
        const socket = new WebSocket(`${base!.replace("http", "ws")}/?v=10&encoding=json`);
        sockets.push(socket);
        socket.onmessage = (event) => {
          const frame = JSON.parse(event.data as string) as { op: number; t?: string };
          if (frame.op === 10) {
            socket.send(JSON.stringify({ op: 2, d: { token: tokens[i], intents: 0, properties: { os: "linux", browser: "b", device: "b" } } }));
          } else if (frame.t === "READY") {
            connected++;
            socket.onmessage = null;
            done();
          }
        };
        socket.onclose = () => done();
      });
    });
    const ms = Date.now() - started;
    const after = await settle(child.pid);
    for (const socket of sockets) socket.close(1000);
    return { perSessionBytes: ((after - before) * 1024) / connected, connected, ms };
  } finally {
    child.kill("SIGTERM");
    await child.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function measureBareBun(): Promise<{ perSessionBytes: number; connected: number }> {
  const child = Bun.spawn([process.execPath, join(import.meta.dir, "bare-server.ts")], { stdout: "pipe", stderr: "inherit" });
  try {
    const [, port] = await waitForLine(child, /port (\d+)/);
    const before = await settle(child.pid);
    const sockets: WebSocket[] = [];
    let connected = 0;
    await pool(sessions, CONCURRENCY, async () => {
      await new Promise<void>((done) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
        sockets.push(socket);
        socket.onopen = () => {
          connected++;
          done();
        };
        socket.onclose = () => done();
      });
    });
    const after = await settle(child.pid);
    for (const socket of sockets) socket.close(1000);
    return { perSessionBytes: ((after - before) * 1024) / connected, connected };
  } finally {
    child.kill("SIGTERM");
    await child.exited;
  }
}

const gateway = await measureGateway();
const bare = await measureBareBun();
const result = {
  sessions,
  gateway: { connected: gateway.connected, bytesPerSession: Math.round(gateway.perSessionBytes), identifyStormMs: gateway.ms },
  bareBunServe: { connected: bare.connected, bytesPerSocket: Math.round(bare.perSessionBytes) },
  ratio: Number((gateway.perSessionBytes / bare.perSessionBytes).toFixed(2)),
};
console.log(JSON.stringify(result, null, 2));

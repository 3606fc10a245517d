/**
 * The gateway on uWebSockets.js under Node 20, in a child process (Bun cannot
 * load uWS.js). `node-server.ts` is bundled once per test process with
 * `bun build --target=node` (uWS.js stays external and loads from
 * node_modules); tests drive it over its control API.
 */
import { resolve } from "node:path";
import type { User } from "../../src/store/guild-store.ts";
import type { HarnessFactory } from "./harness.ts";

const root = resolve(import.meta.dir, "../..");
const outdir = resolve(root, "dist/node-test");
let built: Promise<string> | undefined;

/** Bundles node-server.ts (once per process); resolves with the bundle's path. */
function build(): Promise<string> {
  built ??= (async () => {
    const result = await Bun.build({
      entrypoints: [resolve(import.meta.dir, "node-server.ts")],
      target: "node",
      outdir,
      external: ["uWebSockets.js"],
    });
    if (!result.success) throw new AggregateError(result.logs, "bun build of test/support/node-server.ts failed");
    return resolve(outdir, "node-server.js");
  })();
  return built;
}

/** Reads the child's first stdout line. */
async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`node-server exited before it was ready${text ? `; it printed: ${text}` : ""}`);
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text.slice(0, text.indexOf("\n"));
}

export const nodeHarness: HarnessFactory = {
  name: "uWebSockets.js (Node)",
  async start(setup) {
    const entry = await build();
    const child = Bun.spawn(["node", entry, setup.node, setup.tokenSecret, ...setup.args], {
      cwd: root,
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
    });
    const ready = JSON.parse(await firstLine(child.stdout)) as { gatewayUrl: string; httpBase: string; control: string };

    async function post(path: string, body: unknown): Promise<Response> {
      const response = await fetch(ready.control + path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`control ${path}: ${response.status} ${await response.text()}`);
      return response;
    }

    return {
      gatewayUrl: ready.gatewayUrl,
      httpBase: ready.httpBase,
      putUser: async (user: User) => void (await post("/users", user)),
      dispatch: async (topic, t, d) => void (await post("/dispatch", { topic, t, d })),
      disconnectUser: async (userId, code, reason) => {
        const { closed } = (await (await post("/disconnect", { userId, code, reason })).json()) as { closed: number };
        return closed;
      },
      async stop() {
        child.kill("SIGTERM");
        await child.exited;
      },
    };
  },
};

/**
 * Runs the compiled binary (dist/guildgate) as a child process, as a user would: on port
 * 0, with its own data dir, and no environment beyond PATH.
 */
import { expect } from "bun:test";
import { existsSync } from "node:fs";
import { resolve } from "node:path";

/** Where `npm run build` puts the binary. */
export const BUILT_BINARY = resolve(import.meta.dir, "../../dist/guildgate");

export interface RunningBinary {
  child: ReturnType<typeof Bun.spawn>;
  /** http://host:port it listens on. */
  base: string;
  /** Its stdout up to the "listening on" line. */
  output: string;
}

/** Starts `binary` in `cwd` with `args` (after `--port 0`); resolves once it listens. */
export async function startBinary(binary: string, cwd: string, args: readonly string[]): Promise<RunningBinary> {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`npm run build\` first`);
  const child = Bun.spawn([binary, "--port", "0", ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "" },
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  let output = "";
  const deadline = Date.now() + 10_000;
  while (!/listening on (http:\/\/\S+)/.test(output) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    output += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const base = /listening on (http:\/\/\S+)/.exec(output)?.[1];
  if (!base) throw new Error(`the binary did not start: ${output}`);
  return { child, base, output };
}

/** SIGTERM: the binary drains and exits 0. */
export async function stopBinary(child: ReturnType<typeof Bun.spawn>): Promise<void> {
  child.kill("SIGTERM");
  expect(await child.exited).toBe(0);
}

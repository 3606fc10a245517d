/**
 * The compiled binary (`npm run build` -> dist/guildgate) runs alone: copied
 * to an empty directory with no node_modules and no native/ folder, it answers
 * --version and --help, and serves /healthz with the embedded addon loaded.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import packageJson from "../package.json" with { type: "json" };

const built = resolve(import.meta.dir, "../dist/guildgate");
let dir = "";
let binary = "";

beforeAll(() => {
  if (!existsSync(built)) throw new Error("dist/guildgate is missing: run `npm run build` first");
  dir = mkdtempSync(join(tmpdir(), "guildgate-binary-"));
  binary = join(dir, "guildgate");
  copyFileSync(built, binary);
  Bun.spawnSync(["chmod", "+x", binary]);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = Bun.spawnSync([binary, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? "" } });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

test("answers --version and --help from an empty directory", () => {
  expect(readdirSync(dir)).toEqual(["guildgate"]);
  expect(run("--version")).toEqual({ code: 0, stdout: `guildgate ${packageJson.version}\n`, stderr: "" });
  const help = run("--help");
  expect(help.code).toBe(0);
  expect(help.stdout).toContain("Usage: guildgate");
  expect(help.stdout).toContain("--ingress-secret");
});

test("refuses a bad flag with exit code 2 and a message", () => {
  const result = run("--port", "99999");
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("port must be an integer from 0 to 65535");
});

test("serves /healthz with the embedded addon and keeps secrets off stdout", async () => {
  const child = Bun.spawn([binary, "--port", "0", "--data-dir", join(dir, "data")], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "" },
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    const reader = child.stdout.getReader();
    let output = "";
    const deadline = Date.now() + 10_000;
    while (!/listening on (http:\/\/\S+)/.test(output) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      output += new TextDecoder().decode(value);
    }
    const base = /listening on (http:\/\/\S+)/.exec(output)?.[1];
    expect(base).toBeDefined();
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { status: string; workers: string[]; version: string };
    expect(body).toMatchObject({ status: "ok", version: packageJson.version, workers: ["worker-0"] });
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ code: 0, message: "404: Not Found" });

    const secrets = JSON.parse(await Bun.file(join(dir, "data", "secrets.json")).text()) as Record<string, string>;
    expect(output).toContain("secrets.json");
    for (const secret of Object.values(secrets)) expect(output).not.toContain(secret);
  } finally {
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  }
});

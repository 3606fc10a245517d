/**
 * The compiled binary (`npm run build` -> dist/guildgate) runs alone: copied
 * to an empty directory with no node_modules and no native/ folder, it answers
 * --version and --help, serves /healthz with the embedded addon loaded, and serves the pages
 * (/, /dashboard) and /api/openapi.json from inside itself. Its state survives a restart on its
 * SQLite file and on PostgreSQL (`--database`).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseCommand, type Config } from "../src/config.ts";
import { peerId } from "../src/cluster/bus.ts";
import packageJson from "../package.json" with { type: "json" };
import { BUILT_BINARY as built, startBinary, stopBinary } from "./support/binary.ts";
import { hostileHttpSuite } from "./hostile-http.case.ts";
import { freshDatabase } from "./support/postgres.ts";
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

/** Starts the copied binary on a free port with its data in `dir`/data. */
const startCopy = () => startBinary(binary, dir, ["--data-dir", join(dir, "data")]);

test("serves /healthz with the embedded addon and keeps secrets off stdout", async () => {
  const { child, base, output } = await startCopy();
  try {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { status: string; workers: string[]; version: string };
    // One worker per core but one by default, each answering HTTP on the shared port.
    const { config } = parseCommand([], {}) as { config: Config };
    const workers = Array.from({ length: Math.max(1, Math.min(32, availableParallelism() - 1)) }, (_, i) => peerId(config.nodeId, i));
    expect(body).toMatchObject({ status: "ok", version: packageJson.version, workers });
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ code: 0, message: "404: Not Found" });

    const secrets = JSON.parse(await Bun.file(join(dir, "data", "secrets.json")).text()) as Record<string, string>;
    expect(output).toContain("secrets.json");
    for (const secret of Object.values(secrets)) expect(output).not.toContain(secret);
  } finally {
    await stopBinary(child);
  }
});

/**
 * A newcomer's path, in two starts of the binary with `args`: the first makes a user, a guild,
 * a role, a channel and a member; after a restart all of it is there (READY, GUILD_CREATE, a
 * message). `dataDirs` are the data dirs of the two starts.
 */
async function newcomersPath(args: readonly string[], dataDirs: readonly [string, string], ingressSecret: () => Promise<string>): Promise<void> {
  const start = (dataDir: string) => startBinary(binary, dir, ["--data-dir", dataDir, ...args]);
  const first = await start(dataDirs[0]);
  const admin = { authorization: `Bearer ${await ingressSecret()}`, "content-type": "application/json" };
  let userId = "";
  let guildId = "";
  let channelId = "";
  let roleId = "";
  const post = async (path: string, body: unknown, method = "POST"): Promise<{ id: string }> => {
    const response = await fetch(`${first.base}${path}`, { method, headers: admin, body: JSON.stringify(body) });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string };
  };
  try {
    userId = (await post("/internal/users", { username: "newcomer", bot: true })).id;
    const friend = (await post("/internal/users", { username: "friend" })).id;
    guildId = (await post("/internal/guilds", { name: "First Guild", owner_id: userId })).id;
    roleId = (await post(`/internal/guilds/${guildId}/roles`, { name: "mods", permissions: "8192", hoist: true })).id;
    const overwrites = [{ id: roleId, type: 0, allow: "1024", deny: "0" }];
    channelId = (await post(`/internal/guilds/${guildId}/channels`, { name: "general", permission_overwrites: overwrites })).id;
    await post(`/internal/guilds/${guildId}/members/${friend}`, { roles: [roleId], nick: "Pal" }, "PUT");
  } finally {
    await stopBinary(first.child);
  }

  const second = await start(dataDirs[1]);
  try {
    const user = await fetch(`${second.base}/internal/users/${userId}`, { headers: admin });
    expect(await user.json()).toMatchObject({ id: userId, username: "newcomer", bot: true });
    const minted = await fetch(`${second.base}/internal/users/${userId}/token`, { method: "POST", headers: admin });
    const { token } = (await minted.json()) as { token: string };
    const gateway = ((await (await fetch(`${second.base}/api/v10/gateway`)).json()) as { url: string }).url;

    const frames: { op: number; t: string | null; d: unknown }[] = [];
    const socket = new WebSocket(`${gateway}/?v=10&encoding=json`);
    const seen = (match: (f: (typeof frames)[number]) => boolean) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(frames)}`)), 5_000);
        const check = () => (frames.some(match) ? (clearTimeout(timer), resolve()) : setTimeout(check, 5));
        check();
      });
    socket.onmessage = (event) => frames.push(JSON.parse(event.data as string));
    await seen((f) => f.op === 10);
    socket.send(JSON.stringify({ op: 2, d: { token, intents: 513, properties: { os: "linux", browser: "test", device: "test" } } }));
    await seen((f) => f.t === "READY");
    expect((frames.find((f) => f.t === "READY")?.d as { guilds: unknown }).guilds).toEqual([{ id: guildId, unavailable: true }]);
    await seen((f) => f.t === "GUILD_CREATE");
    const guild = frames.find((f) => f.t === "GUILD_CREATE")?.d as Record<string, unknown>;
    expect(guild).toMatchObject({ id: guildId, name: "First Guild", owner_id: userId, member_count: 2 });
    expect(guild.channels).toMatchObject([{ id: channelId, name: "general", permission_overwrites: [{ id: roleId, type: 0, allow: "1024", deny: "0" }] }]);
    expect((guild.roles as { id: string; permissions: string }[]).find((r) => r.id === roleId)).toMatchObject({ name: "mods", permissions: "8192", hoist: true });
    expect((guild.members as { nick: string | null; roles: string[] }[]).find((m) => m.nick === "Pal")?.roles).toEqual([roleId]);
    const posted = await fetch(`${second.base}/api/v10/channels/${channelId}/messages`, {
      method: "POST",
      headers: { authorization: `Bot ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ content: "first message after a restart" }),
    });
    expect(posted.status).toBe(200);
    await seen((f) => f.t === "MESSAGE_CREATE");
    const sent = await fetch(`${second.base}/internal/users/${userId}/dispatch`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ t: "NOTIFICATION_CREATE", d: { text: "welcome" } }),
    });
    expect(sent.status).toBe(202);
    await seen((f) => f.t === "NOTIFICATION_CREATE");
    expect(frames.find((f) => f.t === "NOTIFICATION_CREATE")?.d).toEqual({ text: "welcome" });
    socket.close(1000);
  } finally {
    await stopBinary(second.child);
  }
}


test("a newcomer's path: a user, a guild, a channel; after a restart all of it is there: READY, GUILD_CREATE, a message", async () => {
  const dataDir = join(dir, "data");
  const secret = async () => (JSON.parse(await Bun.file(join(dataDir, "secrets.json")).text()) as { ingressSecret: string }).ingressSecret;
  await newcomersPath([], [dataDir, dataDir], secret);
});

test("a newcomer's path on PostgreSQL (--database): all of it is there after a restart with an empty data dir", async () => {
  const database = await freshDatabase();
  try {
    const args = ["--database", database.url, "--ingress-secret", "newcomer-ingress", "--token-secret", "newcomer-token-secret-0123456789"];
    const [before, after] = [join(dir, "pg-data-1"), join(dir, "pg-data-2")];
    await newcomersPath(args, [before, after], async () => "newcomer-ingress");
    // Nothing of the state went to SQLite: the second start had a data dir of its own.
    for (const dataDir of [before, after]) expect(existsSync(join(dataDir, "guildgate.sqlite"))).toBe(false);
  } finally {
    await database.drop();
  }
});

test("--database: a bad URL exits 2 naming the option; an unreachable server exits 1 with one clear line, no password", async () => {
  const bad = run("--database", "mysql://u:hunter2@h/db");
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("database must be a URL like postgres://");
  expect(bad.stderr).not.toContain("hunter2");
  const unreachable = run("--database", "postgres://gg:hunter2@127.0.0.1:1/gg", "--data-dir", join(dir, "unreachable-data"));
  expect(unreachable.code).toBe(1);
  expect(unreachable.stderr).toContain("could not start: cannot open the database postgres://gg:***@127.0.0.1:1/gg");
  expect(unreachable.stderr + unreachable.stdout).not.toContain("hunter2");
  expect(run("--help").stdout).toContain("--database");
});

test("alone in its directory, it serves the pages and their assets from inside itself, and /api/openapi.json", async () => {
  const before = readdirSync(dir).sort();
  const { child, base, output } = await startCopy();
  try {
    expect(output).toContain("demo mode: off");
    for (const path of ["/", "/dashboard"]) {
      const page = await fetch(`${base}${path}`);
      expect({ path, status: page.status, type: page.headers.get("content-type") }).toEqual({ path, status: 200, type: "text/html;charset=utf-8" });
      const assets = [...(await page.text()).matchAll(/(?:src|href)="(\/[\w.-]+\.(?:js|css))"/g)].map((m) => m[1] as string);
      expect(assets.length).toBeGreaterThanOrEqual(2);
      for (const asset of assets) expect({ asset, status: (await fetch(`${base}${asset}`)).status }).toEqual({ asset, status: 200 });
    }
    const openapi = await fetch(`${base}/api/openapi.json`);
    expect(openapi.headers.get("content-type")).toBe("application/json");
    expect(((await openapi.json()) as { openapi: string }).openapi).toBe("3.1.0");
    // Nothing was unpacked beside it: it wrote only its data dir.
    expect(readdirSync(dir).sort()).toEqual([...new Set([...before, "data"])].sort());
  } finally {
    await stopBinary(child);
  }
});

// The binary's own error handling, not the harnesses': its development error page once leaked.
hostileHttpSuite("the compiled binary", false, async () => {
  const dataDir = join(dir, "hostile-data");
  const { child, base } = await startBinary(binary, dir, ["--data-dir", dataDir]);
  const { ingressSecret } = JSON.parse(await Bun.file(join(dataDir, "secrets.json")).text()) as { ingressSecret: string };
  return { httpBase: base, ingressSecret, stop: () => stopBinary(child) };
});

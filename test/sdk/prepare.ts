/**
 * The SDK programs (and the fuzzer), ready to run, made on first use and reused after: Python
 * venvs with pinned requirements installed from PyPI (discord.py; schemathesis), and the
 * discordgo program built by `go` from its pinned go.mod/go.sum (the module proxy serves it).
 * All live under .tmp/sdk/ (git-ignored). A venv is remade when its requirements file
 * changes; `go build` is incremental.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const WORK = join(ROOT, ".tmp", "sdk");

/** Runs a setup command; throws with its output if it fails. */
async function run(command: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<void> {
  const child = Bun.spawn(command, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`${command.join(" ")} exited with ${code}:\n${stdout}${stderr}`);
}

/**
 * The python of a venv under .tmp/sdk/<name> with `requirements` (a pinned requirements file)
 * installed from PyPI; made on first use, and made again when the file changes.
 */
export async function venvPython(name: string, requirements: string): Promise<string> {
  const venv = join(WORK, name);
  const python = join(venv, "bin", "python");
  const stamp = join(venv, "installed-requirements.txt");
  const wanted = readFileSync(requirements, "utf8");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== wanted) {
    rmSync(venv, { recursive: true, force: true });
    mkdirSync(WORK, { recursive: true });
    await run(["python3", "-m", "venv", venv]);
    await run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input", "-r", requirements]);
    writeFileSync(stamp, wanted);
  }
  return python;
}

/**
 * The command that runs test/sdk/discordpy/bot.py with discord.py installed; with `zstandard`,
 * in a venv that also has zstandard, which makes discord.py ask for zstd-stream.
 */
export async function discordPyCommand(zstandard = false): Promise<string[]> {
  const requirements = zstandard ? "requirements-zstandard.txt" : "requirements.txt";
  const python = await venvPython(zstandard ? "discordpy-zstandard-venv" : "discordpy-venv", join(ROOT, "test", "sdk", "discordpy", requirements));
  return [python, join(ROOT, "test", "sdk", "discordpy", "bot.py")];
}

/** The command that runs test/sdk/discordgo/main.go, built. */
export async function discordgoCommand(): Promise<string[]> {
  const program = join(WORK, "discordgo-bot");
  // GOTOOLCHAIN=local: build with the go on the machine, never download another; go.sum must hold every module.
  await run(["go", "build", "-o", program, "."], { cwd: join(ROOT, "test", "sdk", "discordgo"), env: { GOTOOLCHAIN: "local", GOFLAGS: "-mod=readonly -buildvcs=false" } });
  return [program];
}

/**
 * schemathesis (PyPI, pinned in test/fuzz/requirements.txt; `npm test` installs it into a
 * venv under .tmp/sdk/) fuzzes the ingress API of the running binary from its own
 * /api/openapi.json: valid and invalid bodies, ids and methods. Every answer must be no 5xx,
 * a status the description lists, the content type it lists, and a body its schema accepts.
 * The seed is fixed, so a run is repeatable.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BUILT_BINARY, startBinary, stopBinary, type RunningBinary } from "./support/binary.ts";
import { venvPython } from "./sdk/prepare.ts";

const REQUIREMENTS = resolve(import.meta.dir, "fuzz/requirements.txt");
const CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance"];
/** Test cases per operation, per phase; about 1500 requests in all. */
const MAX_EXAMPLES = 40;

let dir = "";
let binary: RunningBinary;
let python = "";

beforeAll(async () => {
  python = await venvPython("schemathesis-venv", REQUIREMENTS);
  dir = mkdtempSync(join(tmpdir(), "guildgate-fuzz-"));
  binary = await startBinary(BUILT_BINARY, dir, ["--data-dir", join(dir, "data")]);
}, 300_000);

afterAll(async () => {
  if (binary) await stopBinary(binary.child);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("schemathesis finds no 5xx and no answer that breaks the description on the ingress API", async () => {
  const { ingressSecret } = JSON.parse(await Bun.file(join(dir, "data", "secrets.json")).text()) as { ingressSecret: string };
  const run = Bun.spawn(
    [
      join(python, "..", "schemathesis"),
      "run",
      `${binary.base}/api/openapi.json`,
      "--header",
      `Authorization: Bearer ${ingressSecret}`,
      "--include-path-regex",
      "^/internal/",
      "--checks",
      CHECKS.join(","),
      "--phases",
      "examples,coverage,fuzzing",
      "--max-examples",
      String(MAX_EXAMPLES),
      "--seed",
      "14",
      "--workers",
      "1",
      "--generation-database",
      "none",
      "--suppress-health-check",
      "all",
      "--no-color",
    ],
    { cwd: dir, stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "", HOME: dir } },
  );
  const [stdout, stderr, code] = await Promise.all([new Response(run.stdout).text(), new Response(run.stderr).text(), run.exited]);
  // The summary (operations, cases, failures) is worth seeing either way.
  console.log(code === 0 ? stdout.slice(stdout.lastIndexOf("SUMMARY")) : `${stdout.slice(-20_000)}\n${stderr.slice(-5_000)}`);
  expect(stdout).toMatch(/\d+ passed/);
  expect(code).toBe(0);
}, 300_000);

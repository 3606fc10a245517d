/** Test helpers for protocol/. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ProtocolError } from "./close-codes.ts";

/** Runs `fn` and returns the `ProtocolError` it throws (fails otherwise). */
export function protocolErrorOf(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
  throw new Error("expected a ProtocolError, but nothing was thrown");
}

/** The non-test source files under src/ (paths relative to it) whose text contains `needle`. */
export function sourcesContaining(needle: string): string[] {
  const src = join(import.meta.dir, "..");
  return readdirSync(src, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
    .filter((file) => readFileSync(join(src, file), "utf8").includes(needle));
}

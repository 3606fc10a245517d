/**
 * Secrets the operator did not give are generated once, on first start, into
 * `<dataDir>/secrets.json` (mode 0600) and reused on every later start, so
 * tokens minted before a restart stay valid. The secrets are never logged.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

export interface Secrets {
  readonly ingressSecret: string;
  readonly tokenSecret: string;
  /** The file that holds generated secrets, when any were generated or reused. */
  readonly file: string | undefined;
}

interface StoredSecrets {
  ingressSecret?: string;
  tokenSecret?: string;
}

/** Fills in missing secrets from the data dir, generating and storing them if needed. */
export function resolveSecrets(
  dataDir: string,
  given: { ingressSecret: string | undefined; tokenSecret: string | undefined },
): Secrets {
  if (given.ingressSecret !== undefined && given.tokenSecret !== undefined) {
    return { ingressSecret: given.ingressSecret, tokenSecret: given.tokenSecret, file: undefined };
  }
  const file = join(dataDir, "secrets.json");
  const stored = readStored(file);
  const next: StoredSecrets = {
    ingressSecret: stored.ingressSecret ?? generate(),
    tokenSecret: stored.tokenSecret ?? generate(),
  };
  if (next.ingressSecret !== stored.ingressSecret || next.tokenSecret !== stored.tokenSecret) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(next, null, 2) + "\n", { mode: 0o600 });
  }
  return {
    ingressSecret: given.ingressSecret ?? (next.ingressSecret as string),
    tokenSecret: given.tokenSecret ?? (next.tokenSecret as string),
    file,
  };
}

function readStored(file: string): StoredSecrets {
  if (!existsSync(file)) return {};
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (typeof parsed !== "object" || parsed === null) {
    throw new Error(`${file} must hold a JSON object`);
  }
  const { ingressSecret, tokenSecret } = parsed as Record<string, unknown>;
  return {
    ingressSecret: typeof ingressSecret === "string" && ingressSecret ? ingressSecret : undefined,
    tokenSecret: typeof tokenSecret === "string" && tokenSecret ? tokenSecret : undefined,
  };
}

/** 32 random bytes, base64url: 256 bits, a full HMAC-SHA256 key. */
function generate(): string {
  return randomBytes(32).toString("base64url");
}

import { describe, expect, test } from "bun:test";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, parseCommand, USAGE, type Config } from "./config.ts";

const config = (argv: string[], env: Record<string, string> = {}): Config => {
  const command = parseCommand(argv, env);
  if (command.kind !== "run") throw new Error("not a run command");
  return command.config;
};

describe("--database", () => {
  const url = "postgres://gg:s3cret@db.example:5432/guildgate";

  test("is absent by default (SQLite in the data dir), and read from the flag, GUILDGATE_DATABASE or the config file's database", () => {
    expect(config([]).database).toBeUndefined();
    expect(config(["--database", url]).database).toBe(url);
    expect(config([], { GUILDGATE_DATABASE: url }).database).toBe(url);
    const dir = mkdtempSync(join(tmpdir(), "guildgate-config-"));
    try {
      const file = join(dir, "guildgate.json");
      writeFileSync(file, JSON.stringify({ database: "postgresql://localhost/gg" }));
      expect(config(["--config", file]).database).toBe("postgresql://localhost/gg");
      expect(config(["--config", file, "--database", url]).database).toBe(url);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("refuses what is not a postgres:// URL with a host, naming the option and never repeating the value", () => {
    for (const bad of ["", "not a url", "mysql://u:s3cret@h/db", "postgres:///nohost", "http://u:s3cret@h/db"]) {
      let error: unknown;
      try {
        config(["--database", bad]);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain("database");
      expect((error as Error).message).not.toContain("s3cret");
    }
  });

  test("--help lists it", () => {
    expect(USAGE).toContain("--database");
  });
});

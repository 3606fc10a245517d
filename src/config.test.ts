import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, parseCommand, USAGE, type Config } from "./config.ts";

function config(argv: string[], env: Record<string, string> = {}): Config {
  const command = parseCommand(argv, env);
  if (command.kind !== "run") throw new Error(`expected a run command, got ${command.kind}`);
  return command.config;
}

test("--demo is off by default and a switch: alone it means on, and the next argument stays a flag", () => {
  expect(config([]).demo).toBe(false);
  const on = config(["--demo", "--port", "9000"]);
  expect(on.demo).toBe(true);
  expect(on.port).toBe(9000);
  expect(config(["--demo=false"]).demo).toBe(false);
});

test("--demo reads GUILDGATE_DEMO and the config file's demo key; a flag wins", () => {
  expect(config([], { GUILDGATE_DEMO: "1" }).demo).toBe(true);
  expect(config(["--demo=no"], { GUILDGATE_DEMO: "true" }).demo).toBe(false);
  const file = join(mkdtempSync(join(tmpdir(), "guildgate-config-")), "guildgate.json");
  writeFileSync(file, JSON.stringify({ demo: true }));
  expect(config(["--config", file]).demo).toBe(true);
});

test("a --demo value that is not a yes or no is refused, naming the option", () => {
  expect(() => config(["--demo=maybe"])).toThrow(new ConfigError('demo must be true or false, got "maybe"'));
});

test("--help lists --demo as a switch that is off unless given", () => {
  expect(USAGE).toMatch(/--demo\s+seed a demo guild.*\(default false\)/);
});

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

describe("--cluster and --node-id", () => {
  const database = ["--database", "postgres://gg@127.0.0.1/gg"];

  test("a node of a cluster needs the shared database; without --cluster the process runs alone", () => {
    expect(config([]).cluster).toBeUndefined();
    expect(config(["--cluster", "nats://127.0.0.1:4222", ...database]).cluster).toBe("nats://127.0.0.1:4222");
    expect(config(database, { GUILDGATE_CLUSTER: "nats://n:4222" }).cluster).toBe("nats://n:4222");
    expect(() => config(["--cluster", "nats://127.0.0.1:4222"])).toThrow(/cluster needs database/);
    for (const bad of ["", "http://h:4222", "not a url"]) expect(() => config(["--cluster", bad, ...database])).toThrow(ConfigError);
  });

  test("a node id is a valid subject token; the default is the host's name, with the process id in a cluster", () => {
    expect(config([]).nodeId).toMatch(/^[A-Za-z0-9_-]+$/);
    const host = hostname().replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 40);
    expect(config([]).nodeId).toBe(host);
    expect(config(["--cluster", "nats://n:4222", ...database]).nodeId).toBe(`${host}-${process.pid}`);
    expect(config(["--node-id", "eu-1_a"]).nodeId).toBe("eu-1_a");
    expect(config([], { GUILDGATE_NODE_ID: "n2" }).nodeId).toBe("n2");
    for (const bad of ["a.b", "a b", "a*", "a>", "x".repeat(65)]) expect(() => config(["--node-id", bad])).toThrow(ConfigError);
  });
});

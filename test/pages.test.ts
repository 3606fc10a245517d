/**
 * The pages and what they call, in process on Bun.serve: the chat page and the dashboard with
 * their bundled assets, demo mode (seeded once, joinable, absent without --demo), and the
 * dashboard's login cookie and events stream. The browser tests (test/browser.test.ts) drive
 * the same pages in Chromium against the binary.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DEMO } from "../src/api/demo.ts";
import type { RunningServer } from "../src/server.ts";
import { MemoryGuildStore } from "../src/store/memory.ts";
import { RawClient } from "./support/gateway-client.ts";
import { callJson } from "./support/http.ts";
import { PREPARED_INGRESS_SECRET as INGRESS_SECRET, startPrepared as start } from "./support/prepared-server.ts";

describe("with --demo", () => {
  const store = new MemoryGuildStore();
  let server: RunningServer;
  let base = "";
  beforeAll(async () => ({ server, base } = await start(["--demo"], store)));
  afterAll(() => server.stop());

  test("/ and /dashboard are pages whose scripts and styles are served, and / still upgrades", async () => {
    for (const path of ["/", "/dashboard"]) {
      const page = await fetch(`${base}${path}`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toStartWith("text/html");
      const html = await page.text();
      const assets = [...html.matchAll(/(?:src|href)="\.?(\/[\w.-]+\.(?:js|css))"/g)].map((m) => m[1] as string);
      expect(assets.length).toBeGreaterThanOrEqual(2);
      for (const asset of assets) {
        const response = await fetch(`${base}${asset}`);
        expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
        expect(response.headers.get("cache-control")).toContain("immutable");
      }
    }
    expect((await fetch(`${base}/`, { method: "POST" })).status).toBe(405);
    const client = new RawClient(`${server.gatewayUrl}/?v=10&encoding=json`);
    expect((await client.op(10)).op).toBe(10);
    client.close();
  });

  test("the demo guild is seeded, and a second start on the same store finds it and adds nothing", async () => {
    expect((await store.listChannels(DEMO.guildId)).map((c) => c.name).sort()).toEqual(["general", "random", "staff-room"]);
    expect((await store.listRoles(DEMO.guildId)).map((r) => r.name).sort()).toEqual(["@everyone", "Member", "Staff"]);
    const again = await start(["--demo"], store);
    await again.server.stop();
    expect(await store.listChannels(DEMO.guildId)).toHaveLength(3);
  });

  test("POST /demo/join makes a member with a working token, who sees every channel but the staff room", async () => {
    expect((await callJson(base, "GET", "/demo", undefined, "")).json).toEqual({ guild_id: DEMO.guildId, max_members: 1000 });
    const joined = await callJson(base, "POST", "/demo/join", { username: "visitor" }, "");
    expect(joined.status).toBe(201);
    const { token, user } = joined.json as { token: string; user: { id: string; username: string } };
    expect(user.username).toBe("visitor");
    expect((await store.getMember(DEMO.guildId, user.id))?.roleIds).toEqual([DEMO.memberRoleId]);
    const client = new RawClient(`${server.gatewayUrl}/?v=10&encoding=json`);
    await client.op(10);
    client.send({ op: 2, d: { token, intents: 1, properties: { os: "t", browser: "t", device: "t" } } });
    const guild = (await client.dispatch("GUILD_CREATE")).d as { channels: { name: string }[] };
    expect(guild.channels.map((c) => c.name).sort()).toEqual(["general", "random"]);
    client.close();
    expect((await callJson(base, "POST", "/demo/join", { username: "" }, "")).status).toBe(400);
    expect((await callJson(base, "POST", "/demo/join", { password: "x" }, "")).status).toBe(400);
  });
});

describe("without --demo", () => {
  let server: RunningServer;
  let base = "";
  beforeAll(async () => ({ server, base } = await start([])));
  afterAll(() => server.stop());

  test("there is no demo: /demo and /demo/join are 404 and nothing is seeded", async () => {
    expect((await callJson(base, "GET", "/demo", undefined, "")).status).toBe(404);
    expect((await callJson(base, "POST", "/demo/join", {}, "")).status).toBe(404);
    expect((await callJson(base, "GET", `/internal/guilds/${DEMO.guildId}`, undefined, `Bearer ${INGRESS_SECRET}`)).status).toBe(404);
  });

  test("the dashboard refuses a wrong secret; the right one sets an HttpOnly, SameSite=Strict cookie that opens the events stream", async () => {
    const login = (secret: unknown) => fetch(`${base}/dashboard/login`, { method: "POST", body: JSON.stringify({ secret }) });
    for (const wrong of ["nope", `${INGRESS_SECRET}x`, 42]) expect((await login(wrong)).status).toBe(401);
    expect((await fetch(`${base}/dashboard/events`)).status).toBe(401);

    const ok = await login(INGRESS_SECRET);
    expect(ok.status).toBe(204);
    const setCookie = ok.headers.get("set-cookie") ?? "";
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).not.toContain(INGRESS_SECRET);
    const cookie = setCookie.split(";")[0] as string;

    const events = await fetch(`${base}/dashboard/events`, { headers: { cookie } });
    expect(events.status).toBe(200);
    expect(events.headers.get("content-type")).toBe("text/event-stream");
    const reader = (events.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes("\n\n")) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const snapshot = JSON.parse(text.slice(text.indexOf("data: ") + 6, text.indexOf("\n\n"))) as { workers: { peer: string; sessions: number }[] };
    expect(snapshot.workers).toEqual([expect.objectContaining({ peer: "prepared/0", sessions: 0 })]);

    const [name, value] = cookie.split("=") as [string, string];
    const tampered = `${name}=${value.replace(/^\d/, (d) => String((Number(d) + 1) % 10))}`;
    expect((await fetch(`${base}/dashboard/events`, { headers: { cookie: tampered } })).status).toBe(401);
    const logout = await fetch(`${base}/dashboard/logout`, { method: "POST" });
    expect(logout.headers.get("set-cookie")).toContain("Max-Age=0");
  });
});

/**
 * The pages in a real browser: Debian's Chromium (/usr/bin/chromium; .ci/run installs it),
 * driven by playwright-core, against the compiled binary started with --demo and two workers.
 * Never a downloaded browser. Waits are generous timeouts on what the page shows, never
 * measurements of time. Screenshots go to .tmp/screenshots/.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { DEMO } from "../src/api/demo.ts";
import { BUILT_BINARY, startBinary, stopBinary, type RunningBinary } from "./support/binary.ts";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
export const SCREENSHOTS = resolve(import.meta.dir, "../.tmp/screenshots");
/** How long a page may take to show what the test waits for; generous, since the machine is shared. */
const WAIT = { timeout: 10_000 };

let dir = "";
let binary: RunningBinary;
let browser: Browser;
let context: BrowserContext;
let ingressSecret = "";

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  dir = mkdtempSync(join(tmpdir(), "guildgate-browser-"));
  binary = await startBinary(BUILT_BINARY, dir, ["--demo", "--workers", "2", "--data-dir", join(dir, "data")]);
  ingressSecret = (JSON.parse(await Bun.file(join(dir, "data", "secrets.json")).text()) as { ingressSecret: string }).ingressSecret;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  context = await browser.newContext({ viewport: { width: 1100, height: 620 } });
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  if (binary) await stopBinary(binary.child);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A new page that joins the demo guild as `name`; resolves once it shows the channels. */
async function joinDemo(name: string): Promise<{ page: Page; userId: string }> {
  const page = await context.newPage();
  await page.goto(`${binary.base}/`);
  await page.fill("#join input[name=username]", name);
  await page.click("#join button");
  await page.waitForSelector("#channels li", WAIT);
  const userId = (await page.getAttribute("#me-name", "data-user-id")) as string;
  return { page, userId };
}

const channelNames = (page: Page): Promise<string[]> => page.locator("#channels li").allTextContents();
const memberRow = (page: Page, userId: string, status: string): string => `#members .member[data-user-id="${userId}"][data-status="${status}"]`;

let alice: { page: Page; userId: string };
let bob: { page: Page; userId: string };

test("two users join the demo guild; a message typed in one page appears in the other; each sees the other online", async () => {
  alice = await joinDemo("alice");
  bob = await joinDemo("bob");
  expect(await channelNames(alice.page)).toEqual(["general", "random"]);
  await alice.page.fill("#composer input", "hello from alice");
  await alice.page.press("#composer input", "Enter");
  const arrived = await bob.page.waitForSelector("#messages li:has-text('hello from alice')", WAIT);
  expect(await arrived.textContent()).toContain("alice");
  await bob.page.waitForSelector(memberRow(bob.page, alice.userId, "online"), WAIT);
  await alice.page.waitForSelector(memberRow(alice.page, bob.userId, "online"), WAIT);
  await alice.page.screenshot({ path: join(SCREENSHOTS, "chat-alice.png") });
  await bob.page.screenshot({ path: join(SCREENSHOTS, "chat-bob.png") });
}, 60_000);

test("the dashboard refuses a wrong secret, and after the right one shows 2 sessions and counts the message", async () => {
  const page = await context.newPage();
  await page.goto(`${binary.base}/dashboard`);
  await page.fill("#login-form input[name=secret]", "not-the-secret");
  await page.click("#login-form button");
  await page.waitForSelector("#login-error:has-text('Wrong secret')", WAIT);
  expect(await page.isHidden("#app")).toBe(true);
  await page.fill("#login-form input[name=secret]", ingressSecret);
  await page.click("#login-form button");
  await page.waitForSelector("#kpi-sessions:text-is('2')", WAIT);
  await page.waitForSelector("#kpi-messages:text-is('1')", WAIT);
  expect(await page.locator("#workers tbody tr").count()).toBe(2);
  // The cookie the login set is not readable by the page's scripts.
  expect(await page.evaluate("document.cookie")).toBe("");
  await page.screenshot({ path: join(SCREENSHOTS, "dashboard.png"), fullPage: true });
  await page.close();
}, 60_000);

test("a page opening a channel loads its history; typing in one page shows in the other; a deleted message goes from both", async () => {
  const dave = await joinDemo("dave");
  // Posted before dave's page opened: it comes from GET /api/v10/channels/:id/messages.
  await dave.page.waitForSelector("#messages li:has-text('hello from alice')", WAIT);
  await dave.page.type("#composer input", "hm");
  await bob.page.waitForSelector("#typing:has-text('dave is typing')", WAIT);
  await dave.page.press("#composer input", "Enter");
  const posted = await bob.page.waitForSelector("#messages li:has-text('hm')", WAIT);
  const messageId = (await posted.getAttribute("data-message-id")) as string;
  const token = (await dave.page.evaluate("sessionStorage.getItem('guildgate-token')")) as string;
  const channelId = (await dave.page.getAttribute("#channels li[aria-current=true]", "data-channel-id")) as string;
  const deleted = await fetch(`${binary.base}/api/v10/channels/${channelId}/messages/${messageId}`, { method: "DELETE", headers: { authorization: token } });
  expect(deleted.status).toBe(204);
  for (const page of [bob.page, dave.page]) await page.waitForSelector(`#messages li[data-message-id="${messageId}"]`, { ...WAIT, state: "detached" });
  await dave.page.close();
}, 60_000);

test("when a page closes, the other page's member list shows that user offline", async () => {
  await alice.page.close({ runBeforeUnload: true });
  await bob.page.waitForSelector(memberRow(bob.page, alice.userId, "offline"), WAIT);
}, 30_000);

test("a channel hidden from the user's roles appears, without a reload, once ingress grants the role that sees it", async () => {
  const carol = await joinDemo("carol");
  // The channel list comes whole from GUILD_CREATE: what is not there now was not sent.
  expect(await channelNames(carol.page)).toEqual(["general", "random"]);
  const granted = await fetch(`${binary.base}/internal/guilds/${DEMO.guildId}/members/${carol.userId}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${ingressSecret}`, "content-type": "application/json" },
    body: JSON.stringify({ roles: [DEMO.memberRoleId, DEMO.staffRoleId] }),
  });
  expect(granted.status).toBe(200);
  await carol.page.waitForSelector("#channels li:text-is('staff-room')", WAIT);
  expect(await channelNames(carol.page)).toEqual(["general", "random", "staff-room"]);
  // Carol is now in the hoisted Staff group of bob's member list.
  await bob.page.waitForSelector("#members h4:has-text('Staff')", WAIT);
}, 60_000);

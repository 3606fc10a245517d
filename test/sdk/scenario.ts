/**
 * What every SDK must do against the compiled binary, unpatched, pointed at guildgate only by
 * its documented base-URL settings: log in; fill its guild cache (guild, channels, roles,
 * members); receive a message another user posts; send with its own send call and receive
 * the echo; not see a hidden channel until a role grants VIEW_CHANNEL (then get it by
 * CHANNEL_CREATE); answer a user's slash command, its autocomplete (the choices reaching that
 * user's own session) and a button; open a DM and talk in it both ways (the DM reaching only the human's session
 * with DIRECT_MESSAGES); start a thread, talk in it and archive it; keep its session across a presence change (op 3); do its message workout
 * in a channel a bystander may not view, who gets none of its events and may read none of it over
 * REST; and, after its socket
 * is cut as a network would cut it, RESUME (RESUMED, not READY) and get every message posted
 * meanwhile exactly once, in order.
 *
 * The SDK program (test/sdk/<sdk>/) prints what it sees as JSON lines and takes commands on
 * stdin (see sdk-process.ts):
 * - it prints `{"event":"dispatch","t":"READY"|"RESUMED"}` as those arrive;
 * - `{"event":"ready","user_id","guilds":[snapshot]}` once every READY guild is in its cache,
 *   where a snapshot is `{"id","name","channels","roles","members"}`, ids sorted;
 * - `{"event":"message","id","channel_id","author_id","content"}` per MESSAGE_CREATE;
 * - `{"event":"channel_create","id","name","guild_id"}`;
 * - `{"event":"message_edit","id","content"}`, `{"event":"reaction_add","message_id","user_id","emoji"}`,
 *   `{"event":"message_delete","id"}`, `{"event":"pins_update","channel_id","pinned"}`;
 * - commands: `{"cmd":"send","channel_id","content"}` -> `{"event":"sent","id"}`,
 *   `{"cmd":"guild","guild_id"}` -> `{"event":"guild",...snapshot}`,
 *   `{"cmd":"dm","user_id","content"}`: opens the DM with the user and sends there, with its own
 *   calls -> `{"event":"dm_sent","id","channel_id"}`,
 *   `{"cmd":"presence","status","activity"}` -> `{"event":"presence_sent"}`,
 *   `{"cmd":"workout","channel_id"}`: with its own calls it sends "workout" with a file
 *   hello.txt holding "hello file", edits it to "workout edited", reacts with 👍, pins it,
 *   downloads the file, reads the last 50 messages and deletes it ->
 *   `{"event":"workout","id","edited","history","attachment","attached"}` (history: ids, newest
 *   first; attachment: the file's URL; attached: what it downloaded),
 *   `{"cmd":"thread","channel_id"}`: with its own calls it starts the public thread "sdk thread"
 *   there, sends "in the thread" in it and archives it ->
 *   `{"event":"thread","id","parent_id","sent","archived"}`; `{"event":"thread_create","id","parent_id"}`
 *   per THREAD_CREATE,
 *   `{"cmd":"commands","guild_id"}`: with the SDK's own bulk overwrite (discord.py
 *   `tree.sync()`) it registers the global slash command `echo` (a required string option
 *   `text`, with autocomplete) and the user command `Inspect`, then `local` in the guild ->
 *   `{"event":"commands","global","guild"}` (each a list of `{id,name,type}` as answered),
 *   `{"cmd":"card","channel_id","message_id"}`: replies to the message with an embed and a
 *   button (custom_id `press`) -> `{"event":"card","id"}`,
 *   `{"cmd":"quit"}`;
 * - when a user invokes `echo`: `{"event":"interaction","id","name","user_id"}`, then it defers
 *   and edits its original response to "echo: <text>" -> `{"event":"answered","id","message_id","content"}`;
 *   while a user types `echo`'s `text` (an autocomplete): `{"event":"autocomplete","id","current","user_id"}`,
 *   and it answers the choices `<current>llo` and `<current>lp` (each its own name and value);
 *   when a user presses the card's button: it updates the card to "pressed" with no components
 *   -> `{"event":"pressed","message_id","user_id"}`;
 * - `{"event":"error","message"}` when a command fails.
 *
 * The gateway's `--public-url` is a TCP proxy (support/tcp-proxy.ts), so READY's
 * `resume_gateway_url` and `/gateway`'s `url` lead the SDK through it, and the test can cut
 * the connection under it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILT_BINARY, startBinary, stopBinary, type RunningBinary } from "../support/binary.ts";
import { RawClient } from "../support/gateway-client.ts";
import { callJson, type Json } from "../support/http.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";
import { SdkProcess, type SdkLine } from "./sdk-process.ts";

const INGRESS_SECRET = "sdk-ingress-secret-0123456789abcdef";
const GUILDS = 1 << 0;
const GUILD_MEMBERS = 1 << 1;
const GUILD_PRESENCES = 1 << 8;
const GUILD_MESSAGES = 1 << 9;
const GUILD_MESSAGE_REACTIONS = 1 << 10;
const GUILD_MESSAGE_TYPING = 1 << 11;
const DIRECT_MESSAGES = 1 << 12;
const MESSAGE_CONTENT = 1 << 15;
/** Every guild intent a member's session can ask for: whatever it is not shown, it is not for its intents. */
const ALL_GUILD_MESSAGE_INTENTS = GUILDS | GUILD_MEMBERS | GUILD_MESSAGES | GUILD_MESSAGE_REACTIONS | GUILD_MESSAGE_TYPING | MESSAGE_CONTENT;
const VIEW_CHANNEL = (1n << 10n).toString();
/** Setup may create a venv and install from PyPI, or download Go modules. */
const SETUP_MS = 240_000;
/** Each step: a few SDK round trips, one reconnect with backoff at most. */
const STEP_MS = 30_000;

/** An SDK under test: its name and version, and how to get the command that runs its program. */
export interface SdkUnderTest {
  name: string;
  command(): Promise<string[]>;
  /** The `compress=` the SDK asks for on every gateway connection (none: not checked). */
  compress?: string;
}

interface Account {
  id: string;
  token: string;
}

/**
 * A plain socket straight to the gateway, READY as `token` with `intents`. A user's IDENTIFYs are
 * one per 5 s (max_concurrency 1), so an op 9 for a second session of the same user is waited out.
 */
async function identified(port: string, token: string, intents: number): Promise<RawClient> {
  for (;;) {
    const socket = new RawClient(`ws://127.0.0.1:${port}/?v=10&encoding=json`);
    await socket.opened();
    await socket.op(10);
    socket.send({ op: 2, d: { token, intents, properties: { os: "linux", browser: "t", device: "t" } } });
    const answer = await socket.next((f) => f.t === "READY" || f.op === 9);
    if (answer.op !== 9) return socket;
    socket.close();
    await Bun.sleep(1_000);
  }
}

export function sdkConformance(sdk: SdkUnderTest): void {
  describe(`${sdk.name} against dist/guildgate`, () => {
    let dir = "";
    let proxy: TcpProxy | undefined;
    let binary: RunningBinary | undefined;
    let client: SdkProcess | undefined;
    let observer: RawClient | undefined;
    /** The human's second session, the only one with DIRECT_MESSAGES. */
    let humanDms: RawClient | undefined;
    /** A member who may not view the hidden channel, on a session with every message intent. */
    let bystander: RawClient | undefined;
    const w = {
      bot: { id: "", token: "" },
      human: { id: "", token: "" },
      outsider: { id: "", token: "" },
      guildId: "",
      general: "",
      hidden: "",
      viewers: "",
      /** The global `echo` command's id, once registered. */
      echo: "",
    };

    const api = (method: string, path: string, body?: unknown, auth = `Bearer ${INGRESS_SECRET}`) =>
      callJson(binary?.base ?? "", method, path, body, auth);

    async function created(method: string, path: string, body: unknown): Promise<Json> {
      const { status, json } = await api(method, path, body);
      if (status !== 201) throw new Error(`${method} ${path}: ${status} ${JSON.stringify(json)}`);
      return json;
    }

    async function account(username: string, bot: boolean, privileged: number): Promise<Account> {
      const { id } = (await created("POST", "/internal/users", { username, bot, privileged_intents: privileged })) as { id: string };
      // Tokens are opaque here: whatever the ingress API mints.
      const minted = await api("POST", `/internal/users/${id}/token`, {});
      if (minted.status !== 200 || typeof minted.json.token !== "string") throw new Error(`minting a token: ${minted.status}`);
      return { id, token: minted.json.token };
    }

    /** The human posts `content` in `channelId`; resolves with the message id. */
    async function post(channelId: string, content: string): Promise<string> {
      const { status, json } = await api("POST", `/api/v10/channels/${channelId}/messages`, { content }, `Bot ${w.human.token}`);
      if (status !== 200) throw new Error(`posting "${content}": ${status} ${JSON.stringify(json)}`);
      return json.id as string;
    }

    /** What beforeAll set up; a failed setup fails each test with this, not a TypeError. */
    function started<T>(value: T | undefined, what: string): T {
      if (value === undefined) throw new Error(`${what} did not start`);
      return value;
    }
    const sdkProcess = () => started(client, sdk.name);
    const isMessage = (content: string) => (line: SdkLine) => line.event === "message" && line.content === content;
    const dispatches = (from = 0) => sdkProcess().linesOf("dispatch", from).map((line) => line.t);
    /** Sends `command` to the SDK and waits for its `event` answer; `from` is where the lines it caused begin. */
    const commanded = async (command: Record<string, string>, event: string, what: string): Promise<{ sdk: SdkProcess; from: number; done: SdkLine }> => {
      const sdk = sdkProcess();
      const from = sdk.lines.length;
      sdk.send(command);
      return { sdk, from, done: await sdk.next((line) => line.event === event, what, from) };
    };

    /**
     * The bystander saw nothing of the hidden channel since frame `from` (a message it may see,
     * posted after, is the barrier) and may not read any of it over REST.
     */
    async function expectUnseenByBystander(from: number, messageIds: string[]): Promise<void> {
      const outsider = started(bystander, "the bystander");
      const marker = await post(w.general, "a marker for the bystander");
      const barrier = await outsider.next((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === marker, STEP_MS, from);
      const seen = outsider.frames.slice(from, outsider.frames.indexOf(barrier));
      expect(seen.filter((f) => JSON.stringify(f.d).includes(w.hidden))).toEqual([]);
      const asOutsider = `Bot ${w.outsider.token}`;
      expect(await api("GET", `/api/v10/channels/${w.hidden}/messages?limit=50`, undefined, asOutsider)).toMatchObject({ status: 403, json: { code: 50001 } });
      for (const id of messageIds) {
        expect(await api("GET", `/api/v10/channels/${w.hidden}/messages/${id}`, undefined, asOutsider)).toMatchObject({ status: 403, json: { code: 50001 } });
      }
    }

    beforeAll(async () => {
      const command = await sdk.command();
      dir = mkdtempSync(join(tmpdir(), "guildgate-sdk-"));
      const tcpProxy = await TcpProxy.start();
      proxy = tcpProxy;
      const gatewayUrl = `ws://127.0.0.1:${tcpProxy.port}`;
      binary = await startBinary(BUILT_BINARY, dir, ["--data-dir", join(dir, "data"), "--ingress-secret", INGRESS_SECRET, "--public-url", gatewayUrl]);
      tcpProxy.forwardTo("127.0.0.1", Number(new URL(binary.base).port));

      w.bot = await account("sdkbot", true, GUILD_MEMBERS | MESSAGE_CONTENT);
      w.human = await account("human", false, GUILD_PRESENCES | MESSAGE_CONTENT);
      w.guildId = (await created("POST", "/internal/guilds", { name: "SDK Guild", owner_id: w.human.id })).id as string;
      w.viewers = (await created("POST", `/internal/guilds/${w.guildId}/roles`, { name: "viewers", permissions: "0" })).id as string;
      w.general = (await created("POST", `/internal/guilds/${w.guildId}/channels`, { name: "general" })).id as string;
      const overwrites = [
        { id: w.guildId, type: 0, allow: "0", deny: VIEW_CHANNEL },
        { id: w.viewers, type: 0, allow: VIEW_CHANNEL, deny: "0" },
      ];
      w.hidden = (await created("POST", `/internal/guilds/${w.guildId}/channels`, { name: "hidden", permission_overwrites: overwrites })).id as string;
      await created("PUT", `/internal/guilds/${w.guildId}/members/${w.bot.id}`, {});

      w.outsider = await account("bystander", false, GUILD_MEMBERS | MESSAGE_CONTENT);
      await created("PUT", `/internal/guilds/${w.guildId}/members/${w.outsider.id}`, {});

      // Plain sockets, straight to the gateway: the human watches presences on one (without
      // DIRECT_MESSAGES) and its DMs on another; the bystander watches everything it may.
      const gatewayPort = new URL(binary.base).port;
      observer = await identified(gatewayPort, w.human.token, GUILDS | GUILD_PRESENCES);
      bystander = await identified(gatewayPort, w.outsider.token, ALL_GUILD_MESSAGE_INTENTS | DIRECT_MESSAGES);

      client = new SdkProcess(command, { GUILDGATE_API: `${binary.base}/api`, GUILDGATE_GATEWAY: gatewayUrl, GUILDGATE_TOKEN: w.bot.token });
    }, SETUP_MS);

    afterAll(async () => {
      await client?.stop();
      for (const socket of [observer, humanDms, bystander]) socket?.close();
      if (binary) await stopBinary(binary.child);
      await proxy?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test(
      "logs in and fills its guild cache: the guild, its channels, roles and members",
      async () => {
        const ready = await sdkProcess().next((line) => line.event === "ready", "ready");
        expect(ready).toEqual({
          event: "ready",
          user_id: w.bot.id,
          guilds: [
            {
              id: w.guildId,
              name: "SDK Guild",
              // The hidden channel is not in the cache: @everyone may not view it.
              channels: [w.general],
              roles: [w.guildId, w.viewers].sort(),
              members: [w.bot.id, w.human.id, w.outsider.id].sort(),
            },
          ],
        });
        expect(dispatches()).toEqual(["READY"]);
      },
      STEP_MS,
    );

    test(
      "receives a message another user posts",
      async () => {
        const id = await post(w.general, "hello from a human");
        const seen = await sdkProcess().next(isMessage("hello from a human"), "the human's message");
        expect(seen).toEqual({ event: "message", id, channel_id: w.general, author_id: w.human.id, content: "hello from a human" });
      },
      STEP_MS,
    );

    test(
      "sends with its own send call and receives the echo",
      async () => {
        const sdk = sdkProcess();
        const from = sdk.lines.length;
        sdk.send({ cmd: "send", channel_id: w.general, content: "hello from the bot" });
        const sent = await sdk.next((line) => line.event === "sent", "its send call's answer", from);
        const echo = await sdk.next(isMessage("hello from the bot"), "the echo of its message", from);
        expect(echo).toEqual({ event: "message", id: sent.id, channel_id: w.general, author_id: w.bot.id, content: "hello from the bot" });
      },
      STEP_MS,
    );

    test(
      "a hidden channel stays hidden until a role grants VIEW_CHANNEL, then comes by CHANNEL_CREATE",
      async () => {
        const sdk = sdkProcess();
        const from = sdk.lines.length;
        await post(w.hidden, "not for the bot yet");
        // The marker is posted after; the SDK sees messages in order, so the hidden one would be first.
        await post(w.general, "marker after the hidden message");
        await sdk.next(isMessage("marker after the hidden message"), "the marker", from);
        expect(sdk.linesOf("message", from).map((line) => line.content)).toEqual(["marker after the hidden message"]);

        const granted = await api("PUT", `/internal/guilds/${w.guildId}/members/${w.bot.id}`, { roles: [w.viewers] });
        expect(granted.status).toBe(200);
        const appeared = await sdk.next((line) => line.event === "channel_create", "CHANNEL_CREATE for the hidden channel", from);
        expect(appeared).toEqual({ event: "channel_create", id: w.hidden, name: "hidden", guild_id: w.guildId });
        const after = sdk.lines.length;
        sdk.send({ cmd: "guild", guild_id: w.guildId });
        const cached = await sdk.next((line) => line.event === "guild", "its guild cache", after);
        expect(cached.channels).toEqual([w.general, w.hidden].sort());
        await post(w.hidden, "now the bot may read this");
        await sdk.next(isMessage("now the bot may read this"), "a message in the channel it can now view", from);
      },
      STEP_MS,
    );

    test(
      "opens a DM with its own calls and sends there; its echo and the human's answer in the DM arrive",
      async () => {
        const sdk = sdkProcess();
        // The human's second session, the only one with DIRECT_MESSAGES, is READY before the DM.
        const dms = await identified(new URL(started(binary, "the gateway").base).port, w.human.token, DIRECT_MESSAGES);
        humanDms = dms;
        const from = sdk.lines.length;
        sdk.send({ cmd: "dm", user_id: w.human.id, content: "a DM from the bot" });
        const sent = await sdk.next((line) => line.event === "dm_sent", "its DM calls' answer", from);
        const echo = await sdk.next(isMessage("a DM from the bot"), "the echo of its DM", from);
        expect(echo).toEqual({ event: "message", id: sent.id, channel_id: sent.channel_id, author_id: w.bot.id, content: "a DM from the bot" });
        const id = await post(sent.channel_id as string, "a DM from the human");
        const answer = await sdk.next(isMessage("a DM from the human"), "the human's DM", from);
        expect(answer).toEqual({ event: "message", id, channel_id: sent.channel_id, author_id: w.human.id, content: "a DM from the human" });
        expect(sdk.linesOf("error", from)).toEqual([]);

        // The DM reached the human's session with DIRECT_MESSAGES, content and all, and not the
        // one without: a USER_UPDATE to every session of the human is the barrier after it.
        const dm = await dms.next((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === sent.id, STEP_MS);
        expect(dm.d).toMatchObject({ channel_id: sent.channel_id, content: "a DM from the bot", author: { id: w.bot.id } });
        const watcher = started(observer, "the observer");
        const watched = watcher.frames.length;
        expect((await api("POST", `/internal/users/${w.human.id}/dispatch`, { t: "USER_UPDATE", d: { id: w.human.id, username: "human" } })).status).toBe(202);
        const barrier = await watcher.next((f) => f.t === "USER_UPDATE", STEP_MS, watched);
        const beforeBarrier = watcher.frames.slice(0, watcher.frames.indexOf(barrier));
        expect(beforeBarrier.filter((f) => (f.d as Json | null)?.channel_id === sent.channel_id)).toEqual([]);
      },
      STEP_MS,
    );

    test(
      "a presence change (op 3) keeps the session",
      async () => {
        const sdk = sdkProcess();
        const from = sdk.lines.length;
        sdk.send({ cmd: "presence", status: "idle", activity: "chess" });
        await sdk.next((line) => line.event === "presence_sent", "its presence call to return", from);
        const isIdle = (d: Json) => (d.user as Json).id === w.bot.id && d.status === "idle";
        const update = await started(observer, "the observer").next((f) => f.t === "PRESENCE_UPDATE" && isIdle(f.d as Json));
        expect(update.d).toMatchObject({ activities: [{ name: "chess", type: 0 }], guild_id: w.guildId });
        await post(w.general, "after the presence change");
        await sdk.next(isMessage("after the presence change"), "a message after the presence change", from);
        expect(dispatches()).toEqual(["READY"]);
      },
      STEP_MS,
    );

    test(
      "a cut socket resumes (RESUMED, not READY) with every message posted meanwhile, once and in order",
      async () => {
        const sdk = sdkProcess();
        const from = sdk.lines.length;
        const network = started(proxy, "the proxy");
        network.cut();
        const missed = ["missed 1", "missed 2", "missed 3", "missed 4", "missed 5"];
        for (const content of missed) await post(w.general, content);
        network.restore();
        await sdk.next((line) => line.event === "dispatch" && line.t === "RESUMED", "RESUMED", from);
        await post(w.general, "after the resume");
        await sdk.next(isMessage("after the resume"), "a message after the resume", from);
        expect(sdk.linesOf("message", from).map((line) => line.content)).toEqual([...missed, "after the resume"]);
        expect(dispatches(from)).toEqual(["RESUMED"]);
        expect(sdk.linesOf("error")).toEqual([]);
      },
      STEP_MS,
    );

    test(
      "registers its slash commands with its own bulk overwrite, global and in the guild; the registry lists what it answered",
      async () => {
        const { sdk, done } = await commanded({ cmd: "commands", guild_id: w.guildId }, "commands", "its commands' answer");
        expect(done.global).toMatchObject([
          { name: "echo", type: 1 },
          { name: "Inspect", type: 2 },
        ]);
        expect(done.guild).toMatchObject([{ name: "local", type: 1 }]);
        w.echo = ((done.global as Json[])[0]?.id as string) ?? "";
        const bot = `Bot ${w.bot.token}`;
        const global = await api("GET", `/api/v10/applications/${w.bot.id}/commands`, undefined, bot);
        expect(global.json).toMatchObject((done.global as Json[]).map(({ id, name }) => ({ id, name, application_id: w.bot.id })));
        expect((global.json as unknown as Json[])[0]?.options).toMatchObject([{ type: 3, name: "text", description: "What to echo", required: true, autocomplete: true }]);
        const local = await api("GET", `/api/v10/applications/${w.bot.id}/guilds/${w.guildId}/commands`, undefined, bot);
        expect(local.json).toMatchObject([{ id: (done.guild as Json[])[0]?.id, name: "local", guild_id: w.guildId }]);
        expect(sdk.linesOf("error")).toEqual([]);
      },
      STEP_MS,
    );

    test(
      "edits, reacts to, pins, reads back and deletes its message with its own calls; each event comes back; no word about rate limits",
      async () => {
        const sdk = sdkProcess();
        const from = sdk.lines.length;
        // Pinning needs PIN_MESSAGES (1 << 51), which @everyone does not have.
        const pinners = (await created("POST", `/internal/guilds/${w.guildId}/roles`, { name: "pinners", permissions: (1n << 51n).toString() })).id as string;
        expect((await api("PUT", `/internal/guilds/${w.guildId}/members/${w.bot.id}`, { roles: [w.viewers, pinners] })).status).toBe(200);
        // In the hidden channel: the bystander, who may not view it, must see none of it.
        const watched = started(bystander, "the bystander").frames.length;
        const before = await post(w.hidden, "before the workout");
        sdk.send({ cmd: "workout", channel_id: w.hidden });
        const done = await sdk.next((line) => line.event === "workout", "its workout's answer", from);
        expect(done.edited).toBe("workout edited");
        // The file went up as the SDK sends files (multipart, payload_json) and is served at its URL, until the delete.
        expect(done.attachment).toMatch(/\/attachments\/\d+\/\d+\/hello\.txt\?hm=/);
        expect(done.attached).toBe("hello file");
        const history = done.history as string[];
        expect(history.slice(0, 2)).toEqual([done.id as string, before]);
        await sdk.next((line) => line.event === "message_delete" && line.id === done.id, "MESSAGE_DELETE of its message", from);
        expect(sdk.linesOf("message_edit", from)).toContainEqual({ event: "message_edit", id: done.id, content: "workout edited" });
        expect(sdk.linesOf("reaction_add", from)).toEqual([{ event: "reaction_add", message_id: done.id, user_id: w.bot.id, emoji: "👍" }]);
        expect(sdk.linesOf("pins_update", from)).toEqual([{ event: "pins_update", channel_id: w.hidden, pinned: true }]);
        expect((await fetch(done.attachment as string)).status).toBe(404);
        const gone = await api("GET", `/api/v10/channels/${w.hidden}/messages/${done.id}`, undefined, `Bot ${w.human.token}`);
        expect(gone).toMatchObject({ status: 404, json: { code: 10008 } });
        expect(sdk.linesOf("error")).toEqual([]);
        expect(sdk.rateLimitNotices).toEqual([]);
        await expectUnseenByBystander(watched, [done.id as string, before]);
      },
      STEP_MS,
    );

    test(
      "answers a user's slash command (deferred, then its original response edited) and its card's button, in a channel the bystander may not view",
      async () => {
        const sdk = sdkProcess();
        const from = sdk.lines.length;
        const watched = started(bystander, "the bystander").frames.length;
        const sessionId = ((await started(observer, "the observer").dispatch("READY")).d as Json).session_id;
        // As Discord's own client invokes a command: the user's token, the command as registered.
        const invoke = {
          type: 2,
          application_id: w.bot.id,
          guild_id: w.guildId,
          channel_id: w.hidden,
          session_id: sessionId,
          nonce: "1",
          data: { version: "1", id: w.echo, name: "echo", type: 1, options: [{ type: 3, name: "text", value: "hi" }] },
        };
        expect(await api("POST", "/api/v10/interactions", invoke, w.human.token)).toMatchObject({ status: 204 });
        const invoked = await sdk.next((line) => line.event === "interaction", "INTERACTION_CREATE", from);
        expect(invoked).toMatchObject({ name: "echo", user_id: w.human.id });
        const answered = await sdk.next((line) => line.event === "answered", "its edited original response", from);
        expect(answered.content).toBe("echo: hi");
        const asHuman = `Bot ${w.human.token}`;
        const response = await api("GET", `/api/v10/channels/${w.hidden}/messages/${answered.message_id}`, undefined, asHuman);
        expect(response).toMatchObject({
          status: 200,
          json: { content: "echo: hi", author: { id: w.bot.id }, interaction_metadata: { id: invoked.id, type: 2, user: { id: w.human.id } } },
        });

        const asked = await post(w.hidden, "a card, please");
        sdk.send({ cmd: "card", channel_id: w.hidden, message_id: asked });
        const card = await sdk.next((line) => line.event === "card", "its card", from);
        const shown = await api("GET", `/api/v10/channels/${w.hidden}/messages/${card.id}`, undefined, asHuman);
        expect(shown).toMatchObject({
          status: 200,
          json: {
            message_reference: { message_id: asked },
            embeds: [{ title: "A card", description: "with a button" }],
            components: [{ type: 1, components: [{ type: 2, custom_id: "press", label: "Press" }] }],
          },
        });
        const press = {
          type: 3,
          application_id: w.bot.id,
          guild_id: w.guildId,
          channel_id: w.hidden,
          message_id: card.id,
          message_flags: 0,
          session_id: sessionId,
          nonce: "2",
          data: { component_type: 2, custom_id: "press" },
        };
        expect(await api("POST", "/api/v10/interactions", press, w.human.token)).toMatchObject({ status: 204 });
        expect(await sdk.next((line) => line.event === "pressed", "the button's interaction", from)).toMatchObject({ message_id: card.id, user_id: w.human.id });
        const pressed = await api("GET", `/api/v10/channels/${w.hidden}/messages/${card.id}`, undefined, asHuman);
        expect(pressed.json).toMatchObject({ content: "pressed", components: [] });
        expect(sdk.linesOf("error")).toEqual([]);
        await expectUnseenByBystander(watched, [answered.message_id as string, card.id as string]);
      },
      STEP_MS,
    );

    test(
      "answers a user typing echo's text with its autocomplete choices; they reach that user's own session, with its nonce, and no one else's",
      async () => {
        const sdk = sdkProcess();
        const from = sdk.lines.length;
        const human = started(observer, "the observer");
        const outsider = started(bystander, "the bystander");
        const [watched, watchedOutside] = [human.frames.length, outsider.frames.length];
        const sessionId = ((await human.dispatch("READY")).d as Json).session_id;
        // As Discord's own client asks while the user types "he" into `text`.
        const typing = {
          type: 4,
          application_id: w.bot.id,
          guild_id: w.guildId,
          channel_id: w.general,
          session_id: sessionId,
          nonce: "1180000000000000099",
          data: { version: "1", id: w.echo, name: "echo", type: 1, options: [{ type: 3, name: "text", value: "he", focused: true }] },
        };
        expect(await api("POST", "/api/v10/interactions", typing, w.human.token)).toMatchObject({ status: 204 });
        expect(await sdk.next((line) => line.event === "autocomplete", "the autocomplete's INTERACTION_CREATE", from)).toMatchObject({ current: "he", user_id: w.human.id });
        const answer = await human.next((f) => f.t === "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE", STEP_MS, watched);
        expect(answer.d).toEqual({
          choices: [
            { name: "hello", value: "hello" },
            { name: "help", value: "help" },
          ],
          nonce: "1180000000000000099",
        });
        // The bystander got none of it: a message it may see, posted after, is the barrier.
        const marker = await post(w.general, "a marker after the autocomplete");
        const barrier = await outsider.next((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === marker, STEP_MS, watchedOutside);
        expect(outsider.frames.slice(watchedOutside, outsider.frames.indexOf(barrier)).filter((f) => f.t === "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE")).toEqual([]);
        // Typing ran no command.
        expect(sdk.linesOf("interaction", from)).toEqual([]);
        expect(sdk.linesOf("error", from)).toEqual([]);
      },
      STEP_MS,
    );

    test(
      "starts a thread, talks in it and archives it with its own calls; THREAD_CREATE and the message in the thread come back",
      async () => {
        const { sdk, from, done } = await commanded({ cmd: "thread", channel_id: w.general }, "thread", "its thread's answer");
        expect(done).toMatchObject({ parent_id: w.general, archived: true });
        await sdk.next((line) => line.event === "thread_create" && line.id === done.id, "THREAD_CREATE of its thread", from);
        await sdk.next((line) => line.event === "message" && line.id === done.sent && line.channel_id === done.id, "MESSAGE_CREATE in its thread", from);
        const read = await api("GET", `/api/v10/channels/${done.id}`, undefined, `Bot ${w.human.token}`);
        expect(read).toMatchObject({ status: 200, json: { parent_id: w.general, message_count: 1, thread_metadata: { archived: true } } });
        expect(sdk.linesOf("error")).toEqual([]);
      },
      STEP_MS,
    );

    if (sdk.compress !== undefined) {
      test(`asked for compress=${sdk.compress} on every gateway connection, its RESUME's too`, () => {
        const lines = started(proxy, "the proxy").requestLines;
        expect(lines.length).toBeGreaterThanOrEqual(2);
        for (const line of lines) expect(new URL(line.split(" ")[1] ?? "", "ws://gateway").searchParams.get("compress")).toBe(sdk.compress ?? null);
      });
    }
  });
}

/**
 * Conformance with discord.js's `Client` (the whole library, not just @discordjs/ws),
 * its `rest.api` pointed at guildgate. Driven only through the public surface (ingress
 * HTTP, `POST /api/v10/channels/:id/messages`, the gateway), so it runs on both harnesses:
 * Bun.serve (`discordjs-client.test.ts`) and uWebSockets.js under Node
 * (`discordjs-client-node.test.ts`).
 *
 * The bot logs in and is ready well before discord.js's 15 s `waitGuildTimeout` (so every
 * READY guild got its GUILD_CREATE); its caches hold the guild, channel, roles and members;
 * `messageCreate` fires for a message a human posts over REST and for the bot's own
 * `channel.send`; channels, roles and members added through ingress after login reach
 * the caches through `channelCreate`, `roleCreate` and `guildMemberAdd`; the bot sends a file, edits,
 * reacts to, pins, reads back and deletes a message with discord.js's own calls, and
 * `messageUpdate`, `messageReactionAdd`, `channelPinsUpdate` and `messageDelete` fire, with no
 * `rateLimited`; `client.application.commands` and `guild.commands` register, edit, read and
 * delete slash commands (set, create, edit, fetch, delete); a user invokes a slash command
 * (`POST /api/v10/interactions`, as Discord's client does) and `interactionCreate` fires, the bot
 * `deferReply()`s and `editReply()`s, replies to its answer with an embed and a button, the user
 * clicks it and the bot `update()`s the message, the user's session getting each step; a user
 * typing an option with `autocomplete` fires `interactionCreate` (`isAutocomplete()`), and the
 * bot's `respond()` reaches that user's session as APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE; `channel.threads.create` and
 * `message.startThread` make threads (`threadCreate`), a message in one fires `messageCreate`
 * there and archiving it `threadUpdate`; `User.send` DMs reach a user's session only with
 * DIRECT_MESSAGES; and a member who may not view a channel gets none of the bot's work there.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  ActionRowBuilder,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ButtonBuilder,
  ButtonStyle,
  ChannelType,
  Client,
  EmbedBuilder,
  Events,
  GatewayIntentBits,
  type ClientEvents,
  type Message,
  type TextChannel,
} from "discord.js";
import { RawClient } from "./support/gateway-client.ts";
import type { Harness, HarnessFactory } from "./support/harness.ts";
import { callJson } from "./support/http.ts";

const SECRET = "djs-client-secret-0123456789abcdef";
const INGRESS = "Bearer ingress";
/** MESSAGE_CONTENT | GUILD_MEMBERS | GUILD_PRESENCES. */
const PRIVILEGED = 32768 | 2 | 256;
/** Each wait for an event or for READY. Far below discord.js's 15 s guild wait. */
const WAIT_MS = 10_000;

type Json = Record<string, unknown>;

export function discordjsClientConformance(harness: HarnessFactory): void {
  describe(`discord.js Client against ${harness.name}`, () => {
    let server: Harness;
    let client: Client | undefined;
    /** discord.js's debug lines, shown when a wait times out. */
    const debug: string[] = [];
    /** discord.js's rateLimited events: none may come. */
    const rateLimited: string[] = [];
    const w = { bot: { id: "", token: "" }, human: { id: "", token: "" }, guildId: "", channelId: "", roleId: "" };
    /** The logged-in client, once ready; each test awaits it, so a failed login fails them all at once. */
    let loggedIn: Promise<Client>;

    const api = (method: string, path: string, body?: unknown, auth = INGRESS) => callJson(server.httpBase, method, path, body, auth);

    async function created(method: string, path: string, body: unknown): Promise<Json> {
      const { status, json } = await api(method, path, body);
      if (status !== 201) throw new Error(`${method} ${path}: ${status} ${JSON.stringify(json)}`);
      return json;
    }

    async function user(username: string, bot: boolean, privileged: number): Promise<{ id: string; token: string }> {
      const { id } = (await created("POST", "/internal/users", { username, bot, privileged_intents: privileged })) as { id: string };
      return { id, token: (await api("POST", `/internal/users/${id}/token`)).json.token as string };
    }

    function timedOut(what: string): Error {
      return new Error(`timed out after ${WAIT_MS} ms waiting for ${what}; discord.js debug, last lines:\n${debug.slice(-25).join("\n")}`);
    }

    /** The next `event` whose arguments match; listen before acting. Rejects after WAIT_MS. */
    function next<K extends keyof ClientEvents>(c: Client, event: K, match: (...args: ClientEvents[K]) => boolean, what: string): Promise<ClientEvents[K]> {
      return new Promise((resolve, reject) => {
        const listener = (...args: ClientEvents[K]): void => {
          if (!match(...args)) return;
          clearTimeout(timer);
          c.off(event, listener as never);
          resolve(args);
        };
        const timer = setTimeout(() => {
          c.off(event, listener as never);
          reject(timedOut(what));
        }, WAIT_MS);
        c.on(event, listener as never);
      });
    }

    beforeAll(async () => {
      server = await harness.start({ node: "djs", tokenSecret: SECRET, args: ["--heartbeat-interval-ms", "30000"] });
      w.bot = await user("gatebot", true, PRIVILEGED);
      w.human = await user("human", false, 0);
      w.guildId = ((await created("POST", "/internal/guilds", { name: "Gate Guild", owner_id: w.human.id })) as { id: string }).id;
      w.roleId = ((await created("POST", `/internal/guilds/${w.guildId}/roles`, { name: "regulars", permissions: "0" })) as { id: string }).id;
      w.channelId = ((await created("POST", `/internal/guilds/${w.guildId}/channels`, { name: "general", topic: "chat" })) as { id: string }).id;
      await created("PUT", `/internal/guilds/${w.guildId}/members/${w.bot.id}`, { roles: [w.roleId], nick: "Gatekeeper" });

      const c = new Client({
        intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.GuildMessageReactions, GatewayIntentBits.MessageContent, GatewayIntentBits.GuildMembers],
        rest: { api: `${server.httpBase}/api` },
      });
      client = c;
      c.on(Events.Debug, (line) => void debug.push(line));
      c.rest.on("rateLimited", (info) => void rateLimited.push(JSON.stringify(info)));
      const start = Date.now();
      const readyEvent = next(c, Events.ClientReady, () => true, "clientReady");
      // A failed login rejects here and in every test, not as an unhandled rejection.
      loggedIn = Promise.all([c.login(w.bot.token), readyEvent]).then(() => {
        const took = Date.now() - start;
        if (took >= WAIT_MS) throw new Error(`ready took ${took} ms: discord.js waited for a GUILD_CREATE that never came`);
        return c;
      });
      loggedIn.catch(() => {});
    });

    afterAll(async () => {
      await client?.destroy();
      await server?.stop();
    });

    test("logs in: ready fires, client.user is the bot, the guild is cached with its channel, roles and members", async () => {
      const c = await loggedIn;
      expect(c.isReady()).toBe(true);
      expect(c.user?.id).toBe(w.bot.id);
      expect(c.user?.username).toBe("gatebot");
      expect(c.user?.bot).toBe(true);
      expect(c.application?.id).toBe(w.bot.id);

      expect([...c.guilds.cache.keys()]).toEqual([w.guildId]);
      const guild = c.guilds.cache.get(w.guildId);
      expect(guild?.available).toBe(true);
      expect(guild?.name).toBe("Gate Guild");
      expect(guild?.ownerId).toBe(w.human.id);
      expect(guild?.memberCount).toBe(2);

      const channel = guild?.channels.cache.get(w.channelId);
      expect(channel?.type).toBe(ChannelType.GuildText);
      expect(channel?.name).toBe("general");
      expect((channel as TextChannel | undefined)?.topic).toBe("chat");
      expect(c.channels.cache.get(w.channelId)).toBe(channel);

      expect([...(guild?.roles.cache.keys() ?? [])].sort()).toEqual([w.guildId, w.roleId].sort());
      expect(guild?.roles.everyone.id).toBe(w.guildId);

      expect([...(guild?.members.cache.keys() ?? [])].sort()).toEqual([w.bot.id, w.human.id].sort());
      const me = guild?.members.me;
      expect(me?.id).toBe(w.bot.id);
      expect(me?.nickname).toBe("Gatekeeper");
      expect(me?.roles.cache.has(w.roleId)).toBe(true);
      expect(guild?.members.cache.get(w.human.id)?.user.username).toBe("human");
      // discord.js computes permissions from the cached roles: the bot may talk in #general.
      expect(channel && me ? channel.permissionsFor(me)?.has(["ViewChannel", "SendMessages"]) : undefined).toBe(true);
    }, WAIT_MS + 5_000);

    test("messageCreate fires for a message a human posts through POST /api/v10/channels/:id/messages", async () => {
      const c = await loggedIn;
      const content = `hello from a human ${Date.now()}`;
      const seen = next(c, Events.MessageCreate, (m) => m.content === content, "messageCreate of the human's message");
      const sent = await api("POST", `/api/v10/channels/${w.channelId}/messages`, { content }, `Bot ${w.human.token}`);
      expect(sent.status).toBe(200);
      const [message] = await seen;
      expect(message.id).toBe(sent.json.id as string);
      expect(message.content).toBe(content);
      expect(message.author.id).toBe(w.human.id);
      expect(message.author.bot).toBe(false);
      expect(message.channelId).toBe(w.channelId);
      expect(message.guildId).toBe(w.guildId);
      expect(message.guild?.id).toBe(w.guildId);
      expect(message.channel.id).toBe(w.channelId);
      expect(message.member?.id).toBe(w.human.id);
      expect(message.inGuild()).toBe(true);
    }, WAIT_MS + 5_000);

    test("channel.send from the bot returns the Message and fires messageCreate", async () => {
      const c = await loggedIn;
      const channel = c.channels.cache.get(w.channelId);
      if (!channel?.isSendable()) throw new Error(`channel ${w.channelId} is not sendable in discord.js's cache`);
      const content = `hello from the bot ${Date.now()}`;
      const seen = next(c, Events.MessageCreate, (m) => m.content === content, "messageCreate of the bot's own message");
      const sent: Message = await channel.send(content);
      expect(sent.content).toBe(content);
      expect(sent.author.id).toBe(w.bot.id);
      expect(sent.channelId).toBe(w.channelId);
      expect(sent.guildId).toBe(w.guildId);
      const [message] = await seen;
      expect(message.id).toBe(sent.id);
      expect(message.author.id).toBe(w.bot.id);
      expect(message.author).toBe(c.user as never);
      expect(message.member?.nickname).toBe("Gatekeeper");
    }, WAIT_MS + 5_000);

    test("a channel, a role and a member added through ingress after login reach the caches", async () => {
      const c = await loggedIn;
      const guild = c.guilds.cache.get(w.guildId);
      if (!guild) throw new Error("guild not cached");

      const channelCreate = next(c, Events.ChannelCreate, (ch) => ch.name === "announcements", "channelCreate");
      const channel = await created("POST", `/internal/guilds/${w.guildId}/channels`, { name: "announcements", topic: "news" });
      const [newChannel] = await channelCreate;
      expect(newChannel.id).toBe(channel.id as string);
      expect(newChannel.guildId).toBe(w.guildId);
      expect(guild.channels.cache.get(channel.id as string)?.name).toBe("announcements");
      expect(c.channels.cache.has(channel.id as string)).toBe(true);

      const roleCreate = next(c, Events.GuildRoleCreate, (r) => r.name === "mods", "roleCreate");
      const role = await created("POST", `/internal/guilds/${w.guildId}/roles`, { name: "mods", permissions: "8192", hoist: true, color: 0x3366ff });
      const [newRole] = await roleCreate;
      expect(newRole.id).toBe(role.id as string);
      expect(newRole.guild.id).toBe(w.guildId);
      expect(newRole.hoist).toBe(true);
      expect(newRole.color).toBe(0x3366ff);
      expect(newRole.permissions.has("ManageMessages")).toBe(true);
      expect(guild.roles.cache.get(role.id as string)?.name).toBe("mods");

      const late = await user("latecomer", false, 0);
      const memberAdd = next(c, Events.GuildMemberAdd, (m) => m.id === late.id, "guildMemberAdd");
      await created("PUT", `/internal/guilds/${w.guildId}/members/${late.id}`, { roles: [role.id], nick: "Late" });
      const [member] = await memberAdd;
      expect(member.guild.id).toBe(w.guildId);
      expect(member.nickname).toBe("Late");
      expect(member.roles.cache.has(role.id as string)).toBe(true);
      expect(guild.members.cache.has(late.id)).toBe(true);
      expect(guild.memberCount).toBe(3);
    }, WAIT_MS * 3 + 5_000);

    test("a file, edit, react, pin, history and delete with discord.js's own calls: each event fires, nothing is rate limited", async () => {
      const c = await loggedIn;
      const channel = c.channels.cache.get(w.channelId);
      if (!channel?.isTextBased() || !channel.isSendable() || channel.isDMBased()) throw new Error(`channel ${w.channelId} is not a guild text channel in discord.js's cache`);
      // Pinning needs PIN_MESSAGES (1 << 51).
      const pinners = ((await created("POST", `/internal/guilds/${w.guildId}/roles`, { name: "pinners", permissions: (1n << 51n).toString() })) as { id: string }).id;
      const updated = next(c, Events.GuildMemberUpdate, (_, after) => after.id === w.bot.id && after.roles.cache.has(pinners), "guildMemberUpdate of the bot");
      expect((await api("PUT", `/internal/guilds/${w.guildId}/members/${w.bot.id}`, { roles: [w.roleId, pinners] })).status).toBe(200);
      await updated;

      const message = await channel.send({ content: "workout", files: [{ attachment: Buffer.from("hello file"), name: "hello.txt" }] });
      const file = message.attachments.first();
      expect(file?.name).toBe("hello.txt");
      expect(await (await fetch(file?.url as string)).text()).toBe("hello file");
      const edit = next(c, Events.MessageUpdate, (_, after) => after.id === message.id, "messageUpdate");
      const edited = await message.edit("workout edited");
      expect(edited.content).toBe("workout edited");
      expect(edited.editedTimestamp).not.toBeNull();
      const [, after] = await edit;
      expect(after.content).toBe("workout edited");

      const reaction = next(c, Events.MessageReactionAdd, (r) => r.message.id === message.id, "messageReactionAdd");
      await message.react("👍");
      const [added, reactor] = await reaction;
      expect(added.emoji.name).toBe("👍");
      expect(reactor.id).toBe(w.bot.id);

      const pins = next(c, Events.ChannelPinsUpdate, (ch) => ch.id === w.channelId, "channelPinsUpdate");
      await message.pin();
      await pins;

      const history = await channel.messages.fetch({ limit: 50 });
      expect(history.first()?.id).toBe(message.id);
      expect(history.get(message.id)?.pinned).toBe(true);
      expect(history.get(message.id)?.reactions.cache.get("👍")?.count).toBe(1);

      const deleted = next(c, Events.MessageDelete, (m) => m.id === message.id, "messageDelete");
      await message.delete();
      await deleted;
      expect(rateLimited).toEqual([]);
    }, WAIT_MS * 3 + 5_000);

    test("threads: channel.threads.create and message.startThread answer ThreadChannels, threadCreate fires, thread.send fires messageCreate there, setArchived fires threadUpdate", async () => {
      const c = await loggedIn;
      const channel = c.channels.cache.get(w.channelId) as TextChannel;
      // discord.js emits threadCreate once, from whichever comes first: the REST answer or THREAD_CREATE.
      const created = next(c, Events.ThreadCreate, (thread) => thread.name === "planning", "threadCreate of channel.threads.create");
      const thread = await channel.threads.create({ name: "planning", autoArchiveDuration: 60 });
      expect([thread.type, thread.parentId, thread.ownerId, thread.autoArchiveDuration, thread.archived]).toEqual([ChannelType.PublicThread, w.channelId, w.bot.id, 60, false]);
      const [seen] = await created;
      expect(seen.id).toBe(thread.id);
      expect(channel.threads.cache.get(thread.id) as unknown).toBe(seen);
      const content = `in the thread ${Date.now()}`;
      const inThread = next(c, Events.MessageCreate, (m) => m.content === content, "messageCreate in the thread");
      await thread.send(content);
      const [message] = await inThread;
      expect(message.channelId).toBe(thread.id);
      expect(message.channel.isThread()).toBe(true);

      const starter = await channel.send(`start here ${Date.now()}`);
      const started = next(c, Events.ThreadCreate, (t) => t.id === starter.id, "threadCreate of message.startThread");
      const fromMessage = await starter.startThread({ name: "from a message" });
      expect(fromMessage.id).toBe(starter.id);
      await started;
      const archived = next(c, Events.ThreadUpdate, (_old, updated) => updated.id === fromMessage.id && updated.archived === true, "threadUpdate archived");
      await fromMessage.setArchived(true);
      await archived;
      expect(rateLimited).toEqual([]);
    }, WAIT_MS + 5_000);

    test("application.commands: set (bulk overwrite), create, edit, fetch and delete, global and in the guild, as discord.js's own objects", async () => {
      const c = await loggedIn;
      const application = c.application;
      if (!application) throw new Error("discord.js has no client.application after READY");
      const echo = { name: "echo", description: "Echoes", options: [{ type: ApplicationCommandOptionType.String as const, name: "text", description: "What to echo", required: true }] };
      const set = await application.commands.set([echo, { type: ApplicationCommandType.User, name: "Inspect" }]);
      expect([...set.values()].map((command) => [command.name, command.type, command.applicationId])).toEqual([
        ["echo", ApplicationCommandType.ChatInput, w.bot.id],
        ["Inspect", ApplicationCommandType.User, w.bot.id],
      ]);
      const echoed = set.find((command) => command.name === "echo");
      expect(echoed?.options).toMatchObject([{ name: "text", required: true }]);
      // Setting the same list again keeps the commands (same ids).
      expect([...(await application.commands.set([echo, { type: ApplicationCommandType.User, name: "Inspect" }])).keys()].sort()).toEqual([...set.keys()].sort());
      const ping = await application.commands.create({ name: "ping", description: "Pong" });
      const edited = await application.commands.edit(ping.id, { description: "Pong!" });
      expect(edited.id).toBe(ping.id);
      expect(edited.description).toBe("Pong!");
      expect([...(await application.commands.fetch()).values()].map((command) => command.name).sort()).toEqual(["Inspect", "echo", "ping"]);
      await application.commands.delete(ping.id);
      expect((await application.commands.fetch()).has(ping.id)).toBe(false);
      const guild = c.guilds.cache.get(w.guildId);
      if (!guild) throw new Error("the guild is not in discord.js's cache");
      const inGuild = await guild.commands.set([{ name: "local", description: "Only here" }]);
      expect([...inGuild.values()].map((command) => [command.name, command.guildId])).toEqual([["local", w.guildId]]);
      expect([...(await guild.commands.fetch()).values()].map((command) => command.name)).toEqual(["local"]);
      const refused = await application.commands.create({ name: "Bad Name", description: "x" }).catch((error: unknown) => error);
      expect(refused).toMatchObject({ status: 400, code: 50035 });
      expect(rateLimited).toEqual([]);
    }, WAIT_MS);

    /** A user's own plain session, READY with `intents`. */
    async function sessionOf(account: { token: string }, intents: number): Promise<RawClient> {
      const session = new RawClient(`${server.gatewayUrl}/?v=10&encoding=json`);
      await session.opened();
      await session.op(10);
      session.send({ op: 2, d: { token: account.token, intents, properties: { os: "linux", browser: "t", device: "t" } } });
      await session.next((f) => f.t === "READY");
      return session;
    }

    /** A member who reads content, with a session of its own (GUILD_CREATE in): what a user sees of each step. */
    async function memberWithSession(username: string): Promise<{ reader: { id: string; token: string }; session: RawClient }> {
      const reader = await user(username, false, 32768);
      await created("PUT", `/internal/guilds/${w.guildId}/members/${reader.id}`, {});
      const session = await sessionOf(reader, 1 | 512 | 32768);
      await session.next((f) => f.t === "GUILD_CREATE");
      return { reader, session };
    }

    /** The body Discord's client sends for an interaction of `type` in the general channel. */
    const invocation = (type: number, nonce: string, data: Json): Json => ({ type, application_id: w.bot.id, guild_id: w.guildId, channel_id: w.channelId, session_id: "user-session", nonce, data });

    test("interactions: a user's slash command fires interactionCreate; deferReply, editReply, a reply with a button, its click, update()", async () => {
      const c = await loggedIn;
      const application = c.application;
      if (!application) throw new Error("discord.js has no client.application after READY");
      const greet = await application.commands.create({ name: "greet", description: "Greets", options: [{ type: ApplicationCommandOptionType.String, name: "whom", description: "Whom", required: true }] });
      const { reader, session } = await memberWithSession("reader");
      try {
        const invoke = invocation(2, "1", { version: greet.version, id: greet.id, name: "greet", type: 1, options: [{ type: 3, name: "whom", value: "world" }] });
        const commandSeen = next(c, Events.InteractionCreate, (i) => i.isChatInputCommand() && i.commandName === "greet", "interactionCreate for /greet");
        expect(await api("POST", "/api/v10/interactions", invoke, reader.token)).toEqual({ status: 204, json: {} });
        const [command] = await commandSeen;
        if (!command.isChatInputCommand()) throw new Error("not a slash command");
        expect([command.guildId, command.channelId, command.user.id, command.options.getString("whom")]).toEqual([w.guildId, w.channelId, reader.id, "world"]);
        expect(command.memberPermissions?.has("UseApplicationCommands")).toBe(true);
        await command.deferReply();
        const answer = await command.editReply({ content: "Hello, world" });
        expect([answer.content, answer.author.id, answer.interactionMetadata?.id]).toEqual(["Hello, world", w.bot.id, command.id]);
        const row = new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId("again").setLabel("Again").setStyle(ButtonStyle.Primary));
        const withButton = await answer.reply({ embeds: [new EmbedBuilder().setTitle("Greeted")], components: [row] });
        const clickSeen = next(c, Events.InteractionCreate, (i) => i.isButton() && i.customId === "again", "interactionCreate for the button");
        const click = { ...invocation(3, "2", { component_type: 2, custom_id: "again" }), message_id: withButton.id, message_flags: 0 };
        expect(await api("POST", "/api/v10/interactions", click, reader.token)).toEqual({ status: 204, json: {} });
        const [button] = await clickSeen;
        if (!button.isButton()) throw new Error("not a button");
        expect([button.message.id, button.user.id]).toEqual([withButton.id, reader.id]);
        await button.update({ content: "Greeted again", components: [] });
        const updated = await session.next((f) => f.t === "MESSAGE_UPDATE" && (f.d as Json).id === withButton.id);
        expect(updated.d).toMatchObject({ content: "Greeted again", components: [], embeds: [{ title: "Greeted" }] });
        const seen = session.frames.filter((f) => f.t === "MESSAGE_CREATE" || f.t === "MESSAGE_UPDATE").map((f) => {
          const d = f.d as Json;
          return [f.t, d.type, d.content, d.flags, (d.components as unknown[]).length];
        });
        expect(seen).toEqual([
          ["MESSAGE_CREATE", 20, "", 128, 0],
          ["MESSAGE_UPDATE", 20, "Hello, world", 0, 0],
          ["MESSAGE_CREATE", 19, "", 0, 1],
          ["MESSAGE_UPDATE", 19, "Greeted again", 0, 0],
        ]);
        expect(session.frames.some((f) => f.t === "INTERACTION_CREATE")).toBe(false);
        expect(rateLimited).toEqual([]);
      } finally {
        session.close();
      }
    }, WAIT_MS * 2);

    test("autocomplete: a user typing an option with autocomplete fires interactionCreate (isAutocomplete); respond() sends the choices to that user's session", async () => {
      const c = await loggedIn;
      const application = c.application;
      if (!application) throw new Error("discord.js has no client.application after READY");
      const colour = await application.commands.create({
        name: "colour",
        description: "Picks a colour",
        options: [
          { type: ApplicationCommandOptionType.String, name: "name", description: "Which", required: true, autocomplete: true },
          { type: ApplicationCommandOptionType.Integer, name: "shade", description: "How dark", autocomplete: true },
        ],
      });
      const { reader, session } = await memberWithSession("typist");
      try {
        // As Discord's client sends it while the user types "gr" into `name`.
        const data = { version: colour.version, id: colour.id, name: "colour", type: 1 };
        const typing = invocation(4, "1180000000000000042", { ...data, options: [{ type: 3, name: "name", value: "gr", focused: true }] });
        const seen = next(c, Events.InteractionCreate, (i) => i.isAutocomplete() && i.commandName === "colour", "interactionCreate for colour's autocomplete");
        expect(await api("POST", "/api/v10/interactions", typing, reader.token)).toEqual({ status: 204, json: {} });
        const [interaction] = await seen;
        if (!interaction.isAutocomplete()) throw new Error("not an autocomplete");
        expect([interaction.user.id, interaction.channelId, interaction.options.getFocused(), interaction.options.getFocused(true).name]).toEqual([reader.id, w.channelId, "gr", "name"]);
        const choices = [
          { name: "green", value: "green" },
          { name: "grey", value: "grey", nameLocalizations: { "en-GB": "grey", "en-US": "gray" } },
        ];
        await interaction.respond(choices);
        const answer = await session.next((f) => f.t === "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE");
        expect(answer.d).toEqual({
          choices: [
            { name: "green", value: "green" },
            { name: "grey", value: "grey", name_localizations: { "en-GB": "grey", "en-US": "gray" } },
          ],
          nonce: "1180000000000000042",
        });
        expect(interaction.responded).toBe(true);
        // An INTEGER option's partial value comes as a string; its choices are integers.
        const shadeSeen = next(c, Events.InteractionCreate, (i) => i.isAutocomplete() && i.options.getFocused(true).name === "shade", "interactionCreate for shade's autocomplete");
        const onShade = invocation(4, "1180000000000000043", { ...data, options: [{ type: 4, name: "shade", value: "4", focused: true }] });
        expect(await api("POST", "/api/v10/interactions", onShade, reader.token)).toEqual({ status: 204, json: {} });
        const [shade] = await shadeSeen;
        if (!shade.isAutocomplete()) throw new Error("not an autocomplete");
        expect(shade.options.getFocused()).toBe("4");
        await shade.respond([{ name: "four", value: 4 }, { name: "forty", value: 40 }]);
        const shades = await session.next((f) => f.t === "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE" && (f.d as Json).nonce === "1180000000000000043");
        expect((shades.d as Json).choices).toEqual([{ name: "four", value: 4 }, { name: "forty", value: 40 }]);
        expect(session.frames.some((f) => f.t === "INTERACTION_CREATE" || f.t === "MESSAGE_CREATE")).toBe(false);
        expect(rateLimited).toEqual([]);
      } finally {
        session.close();
      }
    }, WAIT_MS * 2);

    test("its DMs reach a user's session only with DIRECT_MESSAGES; a member who may not view a channel gets nothing of its work there, events or REST reads", async () => {
      const c = await loggedIn;
      const [withDms, withoutDms, bystander] = [await user("pen-pal", false, 32768), await user("no-dms", false, 32768), await user("bystander", false, 32768)];
      for (const member of [withDms, withoutDms, bystander]) await created("PUT", `/internal/guilds/${w.guildId}/members/${member.id}`, {});
      const DIRECT_MESSAGES = 1 << 12;
      const everyMessageIntent = 1 | 512 | 1024 | 2048 | 32768;
      const sessions = [await sessionOf(withDms, DIRECT_MESSAGES), await sessionOf(withoutDms, everyMessageIntent), await sessionOf(bystander, everyMessageIntent | DIRECT_MESSAGES)];
      const [dmSession, noDmSession, bystanderSession] = sessions as [RawClient, RawClient, RawClient];
      try {
        // DMs, with discord.js's own calls: User.send opens the DM channel and sends there.
        const toPal = await (await c.users.fetch(withDms.id)).send("a DM from discord.js");
        expect((await dmSession.next((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === toPal.id)).d).toMatchObject({ content: "a DM from discord.js", author: { id: w.bot.id } });
        const watched = noDmSession.frames.length;
        const toOther = await (await c.users.fetch(withoutDms.id)).send("a DM it has no intent for");
        expect((await api("POST", `/internal/users/${withoutDms.id}/dispatch`, { t: "USER_UPDATE", d: { id: withoutDms.id, username: "no-dms" } })).status).toBe(202);
        const barrier = await noDmSession.next((f) => f.t === "USER_UPDATE", WAIT_MS, watched);
        expect(noDmSession.frames.slice(watched, noDmSession.frames.indexOf(barrier)).filter((f) => (f.d as Json).id === toOther.id)).toEqual([]);

        // Work in a channel only the bot's role (and the owner) may view.
        const view = (1n << 10n).toString();
        const hiddenId = (
          (await created("POST", `/internal/guilds/${w.guildId}/channels`, {
            name: "back-office",
            permission_overwrites: [
              { id: w.guildId, type: 0, allow: "0", deny: view },
              { id: w.roleId, type: 0, allow: view, deny: "0" },
            ],
          })) as { id: string }
        ).id;
        const from = bystanderSession.frames.length;
        const hidden = (await c.channels.fetch(hiddenId)) as TextChannel;
        const row = new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId("hidden").setLabel("Hidden").setStyle(ButtonStyle.Primary));
        const message = await hidden.send({ content: "back office", embeds: [new EmbedBuilder().setTitle("Private")], components: [row] });
        await message.edit("back office, edited");
        await message.react("👍");
        await message.pin();
        expect((await hidden.messages.fetch({ limit: 50 })).first()?.id).toBe(message.id);
        const asBystander = `Bot ${bystander.token}`;
        expect(await api("GET", `/api/v10/channels/${hiddenId}/messages?limit=50`, undefined, asBystander)).toMatchObject({ status: 403, json: { code: 50001 } });
        expect(await api("GET", `/api/v10/channels/${hiddenId}/messages/${message.id}`, undefined, asBystander)).toMatchObject({ status: 403, json: { code: 50001 } });
        await message.delete();
        // A message it may see, posted after, is the barrier: nothing of the hidden channel came before it.
        const marker = await api("POST", `/api/v10/channels/${w.channelId}/messages`, { content: "a marker" }, `Bot ${w.human.token}`);
        const seen = await bystanderSession.next((f) => f.t === "MESSAGE_CREATE" && (f.d as Json).id === marker.json.id, WAIT_MS, from);
        expect(bystanderSession.frames.slice(from, bystanderSession.frames.indexOf(seen)).filter((f) => JSON.stringify(f.d).includes(hiddenId))).toEqual([]);
        expect(rateLimited).toEqual([]);
      } finally {
        for (const session of sessions) session.close();
      }
    }, WAIT_MS * 3);
  });
}

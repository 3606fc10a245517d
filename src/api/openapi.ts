/**
 * `GET /api/openapi.json`: an OpenAPI 3.1 description of every HTTP route guildgate answers
 * (health, metrics, the Discord-compatible REST routes, the ingress API, the dashboard's and
 * the demo's routes, the pages). test/openapi.test.ts keeps it in step with the router: every
 * route the router answers is described here, and every route described here answers. The
 * schemas say what the answers hold (extra fields are allowed, as Discord adds fields), and
 * schemathesis fuzzes the ingress API against them (test/openapi-fuzz.test.ts).
 */
import { LATENCY_BOUNDS_MS } from "../cluster/ingress-latency.ts";
import { jsonResponse } from "../protocol/json-response.ts";
import { methodNotAllowed } from "./errors.ts";
import type { Routes } from "./http.ts";

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string, extra: Schema = {}): Schema => ({ type: [type, "null"], ...extra });
const snowflake: Schema = { type: "string", pattern: "^[0-9]{1,20}$", description: "A snowflake: a 64-bit id as a decimal string." };
const bitfield: Schema = { type: "string", pattern: "^[0-9]{1,20}$", description: "A permission bitfield below 2^64, as a decimal string." };
const object = (properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema => ({ type: "object", properties, required, ...extra });
/** A request body's fields: unknown ones are refused (400), as the routes do. */
const body = (properties: Record<string, Schema>, required: string[] = []): Schema => object(properties, required, { additionalProperties: false });

const json = (schema: Schema, description: string) => ({ description, content: { "application/json": { schema } } });
const error = { $ref: "#/components/responses/Error" };
const noContent = { description: "Done; no body." };
const requestBody = (schema: Schema, required = true) => ({ required, content: { "application/json": { schema } } });
const path = (name: string, schema: Schema = snowflake) => ({ name, in: "path", required: true, schema });

interface Operation {
  summary: string;
  security?: Record<string, string[]>[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
  parameters?: unknown[];
  description?: string;
}

const INGRESS = [{ ingress: [] }];
/** What GET /cluster counts per node (api/cluster.ts ClusterNodeView). */
const CLUSTER_COUNTS = ["workers", "answered", "sessions", "connections", "guilds", "busBatchesSent", "busBatchesReceived"];
const CLIENT = [{ client: [] }];

/** An ingress operation: every one needs the ingress secret and may answer a 4xx error. */
const ingress = (summary: string, responses: Record<string, unknown>, extra: Partial<Operation> = {}): Operation => ({
  summary,
  security: INGRESS,
  ...extra,
  responses: { ...responses, "4XX": error },
});

const userFields = {
  username: { type: "string", minLength: 1, maxLength: 32 },
  global_name: nullable("string", { minLength: 1, maxLength: 32 }),
  avatar: nullable("string", { minLength: 1, maxLength: 64 }),
  bot: { type: "boolean" },
  privileged_intents: { type: "integer", minimum: 0, maximum: 33026, description: "A subset of GUILD_MEMBERS (2) | GUILD_PRESENCES (256) | MESSAGE_CONTENT (32768)." },
};
const roleFields = {
  name: { type: "string", minLength: 1, maxLength: 100 },
  permissions: bitfield,
  position: { type: "integer", minimum: 0, maximum: 1_000_000 },
  hoist: { type: "boolean" },
  color: { type: "integer", minimum: 0, maximum: 0xffffff },
  mentionable: { type: "boolean" },
};
const channelFields = {
  name: { type: "string", minLength: 1, maxLength: 100 },
  type: { type: "integer", minimum: 0, maximum: 255, description: "Not a thread's (10, 11, 12: 400): threads are started through Discord's thread routes." },
  position: { type: "integer", minimum: 0, maximum: 1_000_000 },
  parent_id: nullable("string", { pattern: "^[0-9]{1,20}$" }),
  topic: nullable("string", { maxLength: 1024 }),
  permission_overwrites: { type: "array", maxItems: 100, items: ref("OverwriteInput") },
};
const guildFields = { name: { type: "string", minLength: 2, maxLength: 100 }, icon: nullable("string", { minLength: 1, maxLength: 64 }) };
const event = {
  t: { type: "string", pattern: "^[A-Z][A-Z0-9_]{0,63}$", description: "The event name." },
  d: { description: "The event's data, any JSON." },
};
const dispatchBody = body(
  {
    ...event,
    intents: { type: "integer", minimum: 0, description: "For an event guildgate does not know: the intents a session must all have." },
    permissions: { ...bitfield, description: "For an event guildgate does not know: the permissions the member must have." },
  },
  ["t", "d"],
);

const schemas: Record<string, Schema> = {
  Error: object({ code: { type: "integer" }, message: { type: "string" } }, ["code", "message"]),
  User: object(
    { id: snowflake, ...userFields, privileged_intents: { type: "integer" }, created_at: { type: "string" } },
    ["id", "username", "global_name", "avatar", "bot", "privileged_intents", "created_at"],
  ),
  UserCreate: body({ id: snowflake, ...userFields }, ["username"]),
  UserPatch: body({ id: snowflake, ...userFields }),
  DiscordUser: object({ id: snowflake, username: { type: "string" }, discriminator: { type: "string" }, global_name: nullable("string"), bot: { type: "boolean" } }, ["id", "username"]),
  Role: object({ id: snowflake, name: { type: "string" }, color: { type: "integer" }, hoist: { type: "boolean" }, position: { type: "integer" }, permissions: bitfield, mentionable: { type: "boolean" } }, ["id", "name", "permissions", "position"]),
  RoleInput: body({ id: snowflake, ...roleFields }),
  Overwrite: object({ id: snowflake, type: { enum: [0, 1] }, allow: bitfield, deny: bitfield }, ["id", "type", "allow", "deny"]),
  OverwriteInput: body({ id: snowflake, type: { enum: [0, 1], description: "0 role, 1 member" }, allow: bitfield, deny: bitfield }, ["id", "type"]),
  Channel: object(
    { id: snowflake, type: { type: "integer" }, guild_id: snowflake, name: { type: "string" }, position: { type: "integer" }, parent_id: nullable("string"), topic: nullable("string"), permission_overwrites: { type: "array", items: ref("Overwrite") } },
    ["id", "type", "guild_id", "name", "position", "permission_overwrites"],
  ),
  ChannelInput: body({ id: snowflake, ...channelFields }),
  Guild: object(
    { id: snowflake, name: { type: "string" }, icon: nullable("string"), owner_id: snowflake, roles: { type: "array", items: ref("Role") }, channels: { type: "array", items: ref("Channel") }, member_count: { type: "integer" } },
    ["id", "name", "owner_id", "roles", "channels", "member_count"],
  ),
  GuildCreate: body({ id: snowflake, ...guildFields, owner_id: snowflake }, ["name", "owner_id"]),
  GuildPatch: body({ ...guildFields, owner_id: snowflake }),
  Member: object({ user: ref("DiscordUser"), nick: nullable("string"), roles: { type: "array", items: snowflake }, joined_at: { type: "string" }, guild_id: snowflake }, ["user", "roles", "joined_at"]),
  MemberPut: body({ roles: { type: "array", maxItems: 250, items: snowflake }, nick: nullable("string", { minLength: 1, maxLength: 32 }) }),
  Dispatch: dispatchBody,
  UserDispatch: body(event, ["t", "d"]),
  Topics: object({ topics: { type: "integer", description: "How many topics (permission class x intent variant) the event went to." } }, ["topics"]),
  TokenRequest: body({ expires_in: { type: "integer", minimum: 1, maximum: 315_360_000, description: "Seconds; none: the token does not expire." } }),
  Token: object({ token: { type: "string" } }, ["token"]),
  MessageCreate: object({
    content: { type: "string", maxLength: 2000 },
    nonce: { type: ["string", "integer"] },
    enforce_nonce: { type: "boolean" },
    tts: { type: "boolean" },
    embeds: { type: "array", maxItems: 10, items: { type: "object" } },
    components: { type: "array", maxItems: 40, items: { type: "object" } },
    message_reference: object({ message_id: snowflake, channel_id: snowflake, fail_if_not_exists: { type: "boolean" } }, ["message_id"]),
    allowed_mentions: object({ parse: { type: "array", items: { enum: ["users", "roles", "everyone"] } }, users: { type: "array", items: snowflake }, roles: { type: "array", items: snowflake }, replied_user: { type: "boolean" } }),
    flags: { type: "integer" },
  }),
  InteractionInvoke: object(
    {
      type: { type: "integer", enum: [2, 3, 4, 5], description: "2 APPLICATION_COMMAND, 3 MESSAGE_COMPONENT, 4 APPLICATION_COMMAND_AUTOCOMPLETE, 5 MODAL_SUBMIT." },
      application_id: snowflake,
      guild_id: { ...snowflake, description: "Absent in a DM with the app's bot." },
      channel_id: snowflake,
      message_id: { ...snowflake, description: "The message of the component clicked (type 3)." },
      message_flags: { type: "integer" },
      session_id: { type: "string" },
      nonce: { type: "string" },
      data: {
        type: "object",
        description:
          "A command: {id, name, type, version, options?, target_id?}; an autocomplete: a slash command's, one option with focused: true and its partial value as a string; a click: {component_type, custom_id, values?}; a modal's submission: {custom_id, components}.",
      },
    },
    ["type", "application_id", "channel_id", "data"],
  ),
  InteractionResponse: object(
    {
      type: { type: "integer", enum: [1, 4, 5, 6, 7, 8, 9] },
      data: { type: "object", description: "A message (4, 7), {flags} (5), an autocomplete's {choices: [{name, name_localizations?, value}]} (8), a modal {custom_id, title, components} (9)." },
    },
    ["type"],
  ),
  InteractionCallbackResponse: object(
    {
      interaction: object({ id: snowflake, type: { type: "integer" }, response_message_id: snowflake, response_message_loading: { type: "boolean" }, response_message_ephemeral: { type: "boolean" } }, ["id", "type"]),
      resource: object({ type: { type: "integer" }, message: ref("Message") }, ["type"]),
    },
    ["interaction"],
  ),
  MessageEdit: object({ content: nullable("string", { maxLength: 2000 }), embeds: nullable("array"), components: nullable("array"), flags: nullable("integer"), allowed_mentions: { type: "object" }, attachments: nullable("array") }),
  Message: object(
    { id: snowflake, type: { type: "integer" }, channel_id: snowflake, guild_id: snowflake, author: ref("DiscordUser"), content: { type: "string" }, timestamp: { type: "string" }, edited_timestamp: nullable("string"), pinned: { type: "boolean" } },
    ["id", "channel_id", "author", "content", "timestamp"],
  ),
  Pins: object({ items: { type: "array", items: object({ pinned_at: { type: "string" }, message: ref("Message") }, ["pinned_at", "message"]) }, has_more: { type: "boolean" } }, ["items", "has_more"]),
  DmChannel: object(
    { id: snowflake, type: { const: 1 }, last_message_id: nullable("string"), flags: { type: "integer" }, recipients: { type: "array", items: ref("DiscordUser") } },
    ["id", "type", "recipients"],
  ),
  GroupDmChannel: object(
    {
      id: snowflake,
      type: { const: 3 },
      last_message_id: nullable("string"),
      flags: { type: "integer" },
      name: nullable("string"),
      icon: nullable("string"),
      owner_id: snowflake,
      recipients: { type: "array", items: ref("DiscordUser") },
    },
    ["id", "type", "owner_id", "recipients"],
  ),
  DmOpen: object(
    {
      recipient_id: { type: ["string", "integer"], description: "A DM with this user: a snowflake (discord.py sends it as a JSON number)." },
      recipients: { type: "array", minItems: 1, maxItems: 9, items: { type: ["string", "integer"] }, description: "A group DM (a user's call) with these users." },
      access_tokens: { type: "array", items: { type: "string" }, description: "A group DM (a bot's call): users' gdm.join access tokens; guildgate grants none (50025)." },
    },
    [],
  ),
  GroupDmPatch: object({ name: nullable("string"), icon: { type: ["string", "null"], description: "An image data URI (kept as its hash; not served), or null." } }),
  Thread: object(
    {
      id: snowflake,
      type: { type: "integer", enum: [10, 11, 12] },
      guild_id: snowflake,
      parent_id: snowflake,
      owner_id: snowflake,
      name: { type: "string" },
      rate_limit_per_user: { type: "integer" },
      message_count: { type: "integer" },
      member_count: { type: "integer", maximum: 50 },
      total_message_sent: { type: "integer" },
      thread_metadata: object(
        { archived: { type: "boolean" }, auto_archive_duration: { type: "integer" }, archive_timestamp: { type: "string" }, locked: { type: "boolean" }, invitable: { type: "boolean" }, create_timestamp: { type: "string" } },
        ["archived", "auto_archive_duration", "archive_timestamp", "locked"],
      ),
      member: ref("ThreadMember"),
    },
    ["id", "type", "guild_id", "parent_id", "owner_id", "name", "thread_metadata"],
  ),
  ThreadMember: object({ id: snowflake, user_id: snowflake, join_timestamp: { type: "string" }, flags: { type: "integer" }, member: ref("Member") }, ["join_timestamp", "flags"]),
  ThreadList: object({ threads: { type: "array", items: ref("Thread") }, members: { type: "array", items: ref("ThreadMember") }, has_more: { type: "boolean" } }, ["threads", "members"]),
  ThreadStart: object(
    {
      name: { type: "string", minLength: 1, maxLength: 100 },
      auto_archive_duration: { type: "integer", enum: [60, 1440, 4320, 10080] },
      rate_limit_per_user: { type: ["integer", "null"], minimum: 0, maximum: 21600 },
      type: { type: "integer", enum: [10, 11, 12], description: "Without a message only; Discord's default is 12 (PRIVATE_THREAD)." },
      invitable: { type: "boolean", description: "A private thread: whether members without MANAGE_THREADS may add others." },
      message: { ...ref("MessageCreate"), description: "A forum or media channel's post (required there, refused elsewhere): its first message, with the thread's id." },
    },
    ["name"],
  ),
  ThreadPatch: object({
    name: { type: "string", minLength: 1, maxLength: 100 },
    archived: { type: "boolean" },
    auto_archive_duration: { type: "integer", enum: [60, 1440, 4320, 10080] },
    locked: { type: "boolean" },
    invitable: { type: "boolean" },
    rate_limit_per_user: { type: ["integer", "null"], minimum: 0, maximum: 21600 },
    flags: { type: "integer" },
  }),
  BulkDelete: object({ messages: { type: "array", minItems: 2, maxItems: 100, items: snowflake } }, ["messages"]),
  ApplicationCommandCreate: object(
    {
      type: { type: "integer", enum: [1, 2, 3], description: "1 CHAT_INPUT (default), 2 USER, 3 MESSAGE." },
      name: { type: "string", minLength: 1, maxLength: 32, description: "CHAT_INPUT: letters, digits, -, _ and ', lowercase where a letter has one." },
      description: { type: "string", maxLength: 100, description: "CHAT_INPUT: 1-100 characters; USER and MESSAGE: empty." },
      options: { type: "array", maxItems: 25, items: { type: "object" }, description: "CHAT_INPUT only; required before optional, unique names, up to 25 choices each." },
      default_member_permissions: { type: ["string", "integer", "null"] },
      dm_permission: nullable("boolean"),
      contexts: nullable("array"),
      integration_types: { type: "array", items: { type: "integer", enum: [0, 1] } },
      nsfw: { type: "boolean" },
      name_localizations: nullable("object"),
      description_localizations: nullable("object"),
    },
    ["name"],
  ),
  ApplicationCommand: object(
    { id: snowflake, application_id: snowflake, guild_id: snowflake, version: snowflake, type: { type: "integer" }, name: { type: "string" }, description: { type: "string" }, options: { type: "array" }, default_member_permissions: nullable("string") },
    ["id", "application_id", "version", "type", "name", "description"],
  ),
  PartialGuild: object({ id: snowflake, name: { type: "string" }, icon: nullable("string"), owner: { type: "boolean" }, permissions: bitfield }, ["id", "name", "owner", "permissions"]),
  Gateway: object({ url: { type: "string" } }, ["url"]),
  GatewayBot: object(
    { url: { type: "string" }, shards: { type: "integer" }, session_start_limit: object({ total: { type: "integer" }, remaining: { type: "integer" }, reset_after: { type: "integer" }, max_concurrency: { type: "integer" } }, ["total", "remaining", "reset_after", "max_concurrency"]) },
    ["url", "shards", "session_start_limit"],
  ),
  Application: object({ id: snowflake, name: { type: "string" }, owner: ref("DiscordUser") }, ["id", "name"]),
  Health: object({ status: { const: "ok" }, version: { type: "string" }, workers: { type: "array", items: { type: "string" } }, ringGeneration: { type: "integer" } }, ["status", "version", "workers"]),
  DemoJoin: body({ username: userFields.username }),
  Cluster: object(
    {
      node: { type: "string", description: "The node that answered." },
      generation: { type: "integer", description: "The ring's generation (the membership view's, in a cluster)." },
      nodes: {
        type: "array",
        items: object({ id: { type: "string" }, leaving: { type: "boolean" }, ...Object.fromEntries(CLUSTER_COUNTS.map((key) => [key, { type: "integer" }])) }, ["id", "leaving", ...CLUSTER_COUNTS]),
      },
    },
    ["node", "generation", "nodes"],
  ),
};

const html = { description: "The page.", content: { "text/html": { schema: { type: "string" } } } };
const version = path("version", { type: "integer", enum: [9, 10], description: "The API version: 10, or 9 (served the same)." });
const bootstrap = (summary: string, schema: string, auth = true): Record<string, Operation> => ({
  get: { summary, parameters: [version], ...(auth ? { security: CLIENT } : {}), responses: { "200": json(ref(schema), "OK"), ...(auth ? { "401": error } : {}), "4XX": error } },
});

/** A Discord REST operation: a client token, rate limited (X-RateLimit-* headers, 429), 4xx errors as Discord's. */
const discord = (summary: string, responses: Record<string, unknown>, params: string[], extra: Partial<Operation> = {}): Operation => ({
  summary,
  security: CLIENT,
  parameters: [version, ...params.map((name) => path(name, name === "emoji" ? { type: "string", description: "A Unicode emoji, URL-encoded." } : snowflake))],
  ...extra,
  responses: { ...responses, "429": json(object({ message: { type: "string" }, retry_after: { type: "number" }, global: { type: "boolean" } }, ["message", "retry_after", "global"]), "Rate limited."), "4XX": error },
});
/** A route an interaction's token opens (no Authorization), with the token in the path. */
const interactionToken = (summary: string, responses: Record<string, unknown>, params: string[], extra: Partial<Operation> = {}): Operation => ({
  summary,
  parameters: [version, ...params.map((name) => path(name, name === "message_id" ? { type: "string", pattern: "^(@original|[0-9]{1,20})$" } : snowflake)), path("interaction_token", { type: "string" })],
  ...extra,
  responses: { ...responses, "4XX": error },
});
/** A message body with files: the JSON body in payload_json, files in files[n]. */
const WITH_FILES = object({ payload_json: { type: "string", description: "The JSON body." }, "files[0]": { type: "string", format: "binary" } });
const many = (schema: string) => ({ type: "array", items: ref(schema) });
const C = ["channel_id"];
const CM = ["channel_id", "message_id"];
const CME = ["channel_id", "message_id", "emoji"];
const G = ["guild_id"];
const sent = (what: string) => ({ "200": json(ref("Message"), what) });
const done = { "204": noContent };

/** The command registry's routes, global (`scope` "") and per guild (api/commands.ts). */
function commandRoutes(at: string, params: string[], scope: string): Record<string, Record<string, Operation>> {
  const one = [...params, "command_id"];
  const command = { "200": json(ref("ApplicationCommand"), "The command.") };
  return {
    [at]: {
      get: discord(`The application's ${scope}commands (the caller's token must be the application's bot's).`, { "200": json(many("ApplicationCommand"), "Commands.") }, params),
      post: discord(`Create a ${scope}command; one of the same type and name is replaced (200) rather than added (201).`, { ...command, "201": json(ref("ApplicationCommand"), "Created.") }, params, { requestBody: requestBody(ref("ApplicationCommandCreate")) }),
      put: discord(`Overwrite every ${scope}command: listed names that exist keep their ids; the rest are deleted.`, { "200": json(many("ApplicationCommand"), "Commands.") }, params, {
        requestBody: requestBody({ type: "array", maxItems: 130, items: ref("ApplicationCommandCreate") }),
      }),
    },
    [`${at}/{command_id}`]: {
      get: discord(`One ${scope}command.`, command, one),
      patch: discord(`Edit a ${scope}command: given fields replace the command's.`, command, one, { requestBody: requestBody(ref("ApplicationCommandCreate")) }),
      delete: discord(`Delete a ${scope}command.`, done, one),
    },
  };
}

/** Discord's REST routes a bot uses all day (api/messages.ts, reactions.ts, reads.ts, commands.ts). */
const DISCORD_REST: Record<string, Record<string, Operation>> = {
  "/api/v{version}/channels/{channel_id}": {
    get: discord("A channel the caller can view (a thread: one it may see, with its thread member if it joined), or a DM or group DM channel the caller is in.", { "200": json({ oneOf: [ref("Channel"), ref("Thread"), ref("DmChannel"), ref("GroupDmChannel")] }, "The channel.") }, C),
    patch: discord(
      "A thread (MANAGE_THREADS, or its creator for name, archived and auto_archive_duration, SEND_MESSAGES to unarchive an unlocked one; 50083 while archived): THREAD_UPDATE. A group DM (a recipient renames it or changes its icon): CHANNEL_UPDATE to its recipients. Other guild channels: 50024 (change them through the ingress routes).",
      { "200": json({ oneOf: [ref("Thread"), ref("GroupDmChannel")] }, "The channel.") },
      C,
      { requestBody: requestBody({ oneOf: [ref("ThreadPatch"), ref("GroupDmPatch")] }) },
    ),
    delete: discord("Delete a thread (MANAGE_THREADS), its messages and members: THREAD_DELETE. Leave a group DM (CHANNEL_DELETE to the caller, CHANNEL_RECIPIENT_REMOVE to the others; the last one out deletes it) or close a DM. Other guild channels: 50024.", { "200": json({ oneOf: [ref("Thread"), ref("DmChannel"), ref("GroupDmChannel")] }, "The channel as it was.") }, C),
  },
  "/api/v{version}/channels/{channel_id}/recipients/{user_id}": {
    put: discord("Add a user to a group DM (a user's call; a bot's needs a gdm.join access token: 50025): CHANNEL_RECIPIENT_ADD to its recipients, CHANNEL_CREATE to the user.", done, [...C, "user_id"]),
    delete: discord("Remove a recipient (the owner), or leave: CHANNEL_DELETE to it, CHANNEL_RECIPIENT_REMOVE to the others.", done, [...C, "user_id"]),
  },
  "/api/v{version}/channels/{channel_id}/messages/{message_id}/threads": {
    post: discord("Start a public (in an announcement channel: announcement) thread from a message, with the message's id (CREATE_PUBLIC_THREADS; 160004 for a second): THREAD_CREATE, MESSAGE_UPDATE.", { "200": json(ref("Thread"), "The thread.") }, CM, {
      requestBody: requestBody(ref("ThreadStart")),
    }),
  },
  "/api/v{version}/channels/{channel_id}/threads": {
    post: discord("Start a thread without a message, public or private by type (CREATE_PUBLIC_THREADS or CREATE_PRIVATE_THREADS), or a forum or media post with its first message (SEND_MESSAGES; MESSAGE_CREATE too); the creator joins it: THREAD_CREATE, THREAD_MEMBERS_UPDATE.", { "200": json(ref("Thread"), "The thread (a post: with `message`).") }, C, {
      requestBody: requestBody(ref("ThreadStart")),
    }),
  },
  "/api/v{version}/channels/{channel_id}/thread-members": {
    get: discord("The thread's members by user id: with_member, after, limit 1-100 (the GUILD_MEMBERS intent).", { "200": json(many("ThreadMember"), "Thread members.") }, C),
  },
  "/api/v{version}/channels/{channel_id}/thread-members/@me": {
    put: discord("Join an active thread: THREAD_MEMBERS_UPDATE, THREAD_CREATE to the caller.", done, C),
    delete: discord("Leave an active thread: THREAD_MEMBERS_UPDATE.", done, C),
  },
  "/api/v{version}/channels/{channel_id}/thread-members/{user_id}": {
    get: discord("One thread member (10007 if not in it): with_member.", { "200": json(ref("ThreadMember"), "The thread member.") }, [...C, "user_id"]),
    put: discord("Add a member to an active thread (SEND_MESSAGES_IN_THREADS; MANAGE_THREADS in a private thread that is not invitable): THREAD_MEMBERS_UPDATE, THREAD_CREATE to it.", done, [...C, "user_id"]),
    delete: discord("Remove a member from an active thread (MANAGE_THREADS, or the creator of a private thread): THREAD_MEMBERS_UPDATE.", done, [...C, "user_id"]),
  },
  "/api/v{version}/channels/{channel_id}/threads/archived/public": {
    get: discord("Archived public threads, latest archived first: before (ISO time), limit 1-100 (READ_MESSAGE_HISTORY).", { "200": json(ref("ThreadList"), "Threads.") }, C),
  },
  "/api/v{version}/channels/{channel_id}/threads/archived/private": {
    get: discord("Archived private threads, latest archived first: before (ISO time), limit 1-100 (READ_MESSAGE_HISTORY, MANAGE_THREADS).", { "200": json(ref("ThreadList"), "Threads.") }, C),
  },
  "/api/v{version}/channels/{channel_id}/users/@me/threads/archived/private": {
    get: discord("Archived private threads the caller joined, highest id first: before (a thread id), limit 1-100 (READ_MESSAGE_HISTORY).", { "200": json(ref("ThreadList"), "Threads.") }, C),
  },
  "/api/v{version}/guilds/{guild_id}/threads/active": {
    get: discord("The guild's active threads the caller may see, with its thread members.", { "200": json(ref("ThreadList"), "Threads.") }, G),
  },
  "/api/v{version}/channels/{channel_id}/messages": {
    get: discord("History, newest first: before/after/around, limit 1-100 (VIEW_CHANNEL, READ_MESSAGE_HISTORY).", { "200": json(many("Message"), "Messages.") }, C),
    post: discord("Send a message (VIEW_CHANNEL, SEND_MESSAGES; ATTACH_FILES for files): stored; MESSAGE_CREATE to those who can view the channel (in a DM: to both users, 50007 where Discord refuses).", sent("The message."), C, {
      requestBody: {
        required: true,
        content: {
          "application/json": { schema: ref("MessageCreate") },
          "multipart/form-data": { schema: WITH_FILES },
        },
      },
    }),
  },
  "/api/v{version}/channels/{channel_id}/messages/bulk-delete": {
    post: discord("Delete 2-100 messages under 14 days old (MANAGE_MESSAGES): MESSAGE_DELETE_BULK.", done, C, { requestBody: requestBody(ref("BulkDelete")) }),
  },
  "/api/v{version}/channels/{channel_id}/messages/pins": { get: discord("Pinned messages, latest pinned first: before (ISO time), limit 1-50.", { "200": json(ref("Pins"), "Pins.") }, C) },
  "/api/v{version}/channels/{channel_id}/messages/pins/{message_id}": {
    put: discord("Pin (PIN_MESSAGES; in a DM, its recipients): CHANNEL_PINS_UPDATE.", done, CM),
    delete: discord("Unpin: CHANNEL_PINS_UPDATE.", done, CM),
  },
  "/api/v{version}/channels/{channel_id}/messages/{message_id}": {
    get: discord("One message.", sent("The message."), CM),
    patch: discord("Edit (the author; others only flags, with MANAGE_MESSAGES): MESSAGE_UPDATE. `attachments` lists the files kept and new ones (multipart).", sent("The message."), CM, {
      requestBody: {
        required: true,
        content: { "application/json": { schema: ref("MessageEdit") }, "multipart/form-data": { schema: WITH_FILES } },
      },
    }),
    delete: discord("Delete (the author, or MANAGE_MESSAGES): MESSAGE_DELETE.", done, CM),
  },
  "/api/v{version}/channels/{channel_id}/pins": { get: discord("Pinned messages (Discord's older route).", { "200": json(many("Message"), "Messages.") }, C) },
  "/api/v{version}/channels/{channel_id}/pins/{message_id}": {
    put: discord("Pin (Discord's older route).", done, CM),
    delete: discord("Unpin (Discord's older route).", done, CM),
  },
  "/api/v{version}/channels/{channel_id}/typing": { post: discord("Typing (SEND_MESSAGES; in a DM, its recipients): TYPING_START.", done, C) },
  "/api/v{version}/channels/{channel_id}/messages/{message_id}/reactions": { delete: discord("Remove all reactions (MANAGE_MESSAGES): MESSAGE_REACTION_REMOVE_ALL.", done, CM) },
  "/api/v{version}/channels/{channel_id}/messages/{message_id}/reactions/{emoji}": {
    get: discord("Users who reacted with the emoji: type 0/1, after, limit 1-100.", { "200": json(many("DiscordUser"), "Users.") }, CME),
    delete: discord("Remove every reaction with the emoji (MANAGE_MESSAGES): MESSAGE_REACTION_REMOVE_EMOJI.", done, CME),
  },
  "/api/v{version}/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me": {
    put: discord("React (READ_MESSAGE_HISTORY; ADD_REACTIONS for a new emoji; in a DM, its recipients): MESSAGE_REACTION_ADD.", done, CME),
    delete: discord("Remove one's reaction: MESSAGE_REACTION_REMOVE.", done, CME),
  },
  "/api/v{version}/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}": {
    delete: discord("Remove another user's reaction (MANAGE_MESSAGES): MESSAGE_REACTION_REMOVE.", done, [...CME, "user_id"]),
  },
  "/api/v{version}/guilds/{guild_id}": { get: discord("The guild (a member only); with_counts adds approximate counts.", { "200": json(ref("Guild"), "The guild.") }, G) },
  "/api/v{version}/guilds/{guild_id}/channels": { get: discord("The channels the caller can view.", { "200": json(many("Channel"), "Channels.") }, G) },
  "/api/v{version}/guilds/{guild_id}/roles": { get: discord("The roles.", { "200": json(many("Role"), "Roles.") }, G) },
  "/api/v{version}/guilds/{guild_id}/members": { get: discord("Members by id: limit 1-1000, after (the GUILD_MEMBERS intent).", { "200": json(many("Member"), "Members.") }, G) },
  "/api/v{version}/guilds/{guild_id}/members/search": { get: discord("Members whose name starts with query: limit 1-1000.", { "200": json(many("Member"), "Members.") }, G) },
  "/api/v{version}/guilds/{guild_id}/members/{user_id}": { get: discord("One member.", { "200": json(ref("Member"), "The member.") }, [...G, "user_id"]) },
  "/api/v{version}/users/@me/channels": {
    post: discord("Open the DM channel with a user, or answer the one there is (CHANNEL_CREATE to a user that opens it; none to a bot); or make a group DM with `recipients` (CHANNEL_CREATE to each).", { "200": json({ oneOf: [ref("DmChannel"), ref("GroupDmChannel")] }, "The channel.") }, [], {
      requestBody: requestBody(ref("DmOpen")),
    }),
  },
  "/api/v{version}/users/@me/guilds": { get: discord("The caller's guilds with its permissions: before, after, limit 1-200, with_counts.", { "200": json(many("PartialGuild"), "Guilds.") }, []) },
  "/api/v{version}/users/{user_id}": { get: discord("A user.", { "200": json(ref("DiscordUser"), "The user.") }, ["user_id"]) },
  "/api/v{version}/interactions": {
    post: discord("Invoke a command, click a component or submit a modal, as Discord's client does (JSON, or multipart with payload_json): INTERACTION_CREATE to the app's bot sessions in the guild.", done, [], {
      requestBody: { required: true, content: { "application/json": { schema: ref("InteractionInvoke") }, "multipart/form-data": { schema: WITH_FILES } } },
    }),
  },
  "/api/v{version}/interactions/{interaction_id}/{interaction_token}/callback": {
    post: interactionToken("The initial response, once, within 3 s (404 10062 after; 400 40060 the second time); with_response=true answers 200 with the callback response.", {
      "200": json(ref("InteractionCallbackResponse"), "The callback response (with_response=true)."),
      ...done,
    }, ["interaction_id"], { requestBody: requestBody(ref("InteractionResponse")) }),
  },
  "/api/v{version}/webhooks/{application_id}/{interaction_token}": {
    post: interactionToken("A follow-up message, within 15 minutes (401 50027 after); wait=true answers it.", { ...sent("The message (wait=true)."), ...done }, ["application_id"], {
      requestBody: { required: true, content: { "application/json": { schema: ref("MessageCreate") }, "multipart/form-data": { schema: WITH_FILES } } },
    }),
  },
  "/api/v{version}/webhooks/{application_id}/{interaction_token}/messages/{message_id}": {
    get: interactionToken("The original response (message_id @original) or a follow-up.", sent("The message."), ["application_id", "message_id"]),
    patch: interactionToken("Edit the original response or a follow-up: MESSAGE_UPDATE (a deferred response stops loading).", sent("The message."), ["application_id", "message_id"], {
      requestBody: { required: true, content: { "application/json": { schema: ref("MessageEdit") }, "multipart/form-data": { schema: WITH_FILES } } },
    }),
    delete: interactionToken("Delete the original response or a follow-up: MESSAGE_DELETE.", done, ["application_id", "message_id"]),
  },
  ...commandRoutes("/api/v{version}/applications/{application_id}/commands", ["application_id"], "global "),
  ...commandRoutes("/api/v{version}/applications/{application_id}/guilds/{guild_id}/commands", ["application_id", "guild_id"], "guild "),
};

const paths: Record<string, Record<string, Operation>> = {
  "/healthz": { get: { summary: "Health: 200 once the gateway accepts connections.", responses: { "200": json(ref("Health"), "Healthy") } } },
  "/metrics": {
    get: {
      summary: "Prometheus text (0.0.4): this node's workers' counters summed, every series labelled node=\"{node id}\".",
      description: `Among them guildgate_ingress_to_send_seconds, a histogram with buckets up to ${LATENCY_BOUNDS_MS.join(", ")} ms.`,
      responses: { "200": { description: "Metrics.", content: { "text/plain": { schema: { type: "string" } } } } },
    },
  },
  "/cluster": {
    get: ingress("The nodes, the ring's generation, and per node its sessions, connections, guilds owned and bus batches (one NATS message each).", {
      "200": json(ref("Cluster"), "The cluster."),
    }),
  },
  "/api/openapi.json": { get: { summary: "This description.", responses: { "200": json({ type: "object" }, "OpenAPI 3.1") } } },
  "/api/v{version}/gateway": bootstrap("The gateway's WebSocket URL.", "Gateway", false),
  "/api/v{version}/gateway/bot": bootstrap("The gateway URL, recommended shards and the session start limit.", "GatewayBot"),
  "/api/v{version}/users/@me": bootstrap("The caller's user.", "DiscordUser"),
  "/api/v{version}/applications/@me": bootstrap("The caller's application (named after its user).", "Application"),
  "/api/v{version}/oauth2/applications/@me": bootstrap("The caller's application (named after its user).", "Application"),
  ...DISCORD_REST,
  "/internal/users": { post: ingress("Create a user.", { "201": json(ref("User"), "Created.") }, { requestBody: requestBody(ref("UserCreate")) }) },
  "/internal/users/{user_id}": {
    get: ingress("A user.", { "200": json(ref("User"), "The user.") }, { parameters: [path("user_id")] }),
    patch: ingress("Change a user.", { "200": json(ref("User"), "The user.") }, { parameters: [path("user_id")], requestBody: requestBody(ref("UserPatch")) }),
    delete: ingress("Delete a user: it leaves every guild, its tokens and sessions end (refused while it owns guilds).", { "204": noContent }, { parameters: [path("user_id")] }),
  },
  "/internal/users/{user_id}/token": {
    post: ingress("Mint a client token, in Discord's shape.", { "200": json(ref("Token"), "The token.") }, { parameters: [path("user_id")], requestBody: requestBody(ref("TokenRequest"), false) }),
  },
  "/internal/users/{user_id}/tokens/revoke": {
    post: ingress("Revoke every token minted for the user so far; its sessions close with 4004.", { "204": noContent }, { parameters: [path("user_id")] }),
  },
  "/internal/users/{user_id}/dispatch": {
    post: ingress("Send an event to every session of the user.", { "202": json(object({}), "Accepted.") }, { parameters: [path("user_id")], requestBody: requestBody(ref("UserDispatch")) }),
  },
  "/internal/interactions": {
    post: ingress("Start an interaction for a user (user_id), with the body Discord's client sends to POST /api/v10/interactions.", { "204": noContent }, {
      requestBody: requestBody({ allOf: [ref("InteractionInvoke"), object({ user_id: snowflake }, ["user_id"])] }),
    }),
  },
  "/internal/guilds": { post: ingress("Create a guild (the owner becomes a member).", { "201": json(ref("Guild"), "Created.") }, { requestBody: requestBody(ref("GuildCreate")) }) },
  "/internal/guilds/{guild_id}": {
    get: ingress("A guild with its roles, channels and member count.", { "200": json(ref("Guild"), "The guild.") }, { parameters: [path("guild_id")] }),
    patch: ingress("Change a guild.", { "200": json(ref("Guild"), "The guild.") }, { parameters: [path("guild_id")], requestBody: requestBody(ref("GuildPatch")) }),
    delete: ingress("Delete a guild; its sessions get GUILD_DELETE.", { "204": noContent }, { parameters: [path("guild_id")] }),
  },
  "/internal/guilds/{guild_id}/roles": {
    post: ingress("Create a role.", { "201": json(ref("Role"), "Created.") }, { parameters: [path("guild_id")], requestBody: requestBody(ref("RoleInput")) }),
  },
  "/internal/guilds/{guild_id}/roles/{role_id}": {
    get: ingress("A role.", { "200": json(ref("Role"), "The role.") }, { parameters: [path("guild_id"), path("role_id")] }),
    patch: ingress("Change a role.", { "200": json(ref("Role"), "The role.") }, { parameters: [path("guild_id"), path("role_id")], requestBody: requestBody(ref("RoleInput")) }),
    delete: ingress("Delete a role (not @everyone).", { "204": noContent }, { parameters: [path("guild_id"), path("role_id")] }),
  },
  "/internal/guilds/{guild_id}/channels": {
    post: ingress("Create a channel.", { "201": json(ref("Channel"), "Created.") }, { parameters: [path("guild_id")], requestBody: requestBody(ref("ChannelInput")) }),
  },
  "/internal/guilds/{guild_id}/channels/{channel_id}": {
    get: ingress("A channel.", { "200": json(ref("Channel"), "The channel.") }, { parameters: [path("guild_id"), path("channel_id")] }),
    patch: ingress("Change a channel.", { "200": json(ref("Channel"), "The channel.") }, { parameters: [path("guild_id"), path("channel_id")], requestBody: requestBody(ref("ChannelInput")) }),
    delete: ingress("Delete a channel.", { "204": noContent }, { parameters: [path("guild_id"), path("channel_id")] }),
  },
  "/internal/guilds/{guild_id}/members/{user_id}": {
    get: ingress("A member.", { "200": json(ref("Member"), "The member.") }, { parameters: [path("guild_id"), path("user_id")] }),
    put: ingress("Add or change a member.", { "200": json(ref("Member"), "Changed."), "201": json(ref("Member"), "Added.") }, { parameters: [path("guild_id"), path("user_id")], requestBody: requestBody(ref("MemberPut"), false) }),
    delete: ingress("Remove a member; its sessions get GUILD_DELETE.", { "204": noContent }, { parameters: [path("guild_id"), path("user_id")] }),
  },
  "/internal/guilds/{guild_id}/dispatch": {
    post: ingress("Send an event to the guild's sessions that Discord's rule for it entitles.", { "202": json(ref("Topics"), "Accepted.") }, { parameters: [path("guild_id")], requestBody: requestBody(ref("Dispatch")) }),
  },
  "/internal/channels/{channel_id}/dispatch": {
    post: ingress("Send an event to those of the guild's sessions that can view the channel (a thread: that may see it; an app's own event not into a private thread).", { "202": json(ref("Topics"), "Accepted.") }, { parameters: [path("channel_id")], requestBody: requestBody(ref("Dispatch")) }),
  },
  "/attachments/{channel_id}/{attachment_id}/{filename}": {
    get: {
      summary: "A file sent with a message, at the URL its attachment object gives (hm: the signature guildgate made); images inline, anything else as a download.",
      parameters: [path("channel_id"), path("attachment_id"), path("filename", { type: "string" }), { name: "hm", in: "query", required: true, schema: { type: "string" } }],
      responses: { "200": { description: "The file.", content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } }, "404": error },
    },
  },
  "/": { get: { summary: "The chat page (WebSocket upgrades on / are the gateway).", responses: { "200": html } } },
  "/dashboard": { get: { summary: "The dashboard page.", responses: { "200": html } } },
  "/dashboard/login": {
    post: {
      summary: "Log in to the dashboard with the ingress secret: sets an HttpOnly, SameSite=Strict cookie.",
      requestBody: requestBody(object({ secret: { type: "string" } }, ["secret"])),
      responses: { "204": noContent, "401": error, "4XX": error },
    },
  },
  "/dashboard/logout": { post: { summary: "Clear the dashboard cookie.", responses: { "204": noContent } } },
  "/dashboard/events": {
    get: {
      summary: "Server-sent events: a snapshot of every worker's counters each second.",
      security: [{ dashboard: [] }],
      responses: { "200": { description: "An event stream.", content: { "text/event-stream": { schema: { type: "string" } } } }, "401": error },
    },
  },
  "/demo": {
    get: { summary: "Only with --demo: the demo guild's id and size bound.", responses: { "200": json(object({ guild_id: snowflake, max_members: { type: "integer" } }, ["guild_id", "max_members"]), "Demo mode is on.") } },
  },
  "/demo/join": {
    post: {
      summary: "Only with --demo: a new user, made a member of the demo guild, and its token.",
      requestBody: requestBody(ref("DemoJoin"), false),
      responses: { "201": json(object({ token: { type: "string" }, user: ref("User"), guild_id: snowflake }, ["token", "user", "guild_id"]), "Joined."), "4XX": error },
    },
  },
};

/** The description, for a server of `version`. */
export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: { title: "guildgate", version, description: "A real-time gateway that speaks the Discord Gateway v10 protocol: its HTTP routes." },
    paths,
    components: {
      schemas,
      responses: { Error: json(ref("Error"), "An error: `{code, message}` with Discord's JSON error codes.") },
      securitySchemes: {
        ingress: { type: "http", scheme: "bearer", description: "The ingress secret." },
        client: { type: "apiKey", in: "header", name: "Authorization", description: "A client token: `Bot <token>`, `Bearer <token>` or the token." },
        dashboard: { type: "apiKey", in: "cookie", name: "guildgate_dashboard", description: "Set by POST /dashboard/login." },
      },
    },
  };
}

/** `GET /api/openapi.json`. */
export function createOpenApiRoute(version: string): Routes {
  const document = openApiDocument(version);
  return async (request, url) => {
    if (url.pathname !== "/api/openapi.json") return undefined;
    if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed("GET, HEAD");
    return jsonResponse(document);
  };
}

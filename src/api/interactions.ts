/**
 * `POST /interactions` (under `/api/v10` and `/api/v9`): a user invokes an application command,
 * asks for an option's autocomplete choices while typing one, clicks a message component or
 * submits a modal, in a guild channel or in its DM with the app's bot (no `guild_id`), as
 * Discord's own client does (its body JSON,
 * or `multipart/form-data` with `payload_json`), and `POST /internal/interactions` for a backend
 * doing it for a user. The body is read here and checked against what it names: the
 * application (a bot user), the channel (one of the guild's), the command (global or this
 * guild's; its options against its definition, interaction-options.ts); then one owner call,
 * where the guild's owner checks the invoker's permissions, the component's message, and sends
 * INTERACTION_CREATE to the app's bot sessions (guild/interactions.ts). Answered 204, as Discord
 * answers its client.
 */
import type { Owners } from "../cluster/owner-api.ts";
import { InteractionType, type InteractionFacts, type ResolveIds } from "../guild/interaction-json.ts";
import type { InteractionStart } from "../guild/interactions.ts";
import { Refusal } from "../guild/refusal.ts";
import { isObject } from "../protocol/fields.ts";
import type { GuildStore } from "../store/guild-store.ts";
import { readJsonOrForm } from "./attachments.ts";
import { integer, snowflake, text } from "./body-fields.ts";
import { invalidField, methodNotAllowed, unauthorized } from "./errors.ts";
import type { Routes } from "./http.ts";
import type { InteractionTokens } from "./interaction-tokens.ts";
import { readOptions } from "./interaction-options.ts";
import { MAX_REQUEST_BODY_BYTES } from "./json-body.ts";
import { noContent, type RestCall, type RestRoute } from "./rest.ts";
import type { SnowflakeGenerator } from "./snowflake.ts";

type Json = Record<string, unknown>;

/** Component types a click may name: button 2, the select menus 3, 5, 6, 7, 8. */
const COMPONENT_TYPES = new Set([2, 3, 5, 6, 7, 8]);
const NOTHING: ResolveIds = { users: [], roles: [], channels: [], messages: [] };

/** What starting an interaction needs, wherever it is asked for. */
export interface InvokeContext {
  readonly store: Pick<GuildStore, "getUser" | "getChannel" | "getDmChannel" | "listCommands" | "listCommandPermissions">;
  readonly owners: Pick<Owners, "startInteraction">;
  readonly ids: SnowflakeGenerator;
  readonly interactionTokens: InteractionTokens;
  readonly now: () => number;
}

/** Reads an invocation's body for `userId` and starts the interaction on the guild's owner. */
export async function invoke(ctx: InvokeContext, body: Json, userId: string): Promise<void> {
  const { type } = body;
  if (type !== InteractionType.APPLICATION_COMMAND && type !== InteractionType.MESSAGE_COMPONENT && type !== InteractionType.AUTOCOMPLETE && type !== InteractionType.MODAL_SUBMIT) {
    throw invalidField("type", "must be 2 (APPLICATION_COMMAND), 3 (MESSAGE_COMPONENT), 4 (APPLICATION_COMMAND_AUTOCOMPLETE) or 5 (MODAL_SUBMIT)");
  }
  const applicationId = snowflake(body.application_id, "application_id");
  const channelId = snowflake(body.channel_id, "channel_id");
  const inGuild = body.guild_id !== undefined && body.guild_id !== null;
  const guildId = inGuild ? snowflake(body.guild_id, "guild_id") : undefined;
  if (body.session_id !== undefined) text(body.session_id, "session_id", 0, 128);
  const nonce = body.nonce === undefined || body.nonce === null ? undefined : text(String(body.nonce), "nonce", 0, 25);
  if (!isObject(body.data)) throw invalidField("data", "must be an object");
  const { store } = ctx;
  const app = await store.getUser(applicationId);
  if (!app?.bot) throw new Refusal("unknown-application", "Unknown Application");
  const id = ctx.ids.next();
  // The interaction's unit, whose owner runs it: its guild, or in a DM its channel (as a message's).
  const unitId = guildId ?? channelId;
  if (guildId !== undefined && (await store.getChannel(channelId))?.guildId !== guildId) throw new Refusal("unknown-channel", "Unknown Channel");
  if (guildId === undefined) await checkDm(store, channelId, userId);
  const base = { id, type, applicationId, guildId: unitId, channelId, userId };
  const read =
    type === InteractionType.APPLICATION_COMMAND || type === InteractionType.AUTOCOMPLETE
      ? await commandInvocation(store, base, body.data)
      : type === InteractionType.MESSAGE_COMPONENT
        ? componentInvocation(base, body, body.data)
        : modalInvocation(base, body, body.data);
  const start: InteractionStart = { ...read, token: ctx.interactionTokens.mint(base), locale: "en-US", ...(nonce !== undefined && { nonce }) };
  await ctx.owners.startInteraction(unitId, start, ctx.now());
}

/** A DM channel the invoker is in (10003, 50001); that the app's bot is the other recipient, its owner checks. */
async function checkDm(store: InvokeContext["store"], channelId: string, userId: string): Promise<void> {
  const channel = await store.getDmChannel(channelId);
  if (!channel) throw new Refusal("unknown-channel", "Unknown Channel");
  if (!channel.recipientIds.includes(userId)) throw new Refusal("missing-access", "Missing Access");
}

type Base = Pick<InteractionFacts, "id" | "type" | "applicationId" | "guildId" | "channelId" | "userId">;
type Read = Omit<InteractionStart, "token" | "locale" | "nonce">;

/**
 * A command (`data: {id, name, type, options?, target_id?}`), the app's global one or this
 * guild's; for an autocomplete (type 4), a slash command being typed, one option focused.
 */
async function commandInvocation(store: InvokeContext["store"], base: Base, data: Json): Promise<Read> {
  const commandId = snowflake(data.id, "data.id");
  const dm = base.guildId === base.channelId;
  // In a DM, only global commands, and only those the DM allows (`dm_permission`, `contexts` with BOT_DM 1).
  const commands = [...(await store.listCommands(base.applicationId, null)), ...(dm ? [] : await store.listCommands(base.applicationId, base.guildId))];
  const command = commands.find((each) => each.id === commandId);
  if (!command) throw new Refusal("unknown-command", "Unknown application command");
  const { contexts } = command.data;
  if (dm && (command.data.dm_permission === false || (Array.isArray(contexts) && !contexts.includes(1)))) throw new Refusal("missing-access", "Missing Access");
  if (data.name !== command.name) throw invalidField("data.name", "is not the command's name");
  if ((data.type ?? 1) !== command.type) throw invalidField("data.type", `must be ${command.type}`);
  const head = { id: command.id, name: command.name, type: command.type, ...(command.guildId !== null && { guild_id: command.guildId }) };
  // Who may use it in a guild: its permissions there and the app's (guild/command-access.ts), checked by the owner.
  const access = dm
    ? undefined
    : {
        commandId: command.id,
        defaultMemberPermissions: typeof command.data.default_member_permissions === "string" ? command.data.default_member_permissions : null,
        records: (await store.listCommandPermissions(base.applicationId, base.guildId)).filter((r) => r.targetId === command.id || r.targetId === base.applicationId),
      };
  const facts = { ...base, command: { name: command.name, type: command.type, ...(access && { access }) } };
  const autocomplete = base.type === InteractionType.AUTOCOMPLETE;
  if (command.type === 1) {
    const { options, resolve, focusedType } = readOptions(data.options, command.data.options, "data.options", autocomplete);
    return { facts, data: { ...head, ...(options.length > 0 && { options }) }, resolve, ...(focusedType !== undefined && { focusedType }) };
  }
  if (autocomplete) throw invalidField("data.type", "must be 1 (CHAT_INPUT): only a slash command's options autocomplete");
  const targetId = snowflake(data.target_id, "data.target_id");
  const resolve = command.type === 2 ? { ...NOTHING, users: [targetId] } : { ...NOTHING, messages: [targetId] };
  return { facts: { ...facts, targetId }, data: { ...head, target_id: targetId }, resolve };
}

/** A click (`message_id`, `data: {component_type, custom_id, values?}`). */
function componentInvocation(base: Base, body: Json, data: Json): Read {
  const messageId = snowflake(body.message_id, "message_id");
  const componentType = integer(data.component_type, "data.component_type", 2, 8);
  if (!COMPONENT_TYPES.has(componentType)) throw invalidField("data.component_type", "must be a button (2) or a select menu (3, 5, 6, 7, 8)");
  const customId = text(data.custom_id, "data.custom_id", 1, 100);
  let values: string[] | undefined;
  if (componentType !== 2) {
    if (!Array.isArray(data.values) || data.values.length > 25) throw invalidField("data.values", "must be an array of at most 25 values");
    values = data.values.map((value, i) => (componentType === 3 ? text(value, `data.values[${i}]`, 0, 100) : snowflake(value, `data.values[${i}]`)));
  }
  const ids = values ?? [];
  const resolve: ResolveIds = {
    users: componentType === 5 || componentType === 7 ? ids : [],
    roles: componentType === 6 || componentType === 7 ? ids : [],
    channels: componentType === 8 ? ids : [],
    messages: [],
  };
  return { facts: { ...base, messageId, customId }, data: { component_type: componentType, custom_id: customId, ...(values && { values }) }, resolve, componentType };
}

/** A modal's submission (`data: {custom_id, components}`; `message_id` when the modal came from a component). */
function modalInvocation(base: Base, body: Json, data: Json): Read {
  const customId = text(data.custom_id, "data.custom_id", 1, 100);
  if (!Array.isArray(data.components) || data.components.length > 5 || !data.components.every(isObject)) throw invalidField("data.components", "must be an array of at most 5 components");
  const messageId = body.message_id === undefined || body.message_id === null ? undefined : snowflake(body.message_id, "message_id");
  return { facts: { ...base, customId, ...(messageId !== undefined && { messageId }) }, data: { custom_id: customId, components: data.components }, resolve: NOTHING };
}

async function invokeRoute(call: RestCall): Promise<Response> {
  await invoke(call.ctx, await readJsonOrForm(call.request, MAX_REQUEST_BODY_BYTES), call.user.id);
  return noContent();
}

export const INTERACTION_ROUTES: readonly RestRoute[] = [{ template: "/interactions", methods: { POST: invokeRoute } }];

/**
 * `POST /internal/interactions` (ingress secret): a backend starts an interaction for a user,
 * the invocation's body plus `user_id`, the invoker (who must be a stored user).
 */
export function createIngressInteractionRoute(ctx: InvokeContext, authorized: (request: Request) => boolean): Routes {
  return async (request, url) => {
    if (url.pathname !== "/internal/interactions") return undefined;
    if (request.method !== "POST") return methodNotAllowed("POST");
    if (!authorized(request)) return unauthorized();
    const body = await readJsonOrForm(request, MAX_REQUEST_BODY_BYTES);
    const userId = snowflake(body.user_id, "user_id");
    if (!(await ctx.store.getUser(userId))) throw new Refusal("unknown-user", "Unknown User");
    await invoke(ctx, body, userId);
    return noContent();
  };
}

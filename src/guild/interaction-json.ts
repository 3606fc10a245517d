/**
 * Interactions as Discord shapes them (docs: interactions/receiving-and-responding,
 * "Interaction Object"; application-commands, "Resolved Data"): INTERACTION_CREATE's `d`,
 * the `resolved` users, members, roles, channels and messages an invocation names, and the
 * `interaction_metadata` (and the deprecated `interaction`) of the messages its responses make,
 * as discord.js and discord.py read them; in a guild, and in a DM with the app's bot (`user`
 * instead of `member`, context 1). Pure: built on the owner from the guild or DM as it is now.
 */
import type { StoredCommandPermissions } from "../store/command-records.ts";
import type { User } from "../store/guild-store.ts";
import type { StoredMessage } from "../store/message-records.ts";
import type { GuildState } from "./guild-state.ts";
import { channelJson, memberJson, roleJson } from "./guild-json.ts";
import { messageEventJson, partialMember } from "./message-json.ts";
import type { MessageScope } from "./message-rules.ts";
import { channelPermissions } from "./permissions.ts";
import { userObject } from "./user-json.ts";

type Json = Record<string, unknown>;

/** The largest upload an interaction's response may carry, as `attachment_size_limit` says (guildgate's default). */
const ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;

/** Discord's interaction types. */
export const InteractionType = { PING: 1, APPLICATION_COMMAND: 2, MESSAGE_COMPONENT: 3, AUTOCOMPLETE: 4, MODAL_SUBMIT: 5 } as const;

/** The ids an invocation names, to be answered in `data.resolved`. */
export interface ResolveIds {
  readonly users: readonly string[];
  readonly roles: readonly string[];
  readonly channels: readonly string[];
  /** A MESSAGE command's target. */
  readonly messages: readonly string[];
}

/** What every interaction-made object says of its interaction. */
/** A guild command's id, `default_member_permissions` and its and the app's permission records there (command-access.ts). */
export interface CommandAccess {
  readonly commandId: string;
  readonly defaultMemberPermissions: string | null;
  readonly records: readonly StoredCommandPermissions[];
}

export interface InteractionFacts {
  readonly id: string;
  readonly type: number;
  readonly applicationId: string;
  readonly guildId: string;
  readonly channelId: string;
  readonly userId: string;
  /** A command's name and type (1 CHAT_INPUT, 2 USER, 3 MESSAGE); in a guild, what decides who may use it. */
  readonly command?: { readonly name: string; readonly type: number; readonly access?: CommandAccess };
  /** A component's message (type 3), or a command's target message. */
  readonly messageId?: string;
  readonly targetId?: string;
  readonly customId?: string;
}

/** `permissions` of `userId` in the channel, a decimal bitfield (0 for one who is not a member). */
export function permissionsIn(state: GuildState, channelId: string, userId: string): bigint {
  const member = state.member(userId);
  const channel = state.channelRecord(channelId);
  return member && channel ? channelPermissions(state.guild(), member, channel) : 0n;
}

/** `data.resolved`: users (with their members, `permissions` in the channel), roles, channels (with the invoker's `permissions`) and messages. */
export function resolvedJson(state: GuildState, facts: InteractionFacts, ids: ResolveIds, messages: readonly StoredMessage[]): Json | undefined {
  const resolved: Json = {};
  const users: Json = {};
  const members: Json = {};
  for (const userId of ids.users) {
    const user = state.user(userId);
    if (!user) continue;
    users[userId] = userObject(user);
    const member = partialMember(state, userId);
    if (member) members[userId] = { ...member, permissions: permissionsIn(state, facts.channelId, userId).toString() };
  }
  if (Object.keys(users).length > 0) resolved.users = users;
  if (Object.keys(members).length > 0) resolved.members = members;
  const roles = ids.roles.flatMap((id) => {
    const role = state.role(id);
    return role ? [[id, roleJson(role)] as const] : [];
  });
  if (roles.length > 0) resolved.roles = Object.fromEntries(roles);
  const channels = ids.channels.flatMap((id) => {
    const channel = state.channelRecord(id);
    if (!channel) return [];
    const { id: _id, type, name, parent_id: parentId } = channelJson(channel);
    return [[id, { id, type, name, parent_id: parentId, permissions: permissionsIn(state, id, facts.userId).toString() }] as const];
  });
  if (channels.length > 0) resolved.channels = Object.fromEntries(channels);
  if (messages.length > 0) resolved.messages = Object.fromEntries(messages.map((message) => [message.id, messageEventJson(state, message)]));
  return Object.keys(resolved).length > 0 ? resolved : undefined;
}

/** INTERACTION_CREATE's `d`, as the application's bot gets it. */
export function interactionCreateJson(state: GuildState, facts: InteractionFacts, token: string, data: Json, message: StoredMessage | undefined, locale: string): Json {
  const channel = state.channelRecord(facts.channelId);
  const invoker = state.member(facts.userId);
  const user = state.user(facts.userId);
  const memberPermissions = permissionsIn(state, facts.channelId, facts.userId);
  return {
    id: facts.id,
    application_id: facts.applicationId,
    type: facts.type,
    data,
    guild_id: facts.guildId,
    guild: { id: facts.guildId, locale: "en-US", features: [] },
    channel: channel && { ...channelJson(channel), permissions: memberPermissions.toString() },
    channel_id: facts.channelId,
    member: invoker && user && { ...memberJson(invoker, user), permissions: memberPermissions.toString() },
    token,
    version: 1,
    app_permissions: permissionsIn(state, facts.channelId, facts.applicationId).toString(),
    locale,
    guild_locale: "en-US",
    entitlements: [],
    authorizing_integration_owners: integrationOwners(facts),
    context: 0,
    attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
    ...(message && { message: messageEventJson(state, message) }),
  };
}

/**
 * What a message made by a response or a follow-up says of its interaction: the
 * `interaction_metadata` Discord writes now, and the deprecated `interaction` older SDKs read.
 * `scope` finds the invoker (and a target user); `member` is the invoker's partial member in a
 * guild (none in a DM).
 */
export function interactionFieldsJson(scope: Pick<MessageScope, "user">, facts: InteractionFacts, member: Json | undefined, originalResponseId: string | undefined): Json {
  const user = scope.user(facts.userId);
  const userJson = user ? userObject(user) : { id: facts.userId };
  const targetUser = facts.command?.type === 2 && facts.targetId !== undefined ? scope.user(facts.targetId) : undefined;
  const metadata: Json = {
    id: facts.id,
    type: facts.type,
    user: userJson,
    authorizing_integration_owners: integrationOwners(facts),
    ...(facts.command && { name: facts.command.name, command_type: facts.command.type }),
    ...(originalResponseId !== undefined && { original_response_message_id: originalResponseId }),
    ...(facts.type === InteractionType.MESSAGE_COMPONENT && facts.messageId !== undefined && { interacted_message_id: facts.messageId }),
    ...(targetUser && { target_user: userObject(targetUser) }),
    ...(facts.command?.type === 3 && facts.targetId !== undefined && { target_message_id: facts.targetId }),
  };
  // Discord writes `interaction` only on a response to an interaction without a message of its
  // own: a component's response names the component's message by `message_reference` instead.
  const withoutMessage = facts.messageId === undefined;
  return {
    application_id: facts.applicationId,
    webhook_id: facts.applicationId,
    interaction_metadata: metadata,
    ...(withoutMessage && { interaction: { id: facts.id, type: facts.type, name: facts.command?.name ?? facts.customId ?? "", user: userJson, ...(member && { member }) } }),
  };
}

/** Whether the interaction is in a DM channel (its unit is its channel, as a DM message's is). */
export const inDm = (facts: InteractionFacts): boolean => facts.guildId === facts.channelId;

/**
 * `authorizing_integration_owners`: the app is installed to the guild (GUILD_INSTALL, "0"), whose
 * id it names; "0" in a DM with the app's bot user (docs: "Authorizing Integration Owners Object").
 */
function integrationOwners(facts: InteractionFacts): Json {
  return { "0": inDm(facts) ? "0" : facts.guildId };
}

/** INTERACTION_CREATE's `d` in a DM with the app's bot (context 1 BOT_DM): `user` instead of `member`, no guild. */
export function dmInteractionCreateJson(channel: Json, invoker: User | undefined, facts: InteractionFacts, token: string, data: Json, message: Json | undefined, appPermissions: bigint, locale: string): Json {
  return {
    id: facts.id,
    application_id: facts.applicationId,
    type: facts.type,
    data,
    channel,
    channel_id: facts.channelId,
    user: invoker ? userObject(invoker) : { id: facts.userId },
    token,
    version: 1,
    app_permissions: appPermissions.toString(),
    locale,
    entitlements: [],
    authorizing_integration_owners: integrationOwners(facts),
    context: 1,
    attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
    ...(message && { message }),
  };
}

/** `data.resolved` in a DM: the users named that are its recipients, and the messages. */
export function dmResolvedJson(scope: Pick<MessageScope, "user">, ids: ResolveIds, messages: readonly Json[]): Json | undefined {
  const users = ids.users.flatMap((id) => {
    const user = scope.user(id);
    return user ? [[id, userObject(user)] as const] : [];
  });
  const resolved: Json = {
    ...(users.length > 0 && { users: Object.fromEntries(users) }),
    ...(messages.length > 0 && { messages: Object.fromEntries(messages.map((message) => [message.id as string, message])) }),
  };
  return Object.keys(resolved).length > 0 ? resolved : undefined;
}

/**
 * Who may receive a guild event, decided per topic, never per session (DESIGN.md, "Permission
 * classes" and "Passive sessions"). A session holds one topic per guild,
 * `g:{guild}:{class}:{variant}`: the class carries its permissions, the variant the intents
 * that decide which events it gets and their shape, plus "p" while it is passive. The owner
 * crosses an event's rule with the guild's live topics and publishes to the ones that pass.
 */
import { Intent } from "../protocol/opcodes.ts";
import { Permission } from "./permissions.ts";

/** How an event type is routed. */
export interface EventRule {
  /** The intents a session needs, all of them (0: every session gets it). */
  intent: number;
  /** Whether passive sessions get it (structural events do; messages, typing, presences don't). */
  passive: boolean;
  /** Whether sessions without MESSAGE_CONTENT get a copy with the content fields emptied. */
  content: boolean;
  /**
   * Permissions a member needs besides seeing the event's channel: in that channel for a
   * channel event, guild-wide otherwise (e.g. VIEW_AUDIT_LOG for audit log entries).
   */
  permissions: bigint;
  /**
   * The field of `d` that names the channel the event is about (only those who can view it
   * get the event): "channel_id", or "parent_id" for a thread. Null: a guild-wide event.
   */
  channelKey: "channel_id" | "parent_id" | null;
  /** Whether `d` must name that channel (a message is always in one; a voice state may be in none). */
  channelRequired: boolean;
}

/** The intents that change which guild events a session gets or their shape. */
export const ROUTED_INTENTS =
  Intent.GUILDS |
  Intent.GUILD_MEMBERS |
  Intent.GUILD_MODERATION |
  Intent.GUILD_EXPRESSIONS |
  Intent.GUILD_INTEGRATIONS |
  Intent.GUILD_WEBHOOKS |
  Intent.GUILD_INVITES |
  Intent.GUILD_VOICE_STATES |
  Intent.GUILD_PRESENCES |
  Intent.GUILD_MESSAGES |
  Intent.GUILD_MESSAGE_REACTIONS |
  Intent.GUILD_MESSAGE_TYPING |
  Intent.MESSAGE_CONTENT |
  Intent.GUILD_SCHEDULED_EVENTS |
  Intent.AUTO_MODERATION_CONFIGURATION |
  Intent.AUTO_MODERATION_EXECUTION |
  Intent.GUILD_MESSAGE_POLLS;

const guildWide = (intent: number, passive = true, permissions = 0n): EventRule => ({
  intent,
  passive,
  content: false,
  permissions,
  channelKey: null,
  channelRequired: false,
});

const inChannel = (intent: number, passive: boolean, options: Partial<EventRule> = {}): EventRule => ({
  intent,
  passive,
  content: false,
  permissions: 0n,
  channelKey: "channel_id",
  channelRequired: true,
  ...options,
});

const STRUCTURAL = guildWide(Intent.GUILDS);
const CHANNEL = inChannel(Intent.GUILDS, true);
const THREAD = inChannel(Intent.GUILDS, true, { channelKey: "parent_id" });
const MEMBERS = guildWide(Intent.GUILD_MEMBERS, false);
const MODERATION = guildWide(Intent.GUILD_MODERATION);
const EXPRESSIONS = guildWide(Intent.GUILD_EXPRESSIONS);
const INTEGRATIONS = guildWide(Intent.GUILD_INTEGRATIONS);
const INVITE = inChannel(Intent.GUILD_INVITES, true, { permissions: Permission.MANAGE_CHANNELS });
const SCHEDULED = inChannel(Intent.GUILD_SCHEDULED_EVENTS, true, { channelRequired: false });
const AUTOMOD_RULE = guildWide(Intent.AUTO_MODERATION_CONFIGURATION, true, Permission.MANAGE_GUILD);
const MESSAGE = inChannel(Intent.GUILD_MESSAGES, false);
const MESSAGE_WITH_CONTENT = inChannel(Intent.GUILD_MESSAGES, false, { content: true });
const REACTION = inChannel(Intent.GUILD_MESSAGE_REACTIONS, false);
const POLL = inChannel(Intent.GUILD_MESSAGE_POLLS, false);

/**
 * Discord's routing of every guild dispatch event (docs: gateway "List of Intents" and each
 * event's page): the intent, the channel, and the permissions some events need
 * (VIEW_AUDIT_LOG for audit log entries, MANAGE_CHANNELS for invites, MANAGE_GUILD for
 * auto moderation).
 */
const RULES: ReadonlyMap<string, EventRule> = new Map([
  ["GUILD_UPDATE", STRUCTURAL],
  ["GUILD_DELETE", STRUCTURAL],
  ["GUILD_ROLE_CREATE", STRUCTURAL],
  ["GUILD_ROLE_UPDATE", STRUCTURAL],
  ["GUILD_ROLE_DELETE", STRUCTURAL],
  ["CHANNEL_CREATE", CHANNEL],
  ["CHANNEL_UPDATE", CHANNEL],
  ["CHANNEL_DELETE", CHANNEL],
  ["CHANNEL_PINS_UPDATE", CHANNEL],
  ["THREAD_CREATE", THREAD],
  ["THREAD_UPDATE", THREAD],
  ["THREAD_DELETE", THREAD],
  // Sent by the owner to a thread's audience (its parent's viewers; a private thread's members and moderators).
  ["THREAD_MEMBERS_UPDATE", guildWide(Intent.GUILD_MEMBERS)],
  ["THREAD_MEMBER_UPDATE", STRUCTURAL],
  ["THREAD_LIST_SYNC", STRUCTURAL],
  ["STAGE_INSTANCE_CREATE", CHANNEL],
  ["STAGE_INSTANCE_UPDATE", CHANNEL],
  ["STAGE_INSTANCE_DELETE", CHANNEL],
  ["GUILD_MEMBER_ADD", MEMBERS],
  ["GUILD_MEMBER_UPDATE", MEMBERS],
  ["GUILD_MEMBER_REMOVE", MEMBERS],
  ["GUILD_AUDIT_LOG_ENTRY_CREATE", guildWide(Intent.GUILD_MODERATION, true, Permission.VIEW_AUDIT_LOG)],
  ["GUILD_BAN_ADD", MODERATION],
  ["GUILD_BAN_REMOVE", MODERATION],
  ["GUILD_EMOJIS_UPDATE", EXPRESSIONS],
  ["GUILD_STICKERS_UPDATE", EXPRESSIONS],
  ["GUILD_SOUNDBOARD_SOUND_CREATE", EXPRESSIONS],
  ["GUILD_SOUNDBOARD_SOUND_UPDATE", EXPRESSIONS],
  ["GUILD_SOUNDBOARD_SOUND_DELETE", EXPRESSIONS],
  ["GUILD_SOUNDBOARD_SOUNDS_UPDATE", EXPRESSIONS],
  ["GUILD_INTEGRATIONS_UPDATE", INTEGRATIONS],
  ["INTEGRATION_CREATE", INTEGRATIONS],
  ["INTEGRATION_UPDATE", INTEGRATIONS],
  ["INTEGRATION_DELETE", INTEGRATIONS],
  ["WEBHOOKS_UPDATE", inChannel(Intent.GUILD_WEBHOOKS, true)],
  ["INVITE_CREATE", INVITE],
  ["INVITE_DELETE", INVITE],
  ["VOICE_STATE_UPDATE", inChannel(Intent.GUILD_VOICE_STATES, true, { channelRequired: false })],
  ["VOICE_CHANNEL_EFFECT_SEND", inChannel(Intent.GUILD_VOICE_STATES, true)],
  ["PRESENCE_UPDATE", guildWide(Intent.GUILD_PRESENCES, false)],
  ["MESSAGE_CREATE", MESSAGE_WITH_CONTENT],
  ["MESSAGE_UPDATE", MESSAGE_WITH_CONTENT],
  ["MESSAGE_DELETE", MESSAGE],
  ["MESSAGE_DELETE_BULK", MESSAGE],
  ["MESSAGE_REACTION_ADD", REACTION],
  ["MESSAGE_REACTION_REMOVE", REACTION],
  ["MESSAGE_REACTION_REMOVE_ALL", REACTION],
  ["MESSAGE_REACTION_REMOVE_EMOJI", REACTION],
  ["MESSAGE_POLL_VOTE_ADD", POLL],
  ["MESSAGE_POLL_VOTE_REMOVE", POLL],
  ["TYPING_START", inChannel(Intent.GUILD_MESSAGE_TYPING, false)],
  ["GUILD_SCHEDULED_EVENT_CREATE", SCHEDULED],
  ["GUILD_SCHEDULED_EVENT_UPDATE", SCHEDULED],
  ["GUILD_SCHEDULED_EVENT_DELETE", SCHEDULED],
  ["GUILD_SCHEDULED_EVENT_USER_ADD", guildWide(Intent.GUILD_SCHEDULED_EVENTS)],
  ["GUILD_SCHEDULED_EVENT_USER_REMOVE", guildWide(Intent.GUILD_SCHEDULED_EVENTS)],
  ["AUTO_MODERATION_RULE_CREATE", AUTOMOD_RULE],
  ["AUTO_MODERATION_RULE_UPDATE", AUTOMOD_RULE],
  ["AUTO_MODERATION_RULE_DELETE", AUTOMOD_RULE],
  ["AUTO_MODERATION_ACTION_EXECUTION", guildWide(Intent.AUTO_MODERATION_EXECUTION, true, Permission.MANAGE_GUILD)],
]);

/**
 * Events guildgate makes itself from its state, in order with that state (a backend changes
 * the state through the ingress routes, and the events follow): never pushed as they are.
 */
export const STATE_EVENTS: ReadonlySet<string> = new Set([
  "READY",
  "RESUMED",
  "GUILD_CREATE",
  "GUILD_UPDATE",
  "GUILD_DELETE",
  "GUILD_ROLE_CREATE",
  "GUILD_ROLE_UPDATE",
  "GUILD_ROLE_DELETE",
  "CHANNEL_CREATE",
  "CHANNEL_UPDATE",
  "CHANNEL_DELETE",
  "THREAD_CREATE",
  "THREAD_UPDATE",
  "THREAD_DELETE",
  "THREAD_LIST_SYNC",
  "THREAD_MEMBER_UPDATE",
  "THREAD_MEMBERS_UPDATE",
  "GUILD_MEMBER_ADD",
  "GUILD_MEMBER_UPDATE",
  "GUILD_MEMBER_REMOVE",
  "GUILD_MEMBERS_CHUNK",
  "GUILD_MEMBER_LIST_UPDATE",
  "PRESENCE_UPDATE",
  "VOICE_STATE_UPDATE",
]);

/**
 * Events Discord sends to one user or application, not to a guild's members: pushed through
 * the user route, never to a whole guild or channel.
 */
export const USER_EVENTS: ReadonlySet<string> = new Set([
  "USER_UPDATE",
  "INTERACTION_CREATE",
  "APPLICATION_COMMAND_PERMISSIONS_UPDATE",
  "ENTITLEMENT_CREATE",
  "ENTITLEMENT_UPDATE",
  "ENTITLEMENT_DELETE",
  "SUBSCRIPTION_CREATE",
  "SUBSCRIPTION_UPDATE",
  "SUBSCRIPTION_DELETE",
  "VOICE_SERVER_UPDATE",
]);

/** The rule of a guild event guildgate knows; undefined for an app's own event. */
export function eventRule(t: string): EventRule | undefined {
  return RULES.get(t);
}

/** The audience the sender of an app's own event states (ingress): see `statedRule`. */
export interface StatedAudience {
  /** Intents a session needs, all of them (guild intents only: `ROUTED_INTENTS`). */
  intents: number;
  /** Permissions a member needs (in the channel, when sent to one), a decimal bitfield. */
  permissions: string;
}

/**
 * The rule of an app's own event, from the audience its sender states. Passive sessions get
 * it (it is not known to be a message).
 */
export function statedRule({ intents, permissions }: StatedAudience): EventRule {
  return { intent: intents, passive: true, content: false, permissions: BigInt(permissions), channelKey: "channel_id", channelRequired: false };
}

/** The rule of an event guildgate sends itself (always one it knows). */
export function knownRule(t: string): EventRule {
  const rule = RULES.get(t);
  if (!rule) throw new RangeError(`no routing rule for ${t}`);
  return rule;
}

/** An event that reaches every session holding the topic (the owner's own announcements to a class or member). */
export const ANY_SESSION: EventRule = guildWide(0);

/**
 * The intent a user's session needs for an event sent to the user alone (a DM): Discord's
 * DIRECT_MESSAGE_* intents; 0 for every other event (it is addressed to the user). Content is
 * never emptied in DMs: apps get it without MESSAGE_CONTENT (docs: "Message Content Intent").
 */
export function directIntent(t: string): number {
  switch (t) {
    case "MESSAGE_CREATE":
    case "MESSAGE_UPDATE":
    case "MESSAGE_DELETE":
    case "CHANNEL_PINS_UPDATE":
      return Intent.DIRECT_MESSAGES;
    case "MESSAGE_REACTION_ADD":
    case "MESSAGE_REACTION_REMOVE":
    case "MESSAGE_REACTION_REMOVE_ALL":
    case "MESSAGE_REACTION_REMOVE_EMOJI":
      return Intent.DIRECT_MESSAGE_REACTIONS;
    case "TYPING_START":
      return Intent.DIRECT_MESSAGE_TYPING;
    case "MESSAGE_POLL_VOTE_ADD":
    case "MESSAGE_POLL_VOTE_REMOVE":
      return Intent.DIRECT_MESSAGE_POLLS;
    default:
      return 0;
  }
}

/** The variant part of a topic: the routed intents in hex, and "p" while passive. */
export function variantOf(intents: number, passive: boolean): string {
  const key = (intents & ROUTED_INTENTS) * 2 + (passive ? 1 : 0);
  let variant = VARIANTS.get(key);
  if (variant === undefined) {
    const routed = (intents & ROUTED_INTENTS).toString(16);
    variant = passive ? `${routed}p` : routed;
    VARIANTS.set(key, variant);
  }
  return variant;
}

/** Each variant string made once (sessions hold them; there are few distinct ones). */
const VARIANTS = new Map<number, string>();

/** Parses `variantOf`'s output back. */
export function parseVariant(variant: string): { intents: number; passive: boolean } {
  const passive = variant.endsWith("p");
  return { intents: Number.parseInt(passive ? variant.slice(0, -1) : variant, 16), passive };
}

/** Whether sessions of this variant get events under `rule`. */
export function variantReceives(variant: { intents: number; passive: boolean }, eventRule: EventRule): boolean {
  return (variant.intents & eventRule.intent) === eventRule.intent && (eventRule.passive || !variant.passive);
}

/** Whether this variant gets message content (else the content fields are emptied). */
export function variantSeesContent(variant: { intents: number }): boolean {
  return (variant.intents & Intent.MESSAGE_CONTENT) !== 0;
}

/**
 * The users who get a message's content without MESSAGE_CONTENT: its author and the users it
 * mentions (docs, "Message Content Intent": "content in messages that an app sends" and
 * "content in which the app is mentioned"). Read from the message object `d`.
 */
export function contentReaders(d: Record<string, unknown>): string[] {
  const author = (d.author as { id?: unknown } | undefined)?.id;
  const mentioned = Array.isArray(d.mentions) ? d.mentions.map((user: { id?: unknown }) => user?.id) : [];
  return [...new Set([author, ...mentioned].filter((id): id is string => typeof id === "string"))];
}

/** A message's `d` as a session without MESSAGE_CONTENT sees it (Discord empties these fields). */
export function withoutContent(d: Record<string, unknown>): Record<string, unknown> {
  const stripped: Record<string, unknown> = { ...d };
  if ("content" in d) stripped.content = "";
  if ("embeds" in d) stripped.embeds = [];
  if ("attachments" in d) stripped.attachments = [];
  if ("components" in d) stripped.components = [];
  delete stripped.poll;
  return stripped;
}

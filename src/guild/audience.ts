/**
 * Who may receive a guild event, decided per topic, never per session (DESIGN.md, "Permission
 * classes" and "Passive sessions"). A session holds one topic per guild,
 * `g:{guild}:{class}:{variant}`: the class carries its permissions, the variant the intents
 * that decide which events it gets and their shape, plus "p" while it is passive. The owner
 * crosses an event's rule with the guild's live topics and publishes to the ones that pass.
 */
import { Intent } from "../protocol/opcodes.ts";

/** How an event type is routed. */
export interface EventRule {
  /** The intent a session needs (0: every session gets it). */
  intent: number;
  /** Whether passive sessions get it (structural events do; messages, typing, presences don't). */
  passive: boolean;
  /** Whether it is about a channel, so only classes that can view the channel get it. */
  channelScoped: boolean;
  /** Whether sessions without MESSAGE_CONTENT get a copy with the content fields emptied. */
  content: boolean;
}

/** The intents that change which guild events a session gets or their shape. */
export const ROUTED_INTENTS =
  Intent.GUILDS |
  Intent.GUILD_MEMBERS |
  Intent.GUILD_MODERATION |
  Intent.GUILD_VOICE_STATES |
  Intent.GUILD_PRESENCES |
  Intent.GUILD_MESSAGES |
  Intent.GUILD_MESSAGE_REACTIONS |
  Intent.GUILD_MESSAGE_TYPING |
  Intent.MESSAGE_CONTENT;

const rule = (intent: number, passive: boolean, channelScoped: boolean, content = false): EventRule => ({
  intent,
  passive,
  channelScoped,
  content,
});

const STRUCTURAL = rule(Intent.GUILDS, true, false);
const CHANNEL = rule(Intent.GUILDS, true, true);
const MEMBERS = rule(Intent.GUILD_MEMBERS, false, false);
const MESSAGE = rule(Intent.GUILD_MESSAGES, false, true);
const MESSAGE_WITH_CONTENT = rule(Intent.GUILD_MESSAGES, false, true, true);
const REACTION = rule(Intent.GUILD_MESSAGE_REACTIONS, false, true);

/** Discord's routing of the guild events guildgate sends (docs: gateway "List of Intents"). */
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
  ["THREAD_CREATE", CHANNEL],
  ["THREAD_UPDATE", CHANNEL],
  ["THREAD_DELETE", CHANNEL],
  ["GUILD_MEMBER_ADD", MEMBERS],
  ["GUILD_MEMBER_UPDATE", MEMBERS],
  ["GUILD_MEMBER_REMOVE", MEMBERS],
  ["GUILD_BAN_ADD", rule(Intent.GUILD_MODERATION, true, false)],
  ["GUILD_BAN_REMOVE", rule(Intent.GUILD_MODERATION, true, false)],
  ["VOICE_STATE_UPDATE", rule(Intent.GUILD_VOICE_STATES, true, false)],
  ["PRESENCE_UPDATE", rule(Intent.GUILD_PRESENCES, false, false)],
  ["MESSAGE_CREATE", MESSAGE_WITH_CONTENT],
  ["MESSAGE_UPDATE", MESSAGE_WITH_CONTENT],
  ["MESSAGE_DELETE", MESSAGE],
  ["MESSAGE_DELETE_BULK", MESSAGE],
  ["MESSAGE_REACTION_ADD", REACTION],
  ["MESSAGE_REACTION_REMOVE", REACTION],
  ["MESSAGE_REACTION_REMOVE_ALL", REACTION],
  ["MESSAGE_REACTION_REMOVE_EMOJI", REACTION],
  ["TYPING_START", rule(Intent.GUILD_MESSAGE_TYPING, false, true)],
]);

/**
 * The rule for `t`. An event guildgate does not know (an app's own, pushed through ingress)
 * goes to every session, passive ones included, scoped to a channel only when it was
 * dispatched to one.
 */
export function eventRule(t: string, toChannel: boolean): EventRule {
  const known = RULES.get(t);
  if (known) return known;
  return rule(0, true, toChannel);
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

/** The topic a session holds for a guild. */
export function guildTopic(guildId: string, classId: number, variant: string): string {
  return `g:${guildId}:${classId}:${variant}`;
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

/**
 * Who an event pushed through ingress reaches (`POST /internal/guilds/:id/dispatch`,
 * `POST /internal/channels/:id/dispatch`): Discord's rule for a Discord event (its intent,
 * the channel `d` names, the permissions it needs; guild/audience.ts), or, for an app's own
 * event, the audience the body states (`intents` and `permissions`). Nothing goes to a
 * guild without a rule: events guildgate makes from its state, and events Discord sends to
 * one user, are refused with a 400 that says where they belong.
 */
import { eventRule, ROUTED_INTENTS, STATE_EVENTS, USER_EVENTS, type StatedAudience } from "../guild/audience.ts";
import { isSnowflake } from "../protocol/fields.ts";
import { bits, integer, onlyKnown } from "./body-fields.ts";
import { invalidField } from "./errors.ts";
import { readDispatch } from "./ingress.ts";

/** A validated dispatch for a guild or channel. */
export interface GuildDispatch {
  t: string;
  d: unknown;
  /** The channel `d` names (its owner checks it is the guild's); undefined for a guild-wide event. */
  channelId: string | undefined;
  /** The field of `d` that names the channel, for the 400 if it is not the guild's. */
  channelField: string;
  /** The stated audience of an app's own event; undefined for a Discord event. */
  stated: StatedAudience | undefined;
}

/**
 * Reads and checks a guild dispatch body `{t, d, intents?, permissions?}`. Whether the guild
 * exists and the channel is its own is the owner's to say (one owner call, no store read on
 * the way: this is the ingress hot path).
 */
export async function readGuildDispatch(request: Request): Promise<GuildDispatch> {
  const { t, d, body } = await readDispatch(request);
  onlyKnown(body, ["t", "d", "intents", "permissions"], "dispatch");
  if (STATE_EVENTS.has(t)) {
    throw invalidField("t", `${t} is sent by guildgate from its state: change the state through the ingress routes instead`);
  }
  if (USER_EVENTS.has(t)) throw invalidField("t", `${t} is sent to one user: use POST /internal/users/:id/dispatch`);
  const rule = eventRule(t);
  const states = body.intents !== undefined || body.permissions !== undefined;
  if (rule && states) throw invalidField("intents", `${t} is a Discord event: its audience is Discord's, not stated`);
  if (!rule && !states) {
    throw invalidField("t", `${t} is not a Discord event guildgate knows: state its audience with intents and permissions`);
  }
  const stated = rule ? undefined : statedAudience(body);
  const key = rule?.channelKey ?? "channel_id";
  const channelField = `d.${key}`;
  const named = typeof d === "object" && d !== null ? (d as Record<string, unknown>)[key] : undefined;
  if (named === undefined || named === null) {
    if (rule?.channelRequired) throw invalidField(channelField, `is required: ${t} is about a channel`);
    return { t, d, channelId: undefined, channelField, stated };
  }
  if (typeof named !== "string" || !isSnowflake(named)) throw invalidField(channelField, NOT_THE_GUILDS_CHANNEL);
  return { t, d, channelId: named, channelField, stated };
}

function statedAudience(body: Record<string, unknown>): StatedAudience {
  if (body.intents === undefined) throw invalidField("intents", "is required with permissions (0 for none)");
  if (body.permissions === undefined) throw invalidField("permissions", "is required with intents (\"0\" for none)");
  const intents = integer(body.intents, "intents", 0, ROUTED_INTENTS);
  if ((intents & ~ROUTED_INTENTS) !== 0) throw invalidField("intents", `may only hold guild intents (bits of ${ROUTED_INTENTS})`);
  return { intents, permissions: bits(body.permissions, "permissions").toString() };
}

export const NOT_THE_GUILDS_CHANNEL = "must name a channel of this guild";

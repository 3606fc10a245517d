/**
 * Interaction tokens: what the callback route and the interaction's webhook routes take
 * instead of an Authorization header (docs: interactions/receiving-and-responding). A token
 * names its interaction verifiably, so any worker of any node can tell which guild's owner
 * holds the interaction, and refuse a forged one without a lookup:
 * `base64url("interaction:<id>:<application>:<guild>:<channel>").<mac>`, the mac an
 * HMAC-SHA256 keyed by the token secret over the first part (28 bytes, as user tokens'),
 * with its own prefix so that no user token's mac is ever an interaction token's. The
 * interaction's creation time is its id's (a snowflake), so the windows (3 s to respond,
 * 15 minutes for the webhook) are checked from the token alone. A DM's "guild" is its
 * channel: the unit whose owner holds it.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";
import { isSnowflake } from "../protocol/fields.ts";

/** What a verified token names. */
export interface InteractionRef {
  readonly id: string;
  readonly applicationId: string;
  /** The guild, or for an interaction in a DM the DM channel: whose owner holds it. */
  readonly guildId: string;
  readonly channelId: string;
}

const MAC_BYTES = 28;
const SHAPE = /^([\w-]{20,200})\.([\w-]{38})$/;

export class InteractionTokens {
  readonly #key: KeyObject;

  constructor(secret: string) {
    if (secret.length === 0) throw new RangeError("token secret must not be empty");
    this.#key = createSecretKey(Buffer.from(secret, "utf8"));
  }

  mint(ref: InteractionRef): string {
    const body = Buffer.from(`interaction:${ref.id}:${ref.applicationId}:${ref.guildId}:${ref.channelId}`, "latin1").toString("base64url");
    return `${body}.${this.#mac(body)}`;
  }

  /** The interaction `token` names, or undefined if it is not one this gateway signed. */
  verify(token: string): InteractionRef | undefined {
    const parts = SHAPE.exec(token);
    if (!parts) return undefined;
    const [, body, mac] = parts as unknown as [string, string, string];
    if (!timingSafeEqual(Buffer.from(this.#mac(body)), Buffer.from(mac))) return undefined;
    const [kind, id, applicationId, guildId, channelId, ...rest] = Buffer.from(body, "base64url").toString("latin1").split(":");
    const ids = [id, applicationId, guildId, channelId];
    if (kind !== "interaction" || rest.length > 0 || !ids.every((part) => part !== undefined && isSnowflake(part))) return undefined;
    return { id: id as string, applicationId: applicationId as string, guildId: guildId as string, channelId: channelId as string };
  }

  #mac(body: string): string {
    return createHmac("sha256", this.#key).update(`interaction.${body}`).digest().subarray(0, MAC_BYTES).toString("base64url");
  }
}

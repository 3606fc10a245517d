/**
 * Group DM channels (Discord's channel type 3), the rules their owner applies (direct-messages.ts
 * runs them in the channel's turn): the channel object each recipient sees, and what creating,
 * renaming, adding, removing and leaving do to the record. Pure.
 *
 * As on Discord: up to 10 recipients (30004 beyond); any recipient renames it or adds a user;
 * only its owner removes another; a recipient that leaves is gone from it, an owner that leaves
 * hands it to the recipient who joined first after it, and the last one to leave ends it.
 * guildgate has no OAuth2: a bot cannot hold the `gdm.join` access tokens Discord asks of it, so
 * only users make and grow group DMs, and only with users (a bot is an invalid recipient, 50033).
 */
import { createHash } from "node:crypto";
import type { User } from "../store/guild-store.ts";
import { MAX_GROUP_DM_RECIPIENTS, type GroupDmChannel } from "../store/group-dm-channels.ts";
import { Refusal } from "./refusal.ts";
import { userObject } from "./user-json.ts";

type Json = Record<string, unknown>;

/** Discord's channel type of a group DM. */
export const GROUP_DM_CHANNEL_TYPE = 3;

/** The group DM channel object (docs: channel, "Example Group DM Channel"): `recipients` are the users other than `viewerId`. */
export function groupDmJson(channel: GroupDmChannel, users: readonly User[], viewerId: string, lastMessageId: string | null): Json {
  return {
    id: channel.id,
    type: GROUP_DM_CHANNEL_TYPE,
    last_message_id: lastMessageId,
    flags: 0,
    name: channel.name,
    icon: channel.icon,
    owner_id: channel.ownerId,
    recipients: users.filter((user) => user.id !== viewerId && channel.recipientIds.includes(user.id)).map(userObject),
  };
}

/** A PATCH of a group DM: fields absent stay. `icon` is a data URI (stored as its hash: guildgate serves no images) or null. */
export interface GroupDmPatch {
  readonly name?: string | null;
  readonly icon?: string | null;
}

/** Refuses a user that cannot be a recipient: unknown (10013), or a bot (50033). */
export function checkRecipient(user: User | undefined): User {
  if (!user) throw new Refusal("unknown-user", "Unknown User");
  if (user.bot) throw new Refusal("invalid-recipients", "Invalid Recipient(s)");
  return user;
}

/** A new group DM of `ownerId` and `others` (distinct, not the owner), at most 10 in all. */
export function newGroupDm(id: string, ownerId: string, others: readonly string[], now: number): GroupDmChannel {
  const recipientIds = [ownerId, ...new Set(others.filter((other) => other !== ownerId))];
  if (recipientIds.length > MAX_GROUP_DM_RECIPIENTS) throw new Refusal("max-recipients", `Maximum number of recipients reached (${MAX_GROUP_DM_RECIPIENTS})`);
  return { id, ownerId, name: null, icon: null, recipientIds, createdAt: now };
}

export function patchedGroupDm(channel: GroupDmChannel, patch: GroupDmPatch): GroupDmChannel {
  const icon = patch.icon === undefined ? channel.icon : patch.icon === null ? null : createHash("md5").update(patch.icon).digest("hex");
  return { ...channel, name: patch.name === undefined ? channel.name : patch.name, icon };
}

/** `userId` joins: undefined if it is a recipient already. */
export function withRecipient(channel: GroupDmChannel, userId: string): GroupDmChannel | undefined {
  if (channel.recipientIds.includes(userId)) return undefined;
  if (channel.recipientIds.length >= MAX_GROUP_DM_RECIPIENTS) throw new Refusal("max-recipients", `Maximum number of recipients reached (${MAX_GROUP_DM_RECIPIENTS})`);
  return { ...channel, recipientIds: [...channel.recipientIds, userId] };
}

/**
 * `userId` leaves or is removed by `actorId` (only the owner removes another: 50013): the
 * channel after it (a new owner if the owner left), null when nobody is left, undefined when
 * `userId` was not in it.
 */
export function withoutRecipient(channel: GroupDmChannel, actorId: string, userId: string): GroupDmChannel | null | undefined {
  if (actorId !== userId && actorId !== channel.ownerId) throw new Refusal("missing-permissions", "Missing Permissions");
  if (!channel.recipientIds.includes(userId)) return undefined;
  const recipientIds = channel.recipientIds.filter((id) => id !== userId);
  if (recipientIds.length === 0) return null;
  return { ...channel, recipientIds, ownerId: channel.ownerId === userId ? (recipientIds[0] as string) : channel.ownerId };
}

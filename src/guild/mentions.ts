/**
 * Who a message mentions, resolved as Discord resolves it (docs: message, "Allowed Mentions
 * Object"): the mentions written in the content, kept only where `allowed_mentions` allows
 * them (no `allowed_mentions`: every kind is parsed, and a reply mentions the author replied
 * to), and only where they can ping: a member of the guild for a user, a role that is
 * mentionable (or an author with MENTION_EVERYONE) for a role, an author with
 * MENTION_EVERYONE for @everyone and @here. In a DM: its recipients, and no roles or @everyone.
 */
import type { StoredRole } from "../store/guild-store.ts";
import { Permission } from "./permissions.ts";

/** Where a message is, as resolving its mentions reads it: its guild (`GuildState`), or a DM channel (direct-messages.ts). */
export interface MentionScope {
  /** The guild's id (its @everyone role's), or the DM channel's. */
  readonly id: string;
  /** The record of a user who may be mentioned here (a member of the guild, a recipient of the DM), or undefined. */
  member(userId: string): object | undefined;
  role(roleId: string): StoredRole | undefined;
}

export type MentionKind = "users" | "roles" | "everyone";

/** A request's `allowed_mentions`, as api/ read it (`parse` and `users`/`roles` never both name a kind). */
export interface AllowedMentions {
  readonly parse: readonly MentionKind[];
  readonly users: readonly string[];
  readonly roles: readonly string[];
  readonly repliedUser: boolean;
}

/** What a message mentions, ids in the order first written. */
export interface ResolvedMentions {
  readonly userIds: readonly string[];
  readonly roleIds: readonly string[];
  readonly everyone: boolean;
}

const USER_MENTION = /<@!?(\d{1,20})>/g;
const ROLE_MENTION = /<@&(\d{1,20})>/g;
const EVERYONE_MENTION = /@(?:everyone|here)/;

/**
 * Resolves the mentions of `content` by an author with `permissions` in the channel;
 * `repliedTo` is the author of the message it replies to, if it is a reply.
 */
export function resolveMentions(
  state: MentionScope,
  content: string,
  allowed: AllowedMentions | undefined,
  permissions: bigint,
  repliedTo?: string,
): ResolvedMentions {
  const may = (kind: MentionKind, id?: string): boolean =>
    allowed === undefined || allowed.parse.includes(kind) || (id !== undefined && (kind === "users" ? allowed.users : allowed.roles).includes(id));
  // Denying SEND_MESSAGES implicitly denies MENTION_EVERYONE (docs: "Implicit Permissions"): an author
  // that may no longer send still edits its message, without pinging.
  const everyoneBits = Permission.MENTION_EVERYONE | Permission.SEND_MESSAGES;
  const mayEveryone = (permissions & everyoneBits) === everyoneBits;
  const userIds = new Set<string>();
  for (const [, id] of content.matchAll(USER_MENTION)) {
    if (id !== undefined && state.member(id) && may("users", id)) userIds.add(id);
  }
  if (repliedTo !== undefined && state.member(repliedTo) && (allowed === undefined || allowed.repliedUser)) userIds.add(repliedTo);
  const roleIds = new Set<string>();
  for (const [, id] of content.matchAll(ROLE_MENTION)) {
    const role = id === undefined || id === state.id ? undefined : state.role(id);
    if (role && (role.mentionable || mayEveryone) && may("roles", id)) roleIds.add(role.id);
  }
  const everyone = EVERYONE_MENTION.test(content) && mayEveryone && may("everyone");
  return { userIds: [...userIds], roleIds: [...roleIds], everyone };
}

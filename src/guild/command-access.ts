/**
 * Whether a member may use an application command in a channel (docs: application-commands,
 * "Permissions", and the change log's "Updated Command Permissions", Permissions v2):
 * - members with ADMINISTRATOR (the guild owner too) may use every command;
 * - the channel decides first: the command's entry for the channel (or the thread's parent), else
 *   its "all channels" entry (guild id - 1), else the app-level ones; a denial there ends it;
 * - then the member: the command's entry for the user, else for the member's roles (one allowed
 *   role is enough, else one denied role denies), else for @everyone (the guild id). A
 *   command-level answer overrides everything below it, `default_member_permissions` included;
 * - else the app-level entries, the same way, as the base: a denial ends it, and an allowed
 *   member still needs the command's `default_member_permissions` (null: anyone; "0": admins).
 */
import type { CommandPermission, StoredCommandPermissions } from "../store/command-records.ts";
import { Permission } from "./permissions.ts";

/** Who invokes what, where. */
export interface CommandUse {
  readonly guildId: string;
  readonly applicationId: string;
  readonly commandId: string;
  /** The command's `default_member_permissions`: a decimal bitfield, or null. */
  readonly defaultMemberPermissions: string | null;
  readonly channelId: string;
  /** The parent of a thread channel: a channel's entries apply to its threads. */
  readonly parentId: string | null;
  readonly userId: string;
  /** The member's roles, not @everyone. */
  readonly roleIds: readonly string[];
  /** The member's permissions in the channel. */
  readonly permissions: bigint;
}

type Entries = readonly CommandPermission[] | undefined;

/** The application's records in the guild (`listCommandPermissions`) decide whether `use` is allowed. */
export function mayUseCommand(use: CommandUse, records: readonly StoredCommandPermissions[]): boolean {
  if ((use.permissions & Permission.ADMINISTRATOR) !== 0n) return true;
  const command = records.find((r) => r.targetId === use.commandId)?.permissions;
  const app = records.find((r) => r.targetId === use.applicationId)?.permissions;
  const allChannels = (BigInt(use.guildId) - 1n).toString();
  const channelEntry = (entries: Entries): boolean | undefined =>
    entry(entries, 3, use.channelId) ?? (use.parentId !== null ? entry(entries, 3, use.parentId) : undefined) ?? entry(entries, 3, allChannels);
  if ((channelEntry(command) ?? channelEntry(app)) === false) return false;

  const memberEntry = (entries: Entries): boolean | undefined => entry(entries, 2, use.userId) ?? roleEntry(entries, use.roleIds) ?? entry(entries, 1, use.guildId);
  const byCommand = memberEntry(command);
  if (byCommand !== undefined) return byCommand;
  if (memberEntry(app) === false) return false;
  if (use.defaultMemberPermissions === null) return true;
  const needed = BigInt(use.defaultMemberPermissions);
  return needed !== 0n && (use.permissions & needed) === needed;
}

function entry(entries: Entries, type: 1 | 2 | 3, id: string): boolean | undefined {
  return entries?.find((e) => e.type === type && e.id === id)?.permission;
}

/** One allowed role allows; else one denied role denies; else no answer. */
function roleEntry(entries: Entries, roleIds: readonly string[]): boolean | undefined {
  let denied = false;
  for (const roleId of roleIds) {
    const permission = entry(entries, 1, roleId);
    if (permission === true) return true;
    if (permission === false) denied = true;
  }
  return denied ? false : undefined;
}

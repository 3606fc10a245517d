/**
 * Application commands as the store keeps them (docs: interactions/application-commands): an
 * application's global commands and its commands in each guild, each scope its own set. The
 * store offers one atomic read-modify-write per scope (`changeCommands`); what a change means
 * (upsert by name, bulk overwrite, limits) is decided by its caller (api/command-registry.ts).
 * A guild's commands go with the guild (`GuildStore.writeGuild`'s "delete-guild").
 */
import { compareSnowflakes, isSnowflake } from "../protocol/fields.ts";

/** One application command. */
export interface StoredCommand {
  /** Snowflake. */
  readonly id: string;
  /** The application's id (here: its bot user's id). */
  readonly applicationId: string;
  /** The guild of a guild command; null for a global one. */
  readonly guildId: string | null;
  /** 1 CHAT_INPUT, 2 USER, 3 MESSAGE. */
  readonly type: number;
  readonly name: string;
  /** Snowflake, new on every change of the command. */
  readonly version: string;
  /** The rest of Discord's command object (description, options, ...), as the API answers it. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** What a change of one scope writes (`put`: inserted or replaced by id; `deleted`: ids) and answers. */
export interface CommandChange<T> {
  readonly result: T;
  readonly put: readonly StoredCommand[];
  readonly deleted: readonly string[];
}

/** The store's part for application commands; `GuildStore` includes it. */
export interface CommandStore {
  /** The application's commands in the scope (`guildId` null: global), by ascending numeric id. */
  listCommands(applicationId: string, guildId: string | null): Promise<StoredCommand[]>;
  /**
   * Reads the scope's commands (as `listCommands`), calls `change` on them, writes what it
   * returns and answers its result, atomically: changes of one scope run one after another,
   * each seeing the last one's writes. A put of another scope, or an invalid record, rejects
   * with `RangeError` and writes nothing.
   */
  changeCommands<T>(applicationId: string, guildId: string | null, change: (commands: StoredCommand[]) => CommandChange<T>): Promise<T>;
  /** The application's command permissions in the guild (app-level and per command), by ascending target id. */
  listCommandPermissions(applicationId: string, guildId: string): Promise<StoredCommandPermissions[]>;
  /**
   * Replaces the permissions of the record's target (an empty list removes them). A command's
   * permissions go when it is deleted or renamed (`changeCommands`), and a guild's with it.
   */
  putCommandPermissions(record: StoredCommandPermissions): Promise<void>;
}

/** Throws `RangeError` unless `command` is a well-formed record of the scope. */
export function assertValidCommand(command: StoredCommand, applicationId: string, guildId: string | null): void {
  const fine =
    isSnowflake(command.id) &&
    isSnowflake(command.version) &&
    command.applicationId === applicationId &&
    command.guildId === guildId &&
    Number.isInteger(command.type) &&
    typeof command.name === "string" &&
    typeof command.data === "object" &&
    command.data !== null;
  if (!fine) throw new RangeError(`invalid application command ${command.id} for application ${applicationId} in ${guildId ?? "the global scope"}`);
}

/** Throws `RangeError` unless the scope's ids are snowflakes. */
export function assertValidScope(applicationId: string, guildId: string | null): void {
  if (!isSnowflake(applicationId) || (guildId !== null && !isSnowflake(guildId))) throw new RangeError(`invalid command scope ${applicationId}/${guildId}`);
}

/** Commands by ascending numeric id. */
export function byId(commands: StoredCommand[]): StoredCommand[] {
  return commands.sort((a, b) => compareSnowflakes(a.id, b.id));
}

/** A fresh copy of a command, so callers never share state with the store. */
export function copyCommand(command: StoredCommand): StoredCommand {
  return { ...command, data: structuredClone(command.data) as Record<string, unknown> };
}

/** A command as the SQL stores keep it: the scope's guild as `""` for global, `data` as JSON text. */
export type CommandRow = {
  id: string;
  application_id: string;
  guild_id: string;
  type: number;
  name: string;
  version: string;
  data: string;
};

export function toCommandRow(command: StoredCommand): CommandRow {
  const { id, applicationId, guildId, type, name, version, data } = command;
  return { id, application_id: applicationId, guild_id: guildId ?? "", type, name, version, data: JSON.stringify(data) };
}

export function fromCommandRow(row: CommandRow): StoredCommand {
  return {
    id: row.id,
    applicationId: row.application_id,
    guildId: row.guild_id === "" ? null : row.guild_id,
    type: Number(row.type),
    name: row.name,
    version: row.version,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

/** One entry of a command's permissions in a guild: a role (1), user (2) or channel (3), allowed or not. */
export interface CommandPermission {
  /** The role, user or channel; or a constant: the guild id (@everyone), the guild id - 1 (all channels). */
  readonly id: string;
  readonly type: 1 | 2 | 3;
  readonly permission: boolean;
}

/**
 * An application's command permissions in a guild (docs: application-commands, "Permissions"):
 * for one command, or for all of its commands when `targetId` is the application's id.
 */
export interface StoredCommandPermissions {
  readonly applicationId: string;
  readonly guildId: string;
  /** The command's id, or the application's for the app-level permissions. */
  readonly targetId: string;
  /** At most 100; none is no record. */
  readonly permissions: readonly CommandPermission[];
}

/** Throws `RangeError` unless `record` is well formed. */
export function assertValidCommandPermissions(record: StoredCommandPermissions): void {
  const fine =
    isSnowflake(record.applicationId) &&
    isSnowflake(record.guildId) &&
    isSnowflake(record.targetId) &&
    record.permissions.length <= 100 &&
    record.permissions.every((p) => isSnowflake(p.id) && (p.type === 1 || p.type === 2 || p.type === 3) && typeof p.permission === "boolean");
  if (!fine) throw new RangeError(`invalid command permissions for ${record.targetId} in guild ${record.guildId}`);
}

/** The ids of commands whose permissions a change ends: those deleted, and those renamed (as on Discord). */
export function commandsLosingPermissions(before: readonly StoredCommand[], change: CommandChange<unknown>): string[] {
  const names = new Map(before.map((c) => [c.id, c.name]));
  const renamed = change.put.filter((c) => names.has(c.id) && names.get(c.id) !== c.name).map((c) => c.id);
  return [...change.deleted, ...renamed];
}

/** Command permissions as the SQL stores keep them: `permissions` as JSON text. */
export type CommandPermissionsRow = { application_id: string; guild_id: string; target_id: string; permissions: string };

export function toCommandPermissionsRow(record: StoredCommandPermissions): CommandPermissionsRow {
  return { application_id: record.applicationId, guild_id: record.guildId, target_id: record.targetId, permissions: JSON.stringify(record.permissions) };
}

export function fromCommandPermissionsRow(row: CommandPermissionsRow): StoredCommandPermissions {
  return { applicationId: row.application_id, guildId: row.guild_id, targetId: row.target_id, permissions: JSON.parse(row.permissions) as CommandPermission[] };
}

/** Records by ascending numeric target id. */
export function byTarget(records: StoredCommandPermissions[]): StoredCommandPermissions[] {
  return records.sort((a, b) => compareSnowflakes(a.targetId, b.targetId));
}

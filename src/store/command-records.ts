/**
 * Application commands as the store keeps them (docs: interactions/application-commands): an
 * application's global commands and its commands in each guild, each scope its own set. The
 * store offers one atomic read-modify-write per scope (`changeCommands`); what a change means
 * (upsert by name, bulk overwrite, limits) is decided by its caller (api/command-registry.ts).
 * A guild's commands go with the guild (`GuildStore.writeGuild`'s "delete-guild").
 */
import { isSnowflake } from "../protocol/fields.ts";

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
  return commands.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0));
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

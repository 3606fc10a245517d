/**
 * Timestamps as Discord writes them: ISO 8601 in UTC with microseconds and an explicit
 * offset, `2026-11-26T01:45:25.796000+00:00` (message `timestamp`, member `joined_at`, and
 * every other ISO8601 field). Some SDKs parse only that form and drop a whole GUILD_CREATE or
 * MESSAGE_CREATE written as `toISOString()`'s `...796Z`. Every timestamp guildgate writes
 * comes from here.
 */

/** `ms` (Unix epoch milliseconds) in Discord's form; the microseconds are always 000. */
export function discordTimestamp(ms: number): string {
  // toISOString: "YYYY-MM-DDTHH:mm:ss.sssZ"; throws RangeError for a time out of range.
  return `${new Date(ms).toISOString().slice(0, -1)}000+00:00`;
}

/** Discord's epoch, the first ms of 2015 (UTC): a snowflake's time counts from it. */
export const DISCORD_EPOCH_MS = 1_420_070_400_000;

/** When the snowflake `id` was made, ms since the Unix epoch (its top 42 bits). */
export function snowflakeTime(id: string): number {
  return Number(BigInt(id) >> 22n) + DISCORD_EPOCH_MS;
}

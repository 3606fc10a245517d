/**
 * The two record fields the SQL stores keep as JSON text in their row, always read and
 * written whole with the record: a channel's overwrites (bitfields as decimal strings, since
 * they are u64) and a list of ids (a member's role ids, a group DM's recipients).
 */
import type { Overwrite } from "../guild/permissions.ts";

/** An overwrite as stored: bitfields as decimal strings. */
type OverwriteJson = { id: string; type: 0 | 1; allow: string; deny: string };

export function encodeOverwrites(overwrites: readonly Overwrite[]): string {
  return JSON.stringify(
    overwrites.map(({ id, type, allow, deny }): OverwriteJson => ({ id, type, allow: allow.toString(), deny: deny.toString() })),
  );
}

export function decodeOverwrites(text: string): Overwrite[] {
  return (JSON.parse(text) as OverwriteJson[]).map(({ id, type, allow, deny }) => ({ id, type, allow: BigInt(allow), deny: BigInt(deny) }));
}

export function encodeRoleIds(roleIds: readonly string[]): string {
  return JSON.stringify(roleIds);
}

export function decodeRoleIds(text: string): string[] {
  return JSON.parse(text) as string[];
}

/**
 * Discord's member-list id of a channel (REFERENCES.md, "Lazy member list"). Channels that the
 * same people can see share one list id, so they share one `MemberList`. The rule is the one in
 * Discord's client (`canEveryone`, then murmur3 of the overwrites), because the client derives
 * the id itself and must agree with the `id` we send in GUILD_MEMBER_LIST_UPDATE.
 */
import { type Overwrite, Permission } from "./permissions.ts";

const { VIEW_CHANNEL } = Permission;

/**
 * `"everyone"` when `everyoneCanView` and no overwrite denies VIEW_CHANNEL. Otherwise it is the
 * unsigned MurmurHash3 (x86_32, seed 0), in decimal, of the channel's VIEW_CHANNEL overwrites
 * rendered as `allow:<id>` or `deny:<id>`, sorted as strings and joined with `,`.
 *
 * `everyoneCanView` says whether the @everyone *role* has VIEW_CHANNEL at guild level. Discord's
 * client passes no guild id and gives the @everyone overwrite no special case: an @everyone
 * overwrite that allows VIEW_CHANNEL is simply hashed as `allow:<guild id>`.
 */
export function memberListId(overwrites: readonly Overwrite[], everyoneCanView: boolean): string {
  const parts: string[] = [];
  let anyDeny = false;
  for (const { id, allow, deny } of overwrites) {
    // An overwrite that both allows and denies counts as an allow, as in Discord's client.
    if ((allow & VIEW_CHANNEL) !== 0n) parts.push(`allow:${id}`);
    else if ((deny & VIEW_CHANNEL) !== 0n) {
      parts.push(`deny:${id}`);
      anyDeny = true;
    }
  }
  if (everyoneCanView && !anyDeny) return "everyone";
  return murmurHash3(parts.sort().join(",")).toString();
}

const utf8 = new TextEncoder();

/** MurmurHash3 x86_32 of the UTF-8 bytes of `text`, as an unsigned 32-bit number. */
export function murmurHash3(text: string, seed = 0): number {
  const bytes = utf8.encode(text);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const blocks = bytes.length - (bytes.length % 4);
  let h = seed | 0;
  for (let at = 0; at < blocks; at += 4) {
    h ^= scrambleBlock(view.getUint32(at, true));
    h = (Math.imul(rotateLeft(h, 13), 5) + 0xe6546b64) | 0;
  }
  if (blocks < bytes.length) {
    let tail = 0;
    for (let at = bytes.length - 1; at >= blocks; at--) tail = (tail << 8) | view.getUint8(at);
    h ^= scrambleBlock(tail);
  }
  h ^= bytes.length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function scrambleBlock(k: number): number {
  return Math.imul(rotateLeft(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593);
}

function rotateLeft(x: number, bits: number): number {
  return (x << bits) | (x >>> (32 - bits));
}

/**
 * Typical gateway frames for the encoding benches: a MESSAGE_CREATE (a reply with an author,
 * a member, two mentions, an embed and a button row, ~1.7 KB) and a GUILD_CREATE of a big
 * guild (its channels, roles and the 250 members a large guild's GUILD_CREATE carries).
 */
import { encodeDispatch } from "../src/protocol/json-codec.ts";

const user = (id: string, name: string) => ({ id, username: name, global_name: name, avatar: null, discriminator: "0", public_flags: 0, bot: false });

/** A MESSAGE_CREATE's `d`; `n` varies its ids, nonce and text (a channel's next message). */
export function messageCreate(n = 0) {
  const id = (1311018130000000000n + BigInt(n) * 4194304n).toString();
  return {
    type: 19,
    tts: false,
    timestamp: `2026-11-26T01:${String(45 + (n % 14)).padStart(2, "0")}:25.796000+00:00`,
    pinned: false,
    nonce: (1311018129342119936n + BigInt(n) * 7n).toString(),
    mentions: [
      { ...user("175928847299117063", "alice"), member: { roles: ["800000000000000005"], nick: null, joined_at: "2025-01-01T00:00:00.000000+00:00", deaf: false, mute: false, flags: 0 } },
      { ...user("175928847299117064", "bob"), member: { roles: [], nick: "Bobby", joined_at: "2025-02-01T00:00:00.000000+00:00", deaf: false, mute: false, flags: 0 } },
    ],
    mention_roles: ["800000000000000005"],
    mention_everyone: false,
    member: { roles: ["800000000000000005", "800000000000000006"], nick: null, joined_at: "2024-06-01T00:00:00.000000+00:00", premium_since: null, deaf: false, mute: false, pending: false, flags: 0 },
    id,
    flags: 0,
    embeds: [{ type: "rich", title: "Release notes", description: "What changed this week, in a few lines of text.", color: 5793266, fields: [{ name: "Fixed", value: "the thing", inline: true }] }],
    edited_timestamp: null,
    content: n === 0 ? "hi <@175928847299117063> and <@175928847299117064>, see the notes below" : `message ${n}: ${"lorem ipsum dolor sit amet ".slice(0, 5 + (n * 7) % 22)} #${(n * 2654435761) % 100000}`,
    components: [{ type: 1, components: [{ type: 2, style: 1, label: "Read more", custom_id: "read-more" }] }],
    channel_id: "800000000000000001",
    author: user(n % 3 === 0 ? "175928847299117062" : `17592884729911${String(7000 + (n % 50)).padStart(4, "0")}`, `user${n % 50}`),
    attachments: [],
    guild_id: "800000000000000000",
    message_reference: { type: 0, message_id: "1311018120000000000", channel_id: "800000000000000001", guild_id: "800000000000000000" },
  };
}

/** A big guild's GUILD_CREATE `d`: 150 channels, 60 roles, 250 members with presences. */
export function guildCreate() {
  const guildId = "800000000000000000";
  const channels = Array.from({ length: 150 }, (_, i) => ({ id: String(800000000000001000n + BigInt(i) * 977n), type: i % 10 === 0 ? 4 : 0, name: `channel-${i}-${["general", "dev", "music", "memes", "help"][i % 5]}`, position: i, parent_id: i % 10 === 0 ? null : String(800000000000001000n + BigInt(i - (i % 10)) * 977n), topic: i % 3 ? null : `Topic of channel ${i}`, nsfw: false, rate_limit_per_user: 0, last_message_id: String(1311018130000000000n + BigInt(i) * 99991n), permission_overwrites: i % 4 ? [] : [{ id: guildId, type: 0, allow: "0", deny: "1024" }], flags: 0 }));
  const roles = Array.from({ length: 60 }, (_, i) => ({ id: String(800000000000002000n + BigInt(i) * 131n), name: i === 0 ? "@everyone" : `role ${i}`, color: (i * 2654435761) % 16777216, hoist: i % 5 === 0, icon: null, unicode_emoji: null, position: i, permissions: String((1n << BigInt(i % 40)) | 1024n), managed: false, mentionable: i % 2 === 0, flags: 0 }));
  const members = Array.from({ length: 250 }, (_, i) => ({ user: user(String(175928847299117063n + BigInt(i) * 10007n), `member${i}`), roles: [roles[1 + (i % 59)]?.id], nick: i % 4 ? null : `Nick ${i}`, avatar: null, joined_at: `2025-${String(1 + (i % 12)).padStart(2, "0")}-01T00:00:00.000000+00:00`, premium_since: null, deaf: false, mute: false, pending: false, flags: 0 }));
  const presences = members.slice(0, 120).map((m, i) => ({ user: { id: m.user.id }, status: ["online", "idle", "dnd"][i % 3], client_status: { desktop: "online" }, activities: i % 2 ? [] : [{ name: `Game ${i % 17}`, type: 0, created_at: 1764121525796 + i }] }));
  return { id: guildId, name: "A Big Guild", icon: null, owner_id: "175928847299117062", large: true, member_count: 52_000, joined_at: "2024-06-01T00:00:00.000000+00:00", channels, roles, members, presences, threads: [], voice_states: [], emojis: [], stickers: [], features: ["COMMUNITY"], unavailable: false };
}

/** `d` as a dispatch frame with sequence `s`. */
export function dispatchFrame(t: string, d: unknown, s = 1): string {
  return encodeDispatch(t, s, JSON.stringify(d));
}

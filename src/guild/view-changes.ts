/**
 * What sessions see when a change alters who may view which channel (a role's permissions,
 * an overwrite, a member's roles, the owner): each class whose view changed gets
 * CHANNEL_CREATE / CHANNEL_DELETE on its topics, and each member that changed class gets its
 * own diff (against what its old class showed) before it moves to its new class's topic.
 * Movers hold no topic of the guild meanwhile, so they never see what a class was told.
 * Channels that appear with active threads in them are followed by THREAD_LIST_SYNC (docs:
 * topics/threads "Gaining Access to Channels"): the threads there the class may see.
 */
import type { StoredChannel } from "../store/guild-store.ts";
import { channelJson } from "./guild-json.ts";
import type { OwnedGuild } from "./owned-guild.ts";
import type { ClassMove } from "./permission-classes.ts";
import { threadJson, threadMemberJson } from "./thread-json.ts";
import { visibleThreads } from "./thread-views.ts";

/** Per class id, its serial and the channels it could view. */
export type ChannelViews = Map<number, { serial: number; visible: Set<string> }>;

/** Where the announcements go (the owner's delivery). */
export interface ViewAnnouncer {
  toClass(classId: number, t: string, d: unknown): void;
  toMember(userId: string, t: string, d: unknown): void;
  /** `classId` -1: the member holds no topic of the guild for now. */
  moveMember(userId: string, classId: number): void;
}

/** Runs `change` (it returns the class moves it caused) and announces its effects; returns the views before. */
export function announceViewChanges(guild: OwnedGuild, change: () => readonly ClassMove[], announcer: ViewAnnouncer): ChannelViews {
  const { classes, state } = guild;
  // Deleted channels are announced with their last record.
  const records = new Map<string, StoredChannel>();
  for (const channel of state.allChannels()) records.set(channel.id, channel);
  const before = viewsOf(guild);
  const moves = change();
  for (const channel of state.allChannels()) records.set(channel.id, channel);
  const now = new Map<number, Set<string>>();
  const visibleNow = (classId: number): Set<string> => {
    let visible = now.get(classId);
    if (!visible) now.set(classId, (visible = visibleTo(guild, classId)));
    return visible;
  };
  const announce = (from: Set<string>, to: Set<string>, classId: number, send: (t: string, d: unknown) => void, userId?: string): void => {
    const gained = [...to].filter((id) => !from.has(id));
    for (const id of gained) send("CHANNEL_CREATE", channelJson(records.get(id) as StoredChannel));
    for (const id of from) if (!to.has(id)) send("CHANNEL_DELETE", channelJson(records.get(id) as StoredChannel));
    const sync = gained.length > 0 ? threadListSync(guild, gained, classId, userId) : undefined;
    if (sync) send("THREAD_LIST_SYNC", sync);
  };
  const moved = guild.applyMoves(moves);
  for (const move of moved) announcer.moveMember(move.userId, -1);
  for (const [classId, view] of before) {
    if (classes.serialOf(classId) !== view.serial) continue;
    announce(view.visible, visibleNow(classId), classId, (t, d) => announcer.toClass(classId, t, d));
  }
  for (const move of moved) {
    const had = before.get(move.from)?.visible ?? new Set<string>();
    announce(had, visibleNow(move.to), move.to, (t, d) => announcer.toMember(move.userId, t, d), move.userId);
    announcer.moveMember(move.userId, move.to);
  }
  return before;
}

function viewsOf(guild: OwnedGuild): ChannelViews {
  const views: ChannelViews = new Map();
  for (const classId of guild.classes.classIds()) {
    views.set(classId, { serial: guild.classes.serialOf(classId), visible: visibleTo(guild, classId) });
  }
  return views;
}

function visibleTo(guild: OwnedGuild, classId: number): Set<string> {
  const visible = new Set<string>();
  for (const channel of guild.state.allChannels()) if (guild.classes.canView(classId, channel.id)) visible.add(channel.id);
  return visible;
}

/**
 * THREAD_LIST_SYNC's `d` for channels a class (or one member of it, `userId`) just gained: the
 * active threads in them it sees, and the member's thread member objects; undefined when there
 * are none.
 */
function threadListSync(guild: OwnedGuild, channelIds: readonly string[], classId: number, userId: string | undefined): Record<string, unknown> | undefined {
  const visible = visibleThreads(guild, classId, userId, new Set(channelIds));
  if (visible.length === 0) return undefined;
  const threads = visible.map(({ thread, members }) => threadJson(thread, members));
  const members = visible.flatMap(({ mine }) => (mine ? [threadMemberJson(mine)] : []));
  return { guild_id: guild.id, channel_ids: channelIds, threads, members };
}

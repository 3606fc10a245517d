/**
 * What sessions see when a change alters who may view which channel (a role's permissions,
 * an overwrite, a member's roles, the owner): each class whose view changed gets
 * CHANNEL_CREATE / CHANNEL_DELETE on its topics, and each member that changed class gets its
 * own diff (against what its old class showed) before it moves to its new class's topic.
 * Movers hold no topic of the guild meanwhile, so they never see what a class was told.
 */
import type { StoredChannel } from "../store/guild-store.ts";
import { channelJson } from "./guild-json.ts";
import type { OwnedGuild } from "./owned-guild.ts";
import type { ClassMove } from "./permission-classes.ts";

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
  const announce = (from: Set<string>, to: Set<string>, send: (t: string, d: unknown) => void): void => {
    for (const id of to) if (!from.has(id)) send("CHANNEL_CREATE", channelJson(records.get(id) as StoredChannel));
    for (const id of from) if (!to.has(id)) send("CHANNEL_DELETE", channelJson(records.get(id) as StoredChannel));
  };
  const moved = guild.applyMoves(moves);
  for (const move of moved) announcer.moveMember(move.userId, -1);
  for (const [classId, view] of before) {
    if (classes.serialOf(classId) !== view.serial) continue;
    announce(view.visible, visibleNow(classId), (t, d) => announcer.toClass(classId, t, d));
  }
  for (const move of moved) {
    const had = before.get(move.from)?.visible ?? new Set<string>();
    announce(had, visibleNow(move.to), (t, d) => announcer.toMember(move.userId, t, d));
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

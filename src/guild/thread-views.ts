/**
 * Which active threads a class of members sees (docs: topics/threads "Permissions"): a public
 * thread where the class views the parent, a private one where it also has MANAGE_THREADS or
 * the member is in it. GUILD_CREATE's `threads` and THREAD_LIST_SYNC list these.
 */
import type { StoredThreadMember } from "../store/thread-records.ts";
import { ThreadType } from "../store/thread-records.ts";
import type { ThreadChannel } from "./guild-state.ts";
import type { OwnedGuild } from "./owned-guild.ts";
import { Permission } from "./permissions.ts";

export interface VisibleThread {
  readonly thread: ThreadChannel;
  /** Its member count. */
  readonly members: number;
  /** The member's own thread member, if it joined. */
  readonly mine: StoredThreadMember | undefined;
}

/** The active threads class `classId` sees (with member `userId`'s own private ones), in `parents` only when given. */
export function visibleThreads(guild: OwnedGuild, classId: number, userId: string | undefined, parents?: ReadonlySet<string>): VisibleThread[] {
  const { state, classes } = guild;
  const visible: VisibleThread[] = [];
  for (const thread of state.activeThreads()) {
    const parentId = thread.parentId as string;
    if ((parents !== undefined && !parents.has(parentId)) || !classes.canView(classId, parentId)) continue;
    const members = state.threadMembers(thread.id);
    const mine = userId === undefined ? undefined : members.get(userId);
    if (thread.type === ThreadType.PRIVATE && !mine && !classes.has(classId, Permission.MANAGE_THREADS, parentId)) continue;
    visible.push({ thread, members: members.size, mine });
  }
  return visible;
}

/**
 * Who is in which member list, and under which group, decided per permission class: a list
 * holds the members of the classes that may view the channel it follows
 * (`PermissionClasses.viewersOf`). It keeps classes of every member of the guild (the
 * guild's own classes hold only connected members), made when the first list is, and
 * says what each guild change means, so the lists touch only the members it moves:
 * - a role's permissions changed: the classes whose answer flipped (`VisibilityChange`);
 * - a hoisted role toggled or moved: its online members whose group was or becomes it;
 * - a role deleted, or the owner changed: the members whose class changed.
 * A rename (of a role, a channel, the guild) changes none of that, and costs nothing here.
 */
import type { Member } from "../store/guild-store.ts";
import type { GuildState } from "./guild-state.ts";
import { PermissionClasses, type VisibilityChange } from "./permission-classes.ts";
import type { PresenceBook } from "./presence.ts";

/** What a role change means for the lists. */
export interface RoleChange {
  /** The groups changed (a hoisted role toggled, moved or deleted): these members move between groups. */
  regroup?: { groups: readonly string[]; movers: readonly Member[] };
  /** Classes whose view of a channel flipped: their members join or leave the lists following it. */
  flips: readonly VisibilityChange[];
  /** Members whose class changed: each one's place in every list is to be checked. */
  recheck: ReadonlySet<string>;
  /** @everyone's permissions changed, and with them every channel's list id may have. */
  listIdsMayChange: boolean;
}

/** What a new owner means for the lists. */
export interface OwnerChange {
  flips: readonly VisibilityChange[];
  /** The old and new owner, whose classes changed. */
  recheck: readonly string[];
}

export class ListMembership {
  readonly #state: GuildState;
  readonly #presences: PresenceBook;
  readonly #classes: PermissionClasses;
  /** Each role's permissions as the classes last saw them. */
  readonly #rolePermissions = new Map<string, bigint>();
  #ownerId: string;
  #groupIds: readonly string[];

  /** Tracks every member of the guild (a first list's cost: ~0.5 µs a member, measured). */
  constructor(state: GuildState, presences: PresenceBook) {
    this.#state = state;
    this.#presences = presences;
    this.#classes = new PermissionClasses(state);
    this.#classes.trackMany(state.members());
    for (const role of state.roles()) this.#rolePermissions.set(role.id, role.permissions);
    this.#ownerId = state.record.ownerId;
    this.#groupIds = currentGroups(state);
  }

  /** Group ids in display order: hoisted roles by position, highest first, then "online" and "offline". */
  get groupIds(): readonly string[] {
    return this.#groupIds;
  }

  /** Whether a member may view a channel (so be in the list that follows it). */
  sees(userId: string, channelId: string): boolean {
    const classId = this.#classes.classOf(userId);
    return classId !== undefined && this.#classes.canView(classId, channelId);
  }

  /** The members that may view a channel, class by class. */
  viewers(channelId: string): string[] {
    return this.#classes.viewersOf(channelId).flatMap((classId) => [...this.#classes.membersOf(classId)]);
  }

  membersOf(classId: number): ReadonlySet<string> {
    return this.#classes.membersOf(classId);
  }

  /**
   * Has every class answered for these channels (the lists' own): only answers given are
   * reported when they flip, and an invalidation leaves classes made after it unanswered.
   */
  answerFor(channelIds: Iterable<string>): void {
    for (const channelId of channelIds) this.#classes.viewersOf(channelId);
  }

  /** A member joined, left, or changed roles. */
  memberChanged(userId: string): void {
    const member = this.#state.member(userId);
    if (member) this.#classes.track(member);
    else this.#classes.untrack(userId);
  }

  /**
   * A channel was created, changed or deleted. A member moved to or from a singleton class
   * (a member overwrite came or went) sees every other channel as before; this channel's
   * list id tells whether anyone's view of it changed.
   */
  channelChanged(channelId: string): void {
    this.#classes.invalidateChannel(channelId);
  }

  /** A role was created, changed or deleted (already so in the state). */
  roleChanged(roleId: string): RoleChange {
    const role = this.#state.role(roleId);
    const groups = currentGroups(this.#state);
    const before = this.#groupIds;
    const regroups = groups.length !== before.length || groups.some((id, i) => id !== before[i]);
    // By the role sets as tracked: a deleted role's members have it still.
    const withRole = regroups || !role ? this.#classes.membersWithRole(roleId) : [];
    let regroup: RoleChange["regroup"];
    if (regroups) {
      regroup = { groups, movers: this.#movers(roleId, withRole, before, groups) };
      this.#groupIds = groups;
    }
    const recheck = new Set<string>();
    if (!role) {
      for (const userId of withRole) {
        this.memberChanged(userId);
        recheck.add(userId);
      }
    }
    if (role?.permissions === this.#rolePermissions.get(roleId)) return { regroup, flips: [], recheck, listIdsMayChange: false };
    if (role) this.#rolePermissions.set(roleId, role.permissions);
    else this.#rolePermissions.delete(roleId);
    const update = this.#classes.invalidateRoles();
    for (const move of update.moved) recheck.add(move.userId);
    return { regroup, flips: update.visibility, recheck, listIdsMayChange: roleId === this.#state.id };
  }

  /** The guild record changed; undefined if its owner did not. */
  guildChanged(): OwnerChange | undefined {
    if (this.#ownerId === this.#state.record.ownerId) return undefined;
    this.#ownerId = this.#state.record.ownerId;
    const update = this.#classes.invalidateRoles();
    return { flips: update.visibility, recheck: update.moved.map((move) => move.userId) };
  }

  /** The member's group index: "offline" when offline; else its highest hoisted role, or "online". */
  groupOf(member: Member): number {
    if (this.#presences.get(member.userId).status === "offline") return this.#groupIds.length - 1;
    return this.#groupIds.indexOf(bestGroup(member.roleIds, this.#groupIds));
  }

  /**
   * The online members with the role whose group was or becomes the role's: no other
   * member's highest hoisted role changes when only this role is toggled or moved.
   */
  #movers(roleId: string, withRole: readonly string[], before: readonly string[], groups: readonly string[]): Member[] {
    const movers: Member[] = [];
    for (const userId of withRole) {
      const member = this.#state.member(userId);
      if (!member || this.#presences.get(userId).status === "offline") continue;
      // A deleted role is gone from the member already: it had it.
      const was = bestGroup([...member.roleIds, roleId], before);
      const now = bestGroup(member.roleIds, groups);
      if (was === roleId || now === roleId) movers.push(member);
    }
    return movers;
  }
}

function currentGroups(state: GuildState): string[] {
  const hoisted = [...state.roles()].filter((role) => role.hoist && role.id !== state.id);
  hoisted.sort((a, b) => b.position - a.position || (a.id < b.id ? -1 : 1));
  return [...hoisted.map((role) => role.id), "online", "offline"];
}

/** The id of the member's highest hoisted role in `groups` (display order), else "online". */
function bestGroup(roleIds: readonly string[], groups: readonly string[]): string {
  let best = groups.length - 2;
  for (const roleId of roleIds) {
    const index = groups.indexOf(roleId);
    if (index >= 0 && index < best) best = index;
  }
  return groups[best] as string;
}

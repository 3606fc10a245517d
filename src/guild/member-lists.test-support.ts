/**
 * Test support for member lists as clients see them: `WireListClient` applies the ops of
 * GUILD_MEMBER_LIST_UPDATE as Discord's client does (SYNC and UPDATE write, INSERT and DELETE
 * splice, then the array is cut to the total the groups imply), and `referenceList` is what
 * a list must show, by Discord's rules run on the store's records: the members that can
 * view a channel with the list's id, online ones under their highest hoisted role (else
 * "online"), offline ones under "offline", each group by name (nick, global name, username,
 * lowercased). Items compare as strings: `group:{id}` or `member:{user id}`. A header item
 * carries the count its group had when the item was sent; the client shows the counts of the
 * latest update's `groups`, compared as `{id}:{count}`.
 */
import type { GuildStore } from "../store/guild-store.ts";
import { memberListId } from "./member-list-id.ts";
import { Permission, type Role, canView } from "./permissions.ts";

type Json = Record<string, unknown>;

/** An item of the wire as the tests compare it. */
export function wireItem(item: unknown): string {
  const { group, member } = item as { group?: { id: string; count: number }; member?: { user: { id: string } } };
  if (group) return `group:${group.id}`;
  return `member:${member?.user.id}`;
}

/** One session's copy of one list, built from the updates it receives. */
export class WireListClient {
  items: (string | undefined)[] = [];
  /** The latest update's groups, as `{id}:{count}`. */
  groups: string[] = [];

  /** Applies an update's ops in order, then cuts the array to its groups' total. */
  apply(d: Json): void {
    for (const op of d.ops as Json[]) {
      const index = op.index as number;
      switch (op.op) {
        case "SYNC": {
          const [start] = op.range as [number, number];
          (op.items as unknown[]).forEach((item, i) => (this.items[start + i] = wireItem(item)));
          break;
        }
        case "INSERT":
          this.items.splice(index, 0, wireItem(op.item));
          break;
        case "DELETE":
          this.items.splice(index, 1);
          break;
        case "UPDATE":
          this.items[index] = wireItem(op.item);
          break;
        case "INVALIDATE": {
          const [start, end] = op.range as [number, number];
          for (let i = start; i <= end; i++) this.items[i] = undefined;
          break;
        }
      }
    }
    const groups = d.groups as { id: string; count: number }[];
    this.items.length = groups.reduce((total, group) => total + group.count + 1, 0);
    this.groups = groups.map((group) => `${group.id}:${group.count}`);
  }
}

/** What a list must show now: its flat items and its groups. */
export interface ReferenceList {
  items: string[];
  groups: string[];
}

/** The list `listId` of a guild as it must be now; undefined if no channel has that id. */
export async function referenceList(store: GuildStore, guildId: string, listId: string, online: ReadonlySet<string>): Promise<ReferenceList | undefined> {
  const guild = await store.getGuild(guildId);
  if (!guild) return undefined;
  const roles = await store.listRoles(guildId);
  const state = { id: guildId, ownerId: guild.ownerId, roles: new Map<string, Role>(roles.map((role) => [role.id, role])) };
  const everyoneCanView = ((state.roles.get(guildId)?.permissions ?? 0n) & Permission.VIEW_CHANNEL) !== 0n;
  const channel = (await store.listChannels(guildId)).find((c) => memberListId(c.overwrites, everyoneCanView) === listId);
  if (!channel) return undefined;
  const hoisted = roles.filter((role) => role.hoist && role.id !== guildId).sort((a, b) => b.position - a.position || (a.id < b.id ? -1 : 1));
  const groups = [...hoisted.map((role) => role.id), "online", "offline"];
  const members: { userId: string; name: string; group: number }[] = [];
  for (const member of await store.listMembers(guildId, 100_000)) {
    if (!canView(state, member, channel)) continue;
    const user = await store.getUser(member.userId);
    const name = (member.nick ?? user?.globalName ?? user?.username ?? "").toLowerCase();
    let group = groups.length - 1;
    if (online.has(member.userId)) {
      group = groups.length - 2;
      for (const roleId of member.roleIds) {
        const at = groups.indexOf(roleId);
        if (at >= 0 && at < group) group = at;
      }
    }
    members.push({ userId: member.userId, name, group });
  }
  members.sort((a, b) => a.group - b.group || Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const reference: ReferenceList = { items: [], groups: [] };
  groups.forEach((id, g) => {
    const inGroup = members.filter((member) => member.group === g);
    if (inGroup.length === 0) return;
    reference.groups.push(`${id}:${inGroup.length}`);
    reference.items.push(`group:${id}`);
    for (const member of inGroup) reference.items.push(`member:${member.userId}`);
  });
  return reference;
}

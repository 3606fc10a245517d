/**
 * A lazy member list as the client holds it (src/guild/member-list.ts says how the server
 * makes the ops): SYNC writes `items` from `range[0]`, UPDATE writes one item, INSERT and
 * DELETE splice, INVALIDATE forgets a range; after an event's ops the list is cut to the
 * length its `groups` imply (each non-empty group's count plus its header).
 */

export interface ListMember {
  user: { id: string; username: string; global_name?: string | null };
  nick?: string | null;
  roles: string[];
  presence?: { status: string };
}

export type ListItem = { group: { id: string; count: number } } | { member: ListMember };

export type ListOp =
  | { op: "SYNC"; range: [number, number]; items: ListItem[] }
  | { op: "INSERT" | "UPDATE"; index: number; item: ListItem }
  | { op: "DELETE"; index: number }
  | { op: "INVALIDATE"; range: [number, number] };

export interface MemberListUpdate {
  guild_id: string;
  id: string;
  member_count: number;
  online_count: number;
  groups: { id: string; count: number }[];
  ops: ListOp[];
}

export class MemberListState {
  items: (ListItem | undefined)[] = [];
  memberCount = 0;
  onlineCount = 0;

  apply(update: MemberListUpdate): void {
    for (const op of update.ops) {
      switch (op.op) {
        case "SYNC":
          op.items.forEach((item, i) => (this.items[op.range[0] + i] = item));
          break;
        case "UPDATE":
          this.items[op.index] = op.item;
          break;
        case "INSERT":
          this.items.splice(op.index, 0, op.item);
          break;
        case "DELETE":
          this.items.splice(op.index, 1);
          break;
        case "INVALIDATE":
          for (let i = op.range[0]; i <= op.range[1]; i++) this.items[i] = undefined;
          break;
      }
    }
    this.items.length = update.groups.reduce((total, group) => total + (group.count > 0 ? group.count + 1 : 0), 0);
    this.memberCount = update.member_count;
    this.onlineCount = update.online_count;
  }
}

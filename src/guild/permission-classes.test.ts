import { describe, expect, test } from "bun:test";
import { prng } from "../../test/support/prng.ts";
import {
  type PermissionSource,
  type PermissionUpdate,
  PermissionClasses,
} from "./permission-classes.ts";
import {
  type Channel,
  type MemberRoles,
  type Overwrite,
  Permission,
  type Role,
  canView,
} from "./permissions.ts";

const { ADMINISTRATOR, VIEW_CHANNEL, SEND_MESSAGES } = Permission;
const GUILD = "1000";


/** A mutable guild, as a store would hold it. */
class World implements PermissionSource {
  ownerId = "";
  roles = new Map<string, Role>();
  chans = new Map<string, Channel>();
  members = new Map<string, MemberRoles>();
  guild() {
    return { id: GUILD, ownerId: this.ownerId, roles: this.roles };
  }
  channel(id: string) {
    return this.chans.get(id);
  }
  channels() {
    return this.chans.values();
  }
}

const source = (roles: Role[], channels: Channel[], ownerId = "1"): PermissionSource => {
  const w = new World();
  w.ownerId = ownerId;
  for (const r of roles) w.roles.set(r.id, r);
  for (const c of channels) w.chans.set(c.id, c);
  return w;
};
const role = (id: string, permissions: bigint): Role => ({ id, permissions, position: 1, hoist: false });

describe("PermissionClasses", () => {
  const everyone = role(GUILD, VIEW_CHANNEL);
  const roles = [everyone, role("10", 0n), role("11", ADMINISTRATOR)];
  const hidden: Channel = { id: "c1", overwrites: [{ id: GUILD, type: 0, allow: 0n, deny: VIEW_CHANNEL }] };
  const open: Channel = { id: "c2", overwrites: [] };

  test("same role set shares a class, in any order; others get their own", () => {
    const pc = new PermissionClasses(source(roles, [hidden, open]));
    pc.track({ userId: "2", roleIds: ["10", "11"] });
    pc.track({ userId: "3", roleIds: ["11", "10", "10"] });
    pc.track({ userId: "4", roleIds: [] });
    expect(pc.classOf("2")).toBe(pc.classOf("3")!);
    expect(pc.classOf("4")).not.toBe(pc.classOf("2")!);
    expect(pc.classCount).toBe(2);
  });

  test("owner and members with a member overwrite are singletons", () => {
    const withOw: Channel = { id: "c3", overwrites: [{ id: "3", type: 1, allow: 0n, deny: 0n }] };
    const pc = new PermissionClasses(source(roles, [hidden, open, withOw], "1"));
    pc.track({ userId: "1", roleIds: [] });
    pc.track({ userId: "2", roleIds: [] });
    pc.track({ userId: "3", roleIds: [] });
    expect(new Set([pc.classOf("1"), pc.classOf("2"), pc.classOf("3")]).size).toBe(3);
    expect(pc.canView(pc.classOf("1")!, "c1")).toBe(true);
    expect(pc.canView(pc.classOf("2")!, "c1")).toBe(false);
  });

  test("trackMany puts members where track would (role sets in any order, owner, member overwrites) and skips the tracked", () => {
    const withOw: Channel = { id: "c3", overwrites: [{ id: "3", type: 1, allow: 0n, deny: 0n }] };
    const members: MemberRoles[] = [
      { userId: "1", roleIds: ["10"] },
      { userId: "2", roleIds: ["10", "11"] },
      { userId: "3", roleIds: ["11", "10"] },
      { userId: "4", roleIds: ["11", "10", GUILD] },
      { userId: "5", roleIds: [] },
      { userId: "6", roleIds: ["10"] },
    ];
    const one = new PermissionClasses(source(roles, [hidden, open, withOw], "1"));
    for (const member of members) one.track(member);
    const many = new PermissionClasses(source(roles, [hidden, open, withOw], "1"));
    many.track({ userId: "6", roleIds: ["10"] });
    many.trackMany(members);
    const partition = (pc: PermissionClasses): string[][] => pc.classIds().map((id) => [...pc.membersOf(id)].sort());
    expect(partition(many).sort()).toEqual(partition(one).sort());
    expect(partition(many).sort()).toEqual([["1"], ["2", "4"], ["3"], ["5"], ["6"]]);
  });

  test("membersWithRole finds the members whose tracked role set holds the role", () => {
    const pc = new PermissionClasses(source(roles, [hidden, open], "1"));
    pc.trackMany([
      { userId: "1", roleIds: ["10"] },
      { userId: "2", roleIds: ["10", "11"] },
      { userId: "3", roleIds: ["11"] },
      { userId: "4", roleIds: [] },
    ]);
    expect(pc.membersWithRole("10").sort()).toEqual(["1", "2"]);
    expect(pc.membersWithRole("12")).toEqual([]);
  });

  test("viewersOf lists the classes that may view, and unknown ids see nothing", () => {
    const pc = new PermissionClasses(source(roles, [hidden, open]));
    pc.track({ userId: "2", roleIds: [] });
    pc.track({ userId: "3", roleIds: ["11"] });
    expect(pc.viewersOf("c1")).toEqual([pc.classOf("3")!]);
    expect(pc.viewersOf("c2")).toEqual([pc.classOf("2")!, pc.classOf("3")!].sort((a, b) => a - b));
    expect(pc.viewersOf("nope")).toEqual([]);
    expect(pc.canView(99, "c2")).toBe(false);
    // A new class joins a cached viewer list.
    pc.track({ userId: "4", roleIds: ["10"] });
    expect(pc.viewersOf("c2")).toContain(pc.classOf("4")!);
  });

  test("empty classes are dropped and their ids reused", () => {
    const pc = new PermissionClasses(source(roles, [hidden, open]));
    pc.track({ userId: "2", roleIds: ["10"] });
    const id = pc.classOf("2")!;
    expect(pc.viewersOf("c2")).toEqual([id]);
    const update = pc.untrack("2");
    expect(update.moved).toEqual([{ userId: "2", from: id, to: -1 }]);
    expect(pc.classCount).toBe(0);
    expect(pc.viewersOf("c2")).toEqual([]);
    pc.track({ userId: "3", roleIds: ["11"] });
    expect(pc.classOf("3")).toBe(id);
    expect(pc.canView(id, "c1")).toBe(true);
  });

  test("a channel change reports flipped answers and member moves", () => {
    const w = source(roles, [hidden, open]) as World;
    const pc = new PermissionClasses(w);
    pc.track({ userId: "2", roleIds: ["10"] });
    pc.track({ userId: "3", roleIds: ["10"] });
    const shared = pc.classOf("2")!;
    expect(pc.canView(shared, "c1")).toBe(false);
    w.chans.set("c1", {
      id: "c1",
      overwrites: [
        ...hidden.overwrites,
        { id: "10", type: 0, allow: VIEW_CHANNEL, deny: 0n },
        { id: "3", type: 1, allow: 0n, deny: VIEW_CHANNEL },
      ],
    });
    const update = pc.invalidateChannel("c1");
    expect(update.visibility).toEqual([{ channelId: "c1", classId: shared, canView: true }]);
    expect(update.moved).toEqual([{ userId: "3", from: shared, to: pc.classOf("3")! }]);
    expect(pc.canView(pc.classOf("3")!, "c1")).toBe(false);
  });
});

// --- property test -----------------------------------------------------------------------

const randomPerms = (rnd: () => number): bigint => {
  let p = 0n;
  if (rnd() < 0.5) p |= VIEW_CHANNEL;
  if (rnd() < 0.5) p |= SEND_MESSAGES;
  if (rnd() < 0.08) p |= ADMINISTRATOR;
  if (rnd() < 0.3) p |= 1n << 45n;
  return p;
};
const randomOverwrite = (rnd: () => number, id: string, type: 0 | 1): Overwrite => {
  const pick = () => (rnd() < 0.4 ? VIEW_CHANNEL : 0n) | (rnd() < 0.3 ? SEND_MESSAGES : 0n);
  return { id, type, allow: pick(), deny: pick() };
};
const pickOf = <T>(rnd: () => number, list: readonly T[]): T => {
  const v = list[Math.floor(rnd() * list.length)];
  if (v === undefined) throw new Error("empty list");
  return v;
};
const subset = <T>(rnd: () => number, list: readonly T[], p: number): T[] => list.filter(() => rnd() < p);

const buildWorld = (rnd: () => number): World => {
  const w = new World();
  const nRoles = 5 + Math.floor(rnd() * 8);
  w.roles.set(GUILD, role(GUILD, rnd() < 0.7 ? VIEW_CHANNEL : 0n));
  for (let i = 0; i < nRoles - 1; i++) w.roles.set(`r${i}`, role(`r${i}`, randomPerms(rnd)));
  const nMembers = 30 + Math.floor(rnd() * 171);
  const roleIds = [...w.roles.keys()].filter((id) => id !== GUILD);
  for (let i = 0; i < nMembers; i++) {
    w.members.set(`u${i}`, { userId: `u${i}`, roleIds: subset(rnd, roleIds, 0.25) });
  }
  w.ownerId = pickOf(rnd, [...w.members.keys()]);
  const nChannels = 3 + Math.floor(rnd() * 6);
  for (let i = 0; i < nChannels; i++) w.chans.set(`c${i}`, randomChannel(rnd, w, `c${i}`));
  return w;
};

const randomChannel = (rnd: () => number, w: World, id: string): Channel => {
  const overwrites: Overwrite[] = [];
  if (rnd() < 0.6) overwrites.push(randomOverwrite(rnd, GUILD, 0));
  for (const r of subset(rnd, [...w.roles.keys()].filter((r) => r !== GUILD), 0.3)) {
    overwrites.push(randomOverwrite(rnd, r, 0));
  }
  for (const u of subset(rnd, [...w.members.keys()], 0.02)) overwrites.push(randomOverwrite(rnd, u, 1));
  return { id, overwrites };
};

/** One random mutation of `w`, told to `pc` as the guild layer would; returns the updates. */
const mutate = (rnd: () => number, w: World, pc: PermissionClasses, next: { id: number }): PermissionUpdate[] => {
  const roleIds = () => [...w.roles.keys()].filter((id) => id !== GUILD);
  const kind = Math.floor(rnd() * 9);
  switch (kind) {
    case 0: {
      // Role permissions change (incl. @everyone).
      const r = pickOf(rnd, [...w.roles.values()]);
      const everyonePerms = rnd() < 0.5 ? VIEW_CHANNEL : 0n;
      w.roles.set(r.id, { ...r, permissions: r.id === GUILD ? everyonePerms : randomPerms(rnd) });
      return [pc.invalidateRoles()];
    }
    case 1: {
      // Overwrite added or replaced.
      const c = pickOf(rnd, [...w.chans.values()]);
      const member = rnd() < 0.4;
      const id = member ? pickOf(rnd, [...w.members.keys()]) : pickOf(rnd, [...w.roles.keys()]);
      const ow = randomOverwrite(rnd, id, member ? 1 : 0);
      w.chans.set(c.id, { id: c.id, overwrites: [...c.overwrites.filter((o) => o.id !== id), ow] });
      return [pc.invalidateChannel(c.id)];
    }
    case 2: {
      // Overwrite removed.
      const c = pickOf(rnd, [...w.chans.values()]);
      if (c.overwrites.length === 0) return [];
      const gone = pickOf(rnd, c.overwrites);
      w.chans.set(c.id, { id: c.id, overwrites: c.overwrites.filter((o) => o !== gone) });
      return [pc.invalidateChannel(c.id)];
    }
    case 3:
    case 4: {
      // Member role change.
      const m = pickOf(rnd, [...w.members.values()]);
      const changed = { userId: m.userId, roleIds: subset(rnd, roleIds(), 0.25) };
      w.members.set(m.userId, changed);
      return [pc.memberChanged(changed)];
    }
    case 5: {
      // Member leaves, or a new one joins.
      if (rnd() < 0.5 && w.members.size > 2) {
        const m = pickOf(rnd, [...w.members.keys()].filter((id) => id !== w.ownerId));
        w.members.delete(m);
        return [pc.untrack(m)];
      }
      const userId = `n${next.id++}`;
      const m = { userId, roleIds: subset(rnd, roleIds(), 0.25) };
      w.members.set(userId, m);
      return [pc.track(m)];
    }
    case 6: {
      // Owner transfer.
      w.ownerId = pickOf(rnd, [...w.members.keys()]);
      return [pc.invalidateRoles()];
    }
    case 7: {
      // Role deleted: members lose it (its overwrites stay, harmlessly).
      const ids = roleIds();
      if (ids.length === 0) return [];
      const gone = pickOf(rnd, ids);
      w.roles.delete(gone);
      const updates = [pc.invalidateRoles()];
      for (const m of [...w.members.values()]) {
        if (!m.roleIds.includes(gone)) continue;
        const changed = { userId: m.userId, roleIds: m.roleIds.filter((r) => r !== gone) };
        w.members.set(m.userId, changed);
        updates.push(pc.memberChanged(changed));
      }
      return updates;
    }
    default: {
      // Channel created or deleted.
      if (rnd() < 0.5 && w.chans.size > 1) {
        const c = pickOf(rnd, [...w.chans.keys()]);
        w.chans.delete(c);
        return [pc.invalidateChannel(c)];
      }
      const id = `c${next.id++}`;
      w.chans.set(id, randomChannel(rnd, w, id));
      return [pc.invalidateChannel(id)];
    }
  }
};

describe("PermissionClasses property", () => {
  test("classes agree with the direct algorithm through random mutations", () => {
    const started = performance.now();
    let checks = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = prng(seed);
      const w = buildWorld(rnd);
      const pc = new PermissionClasses(w);
      for (const m of w.members.values()) pc.track(m);
      const next = { id: 0 };
      // What each class was told per channel: "class:channel" -> visible.
      let told = new Map<string, boolean>();
      for (let step = 0; step <= 10; step++) {
        if (step > 0) {
          const before = new Map([...w.members.keys()].map((u) => [u, pc.classOf(u)]));
          const updates = mutate(rnd, w, pc, next);
          // A class continues if a member stayed in it; others' ids may now name a new class.
          const movers = new Set(updates.flatMap((u) => u.moved.map((m) => m.userId)));
          const continuing = new Set<number>();
          for (const [u, id] of before) {
            if (id !== undefined && !movers.has(u) && pc.classOf(u) === id) continuing.add(id);
          }
          for (const k of [...told.keys()]) {
            if (!continuing.has(Number(k.split(":")[0]))) told.delete(k);
          }
          // Apply the reported flips to what was told.
          for (const u of updates) {
            for (const v of u.visibility) {
              if (continuing.has(v.classId)) told.set(`${v.classId}:${v.channelId}`, v.canView);
            }
          }
        }
        const ctx = `seed ${seed} step ${step}`;
        const guild = w.guild();
        const fresh = new Map<string, boolean>();
        const classes = new Set<number>();
        for (const m of w.members.values()) {
          const id = pc.classOf(m.userId);
          if (id === undefined) throw new Error(`${ctx}: ${m.userId} untracked`);
          classes.add(id);
          for (const c of w.chans.values()) {
            const want = canView(guild, m, c);
            const got = pc.canView(id, c.id);
            if (got !== want) throw new Error(`${ctx}: ${m.userId} class ${id} ${c.id}: ${got} != ${want}`);
            const k = `${id}:${c.id}`;
            // A class never holds members with different answers.
            if (fresh.has(k) && fresh.get(k) !== want) throw new Error(`${ctx}: class ${id} split on ${c.id}`);
            fresh.set(k, want);
            // Every answer told before (and not since flipped) is still right.
            const before = told.get(k);
            if (before !== undefined && before !== want) {
              throw new Error(`${ctx}: class ${id} ${c.id} flip not reported`);
            }
            checks++;
          }
        }
        for (const c of w.chans.values()) {
          const want = [...classes].filter((id) => fresh.get(`${id}:${c.id}`)).sort((a, b) => a - b);
          expect(pc.viewersOf(c.id)).toEqual(want);
        }
        // Memory stays bounded: exactly the classes of tracked members are live.
        expect(pc.classCount).toBe(classes.size);
        // Told answers for classes that died may be reused by new classes with another key:
        // keep only the live classes' answers, which were all just confirmed.
        told = fresh;
      }
    }
    expect(checks).toBeGreaterThan(10_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

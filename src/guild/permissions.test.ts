import { describe, expect, test } from "bun:test";
import {
  ALL_PERMISSIONS,
  type Channel,
  type GuildPermissionState,
  type Overwrite,
  Permission,
  type Role,
  canView,
  channelPermissions,
  computeBasePermissions,
  computeOverwrites,
} from "./permissions.ts";

const { ADMINISTRATOR, VIEW_CHANNEL, SEND_MESSAGES, READ_MESSAGE_HISTORY, ADD_REACTIONS } =
  Permission;

const GUILD = "100";
const role = (id: string, permissions: bigint, position = 1): Role => ({
  id,
  permissions,
  position,
  hoist: false,
});
const guildOf = (roles: Role[], ownerId = "1"): GuildPermissionState => ({
  id: GUILD,
  ownerId,
  roles: new Map(roles.map((r) => [r.id, r])),
});
const roleOw = (id: string, allow: bigint, deny: bigint): Overwrite => ({ id, type: 0, allow, deny });
const memberOw = (id: string, allow: bigint, deny: bigint): Overwrite => ({ id, type: 1, allow, deny });
const channel = (...overwrites: Overwrite[]): Channel => ({ id: "500", overwrites });

const everyone = role(GUILD, VIEW_CHANNEL | SEND_MESSAGES, 0);
const guild = guildOf([
  everyone,
  role("10", READ_MESSAGE_HISTORY),
  role("11", ADD_REACTIONS),
  role("12", ADMINISTRATOR),
]);

describe("Permission", () => {
  test("flags match Discord's documented bits", () => {
    expect(Permission.ADMINISTRATOR).toBe(0x8n);
    expect(Permission.VIEW_CHANNEL).toBe(0x400n);
    expect(Permission.SEND_MESSAGES).toBe(0x800n);
    expect(Permission.READ_MESSAGE_HISTORY).toBe(0x10000n);
    expect(Permission.MODERATE_MEMBERS).toBe(0x10000000000n);
    expect(Permission.USE_EXTERNAL_SOUNDS).toBe(0x200000000000n);
    expect(Permission.SEND_POLLS).toBe(0x2000000000000n);
    expect(Permission.USE_EXTERNAL_APPS).toBe(0x4000000000000n);
    expect(Permission.PIN_MESSAGES).toBe(0x8000000000000n);
    expect(Permission.BYPASS_SLOWMODE).toBe(0x10000000000000n);
  });

  test("flags are distinct single bits and ALL is their union", () => {
    const values = Object.values(Permission);
    expect(new Set(values).size).toBe(values.length);
    for (const v of values) expect(v & (v - 1n)).toBe(0n);
    expect(values.length).toBe(51);
    expect(ALL_PERMISSIONS).toBe(values.reduce((a, b) => a | b, 0n));
    expect(ALL_PERMISSIONS & (1n << 47n)).toBe(0n);
  });
});

describe("computeBasePermissions", () => {
  test("the owner gets ALL, whatever the roles", () => {
    const g = guildOf([role(GUILD, 0n, 0)], "7");
    expect(computeBasePermissions({ userId: "7", roleIds: [] }, g)).toBe(ALL_PERMISSIONS);
  });

  test("@everyone OR the member's roles", () => {
    expect(computeBasePermissions({ userId: "2", roleIds: ["10", "11"] }, guild)).toBe(
      VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | ADD_REACTIONS,
    );
  });

  test("an ADMINISTRATOR role gives ALL", () => {
    expect(computeBasePermissions({ userId: "2", roleIds: ["12"] }, guild)).toBe(ALL_PERMISSIONS);
  });

  test("unknown role ids add nothing", () => {
    expect(computeBasePermissions({ userId: "2", roleIds: ["999"] }, guild)).toBe(
      VIEW_CHANNEL | SEND_MESSAGES,
    );
  });
});

describe("computeOverwrites / channelPermissions", () => {
  test("no overwrites: base permissions", () => {
    const m = { userId: "2", roleIds: ["10"] };
    expect(channelPermissions(guild, m, channel())).toBe(computeBasePermissions(m, guild));
  });

  test("ADMINISTRATOR ignores every overwrite", () => {
    const m = { userId: "2", roleIds: ["12"] };
    const c = channel(
      roleOw(GUILD, 0n, VIEW_CHANNEL),
      roleOw("12", 0n, VIEW_CHANNEL),
      memberOw("2", 0n, ALL_PERMISSIONS),
    );
    expect(channelPermissions(guild, m, c)).toBe(ALL_PERMISSIONS);
    expect(canView(guild, m, c)).toBe(true);
  });

  test("the owner ignores every overwrite", () => {
    const m = { userId: "1", roleIds: [] };
    const c = channel(roleOw(GUILD, 0n, VIEW_CHANNEL), memberOw("1", 0n, VIEW_CHANNEL));
    expect(canView(guild, m, c)).toBe(true);
  });

  test("@everyone deny hides; a role allow brings it back", () => {
    const c = channel(roleOw(GUILD, 0n, VIEW_CHANNEL), roleOw("10", VIEW_CHANNEL, 0n));
    expect(canView(guild, { userId: "2", roleIds: [] }, c)).toBe(false);
    expect(canView(guild, { userId: "2", roleIds: ["11"] }, c)).toBe(false);
    expect(canView(guild, { userId: "2", roleIds: ["10"] }, c)).toBe(true);
  });

  test("@everyone allow grants what the base lacks", () => {
    const g = guildOf([role(GUILD, 0n, 0)]);
    const c = channel(roleOw(GUILD, VIEW_CHANNEL, 0n));
    expect(canView(g, { userId: "2", roleIds: [] }, c)).toBe(true);
  });

  test("across roles, a role overwrite allow beats another role's deny", () => {
    const c = channel(roleOw("10", 0n, VIEW_CHANNEL), roleOw("11", VIEW_CHANNEL, 0n));
    expect(canView(guild, { userId: "2", roleIds: ["10"] }, c)).toBe(false);
    expect(canView(guild, { userId: "2", roleIds: ["10", "11"] }, c)).toBe(true);
    expect(canView(guild, { userId: "2", roleIds: ["11", "10"] }, c)).toBe(true);
  });

  test("a member overwrite beats role overwrites, both ways", () => {
    const deny = channel(roleOw("10", VIEW_CHANNEL, 0n), memberOw("2", 0n, VIEW_CHANNEL));
    expect(canView(guild, { userId: "2", roleIds: ["10"] }, deny)).toBe(false);
    expect(canView(guild, { userId: "3", roleIds: ["10"] }, deny)).toBe(true);
    const allow = channel(
      roleOw(GUILD, 0n, VIEW_CHANNEL),
      roleOw("10", 0n, VIEW_CHANNEL),
      memberOw("2", VIEW_CHANNEL, 0n),
    );
    expect(canView(guild, { userId: "2", roleIds: ["10"] }, allow)).toBe(true);
    expect(canView(guild, { userId: "3", roleIds: ["10"] }, allow)).toBe(false);
  });

  test("within one overwrite, allow wins over deny of the same bit", () => {
    const c = channel(roleOw(GUILD, VIEW_CHANNEL, VIEW_CHANNEL));
    expect(canView(guild, { userId: "2", roleIds: [] }, c)).toBe(true);
  });

  test("a role overwrite for a role the member lacks does nothing", () => {
    const c = channel(roleOw("11", 0n, VIEW_CHANNEL | SEND_MESSAGES));
    expect(channelPermissions(guild, { userId: "2", roleIds: ["10"] }, c)).toBe(
      VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY,
    );
  });

  test("a member overwrite is matched by user id and type, not a role of that id", () => {
    // A role overwrite whose id equals the user's id is not the member's overwrite.
    const c = channel(roleOw("2", 0n, VIEW_CHANNEL));
    expect(canView(guild, { userId: "2", roleIds: [] }, c)).toBe(true);
  });

  test("listing @everyone among the member's roles changes nothing", () => {
    const c = channel(roleOw(GUILD, 0n, VIEW_CHANNEL), roleOw("10", VIEW_CHANNEL, 0n));
    expect(canView(guild, { userId: "2", roleIds: [GUILD] }, c)).toBe(false);
  });

  test("steps apply in Discord's order, bit by bit", () => {
    // base: VIEW | SEND | HISTORY; @everyone denies SEND, allows REACTIONS;
    // roles deny HISTORY; member allows SEND again.
    const c = channel(
      roleOw(GUILD, ADD_REACTIONS, SEND_MESSAGES),
      roleOw("10", 0n, READ_MESSAGE_HISTORY),
      memberOw("2", SEND_MESSAGES, 0n),
    );
    const m = { userId: "2", roleIds: ["10"] };
    const base = computeBasePermissions(m, guild);
    expect(base).toBe(VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY);
    expect(computeOverwrites(base, m, c, guild)).toBe(VIEW_CHANNEL | SEND_MESSAGES | ADD_REACTIONS);
  });
});

import { describe, expect, test } from "bun:test";
import type { CommandPermission, StoredCommandPermissions } from "../store/command-records.ts";
import { mayUseCommand, type CommandUse } from "./command-access.ts";
import { Permission } from "./permissions.ts";

const GUILD = "1000";
const ALL_CHANNELS = "999";
const APP = "50";
const COMMAND = "60";
const CHANNEL = "70";
const THREAD = "71";
const USER = "80";
const ROLE_A = "90";
const ROLE_B = "91";

const use = (over: Partial<CommandUse> = {}): CommandUse => ({
  guildId: GUILD,
  applicationId: APP,
  commandId: COMMAND,
  defaultMemberPermissions: null,
  channelId: CHANNEL,
  parentId: null,
  userId: USER,
  roleIds: [ROLE_A, ROLE_B],
  permissions: Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES,
  ...over,
});
const on = (targetId: string, ...permissions: CommandPermission[]): StoredCommandPermissions => ({ applicationId: APP, guildId: GUILD, targetId, permissions });
const role = (id: string, permission: boolean): CommandPermission => ({ id, type: 1, permission });
const user = (id: string, permission: boolean): CommandPermission => ({ id, type: 2, permission });
const channel = (id: string, permission: boolean): CommandPermission => ({ id, type: 3, permission });

describe("mayUseCommand", () => {
  test("with no entries and no default_member_permissions, anyone may", () => {
    expect(mayUseCommand(use(), [])).toBe(true);
  });

  test("default_member_permissions: every bit needed; \"0\" only for admins; ADMINISTRATOR and entries aside, always", () => {
    const manageGuild = Permission.MANAGE_GUILD.toString();
    expect(mayUseCommand(use({ defaultMemberPermissions: manageGuild }), [])).toBe(false);
    expect(mayUseCommand(use({ defaultMemberPermissions: manageGuild, permissions: Permission.MANAGE_GUILD }), [])).toBe(true);
    expect(mayUseCommand(use({ defaultMemberPermissions: (Permission.MANAGE_GUILD | Permission.BAN_MEMBERS).toString(), permissions: Permission.MANAGE_GUILD }), [])).toBe(false);
    expect(mayUseCommand(use({ defaultMemberPermissions: "0", permissions: Permission.MANAGE_GUILD }), [])).toBe(false);
    expect(mayUseCommand(use({ defaultMemberPermissions: "0", permissions: Permission.ADMINISTRATOR }), [])).toBe(true);
  });

  test("ADMINISTRATOR may use every command, whatever the entries say", () => {
    const denyAll = [on(COMMAND, user(USER, false), channel(CHANNEL, false)), on(APP, role(GUILD, false))];
    expect(mayUseCommand(use({ permissions: Permission.ADMINISTRATOR }), denyAll)).toBe(true);
    expect(mayUseCommand(use(), denyAll)).toBe(false);
  });

  test("channels: the command's entry for the channel, else its all-channels entry, else the app's; a thread goes by its parent", () => {
    expect(mayUseCommand(use(), [on(COMMAND, channel(CHANNEL, false))])).toBe(false);
    expect(mayUseCommand(use(), [on(COMMAND, channel(ALL_CHANNELS, false))])).toBe(false);
    expect(mayUseCommand(use(), [on(COMMAND, channel(ALL_CHANNELS, false), channel(CHANNEL, true))])).toBe(true);
    expect(mayUseCommand(use(), [on(APP, channel(CHANNEL, false))])).toBe(false);
    expect(mayUseCommand(use(), [on(APP, channel(CHANNEL, false)), on(COMMAND, channel(CHANNEL, true))])).toBe(true);
    expect(mayUseCommand(use({ channelId: THREAD, parentId: CHANNEL }), [on(COMMAND, channel(CHANNEL, false))])).toBe(false);
    // An allowed channel does not let past a member denial.
    expect(mayUseCommand(use(), [on(COMMAND, channel(CHANNEL, true), user(USER, false))])).toBe(false);
  });

  test("members: the user's entry, else one allowed role, else one denied role, else @everyone", () => {
    expect(mayUseCommand(use(), [on(COMMAND, role(GUILD, false), user(USER, true))])).toBe(true);
    expect(mayUseCommand(use(), [on(COMMAND, role(ROLE_A, true), user(USER, false))])).toBe(false);
    expect(mayUseCommand(use(), [on(COMMAND, role(ROLE_A, false), role(ROLE_B, true))])).toBe(true);
    expect(mayUseCommand(use(), [on(COMMAND, role(ROLE_A, false), role(GUILD, true))])).toBe(false);
    expect(mayUseCommand(use(), [on(COMMAND, role(GUILD, false))])).toBe(false);
    expect(mayUseCommand(use({ roleIds: [] }), [on(COMMAND, role(ROLE_A, true))])).toBe(true);
    expect(mayUseCommand(use({ roleIds: [], defaultMemberPermissions: "0" }), [on(COMMAND, role(ROLE_A, true))])).toBe(false);
  });

  test("a command-level answer overrides the app-level one and default_member_permissions; the app-level one is a base", () => {
    const needsManageGuild = use({ defaultMemberPermissions: Permission.MANAGE_GUILD.toString() });
    expect(mayUseCommand(needsManageGuild, [on(COMMAND, user(USER, true))])).toBe(true);
    expect(mayUseCommand(use(), [on(APP, user(USER, false)), on(COMMAND, role(ROLE_A, true))])).toBe(true);
    expect(mayUseCommand(use(), [on(APP, role(GUILD, false))])).toBe(false);
    // Allowed by the app, the member still needs the command's default permissions.
    expect(mayUseCommand(needsManageGuild, [on(APP, user(USER, true))])).toBe(false);
    expect(mayUseCommand(use(), [on(APP, user(USER, true))])).toBe(true);
    // Another command's entries say nothing about this one.
    expect(mayUseCommand(use(), [on("61", user(USER, false))])).toBe(true);
  });
});

/**
 * GUILD_CREATE for a session joining a guild: the guild, its roles, the channels the
 * member's class can view, and members and presences as Discord limits them (a guild over
 * the session's `large_threshold` is "large": only the session's own member, no presences;
 * presences need GUILD_PRESENCES; voice states, in the channels the member can view, need
 * GUILD_VOICE_STATES; the active threads it may see). A storm of identifies into one guild must not rebuild
 * it per session, so the parts are serialised once per state version (channels once per
 * class) and joined as strings.
 */
import { Intent } from "../protocol/opcodes.ts";
import { channelJson, guildJson, memberJson } from "./guild-json.ts";
import type { OwnedGuild } from "./owned-guild.ts";
import { presenceJson } from "./presence.ts";
import { voiceStateJson } from "./voice-states.ts";
import { discordTimestamp } from "../protocol/timestamp.ts";
import { threadJson, threadMemberJson } from "./thread-json.ts";
import { visibleThreads } from "./thread-views.ts";

/** Discord's default `large_threshold`. */
export const DEFAULT_LARGE_THRESHOLD = 50;

export class GuildCreateCache {
  readonly #guild: OwnedGuild;
  #version = -1;
  #head = "";
  /** Every member as JSON, built only when a GUILD_CREATE that is not "large" needs it. */
  #members: string | null = null;
  /** Channel lists by class serial (class ids are reused, serials are not). */
  readonly #channels = new Map<number, string>();
  #presencesVersion = -1;
  #presences = "";

  constructor(guild: OwnedGuild) {
    this.#guild = guild;
  }

  /** GUILD_CREATE's `d` for `userId` (a connected member) as JSON. */
  build(userId: string, intents: number, largeThreshold: number): string {
    const { state } = this.#guild;
    this.#refresh();
    const member = state.member(userId);
    const user = state.user(userId);
    if (!member || !user) throw new Error(`guild ${state.id}: ${userId} is not a member`);
    const classId = this.#guild.classes.classOf(userId) as number;
    const large = state.memberCount > largeThreshold;
    const members = large ? JSON.stringify([memberJson(member, user)]) : this.#memberList();
    const presences = !large && (intents & Intent.GUILD_PRESENCES) !== 0 ? this.#presenceList() : "[]";
    return (
      `{"joined_at":${JSON.stringify(discordTimestamp(member.joinedAt))},"large":${large},` +
      `"unavailable":false,"member_count":${state.memberCount},"lazy":true,` +
      `"channels":${this.#channelList(classId)},"members":${members},"presences":${presences},` +
      `"threads":${this.#threadList(userId, classId)},"voice_states":${this.#voiceStateList(classId, intents)},"stage_instances":[],"guild_scheduled_events":[],"soundboard_sounds":[],` +
      this.#head.slice(1)
    );
  }

  #refresh(): void {
    const { state } = this.#guild;
    if (this.#version === state.version) return;
    this.#version = state.version;
    this.#head = JSON.stringify(guildJson(state.record, state.roles()));
    this.#members = null;
    this.#channels.clear();
  }

  #memberList(): string {
    if (this.#members === null) {
      const { state } = this.#guild;
      const members: Record<string, unknown>[] = [];
      for (const member of state.members()) {
        const user = state.user(member.userId);
        if (user) members.push(memberJson(member, user));
      }
      this.#members = JSON.stringify(members);
    }
    return this.#members;
  }

  #channelList(classId: number): string {
    const { state, classes } = this.#guild;
    const serial = classes.serialOf(classId);
    let list = this.#channels.get(serial);
    if (list === undefined) {
      const visible = [...state.allChannels()].filter((channel) => classes.canView(classId, channel.id));
      list = JSON.stringify(visible.map(channelJson));
      // Serials of classes gone since the last state change pile up; cap them.
      if (this.#channels.size >= 1024) this.#channels.clear();
      this.#channels.set(serial, list);
    }
    return list;
  }

  /**
   * The active threads the member may see (docs: topics/threads "Gateway Events"): public ones in
   * channels its class views, private ones it is in or may manage; each it joined with its
   * thread member object. Built per join: it depends on the member, and a guild has few active threads.
   */
  #threadList(userId: string, classId: number): string {
    const visible = visibleThreads(this.#guild, classId, userId);
    return JSON.stringify(visible.map(({ thread, members, mine }) => ({ ...threadJson(thread, members), ...(mine && { member: threadMemberJson(mine, true) }) })));
  }

  /** The voice states in channels the class can view, with GUILD_VOICE_STATES (few: built per join). */
  #voiceStateList(classId: number, intents: number): string {
    if ((intents & Intent.GUILD_VOICE_STATES) === 0) return "[]";
    const { voiceStates, classes } = this.#guild;
    const visible = [...voiceStates.values()].filter((state) => classes.canView(classId, state.channelId));
    return JSON.stringify(visible.map((state) => voiceStateJson(state.userId, state)));
  }

  #presenceList(): string {
    const { presences } = this.#guild;
    if (this.#presencesVersion !== presences.version) {
      this.#presencesVersion = presences.version;
      const list: Record<string, unknown>[] = [];
      for (const [userId, presence] of presences.entries()) {
        if (presence.status !== "offline") list.push(presenceJson(userId, presence));
      }
      this.#presences = JSON.stringify(list);
    }
    return this.#presences;
  }
}

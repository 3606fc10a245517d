/**
 * Members' voice states (docs: resources/voice, "Voice State Object"), kept in memory on the
 * guild's owner, as presences are: what each member's op 4 asked for. There is no voice
 * server here, so joining a channel moves no audio, VOICE_SERVER_UPDATE is never sent, and
 * server-side mute, deafen and suppress stay false. A state goes with the member's last
 * session in the guild.
 */
import type { Member, User } from "../store/guild-store.ts";
import { memberJson } from "./guild-json.ts";

/** The voice and stage channel types a member may join (Discord's GUILD_VOICE and GUILD_STAGE_VOICE). */
export const VOICE_CHANNEL_TYPES: ReadonlySet<number> = new Set([2, 13]);

/** One member's voice state: in a channel, by one session. */
export interface VoiceState {
  readonly userId: string;
  readonly channelId: string;
  /** The gateway session that joined (Discord's `session_id`). */
  readonly sessionId: string;
  readonly selfMute: boolean;
  readonly selfDeaf: boolean;
}

/** What a member's op 4 asks for: a channel (null: leave voice) and its own mute and deafen. */
export interface VoiceRequest {
  readonly sessionId: string;
  readonly channelId: string | null;
  readonly selfMute: boolean;
  readonly selfDeaf: boolean;
}

/** The voice states of a guild's members, by user id. */
export class VoiceStates {
  readonly #byUser = new Map<string, VoiceState>();

  get(userId: string): VoiceState | undefined {
    return this.#byUser.get(userId);
  }

  /** Sets the member's state (a request with a channel) or removes it (null); false if nothing changed. */
  apply(userId: string, request: VoiceRequest): boolean {
    const before = this.#byUser.get(userId);
    if (request.channelId === null) return this.#byUser.delete(userId);
    const { sessionId, channelId, selfMute, selfDeaf } = request;
    if (before && before.sessionId === sessionId && before.channelId === channelId && before.selfMute === selfMute && before.selfDeaf === selfDeaf) return false;
    this.#byUser.set(userId, { userId, channelId, sessionId, selfMute, selfDeaf });
    return true;
  }

  /** Removes the member's state; the state it had, if any. */
  remove(userId: string): VoiceState | undefined {
    const before = this.#byUser.get(userId);
    this.#byUser.delete(userId);
    return before;
  }

  values(): IterableIterator<VoiceState> {
    return this.#byUser.values();
  }
}

/**
 * A voice state object: VOICE_STATE_UPDATE's `d` (with `guildId` and the member), or an item of
 * GUILD_CREATE's `voice_states` (neither: "lacks the guild_id key"). A left state has
 * `channel_id` null.
 */
export function voiceStateJson(
  userId: string,
  state: Omit<VoiceState, "userId" | "channelId"> & { readonly channelId: string | null },
  event?: { readonly guildId: string; readonly member: Member; readonly user: User },
): Record<string, unknown> {
  return {
    ...(event && { guild_id: event.guildId }),
    channel_id: state.channelId,
    user_id: userId,
    ...(event && { member: memberJson(event.member, event.user) }),
    session_id: state.sessionId,
    deaf: false,
    mute: false,
    self_deaf: state.selfDeaf,
    self_mute: state.selfMute,
    self_stream: false,
    self_video: false,
    suppress: false,
    request_to_speak_timestamp: null,
  };
}

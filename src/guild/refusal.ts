/**
 * Why a guild's owner refused an operation, as a closed set: the request named something the
 * guild does not have, named it wrongly, or the member may not do it. Owner operations throw
 * a `Refusal`; it crosses the bus intact (cluster/owner-api.ts), and api/http.ts turns it into
 * Discord's HTTP status and JSON code, in one place.
 */
export type RefusalReason =
  | "unknown-guild"
  | "unknown-role"
  | "unknown-channel"
  | "unknown-member"
  | "unknown-user"
  | "invalid-field"
  | "conflict"
  | "missing-access"
  | "missing-permissions"
  | "unknown-message"
  | "unknown-emoji"
  | "non-text-channel"
  | "others-message"
  | "system-message"
  | "empty-message"
  | "bulk-delete-too-old"
  | "max-pins"
  | "max-reactions"
  /** A DM the sender may not send: the other user is a bot as well, shares no guild with it, or is gone. */
  | "cannot-message-user"
  /** What a DM channel does not allow (deleting the other user's message). */
  | "dm-channel"
  /** An interaction its owner does not hold (never made, expired, or its guild changed owner). */
  | "unknown-interaction"
  /** A second initial response to an interaction. */
  | "interaction-acknowledged"
  /** An interaction's webhook that does not take the request (no initial response yet, or the interaction is gone). */
  | "unknown-webhook"
  | "unknown-application"
  | "unknown-command"
  /** A group DM full: 10 recipients (30004). */
  | "max-recipients"
  /** A group DM recipient that cannot be one: a bot, or one who shares no guild with the adder (50033). */
  | "invalid-recipients"
  /** What the channel's type does not allow (a thread in a voice channel, a thread of a thread). */
  | "invalid-channel-type"
  /** What only an active thread allows (joining, editing, sending in a locked one). */
  | "archived-thread"
  /** A second thread from one message. */
  | "thread-exists";

export class Refusal extends Error {
  override name = "Refusal";

  constructor(
    readonly reason: RefusalReason,
    message: string,
    /** The body field at fault, for `invalid-field` (e.g. "roles[2]"). */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** `invalid-field`: the field and what is wrong with it. */
export const badField = (field: string, problem: string): Refusal => new Refusal("invalid-field", `${field} ${problem}`, field);

/**
 * Interactions on their guild's owner, or their DM channel's (docs: interactions/receiving-and-
 * responding): the owner checks an invocation against the guild (or DM) as it is now, in its
 * turn (interaction-places.ts), and sends INTERACTION_CREATE to the application's bot sessions
 * there (nobody else). It holds what each interaction has become (acknowledged or not, its
 * original response, its follow-ups, its ephemeral messages) and runs the callback and the
 * webhook's requests on it in that same turn, so a second initial response is refused wherever
 * the two requests landed. Messages a response makes are the place's messages, authored by the
 * app's bot user, with the interaction's metadata (interaction-json.ts); ephemeral ones (flag
 * 64) are never stored: they go to the invoker's sessions alone and live here with their
 * interaction.
 *
 * An autocomplete (type 4) makes no message and has no webhook: its one answer, the choices
 * (callback 8, within 3 s), goes to the invoker's sessions there as
 * APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE `{choices, nonce}`, as Discord's client receives it
 * (its nonce the one its request carried). One comes with each keystroke, so autocompletes are
 * held apart, for their 3 s only.
 *
 * An interaction is held 15 minutes from its creation (its token's lifetime), then dropped;
 * the table is swept as interactions come, so it never outgrows 15 minutes of them. What each
 * has become is also a record in the store (store/interaction-records.ts), written when it
 * starts and with every change, in the same fenced batch as the messages the change makes: so
 * when its guild changes owner (a node or worker joins or leaves), the new owner reads the
 * record, in the guild's turn, the first time the app names the interaction there, and goes on
 * from what the last owner wrote; an owner that lost the guild can write nothing more. The
 * table here is the fast path, trusted only under the hold on the place it was filled under
 * (`InteractionPlace.tenure`). Autocompletes are memory only: one per keystroke, answered
 * within 3 s, they are not worth a write each; one whose guild moves in those 3 s is unknown.
 */
import type { GuildStore, GuildWrite } from "../store/guild-store.ts";
import type { StoredMessage } from "../store/message-records.ts";
import { interactionExpired, type StoredInteraction } from "../store/interaction-records.ts";
import { snowflakeTime } from "../protocol/timestamp.ts";
import type { MaybePromise } from "./guild-queue.ts";
import { inDm, InteractionType, type InteractionFacts, type ResolveIds } from "./interaction-json.ts";
import { messageData, messageJson } from "./message-json.ts";
import { editedMessage, editWrites, MessageType, newMessage, sentWrites, type MessageEdit, type MessageRequest, type MessageScope } from "./message-rules.ts";
import { badField, Refusal } from "./refusal.ts";

type Json = Record<string, unknown>;

export { INTERACTION_LIFETIME_MS } from "../store/interaction-records.ts";
/** How long after its creation an interaction may get its initial response. */
export const INITIAL_RESPONSE_MS = 3_000;

export const MessageFlag = { EPHEMERAL: 1 << 6, LOADING: 1 << 7 } as const;

/** An invocation, as api/ read it (its command, options and component checked against what it names there). */
export interface InteractionStart {
  readonly facts: InteractionFacts;
  readonly token: string;
  /** `data` as the app gets it, without `resolved`. */
  readonly data: Json;
  readonly resolve: ResolveIds;
  readonly locale: string;
  /** A component's type, to match the message's component of that `custom_id`. */
  readonly componentType?: number;
  /** An autocomplete's focused option type (STRING 3, INTEGER 4, NUMBER 10): the type of its choices' values. */
  readonly focusedType?: number;
  /** The `nonce` the invoker's client sent, which the client matches the answer to. */
  readonly nonce?: string;
}

/** A choice, of a command's option or an autocomplete's answer (docs: "Application Command Option Choice Structure"), as api/ read it. */
export interface OptionChoice {
  readonly name: string;
  readonly name_localizations?: Readonly<Record<string, unknown>> | null;
  readonly value: string | number;
}

/** An initial response, as api/ read it (docs: "Interaction Callback Type"). */
export type InteractionResponse =
  | { readonly type: 1 | 6 }
  | { readonly type: 4; readonly message: MessageRequest }
  | { readonly type: 5; readonly messageId: string; readonly ephemeral: boolean }
  | { readonly type: 7; readonly edit: MessageEdit }
  | { readonly type: 8; readonly choices: readonly OptionChoice[] }
  | { readonly type: 9; readonly customId: string };

/** What an interaction's token names (api/interaction-tokens.ts); its unit (guild or DM channel) is the operation's first argument. */
export interface InteractionKey {
  readonly id: string;
  readonly applicationId: string;
  readonly channelId: string;
}

/**
 * Where an interaction happens, in its owner's turn: a guild or a DM channel with the app's
 * bot (interaction-places.ts): what the interaction's operations read and do there.
 */
export interface InteractionPlace {
  /**
   * This owner's present hold on the place: the same value while nobody else may have written
   * it since, another once it may have (its guild reloaded, its DM channel's ring moved).
   */
  readonly tenure: unknown;
  /** Users (and a guild's members and roles) as a send reads them. */
  readonly scope: MessageScope;
  /** What `userId` may do in the channel. */
  permissions(channelId: string, userId: string): bigint;
  /** Refuses an invocation the place does not allow: the invoker's access, the app's bot's presence. */
  checkStart(facts: InteractionFacts): void;
  /** INTERACTION_CREATE's `d`: `data` with what `ids` and `targets` resolve to; `message` a click's. */
  createJson(facts: InteractionFacts, token: string, data: Json, ids: ResolveIds, targets: readonly StoredMessage[], message: StoredMessage | undefined, locale: string): Json;
  /** The `interaction_metadata` and `interaction` of a message the interaction makes. */
  fieldsJson(facts: InteractionFacts, originalResponseId: string | undefined): Json;
  /** A message as MESSAGE_CREATE and MESSAGE_UPDATE carry it here. */
  eventJson(message: StoredMessage): Json;
  /** Writes `writes` (fenced as the place's writes are); once committed, runs `apply`. */
  commit<T>(writes: readonly GuildWrite[], apply: () => T): Promise<T>;
  /** An event about the channel's messages, to those who see them. */
  messageEvent(t: string, channelId: string, d: Json): void;
  /** An event for one user's sessions: in a guild those on its shard, in a DM those on shard 0. */
  toUser(userId: string, t: string, d: Json): void;
}

/** An interaction while it lives here: its facts, its record (what it has become, as the store keeps it), and the hold on its place it was read or written under. */
interface Live {
  readonly facts: InteractionFacts;
  record: StoredInteraction;
  /** `InteractionPlace.tenure` when the record was read or written here: under another, the store may hold a later one. */
  readonly tenure: unknown;
}

/** A change an operation makes: the writes it takes, the interaction's next record, and what to do once they are committed. */
interface Change<T> {
  readonly writes: readonly GuildWrite[];
  readonly next: StoredInteraction;
  readonly apply: () => T;
}

/** An autocomplete while it may be answered (3 s): whom the choices go to, and of which type their values are. */
interface Completion {
  readonly facts: InteractionFacts;
  readonly focusedType: number;
  readonly nonce: string | undefined;
  answered: boolean;
}

/** `@original` or a message id: which of an interaction's messages a webhook route names. */
export type ResponseMessage = "@original" | string;

export interface InteractionsOptions {
  /**
   * Runs an operation in the turn of the interaction's place: its guild (`unitId`), or its DM
   * channel (`unitId` is `channelId`), `actorId` acting there.
   */
  readonly inPlace: <T>(unitId: string, channelId: string, actorId: string, operation: (place: InteractionPlace) => MaybePromise<T>) => MaybePromise<T>;
  readonly store: Pick<GuildStore, "getMessage" | "getInteraction" | "findShownModal">;
}

export class GuildInteractions {
  readonly #options: InteractionsOptions;
  /** Live interactions by id, in the order they came here (swept from the front). */
  readonly #live = new Map<string, Live>();
  /** The live interaction holding each ephemeral message, by the message's id. */
  readonly #holders = new Map<string, Live>();
  /** The live interaction that showed each modal, by `modalKey`. */
  readonly #modals = new Map<string, Live>();
  /** Autocompletes by id, in creation order, held 3 s (swept from the front). */
  readonly #completions = new Map<string, Completion>();

  constructor(options: InteractionsOptions) {
    this.#options = options;
  }

  /** A user invokes a command, asks for autocomplete choices, clicks a component or submits a modal: INTERACTION_CREATE to the app's bot sessions there. */
  startInteraction(unitId: string, start: InteractionStart, now: number): MaybePromise<void> {
    const { facts } = start;
    return this.#options.inPlace(unitId, facts.channelId, facts.userId, (place) => {
      place.checkStart(facts);
      if (facts.type !== InteractionType.MODAL_SUBMIT) return this.#start(place, unitId, start, now);
      return then(this.#modalShown(place, unitId, facts, now), (shown) => {
        if (!shown) throw badField("data.custom_id", "names no modal this application showed this user");
        return this.#start(place, unitId, start, now);
      });
    });
  }

  /** An invocation the place allows: its messages read, its record stored, INTERACTION_CREATE sent. */
  #start(place: InteractionPlace, unitId: string, start: InteractionStart, now: number): MaybePromise<void> {
    const { facts } = start;
    const clicked = facts.type === InteractionType.MESSAGE_COMPONENT && facts.messageId !== undefined ? [facts.messageId] : [];
    const send = (messages: readonly StoredMessage[]): MaybePromise<void> => {
      const component = clicked.length > 0 ? checkComponent(messages[0], start) : undefined;
      const json = place.createJson(facts, start.token, start.data, start.resolve, messages.slice(clicked.length), component, start.locale);
      this.#sweep(now);
      // api/ reads the focused option of every autocomplete; STRING is only a fallback.
      if (facts.type === InteractionType.AUTOCOMPLETE) {
        this.#completions.set(facts.id, { facts, focusedType: start.focusedType ?? 3, nonce: start.nonce, answered: false });
        return place.toUser(facts.applicationId, "INTERACTION_CREATE", json);
      }
      // Stored before the app hears of it: whoever owns the place when the app answers knows
      // it is not yet acknowledged (Discord takes its initial response then), not unknown.
      const record = startRecord(unitId, facts);
      return place.commit([{ k: "interaction", interaction: record, now }], () => {
        this.#hold({ facts, record, tenure: place.tenure });
        place.toUser(facts.applicationId, "INTERACTION_CREATE", json);
      });
    };
    const messageIds = [...clicked, ...start.resolve.messages];
    if (messageIds.length === 0) return send([]);
    return Promise.all(messageIds.map((id) => this.#message(place, facts.channelId, id))).then(send);
  }

  /** The initial response (`POST /interactions/:id/:token/callback`): the interaction callback response object. */
  respond(unitId: string, key: InteractionKey, response: InteractionResponse, now: number): MaybePromise<Json> {
    return this.#in(unitId, key, (place) => {
      this.#sweep(now);
      const completion = this.#completions.get(key.id);
      if (completion?.facts.applicationId === key.applicationId) return complete(place, completion, response);
      return then(this.#held(place, unitId, key, now, "unknown-interaction"), (live) => {
        const { facts, record } = live;
        if (record.acknowledged) throw new Refusal("interaction-acknowledged", "Interaction has already been acknowledged.");
        checkResponseType(facts, response.type);
        // An autocomplete is answered apart (complete); nothing else takes its choices.
        if (response.type === 8) throw badField("type", "APPLICATION_COMMAND_AUTOCOMPLETE_RESULT only answers an autocomplete");
        const acknowledged: StoredInteraction = { ...record, acknowledged: true };
        const answered = (message?: StoredMessage): Json => callbackJson(facts, response.type, message);
        const save = (next: StoredInteraction): Promise<Json> => this.#save(place, live, { writes: [], next, apply: () => answered() }, now);
        switch (response.type) {
          case 1:
            return save(acknowledged);
          case 6:
            return save({ ...acknowledged, originalId: facts.messageId ?? null });
          case 9:
            return save({ ...acknowledged, modal: response.customId });
          case 4:
          case 5: {
            const request = response.type === 4 ? response.message : loadingMessage(response.messageId, response.ephemeral);
            const posted = this.#post(place, live, acknowledged, request, undefined);
            const next = { ...posted.next, originalId: posted.message.id };
            return this.#save(place, live, { ...posted, next, apply: () => answered(posted.apply()) }, now);
          }
          case 7: {
            const original = { ...acknowledged, originalId: facts.messageId ?? null };
            return then(this.#edit(place, live, original, "@original", response.edit, now), (edited) => this.#save(place, live, { ...edited, apply: () => answered(edited.apply()) }, now));
          }
        }
      });
    });
  }

  /** A follow-up message (`POST /webhooks/:app/:token`), once the interaction was answered. */
  followUp(unitId: string, key: InteractionKey, request: MessageRequest, now: number): MaybePromise<Json> {
    return this.#in(unitId, key, (place) =>
      then(this.#answered(place, unitId, key, now), (live) => {
        const posted = this.#post(place, live, live.record, request, live.record.originalId ?? undefined);
        const next = { ...posted.next, followUpIds: [...posted.next.followUpIds, posted.message.id] };
        return this.#save(place, live, { ...posted, next, apply: () => messageJson(posted.apply()) }, now);
      }),
    );
  }

  /** `GET /webhooks/:app/:token/messages/:id` (or `@original`). */
  readResponse(unitId: string, key: InteractionKey, which: ResponseMessage, now: number): MaybePromise<Json> {
    return this.#in(unitId, key, (place) =>
      then(this.#answered(place, unitId, key, now), (live) => then(this.#messageOf(place, live.facts, live.record, which), (message) => messageJson(message))),
    );
  }

  /** `PATCH /webhooks/:app/:token/messages/:id` (or `@original`): MESSAGE_UPDATE. */
  editResponse(unitId: string, key: InteractionKey, which: ResponseMessage, edit: MessageEdit, now: number): MaybePromise<Json> {
    return this.#in(unitId, key, (place) =>
      then(this.#answered(place, unitId, key, now), (live) =>
        then(this.#edit(place, live, live.record, which, edit, now), (edited) => this.#save(place, live, { ...edited, apply: () => messageJson(edited.apply()) }, now)),
      ),
    );
  }

  /** `DELETE /webhooks/:app/:token/messages/:id` (or `@original`): MESSAGE_DELETE. */
  deleteResponse(unitId: string, key: InteractionKey, which: ResponseMessage, now: number): MaybePromise<void> {
    return this.#in(unitId, key, (place) =>
      then(this.#answered(place, unitId, key, now), (live) =>
        then(this.#messageOf(place, live.facts, live.record, which), (message) => {
          const { channelId, guildId } = live.facts;
          const d = { id: message.id, channel_id: channelId, ...(!inDm(live.facts) && { guild_id: guildId }) };
          const holder = this.#holderOf(place, message.id);
          if (holder) {
            const told = () => place.toUser(holder.facts.userId, "MESSAGE_DELETE", d);
            return this.#save(place, live, this.#ephemeralChange(live, live.record, holder, (kept) => kept.filter((held) => held.id !== message.id), told, now), now).then(() => {
              this.#holders.delete(message.id);
            });
          }
          const writes: GuildWrite[] = [{ k: "delete-messages", channelId, messageIds: [message.id] }];
          return place.commit(writes, () => place.messageEvent("MESSAGE_DELETE", channelId, d));
        }),
      ),
    );
  }

  /** A message a response or follow-up makes: stored and sent to the channel, or (EPHEMERAL) kept with the interaction (`next`) and sent to the invoker. */
  #post(place: InteractionPlace, live: Live, next: StoredInteraction, request: MessageRequest, originalResponseId: string | undefined): Change<StoredMessage> & { readonly message: StoredMessage } {
    const { facts } = live;
    const base = newMessage(place.scope, facts.channelId, facts.applicationId, place.permissions(facts.channelId, facts.applicationId), request, undefined);
    const reply = facts.command === undefined && facts.messageId !== undefined;
    const reference = { type: 0, message_id: facts.messageId, channel_id: facts.channelId, ...(!inDm(facts) && { guild_id: facts.guildId }) };
    const data = { ...messageData(base), ...place.fieldsJson(facts, originalResponseId), ...(reply && { message_reference: reference }) };
    // A context menu command's answer is CONTEXT_MENU_COMMAND; a slash command's and a modal submission's, CHAT_INPUT_COMMAND.
    const contextMenu = facts.command !== undefined && facts.command.type !== 1;
    const type = reply ? MessageType.REPLY : contextMenu ? MessageType.CONTEXT_MENU_COMMAND : MessageType.CHAT_INPUT_COMMAND;
    const message: StoredMessage = { ...base, type, data: JSON.stringify(data) };
    if ((message.flags & MessageFlag.EPHEMERAL) !== 0) {
      const apply = () => (place.toUser(facts.userId, "MESSAGE_CREATE", place.eventJson(message)), message);
      return { message, writes: [], next: { ...next, ephemeral: [...next.ephemeral, message] }, apply };
    }
    const apply = () => (place.messageEvent("MESSAGE_CREATE", facts.channelId, place.eventJson(message)), message);
    return { message, writes: sentWrites(message, request.attachments), next, apply };
  }

  /** Edits one of the interaction's messages (by `next`, its record to be) as its app; the deferred response stops loading. */
  #edit(place: InteractionPlace, live: Live, next: StoredInteraction, which: ResponseMessage, edit: MessageEdit, now: number): MaybePromise<Change<StoredMessage>> {
    const { facts } = live;
    return then(this.#messageOf(place, facts, next, which), (message) => {
      const edited = editedMessage(place.scope, message, facts.applicationId, place.permissions(facts.channelId, facts.applicationId), edit, now);
      const updated = { ...edited, flags: edited.flags & ~MessageFlag.LOADING };
      // An ephemeral message (this interaction's, or the one whose button was clicked) stays with the interaction that holds it.
      const holder = this.#holderOf(place, updated.id);
      if (holder) {
        const told = () => (place.toUser(holder.facts.userId, "MESSAGE_UPDATE", place.eventJson(updated)), updated);
        return this.#ephemeralChange(live, next, holder, (kept) => kept.map((held) => (held.id === updated.id ? updated : held)), told, now);
      }
      const apply = () => (place.messageEvent("MESSAGE_UPDATE", facts.channelId, place.eventJson(updated)), updated);
      return { writes: editWrites(message, updated, edit.uploads ?? []), next, apply };
    });
  }

  /** A change to the ephemeral messages `holder` keeps: in `next` if it is this interaction, else in the holder's own record. */
  #ephemeralChange<T>(live: Live, next: StoredInteraction, holder: Live, change: (kept: readonly StoredMessage[]) => StoredMessage[], apply: () => T, now: number): Change<T> {
    if (holder === live) return { writes: [], next: { ...next, ephemeral: change(next.ephemeral) }, apply };
    const held = { ...holder.record, ephemeral: change(holder.record.ephemeral) };
    return { writes: [{ k: "interaction", interaction: held, now }], next, apply: () => ((holder.record = held), apply()) };
  }

  /** Commits a change with the interaction's next record (if it changed), fenced as the place's writes are; then holds that record and applies the change. */
  #save<T>(place: InteractionPlace, live: Live, { writes, next, apply }: Change<T>, now: number): Promise<T> {
    const record: GuildWrite[] = next === live.record ? [] : [{ k: "interaction", interaction: next, now }];
    return place.commit([...writes, ...record], () => {
      live.record = next;
      this.#hold(live);
      return apply();
    });
  }

  /** Runs an operation of the app's on the interaction `key` names, in its place's turn. */
  #in<T>(unitId: string, key: InteractionKey, operation: (place: InteractionPlace) => MaybePromise<T>): MaybePromise<T> {
    return this.#options.inPlace(unitId, key.channelId, key.applicationId, operation);
  }

  /** One of the interaction's messages (by its record): its original response or a follow-up (else 10008). */
  #messageOf(place: InteractionPlace, facts: InteractionFacts, record: StoredInteraction, which: ResponseMessage): MaybePromise<StoredMessage> {
    const id = which === "@original" ? (record.originalId ?? undefined) : which;
    if (id === undefined || (id !== record.originalId && !record.followUpIds.includes(id))) throw new Refusal("unknown-message", "Unknown Message");
    return this.#message(place, facts.channelId, id);
  }

  /** A message of the channel: an ephemeral one held here, or a stored one (else 10008). */
  #message(place: InteractionPlace, channelId: string, messageId: string): MaybePromise<StoredMessage> {
    const ephemeral = this.#holderOf(place, messageId)?.record.ephemeral.find((held) => held.id === messageId);
    if (ephemeral?.channelId === channelId) return ephemeral;
    return this.#options.store.getMessage(channelId, messageId).then((message) => {
      if (!message) throw new Refusal("unknown-message", "Unknown Message");
      return message;
    });
  }

  /** The interaction holding an ephemeral message, if one does (as held under the place's present tenure). */
  #holderOf(place: InteractionPlace, messageId: string): Live | undefined {
    const holder = this.#holders.get(messageId);
    return holder?.tenure === place.tenure ? holder : undefined;
  }

  /**
   * The live interaction a token names, else `reason`: the one held here, if held under the
   * place's present tenure; else (its place came here since, or came back) its record in the
   * store, read in the place's turn, so the answer is what the last owner wrote.
   */
  #held(place: InteractionPlace, unitId: string, key: InteractionKey, now: number, reason: "unknown-interaction" | "unknown-webhook"): MaybePromise<Live> {
    this.#sweep(now);
    const ofApp = (live: Live | undefined): Live => {
      if (!live || live.facts.applicationId !== key.applicationId) throw new Refusal(reason, reason === "unknown-webhook" ? "Unknown Webhook" : "Unknown interaction");
      return live;
    };
    const here = this.#live.get(key.id);
    if (here?.tenure === place.tenure) return ofApp(here);
    return this.#options.store.getInteraction(unitId, key.id, now).then((record) => {
      if (here) this.#drop(here);
      if (!record) return ofApp(undefined);
      const live: Live = { facts: factsOf(record), record, tenure: place.tenure };
      this.#hold(live);
      return ofApp(live);
    });
  }

  /** The live interaction, once answered: its webhook takes requests from then on. */
  #answered(place: InteractionPlace, unitId: string, key: InteractionKey, now: number): MaybePromise<Live> {
    return then(this.#held(place, unitId, key, now, "unknown-webhook"), (live) => {
      if (!live.record.acknowledged) throw new Refusal("unknown-webhook", "Unknown Webhook");
      return live;
    });
  }

  /**
   * Whether the app showed this user, in this channel, the modal a MODAL_SUBMIT names (callback
   * 9): as held here, else (shown before the place came here) as the store keeps it.
   */
  #modalShown(place: InteractionPlace, unitId: string, facts: InteractionFacts, now: number): MaybePromise<boolean> {
    this.#sweep(now);
    const customId = facts.customId ?? "";
    if (this.#modals.get(modalKey(facts, customId))?.tenure === place.tenure) return true;
    const { applicationId, userId, channelId } = facts;
    return this.#options.store.findShownModal(unitId, { applicationId, userId, channelId, customId }, now).then((record) => {
      if (!record) return false;
      const held = this.#live.get(record.id);
      // The interaction as held here is newer than what the store answers only under this tenure.
      if (held?.tenure !== place.tenure) this.#hold({ facts: factsOf(record), record, tenure: place.tenure });
      return true;
    });
  }

  /** Holds the interaction (as its record is now): by id, its ephemeral messages, its modal. */
  #hold(live: Live): void {
    const before = this.#live.get(live.facts.id);
    if (before && before !== live) this.#drop(before);
    this.#live.set(live.facts.id, live);
    for (const message of live.record.ephemeral) this.#holders.set(message.id, live);
    if (live.record.modal !== null) this.#modals.set(modalKey(live.facts, live.record.modal), live);
  }

  /** Forgets the interaction here, with its ephemeral messages and its modal. */
  #drop(live: Live): void {
    if (this.#live.get(live.facts.id) === live) this.#live.delete(live.facts.id);
    for (const { id } of live.record.ephemeral) if (this.#holders.get(id) === live) this.#holders.delete(id);
    const { modal } = live.record;
    if (modal !== null && this.#modals.get(modalKey(live.facts, modal)) === live) this.#modals.delete(modalKey(live.facts, modal));
  }

  /** Drops the interactions past their lifetime, and the autocompletes past their 3 s (the oldest are first). */
  #sweep(now: number): void {
    for (const [id, completion] of this.#completions) {
      if (now - snowflakeTime(completion.facts.id) <= INITIAL_RESPONSE_MS) break;
      this.#completions.delete(id);
    }
    for (const live of this.#live.values()) {
      if (!interactionExpired(live.record.createdAt, now)) return;
      this.#drop(live);
    }
  }
}

/** A started interaction's record: not yet acknowledged; its facts beyond the record's own fields kept as `data` (not a command's access: only its start reads that). */
function startRecord(unitId: string, facts: InteractionFacts): StoredInteraction {
  const { id, type, applicationId, channelId, userId, guildId, command, messageId, targetId, customId } = facts;
  const data = { guildId, command: command && { name: command.name, type: command.type }, messageId, targetId, customId };
  const common = { id, unitId, applicationId, channelId, userId, type, createdAt: snowflakeTime(id) };
  return { ...common, acknowledged: false, originalId: null, followUpIds: [], modal: null, data: JSON.stringify(data), ephemeral: [] };
}

/** The facts of a stored interaction, as `startRecord` kept them. */
function factsOf(record: StoredInteraction): InteractionFacts {
  const { id, type, applicationId, channelId, userId } = record;
  return { id, type, applicationId, channelId, userId, ...(JSON.parse(record.data) as Omit<InteractionFacts, "id" | "type" | "applicationId" | "channelId" | "userId">) };
}

/**
 * An autocomplete's answer (callback 8 only; once): its choices, their values of the focused
 * option's type, to the invoker's sessions there, with the nonce its client sent.
 */
function complete(place: InteractionPlace, completion: Completion, response: InteractionResponse): Json {
  if (completion.answered) throw new Refusal("interaction-acknowledged", "Interaction has already been acknowledged.");
  if (response.type !== 8) throw badField("type", "must be 8 (APPLICATION_COMMAND_AUTOCOMPLETE_RESULT): an autocomplete is answered with choices");
  response.choices.forEach((choice, i) => checkChoiceValue(choice.value, completion.focusedType, `data.choices[${i}].value`));
  completion.answered = true;
  const { facts, nonce } = completion;
  place.toUser(facts.userId, "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE", { choices: response.choices, ...(nonce !== undefined && { nonce }) });
  return { interaction: { id: facts.id, type: facts.type }, resource: { type: 8 } };
}

/** A choice's value is of its option's type: a string for STRING, an integer for INTEGER, a number for NUMBER. */
function checkChoiceValue(value: string | number, optionType: number, field: string): void {
  if (optionType === 3 ? typeof value !== "string" : typeof value !== "number" || (optionType === 4 && !Number.isSafeInteger(value))) {
    throw badField(field, `must be ${optionType === 3 ? "a string" : optionType === 4 ? "an integer" : "a number"}, as the focused option is`);
  }
}

/** A modal shown by an app to a user in a channel, by its `custom_id`. */
const modalKey = (facts: InteractionFacts, customId: string): string => `${facts.applicationId}:${facts.userId}:${facts.channelId}:${customId}`;

/** `f` on a value or a promise of one, without making a promise of a value (the guild's turn stays synchronous when it can). */
function then<T, U>(value: MaybePromise<T>, f: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}

/**
 * Which responses an interaction takes (docs: "Interaction Callback Type"): PONG only answers
 * a PING (never made here), DEFERRED_UPDATE_MESSAGE and UPDATE_MESSAGE only a component's
 * interaction (or a modal's shown from a component), MODAL anything but a modal's submission.
 */
function checkResponseType(facts: InteractionFacts, type: number): void {
  const fromComponent = facts.type === InteractionType.MESSAGE_COMPONENT || (facts.type === InteractionType.MODAL_SUBMIT && facts.messageId !== undefined);
  if (type === 1 && facts.type !== InteractionType.PING) throw badField("type", "PONG may only answer a PING");
  if ((type === 6 || type === 7) && !fromComponent) throw badField("type", "DEFERRED_UPDATE_MESSAGE and UPDATE_MESSAGE only answer a component's interaction");
  if (type === 9 && facts.type === InteractionType.MODAL_SUBMIT) throw badField("type", "a modal's submission cannot be answered with a modal");
}

/** The "thinking" message of DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: LOADING (and EPHEMERAL), empty until edited. */
function loadingMessage(id: string, ephemeral: boolean): MessageRequest {
  const flags = MessageFlag.LOADING | (ephemeral ? MessageFlag.EPHEMERAL : 0);
  return { id, content: "", enforceNonce: false, tts: false, embeds: [], components: [], flags, attachments: [] };
}

/** The interaction callback response (`?with_response=true`): the interaction, and the message the response made or updated. */
function callbackJson(facts: InteractionFacts, type: number, message: StoredMessage | undefined): Json {
  const interaction: Json = { id: facts.id, type: facts.type };
  if (message) {
    interaction.response_message_id = message.id;
    interaction.response_message_loading = (message.flags & MessageFlag.LOADING) !== 0;
    interaction.response_message_ephemeral = (message.flags & MessageFlag.EPHEMERAL) !== 0;
  }
  return { interaction, ...(message ? { resource: { type, message: messageJson(message) } } : type === 9 ? {} : { resource: { type } }) };
}

/**
 * The component a click names on its message (docs: message-components): the message must be
 * the app's and hold a component of that `custom_id` and type (in rows, or nested in Components
 * V2's containers and sections). Answers the message.
 */
function checkComponent(message: StoredMessage | undefined, start: InteractionStart): StoredMessage {
  if (!message) throw new Refusal("unknown-message", "Unknown Message");
  if (message.authorId !== start.facts.applicationId) throw badField("message_id", "is not a message of this application");
  const found = findComponent(messageData(message).components, start.facts.customId ?? "");
  if (!found || found.type !== start.componentType) throw badField("data.custom_id", "names no component of that type on the message");
  if (Array.isArray(start.data.values)) checkValues(found, start.data.values);
  return message;
}

/** A select menu's values: between its min_values and max_values (1 and 1 by default), a string select's among its options. */
function checkValues(select: Json, values: readonly unknown[]): void {
  const min = typeof select.min_values === "number" ? select.min_values : 1;
  const max = typeof select.max_values === "number" ? select.max_values : 1;
  if (values.length < min || values.length > max) throw badField("data.values", `must hold ${min} to ${max} values`);
  if (!Array.isArray(select.options)) return;
  const offered = new Set(select.options.map((option: Json) => option.value));
  if (!values.every((value) => offered.has(value))) throw badField("data.values", "must be values of the select's options");
}

function findComponent(components: readonly unknown[], customId: string): Json | undefined {
  for (const component of components) {
    if (typeof component !== "object" || component === null) continue;
    const json = component as Json;
    if (json.custom_id === customId) return json;
    const nested = [...(Array.isArray(json.components) ? json.components : []), ...(json.accessory ? [json.accessory] : [])];
    const found = findComponent(nested, customId);
    if (found) return found;
  }
  return undefined;
}

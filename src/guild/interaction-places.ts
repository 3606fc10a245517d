/**
 * The two places an interaction happens (interactions.ts `InteractionPlace`): a guild, in its
 * owner's turn (guilds.ts `inTurn`), and a DM channel with the app's bot, in its owner's turn
 * (direct-messages.ts `inTurn`). Each says who may invoke there, what a user may do in the
 * channel, how the interaction and its messages look there, and who hears of them.
 */
import type { StoredMessage } from "../store/message-records.ts";
import { DM_CHANNEL_TYPE, DM_PERMISSIONS, dmChannelJson, type DmTurn } from "./direct-messages.ts";
import type { GuildTurn } from "./guilds.ts";
import { dmInteractionCreateJson, dmResolvedJson, interactionCreateJson, interactionFieldsJson, InteractionType, permissionsIn, resolvedJson, type InteractionFacts } from "./interaction-json.ts";
import type { InteractionPlace } from "./interactions.ts";
import { messageEventJson, messageJson, partialMember } from "./message-json.ts";
import { requirePermissions, viewerPermissions } from "./message-rules.ts";
import { mayUseCommand } from "./command-access.ts";
import { Permission } from "./permissions.ts";
import { Refusal } from "./refusal.ts";

/**
 * A guild: the app's bot must be a member (else 50001), the invoker a member who may view the
 * channel (50001) and, for a command (or its autocomplete), USE_APPLICATION_COMMANDS there and
 * the command's permissions (50013). Its messages go
 * to those who may view the channel (content emptied as for any message); one user's events to
 * its sessions in the guild (on the guild's shard).
 */
export function guildPlace(turn: GuildTurn): InteractionPlace {
  const { state } = turn.owned;
  return {
    // A guild reloaded (it moved away, or another owner claimed it meanwhile) is another OwnedGuild.
    tenure: turn.owned,
    scope: state,
    permissions: (channelId, userId) => permissionsIn(state, channelId, userId),
    checkStart(facts) {
      if (!state.member(facts.applicationId)) throw new Refusal("missing-access", "Missing Access");
      const permissions = viewerPermissions(state, facts.channelId, facts.userId);
      if (facts.type !== InteractionType.APPLICATION_COMMAND && facts.type !== InteractionType.AUTOCOMPLETE) return;
      requirePermissions(permissions, Permission.USE_APPLICATION_COMMANDS);
      const access = facts.command?.access;
      const member = state.member(facts.userId);
      if (!access || !member) return;
      const use = {
        guildId: state.guild().id,
        applicationId: facts.applicationId,
        commandId: access.commandId,
        defaultMemberPermissions: access.defaultMemberPermissions,
        channelId: facts.channelId,
        parentId: null,
        userId: facts.userId,
        roleIds: member.roleIds,
        permissions,
      };
      if (!mayUseCommand(use, access.records)) throw new Refusal("missing-permissions", "Missing Permissions");
    },
    createJson(facts, token, data, ids, targets, message, locale) {
      const resolved = resolvedJson(state, facts, ids, targets);
      return interactionCreateJson(state, facts, token, resolved ? { ...data, resolved } : data, message, locale);
    },
    fieldsJson: (facts, originalResponseId) => interactionFieldsJson(state, facts, partialMember(state, facts.userId), originalResponseId),
    eventJson: (message) => messageEventJson(state, message),
    commit: (writes, apply) => turn.commit(writes, apply),
    messageEvent: (t, channelId, d) => turn.messageEvent(t, channelId, d),
    toUser: (userId, t, d) => turn.toMember(userId, t, d),
  };
}

/**
 * A DM channel with the app's bot (context 1, BOT_DM): the invoker is a recipient (the turn
 * checks it), the app's bot the other. Both may do there what DM recipients may; its messages
 * go to both recipients' sessions (DIRECT_MESSAGES), one user's events to its sessions on shard 0.
 */
export function dmPlace(turn: DmTurn): InteractionPlace {
  const { channel, scope } = turn;
  const users = channel.recipientIds.flatMap((id) => scope.user(id) ?? []);
  const eventJson = (message: StoredMessage) => ({ ...messageJson(message), channel_type: DM_CHANNEL_TYPE });
  return {
    // A DM channel is not loaded, nor claimed: its ring generation says whether another may have had it since.
    tenure: turn.generation,
    scope,
    permissions: () => DM_PERMISSIONS,
    checkStart(facts: InteractionFacts) {
      if (!channel.recipientIds.includes(facts.applicationId)) throw new Refusal("missing-access", "Missing Access");
    },
    createJson(facts, token, data, ids, targets, message, locale) {
      const resolved = dmResolvedJson(scope, ids, targets.map(eventJson));
      const channelJson = dmChannelJson(channel, users, facts.applicationId, null);
      return dmInteractionCreateJson(channelJson, scope.user(facts.userId), facts, token, resolved ? { ...data, resolved } : data, message && eventJson(message), DM_PERMISSIONS, locale);
    },
    fieldsJson: (facts, originalResponseId) => interactionFieldsJson(scope, facts, undefined, originalResponseId),
    eventJson,
    commit: (writes, apply) => turn.commit(writes, apply),
    messageEvent: (t, _channelId, d) => turn.tell(t, d),
    toUser: (userId, t, d) => turn.toUser(userId, t, d),
  };
}

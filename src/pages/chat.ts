/**
 * The chat page at `/`: a small Discord-like client of guildgate, in the browser, with no
 * framework. It joins the demo guild as a new user (`POST /demo/join`, only with `--demo`) or
 * takes a token, then speaks Gateway v10 (gateway-connection.ts): guilds, the channels the user
 * can view (GUILD_CREATE and CHANNEL_CREATE/DELETE say which), live messages, sending over
 * `POST /api/v10/channels/:id/messages`, and the lazy member list (op 14, then
 * GUILD_MEMBER_LIST_UPDATE) with presence dots. A channel's last 50 messages load over
 * `GET /api/v10/channels/:id/messages` when it is first opened; edits and deletes apply; typing
 * goes out over `POST /api/v10/channels/:id/typing` and others' shows under the messages.
 */
import { GatewayConnection } from "./gateway-connection.ts";
import { MemberListState, type ListMember, type MemberListUpdate } from "./member-list.ts";

const Intent = { GUILDS: 1, GUILD_MEMBERS: 2, GUILD_PRESENCES: 256, GUILD_MESSAGES: 512, GUILD_MESSAGE_TYPING: 2048, MESSAGE_CONTENT: 32768 } as const;
/** Without privileged intents (after a 4014): others' message content arrives empty. */
const BASIC_INTENTS = Intent.GUILDS | Intent.GUILD_MESSAGES | Intent.GUILD_MESSAGE_TYPING;
/** Everything the page shows; the privileged ones need the user's `privileged_intents`. */
const FULL_INTENTS = BASIC_INTENTS | Intent.GUILD_MEMBERS | Intent.GUILD_PRESENCES | Intent.MESSAGE_CONTENT;
/** Messages loaded when a channel is first opened. */
const HISTORY = 50;
/** Discord's typing indicator lasts 10 s; a client sends again after about 8 s of typing. */
const TYPING_SHOWN_MS = 10_000;
const TYPING_EVERY_MS = 8_000;
/** Messages kept per channel. */
const MAX_MESSAGES = 200;
const TOKEN_KEY = "guildgate-token";

interface Channel {
  id: string;
  name: string;
  type: number;
  position: number;
  topic?: string | null;
}
interface Role {
  id: string;
  name: string;
  color: number;
  position: number;
}
interface Guild {
  id: string;
  name: string;
  channels: Map<string, Channel>;
  roles: Map<string, Role>;
}
interface Author {
  id: string;
  username: string;
  global_name?: string | null;
}
interface Message {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: Author;
  member?: { roles: string[]; nick?: string | null };
  content: string;
  timestamp: string;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** A new element with attributes (`text` sets its text) and children. */
function el(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

const state = {
  gateway: undefined as GatewayConnection | undefined,
  token: "",
  me: undefined as Author | undefined,
  guilds: new Map<string, Guild>(),
  guildId: undefined as string | undefined,
  channelId: undefined as string | undefined,
  messages: new Map<string, Message[]>(),
  /** Channels whose history was asked for. */
  historyLoaded: new Set<string>(),
  /** Who is typing in which channel, until when (ms). */
  typing: new Map<string, Map<string, { name: string; until: number }>>(),
  lastTypingSent: 0,
  lists: new Map<string, MemberListState>(),
  /** Each subscribed channel's member list id, learnt from the SYNC that answers its op 14. */
  listOfChannel: new Map<string, string>(),
  awaitingList: undefined as string | undefined,
};

const displayName = (user: Author, nick?: string | null): string => nick || user.global_name || user.username;

function roleColor(guild: Guild | undefined, roleIds: readonly string[] = []): string {
  const roles = roleIds.map((id) => guild?.roles.get(id)).filter((role): role is Role => role !== undefined && role.color !== 0);
  const top = roles.sort((a, b) => b.position - a.position)[0];
  return top ? `#${top.color.toString(16).padStart(6, "0")}` : "";
}

function showLogin(error = ""): void {
  $("app").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = error;
}

function connect(token: string, intents = FULL_INTENTS): void {
  state.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
  state.gateway = new GatewayConnection(url, token, intents, {
    dispatch: onDispatch,
    status: (text) => ($("status").textContent = text),
    ended: (code) => {
      if (code === 4014 && intents !== BASIC_INTENTS) return connect(token, BASIC_INTENTS);
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin(code === 4004 ? "That token was refused (4004)." : `The gateway closed the connection (${code}).`);
    },
  });
}

function onDispatch(t: string, d: unknown): void {
  switch (t) {
    case "READY": {
      const ready = d as { user: Author };
      state.me = ready.user;
      $("me-name").textContent = displayName(ready.user);
      $("me-name").dataset.userId = ready.user.id;
      $("login").hidden = true;
      $("app").hidden = false;
      return;
    }
    case "GUILD_CREATE": {
      const g = d as { id: string; name: string; channels: Channel[]; roles: Role[] };
      state.guilds.set(g.id, {
        id: g.id,
        name: g.name,
        channels: new Map(g.channels.map((c) => [c.id, c])),
        roles: new Map(g.roles.map((r) => [r.id, r])),
      });
      if (!state.guildId) selectGuild(g.id);
      else render();
      return;
    }
    case "GUILD_UPDATE": {
      const guild = state.guilds.get((d as { id: string }).id);
      if (guild) guild.name = (d as { name: string }).name;
      return render();
    }
    case "GUILD_DELETE":
      state.guilds.delete((d as { id: string }).id);
      if (state.guildId === (d as { id: string }).id) selectGuild(state.guilds.keys().next().value);
      return render();
    case "CHANNEL_CREATE":
    case "CHANNEL_UPDATE": {
      const channel = d as Channel & { guild_id: string };
      state.guilds.get(channel.guild_id)?.channels.set(channel.id, channel);
      if (state.guildId === channel.guild_id && !state.channelId) selectChannel(channel.id);
      return render();
    }
    case "CHANNEL_DELETE": {
      const channel = d as Channel & { guild_id: string };
      state.guilds.get(channel.guild_id)?.channels.delete(channel.id);
      if (state.channelId === channel.id) selectChannel(firstChannel(channel.guild_id));
      return render();
    }
    case "GUILD_ROLE_CREATE":
    case "GUILD_ROLE_UPDATE": {
      const { guild_id, role } = d as { guild_id: string; role: Role };
      state.guilds.get(guild_id)?.roles.set(role.id, role);
      return render();
    }
    case "GUILD_ROLE_DELETE": {
      const { guild_id, role_id } = d as { guild_id: string; role_id: string };
      state.guilds.get(guild_id)?.roles.delete(role_id);
      return render();
    }
    case "MESSAGE_CREATE": {
      const message = d as Message;
      state.typing.get(message.channel_id)?.delete(message.author.id);
      return addMessages(message.channel_id, [message]);
    }
    case "MESSAGE_UPDATE": {
      const message = d as Message;
      const list = state.messages.get(message.channel_id) ?? [];
      const at = list.findIndex((m) => m.id === message.id);
      if (at >= 0) list[at] = { ...list[at], ...message };
      if (message.channel_id === state.channelId) renderMessages();
      return;
    }
    case "MESSAGE_DELETE":
    case "MESSAGE_DELETE_BULK": {
      const { channel_id, id, ids } = d as { channel_id: string; id?: string; ids?: string[] };
      const gone = new Set(ids ?? [id]);
      state.messages.set(channel_id, (state.messages.get(channel_id) ?? []).filter((m) => !gone.has(m.id)));
      if (channel_id === state.channelId) renderMessages();
      return;
    }
    case "TYPING_START": {
      const typing = d as { channel_id: string; user_id: string; member?: { nick?: string | null; user?: Author } };
      if (typing.user_id === state.me?.id) return;
      const who = state.typing.get(typing.channel_id) ?? new Map();
      state.typing.set(typing.channel_id, who);
      const name = typing.member?.user ? displayName(typing.member.user, typing.member.nick) : "someone";
      who.set(typing.user_id, { name, until: Date.now() + TYPING_SHOWN_MS });
      renderTyping();
      setTimeout(renderTyping, TYPING_SHOWN_MS + 100);
      return;
    }
    case "GUILD_MEMBER_LIST_UPDATE": {
      const update = d as MemberListUpdate;
      if (state.awaitingList && update.ops.some((op) => op.op === "SYNC")) {
        state.listOfChannel.set(state.awaitingList, update.id);
        state.awaitingList = undefined;
      }
      const list = state.lists.get(update.id) ?? new MemberListState();
      state.lists.set(update.id, list);
      list.apply(update);
      return renderMembers();
    }
  }
}

function viewableChannels(guild: Guild | undefined): Channel[] {
  // Text channels only (type 0); GUILD_CREATE and CHANNEL_CREATE/DELETE keep this to what the user can view.
  return [...(guild?.channels.values() ?? [])].filter((c) => c.type === 0).sort((a, b) => a.position - b.position || a.id.localeCompare(b.id));
}

function firstChannel(guildId: string | undefined): string | undefined {
  return viewableChannels(guildId ? state.guilds.get(guildId) : undefined)[0]?.id;
}

function selectGuild(guildId: string | undefined): void {
  state.guildId = guildId;
  state.channelId = undefined;
  selectChannel(firstChannel(guildId));
}

/** Adds messages to a channel's list, once each, in id (time) order, keeping the last MAX_MESSAGES. */
function addMessages(channelId: string, messages: readonly Message[]): void {
  const byId = new Map((state.messages.get(channelId) ?? []).map((m) => [m.id, m]));
  for (const message of messages) byId.set(message.id, message);
  const list = [...byId.values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1)).slice(-MAX_MESSAGES);
  state.messages.set(channelId, list);
  if (channelId === state.channelId) renderMessages();
}

/** The channel's last messages, the first time it is opened. */
async function loadHistory(channelId: string): Promise<void> {
  if (state.historyLoaded.has(channelId)) return;
  state.historyLoaded.add(channelId);
  const response = await fetch(`/api/v10/channels/${channelId}/messages?limit=${HISTORY}`, { headers: { authorization: state.token } });
  if (response.ok) addMessages(channelId, (await response.json()) as Message[]);
}

function selectChannel(channelId: string | undefined): void {
  state.channelId = channelId;
  if (channelId) void loadHistory(channelId);
  if (channelId && state.guildId) {
    // Op 14: the first 100 of this channel's member list, kept up to date by GUILD_MEMBER_LIST_UPDATE.
    state.awaitingList = channelId;
    state.gateway?.send(14, { guild_id: state.guildId, typing: true, activities: true, channels: { [channelId]: [[0, 99]] } });
  }
  render();
}

function render(): void {
  const guild = state.guildId ? state.guilds.get(state.guildId) : undefined;
  $("guilds").replaceChildren(
    ...[...state.guilds.values()].map((g) => {
      const button = el("button", { type: "button", title: g.name, "aria-current": String(g.id === state.guildId), text: g.name.slice(0, 2).toUpperCase() });
      button.onclick = () => selectGuild(g.id);
      return button;
    }),
  );
  $("guild-name").textContent = guild?.name ?? "";
  $("channels").replaceChildren(
    ...viewableChannels(guild).map((c) => {
      const item = el("li", { "data-channel-id": c.id, "aria-current": String(c.id === state.channelId), text: c.name });
      item.onclick = () => selectChannel(c.id);
      return item;
    }),
  );
  const channel = state.channelId ? guild?.channels.get(state.channelId) : undefined;
  $("channel-name").textContent = channel?.name ?? "";
  $("channel-topic").textContent = channel?.topic ?? "";
  renderMessages();
  renderMembers();
  renderTyping();
}

function renderTyping(): void {
  const now = Date.now();
  const who = state.channelId ? state.typing.get(state.channelId) : undefined;
  for (const [userId, { until }] of who ?? []) if (until <= now) who?.delete(userId);
  const names = [...(who?.values() ?? [])].map((typing) => typing.name);
  $("typing").textContent = names.length === 0 ? "" : `${names.join(", ")} ${names.length === 1 ? "is" : "are"} typing…`;
}

function renderMessages(): void {
  const guild = state.guildId ? state.guilds.get(state.guildId) : undefined;
  const messages = state.channelId ? (state.messages.get(state.channelId) ?? []) : [];
  const list = $("messages");
  list.replaceChildren(
    ...messages.map((m) =>
      el(
        "li",
        { "data-message-id": m.id },
        el("span", { class: "author", style: `color: ${roleColor(guild, m.member?.roles)}`, text: displayName(m.author, m.member?.nick) }),
        el("time", { datetime: m.timestamp, text: new Date(m.timestamp).toLocaleTimeString() }),
        el("div", { class: "content", text: m.content }),
      ),
    ),
  );
  list.scrollTop = list.scrollHeight;
}

function groupName(guild: Guild | undefined, id: string): string {
  if (id === "online") return "Online";
  if (id === "offline") return "Offline";
  return guild?.roles.get(id)?.name ?? id;
}

function memberRow(guild: Guild | undefined, member: ListMember): HTMLElement {
  const status = member.presence?.status ?? "offline";
  const name = displayName(member.user, member.nick);
  return el(
    "div",
    { class: "member", "data-user-id": member.user.id, "data-status": status },
    el("span", { class: "avatar", text: name.slice(0, 1).toUpperCase() }, el("span", { class: "dot", "data-status": status, title: status })),
    el("span", { class: "name", style: `color: ${roleColor(guild, member.roles)}`, text: name }),
  );
}

function renderMembers(): void {
  const guild = state.guildId ? state.guilds.get(state.guildId) : undefined;
  const listId = state.channelId ? state.listOfChannel.get(state.channelId) : undefined;
  const list = listId ? state.lists.get(listId) : undefined;
  $("members").replaceChildren(
    ...(list?.items ?? []).flatMap((item) => {
      if (!item) return [];
      if ("group" in item) return [el("h4", { text: `${groupName(guild, item.group.id)} — ${item.group.count}` })];
      return [memberRow(guild, item.member)];
    }),
  );
}

async function send(content: string): Promise<void> {
  $("send-error").textContent = "";
  const response = await fetch(`/api/v10/channels/${state.channelId}/messages`, {
    method: "POST",
    headers: { authorization: state.token, "content-type": "application/json" },
    body: JSON.stringify({ content, nonce: String(Date.now()) }),
  });
  if (!response.ok) $("send-error").textContent = ((await response.json()) as { message?: string }).message ?? `error ${response.status}`;
}

$("composer").addEventListener("input", () => {
  if (!state.channelId || Date.now() - state.lastTypingSent < TYPING_EVERY_MS) return;
  state.lastTypingSent = Date.now();
  void fetch(`/api/v10/channels/${state.channelId}/typing`, { method: "POST", headers: { authorization: state.token } });
});

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = (event.target as HTMLFormElement).elements.namedItem("content") as HTMLInputElement;
  if (!input.value.trim() || !state.channelId) return;
  void send(input.value);
  state.lastTypingSent = 0;
  input.value = "";
});

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = (event.target as HTMLFormElement).elements.namedItem("token") as HTMLInputElement;
  connect(input.value.trim());
});

$("join").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = (event.target as HTMLFormElement).elements.namedItem("username") as HTMLInputElement;
  void (async () => {
    const response = await fetch("/demo/join", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(input.value.trim() ? { username: input.value.trim() } : {}),
    });
    const body = (await response.json()) as { token?: string; message?: string };
    if (!response.ok || !body.token) return showLogin(body.message ?? `The join failed (${response.status}).`);
    connect(body.token);
  })();
});

$("logout").addEventListener("click", () => {
  state.gateway?.close();
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
});

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) connect(saved);
else showLogin();
void fetch("/demo").then((response) => {
  $("join").hidden = !response.ok;
  $("no-demo").hidden = response.ok;
});

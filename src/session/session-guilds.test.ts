/**
 * Sessions in guilds, both roles (session-guilds.ts asks the owners, session-delivery.ts
 * carries out what the owners tell), over real `Sessions` with fake sockets and a recording
 * stand-in for the owners' operations.
 */
import { expect, test } from "bun:test";
import type { Owners } from "../cluster/owner-api.ts";
import { MemoryGuildStore } from "../store/memory.ts";
import type { User } from "../store/guild-store.ts";
import { FakePublisher, FakeSocket } from "../../test/support/fake-socket.ts";
import { guildTopic, listTopic } from "../protocol/topics.ts";
import { Op } from "../protocol/opcodes.ts";
import { presenceFrom } from "../guild/presence.ts";
import { ResumeLog } from "./resume-log.ts";
import type { Connection, Session } from "./session.ts";
import { SessionDelivery } from "./session-delivery.ts";
import { SessionGuilds } from "./session-guilds.ts";
import { Sessions } from "./sessions.ts";
import { SmallMap, SmallSet } from "./small-collections.ts";

const GUILD = "81384788765712384";
const USER: User = { id: "175928847299117063", username: "u", globalName: null, avatar: null, bot: true, privilegedIntents: 0, createdAt: 0, tokenGeneration: 0 };

function rig() {
  const calls: string[] = [];
  const owners = {
    join: async (guildId: string) => {
      calls.push(`join ${guildId}`);
      return { topic: guildTopic(guildId, 0, "201"), variant: "201", guildCreate: `{"id":"${guildId}"}` };
    },
    leave: async (guildId: string, userId: string, variant: string, worker: string) => void calls.push(`leave ${guildId} ${userId} ${variant} ${worker}`),
    subscribeList: async (guildId: string, _userId: string, channelId: string, chunks: number[]) => {
      calls.push(`subscribeList ${guildId} ${channelId} ${chunks}`);
      return { listId: "everyone", dJson: '{"ops":[{"op":"SYNC"}]}' };
    },
    unsubscribeList: async (guildId: string, listId: string, _userId: string, chunks: number[]) => void calls.push(`unsubscribeList ${guildId} ${listId} ${chunks}`),
    requestMembers: async () => {
      calls.push("requestMembers");
      return [];
    },
    setPresence: async () => void calls.push("setPresence"),
    activate: async () => undefined,
    guildCreate: async () => undefined,
  } as unknown as Owners;
  const publisher = new FakePublisher();
  const sessions = new Sessions({ resumeLog: new ResumeLog(), publisher, now: Date.now });
  const guilds = new SessionGuilds({ sessions, store: new MemoryGuildStore(), owners, worker: "n/0" });
  const delivery = new SessionDelivery(sessions, guilds);
  const socket = new FakeSocket({ compress: null, state: "ready", session: null, streamStarted: false } as unknown as Connection);
  publisher.sockets.add(socket);
  const session: Session = {
    id: "n.0.aa",
    user: USER,
    intents: 513,
    shard: [0, 1],
    largeThreshold: 50,
    presence: presenceFrom(undefined),
    topics: new SmallSet(),
    guilds: new SmallMap(),
    socket,
    detachedAt: 0,
  };
  sessions.add(session);
  socket.data.session = session;
  return { calls, sessions, guilds, delivery, socket, session };
}

const settle = () => Bun.sleep(0);

test("a session joins its guilds: GUILD_CREATE, not logged, and the topic the owner gave is held", async () => {
  const { calls, guilds, session, socket, sessions } = rig();
  guilds.joinAll(session, [GUILD]);
  await settle();
  expect(calls).toEqual([`join ${GUILD}`]);
  expect(socket.frames().map((f) => f.t)).toEqual(["GUILD_CREATE"]);
  expect(socket.topics.has(guildTopic(GUILD, 0, "201"))).toBe(true);
  expect(sessions.log.size).toBe(0);
});

test("the owner moves a member between classes and removes it: its topics follow, GUILD_DELETE is logged, the owner is told it left", async () => {
  const { calls, guilds, delivery, session, socket, sessions } = rig();
  guilds.joinAll(session, [GUILD]);
  await settle();
  delivery.moveMember(GUILD, USER.id, -1);
  expect(socket.topics.size).toBe(0);
  delivery.moveMember(GUILD, USER.id, 4);
  expect([...socket.topics]).toEqual([guildTopic(GUILD, 4, "201")]);
  delivery.memberRemoved(GUILD, USER.id);
  await settle();
  expect(socket.topics.size).toBe(0);
  expect(socket.frames().at(-1)?.t).toBe("GUILD_DELETE");
  expect(sessions.log.size).toBe(1);
  expect(calls.at(-1)).toBe(`leave ${GUILD} ${USER.id} 201 n/0`);
});

test("op 14: the SYNC goes to the session and it holds the chunks; a new op 14 lets the old ones go; a dropped list is forgotten", async () => {
  const { calls, guilds, delivery, session, socket } = rig();
  guilds.joinAll(session, [GUILD]);
  await settle();
  guilds.op(session, { op: Op.LAZY_REQUEST, d: { guild_id: GUILD, channels: { "1": [[0, 99], [100, 199]] } } });
  await settle();
  expect(socket.frames().at(-1)?.t).toBe("GUILD_MEMBER_LIST_UPDATE");
  expect(socket.topics.has(listTopic(GUILD, "everyone", 0)) && socket.topics.has(listTopic(GUILD, "everyone", 1))).toBe(true);
  guilds.op(session, { op: Op.LAZY_REQUEST, d: { guild_id: GUILD, channels: { "1": [[0, 99]] } } });
  await settle();
  expect(calls).toContain(`unsubscribeList ${GUILD} everyone 0,1`);
  delivery.dropList(GUILD, USER.id, "everyone");
  expect([...socket.topics].filter((topic) => topic.startsWith("ml:"))).toEqual([]);
  expect(session.guilds.get(GUILD)?.lists?.size ?? 0).toBe(0);
});

test("op 8 past 10 requests in 10 s gets RATE_LIMITED, not another owner call", async () => {
  const { calls, guilds, session, socket } = rig();
  guilds.joinAll(session, [GUILD]);
  await settle();
  for (let i = 0; i < 11; i++) guilds.op(session, { op: Op.REQUEST_GUILD_MEMBERS, d: { guild_id: GUILD, query: "", limit: 0, presences: false, nonce: "n" } });
  await settle();
  expect(calls.filter((call) => call === "requestMembers").length).toBe(10);
  expect(socket.frames().at(-1)).toMatchObject({ t: "RATE_LIMITED", d: { opcode: 8, meta: { guild_id: GUILD, nonce: "n" } } });
});

test("a session that ends lets every guild go", async () => {
  const { calls, guilds, session, sessions } = rig();
  guilds.joinAll(session, [GUILD]);
  await settle();
  sessions.end(session);
  await settle();
  expect(calls.at(-1)).toBe(`leave ${GUILD} ${USER.id} 201 n/0`);
  expect(session.guilds.size).toBe(0);
});

/**
 * The sessions of a worker (sessions.ts): what reaches a session through its user's topic,
 * which no socket subscribes to in the transport.
 */
import { expect, test } from "bun:test";
import { FakePublisher, FakeSocket } from "../../test/support/fake-socket.ts";
import { presenceFrom } from "../guild/presence.ts";
import { userTopic } from "../protocol/topics.ts";
import { ResumeLog } from "./resume-log.ts";
import type { Connection, Session } from "./session.ts";
import { Sessions } from "./sessions.ts";
import { SmallMap, SmallSet } from "./small-collections.ts";

const USER = { id: "7", username: "u", globalName: null, avatar: null, bot: true, privilegedIntents: 0, createdAt: 0, tokenGeneration: 0 };

function rig() {
  const publisher = new FakePublisher();
  const sessions = new Sessions({ resumeLog: new ResumeLog(), publisher, now: Date.now });
  const attach = (id: string, state: Connection["state"], shard: readonly [number, number] = [0, 1]) => {
    const socket = new FakeSocket({ compress: null, state, session: null, streamStarted: false } as unknown as Connection);
    publisher.sockets.add(socket);
    const session: Session = {
      id,
      user: USER,
      intents: 0,
      shard,
      largeThreshold: 50,
      presence: presenceFrom(undefined),
      topics: new SmallSet(shard[0] === 0 ? [userTopic(USER.id)] : []),
      guilds: new SmallMap(),
      socket,
      detachedAt: 0,
    };
    socket.data.session = session;
    sessions.add(session);
    if (state === "ready") sessions.subscribeAll(socket, session);
    return { session, socket };
  };
  return { sessions, attach };
}

test("a ready session gets its user's events without holding the user's topic in the transport", () => {
  const { sessions, attach } = rig();
  const { socket } = attach("a", "ready");
  sessions.hold(socket.data.session as Session, "g:1:0:1");
  expect([...socket.topics]).toEqual(["g:1:0:1"]);
  const s = sessions.publishTopics([userTopic(USER.id)], "TEST_EVENT", "{}");
  expect(socket.frames()).toEqual([{ op: 0, d: {}, s, t: "TEST_EVENT" }]);
});

test("a user's event skips its sessions not ready yet and on other shards, and a resume replays it", () => {
  const { sessions, attach } = rig();
  const ready = attach("a", "ready");
  const resuming = attach("b", "resuming");
  const otherShard = attach("c", "ready", [1, 2]);
  const s = sessions.publishTopics([userTopic(USER.id)], "TEST_EVENT", "{}");
  expect(ready.socket.frames().map((frame) => frame.s)).toEqual([s]);
  expect(resuming.socket.sent).toEqual([]);
  expect(otherShard.socket.sent).toEqual([]);
  expect(sessions.log.replay(0, resuming.session.topics, resuming.session.id)?.map((frame) => JSON.parse(frame).s)).toEqual([s]);
  expect(sessions.log.replay(0, otherShard.session.topics, otherShard.session.id)).toEqual([]);
});

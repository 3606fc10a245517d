/**
 * The parts of a move between workers (session-moves.ts) that answer alone: where a session
 * lives, and an owner switching one of its holds (the whole protocol runs over real sockets
 * in test/cluster.test.ts and test/workers.test.ts).
 */
import { expect, test } from "bun:test";
import { PortBus } from "../cluster/bus-ports.ts";
import type { BusPush } from "../cluster/bus.ts";
import { guildTopic, listTopic } from "../protocol/topics.ts";
import { SessionHandoff } from "./handoff.ts";
import { Resumes } from "./resume.ts";
import { ResumeLog } from "./resume-log.ts";
import { SessionMoves } from "./session-moves.ts";
import { Sessions } from "./sessions.ts";
import { FakePublisher } from "../../test/support/fake-socket.ts";

function rig() {
  const { port1, port2 } = new MessageChannel();
  const here = new PortBus("node/0", new Map([["node/1", port1]]));
  const home = new PortBus("node/1", new Map([["node/0", port2]]));
  const atHome: BusPush[] = [];
  home.listen({ push: (_from, message) => void atHome.push(message), request: () => true as never });
  const sessions = new Sessions({ resumeLog: new ResumeLog(), publisher: new FakePublisher(), now: Date.now });
  const resumes = new Resumes({ sessions, resumed: () => undefined, replayBatchBytes: 1 << 20, resumedJson: "{}" });
  const moved: string[] = [];
  const moves = new SessionMoves({
    bus: here,
    sessions,
    handoff: new SessionHandoff(sessions, resumes),
    resumes,
    ownerOf: () => "node/0",
    guilds: {
      moveSession: (guildId, userId, variant, from, to, switched) => {
        moved.push(`session ${guildId} ${userId} ${variant} ${from}->${to}`);
        // Guild 5's owner numbers the member's class 3; guild 6 has no hold of the member.
        switched(guildId === "5" ? guildTopic("5", 3, variant) : undefined);
      },
      moveListHold: (guildId, listId, userId, chunk, from, to, switched) => {
        moved.push(`list ${guildId} ${listId} ${chunk} ${from}->${to}`);
        switched(chunk !== 9);
      },
    },
    resumeWindowMs: 60_000,
  });
  here.listen({ push: (_from, message) => void moves.handlePush(message), request: () => true as never });
  return { here, home, atHome, moves, moved };
}

test("a session id names its home: a known peer of this node, never this worker, nothing for another node", () => {
  const { moves, here, home } = rig();
  expect(moves.homeOf("node.1.0123456789abcdef01234567")).toBe("node/1");
  expect(moves.homeOf("node.0.0123456789abcdef01234567")).toBeUndefined();
  expect(moves.homeOf("node.7.0123456789abcdef01234567")).toBeUndefined();
  expect(moves.homeOf("other.1.0123456789abcdef01234567")).toBeUndefined();
  expect(moves.homeOf("garbage")).toBeUndefined();
  here.close();
  home.close();
});

test("as a topic's owner: the hold moves under the owner's name for it, home is told to cut, and a chunk let go of meanwhile is answered false", async () => {
  const { moves, moved, atHome, here, home } = rig();
  const request = (topic: string) => ({ k: "move-topic", topic, userId: "7", home: "node/1", sessionId: "node.1.x", to: "node/0" }) as const;
  expect(moves.handleRequest("node/0", request(guildTopic("5", 2, "201")))).toBe(guildTopic("5", 3, "201"));
  expect(moves.handleRequest("node/0", request(guildTopic("6", 2, "201")))).toBe(guildTopic("6", 2, "201"));
  expect(moves.handleRequest("node/0", request(listTopic("5", "everyone", 1)))).toBe(listTopic("5", "everyone", 1));
  expect(moves.handleRequest("node/0", request(listTopic("5", "everyone", 9)))).toBe(false);
  expect(moved).toEqual([
    "session 5 7 201 node/1->node/0",
    "session 6 7 201 node/1->node/0",
    "list 5 everyone 1 node/1->node/0",
    "list 5 everyone 9 node/1->node/0",
  ]);
  await here.request("node/1", { k: "stats" });
  expect(atHome.map((push) => (push.k === "move-cut" ? push.topic : push.k))).toEqual([
    guildTopic("5", 2, "201"),
    guildTopic("6", 2, "201"),
    listTopic("5", "everyone", 1),
    listTopic("5", "everyone", 9),
  ]);
  here.close();
  home.close();
});

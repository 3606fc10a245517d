/**
 * The owner's delivery across workers (delivery.ts): a publish goes only to the worker it
 * names (here, a direct call; there, one bus message); a member change reaches every worker,
 * in the owner's order, and each kind of push lands on the matching call.
 */
import { expect, test } from "bun:test";
import type { GuildDelivery, PublishPart } from "../guild/guilds.ts";
import { ClusterDelivery } from "./delivery.ts";
import { PortBus } from "./bus-ports.ts";
import { LatencyHistogram } from "./ingress-latency.ts";

/** A GuildDelivery that records each call as "method args...". */
function recorder(): GuildDelivery & { calls: string[] } {
  const calls: string[] = [];
  const record =
    (name: string) =>
    (...args: unknown[]): void =>
      void calls.push(`${name} ${args.map((a) => (typeof a === "string" || typeof a === "number" ? a : JSON.stringify(a))).join(" ")}`);
  return {
    calls,
    publish: (worker: string, t: string, parts: readonly PublishPart[]) => void calls.push(`publish ${worker} ${t} ${parts.map((p) => p.topics.join("+")).join(",")}`),
    sendToMember: record("sendToMember"),
    sendToSelf: record("sendToSelf"),
    moveMember: record("moveMember"),
    memberAdded: record("memberAdded"),
    memberRemoved: record("memberRemoved"),
    dropList: record("dropList"),
    rehome: record("rehome"),
  };
}

test("a publish reaches only its worker; member changes reach every worker in the owner's order", async () => {
  const { port1, port2 } = new MessageChannel();
  const ownerBus = new PortBus("n/0", new Map([["n/1", port1]]));
  const peerBus = new PortBus("n/1", new Map([["n/0", port2]]));
  const here = recorder();
  const there = recorder();
  const owner = new ClusterDelivery(ownerBus, here, new LatencyHistogram());
  const peer = new ClusterDelivery(peerBus, there, new LatencyHistogram());
  ownerBus.listen({ push: (_from, message) => void owner.handlePush(message), request: () => true as never });
  peerBus.listen({ push: (_from, message) => void peer.handlePush(message), request: () => true as never });

  owner.publish("n/0", "MESSAGE_CREATE", [{ topics: ["g:1:0:1"], dJson: "{}" }]);
  owner.publish("n/1", "MESSAGE_CREATE", [{ topics: ["g:1:0:1", "g:1:1:1"], dJson: "{}" }]);
  owner.moveMember("1", "2", 3);
  owner.sendToMember("1", "2", "CHANNEL_CREATE", "{}");
  owner.sendToSelf("1", "2", "GUILD_MEMBER_UPDATE", "{}");
  owner.memberAdded("1", "2");
  owner.dropList("1", "2", "everyone");
  owner.memberRemoved("1", "2");
  // A request after the pushes is answered after they are handled: a barrier.
  await ownerBus.request("n/1", { k: "stats" });

  const memberCalls = [
    "moveMember 1 2 3",
    "sendToMember 1 2 CHANNEL_CREATE {}",
    "sendToSelf 1 2 GUILD_MEMBER_UPDATE {}",
    "memberAdded 1 2",
    "dropList 1 2 everyone",
    "memberRemoved 1 2",
  ];
  expect(here.calls).toEqual(["publish n/0 MESSAGE_CREATE g:1:0:1", ...memberCalls]);
  expect(there.calls).toEqual(["publish n/1 MESSAGE_CREATE g:1:0:1+g:1:1:1", ...memberCalls]);
  // Manifold: the peer's share of the event was one bus message.
  expect(ownerBus.stats.sent.get("publish")).toBe(1);
  ownerBus.close();
  peerBus.close();
});

import { expect, test } from "bun:test";
import { busContract } from "./bus.contract.ts";
import { LoopbackBus } from "./bus-loopback.ts";

busContract("loopback, a lone worker", (timeoutMs) => {
  const bus = new LoopbackBus("n/0", timeoutMs);
  return { a: bus, b: bus };
});

test("a message to itself is handled at once, inside send", () => {
  const bus = new LoopbackBus("n/0");
  const got: string[] = [];
  bus.listen({ push: (_from, message) => void got.push(message.k), request: () => true as never });
  bus.send("n/0", { k: "member-added", guildId: "1", userId: "2" });
  expect(got).toEqual(["member-added"]);
  bus.close();
});

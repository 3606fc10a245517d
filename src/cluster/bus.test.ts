import { expect, test } from "bun:test";
import { Bus } from "./bus.ts";

function pair(): [Bus, Bus] {
  const { port1, port2 } = new MessageChannel();
  return [new Bus(0, [null, port1]), new Bus(1, [port2, null])];
}

test("what follows an answer in the same batch waits for the code awaiting the answer", async () => {
  const [a, b] = pair();
  // B answers, then in the same turn (so in the same batch, after the answer) sends an
  // event that depends on it, as an owner answers a join and then publishes.
  b.listen({
    push: () => undefined,
    request: () => {
      queueMicrotask(() => b.send(0, { k: "event" }));
      return "joined";
    },
  });
  let joined = false;
  const seen: boolean[] = [];
  const arrived = new Promise<void>((resolve) => {
    a.listen({
      push: () => {
        seen.push(joined);
        resolve();
      },
      request: () => undefined,
    });
  });
  expect(await a.request(1, { k: "join" })).toBe("joined");
  joined = true;
  await arrived;
  expect(seen).toEqual([true]);
  a.close();
  b.close();
});

test("messages arrive in the order they were sent, requests answered, errors carried", async () => {
  const [a, b] = pair();
  const got: number[] = [];
  b.listen({
    push: (_from, message) => void got.push(message.n as number),
    request: (_from, message) => {
      if (message.k === "fail") throw new RangeError("no such thing");
      return (message.n as number) * 2;
    },
  });
  a.listen({ push: () => undefined, request: () => undefined });
  for (let n = 0; n < 100; n++) a.send(1, { k: "n", n });
  expect(await a.request(1, { k: "double", n: 21 })).toBe(42);
  expect(got).toEqual(Array.from({ length: 100 }, (_, n) => n));
  const failed = await a.request(1, { k: "fail" }).then(
    () => "answered",
    (error: unknown) => (error as Error).message,
  );
  expect(failed).toBe("no such thing");
  a.close();
  b.close();
});

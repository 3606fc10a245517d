import { expect, test } from "bun:test";
import { dealSessions } from "./fleet.ts";

test("session i goes to generator i % generators and endpoint i % endpoints", () => {
  const tokens = Array.from({ length: 10 }, (_, i) => `t${i}`);
  expect(dealSessions(tokens, 3, 2)).toEqual([
    { tokens: ["t0", "t3", "t6", "t9"], sessionEndpoints: [0, 1, 0, 1] },
    { tokens: ["t1", "t4", "t7"], sessionEndpoints: [1, 0, 1] },
    { tokens: ["t2", "t5", "t8"], sessionEndpoints: [0, 1, 0] },
  ]);
});

test("every endpoint gets a like share of the sessions, and one endpoint gets them all", () => {
  const tokens = Array.from({ length: 3_001 }, (_, i) => String(i));
  const perEndpoint = [0, 0, 0];
  for (const share of dealSessions(tokens, 2, 3)) for (const endpoint of share.sessionEndpoints) perEndpoint[endpoint]!++;
  expect(perEndpoint).toEqual([1_001, 1_000, 1_000]);
  expect(dealSessions(tokens, 2, 1).flatMap((share) => share.sessionEndpoints).every((endpoint) => endpoint === 0)).toBe(true);
});

import { expect, test } from "bun:test";
import { TurnBudget } from "./turn-budget.ts";

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test("at most perTurn go on in a turn; the rest go on in later turns, in arrival order", async () => {
  const budget = new TurnBudget(2);
  const started: [caller: number, turn: number][] = [];
  let turn = 0;
  const callers = Array.from({ length: 5 }, async (_, caller) => {
    const wait = budget.take();
    if (wait) await wait;
    started.push([caller, turn]);
  });
  // The first two go on at once, in this turn.
  await Promise.resolve();
  expect(started).toEqual([
    [0, 0],
    [1, 0],
  ]);
  for (let i = 0; i < 3; i++) {
    turn++;
    await nextTurn();
  }
  await Promise.all(callers);
  expect(started.map(([caller]) => caller)).toEqual([0, 1, 2, 3, 4]);
  // Never more than two in one turn.
  const perTurn = new Map<number, number>();
  for (const [, t] of started) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
  for (const count of perTurn.values()) expect(count).toBeLessThanOrEqual(2);
});

test("a later turn with room lets a caller go on at once again", async () => {
  const budget = new TurnBudget(1);
  expect(budget.take()).toBeUndefined();
  const waiting = budget.take();
  expect(waiting).toBeInstanceOf(Promise);
  await waiting;
  await nextTurn();
  expect(budget.take()).toBeUndefined();
});

import { describe, expect, test } from "bun:test";
import { GuildQueue } from "./guild-queue.ts";

/** A promise and the functions that settle it. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe("GuildQueue", () => {
  test("on an idle guild an operation runs at once and answers its value, not a promise", () => {
    const queue = new GuildQueue();
    const ran: string[] = [];
    const value = queue.run(() => (ran.push("op"), 42));
    expect(value).toBe(42);
    expect(ran).toEqual(["op"]);
    expect(queue.idle).toBe(true);
  });

  test("operations arriving while one waits for its commit run after it, in arrival order", async () => {
    const queue = new GuildQueue();
    const order: string[] = [];
    const commit = deferred();
    const write = queue.run(() => commit.promise.then(() => void order.push("write applied")));
    const second = queue.run(() => void order.push("second"));
    const third = queue.run(() => commit.promise.then(() => void order.push("third")));
    const fourth = queue.run(() => void order.push("fourth"));
    expect(second).toBeInstanceOf(Promise);
    expect(order).toEqual([]);
    commit.resolve();
    await Promise.all([write, second, third, fourth]);
    expect(order).toEqual(["write applied", "second", "third", "fourth"]);
    expect(queue.idle).toBe(true);
  });

  test("a call made from inside a running operation runs at once (a re-entrant call), also after a commit", async () => {
    const queue = new GuildQueue();
    const order: string[] = [];
    const commit = deferred();
    const write = queue.run(() =>
      commit.promise.then(() =>
        queue.within(() => {
          order.push("apply");
          expect(queue.run(() => (order.push("nested"), 1))).toBe(1);
          order.push("after nested");
        }),
      ),
    );
    const later = queue.run(() => void order.push("later"));
    commit.resolve();
    await Promise.all([write, later]);
    expect(order).toEqual(["apply", "nested", "after nested", "later"]);
  });

  test("a failed operation answers its error and the next one still runs", async () => {
    const queue = new GuildQueue();
    const commit = deferred();
    const failing = queue.run(() => commit.promise);
    const throwing = queue.run((): string => {
      throw new Error("refused");
    });
    const next = queue.run(() => "next");
    commit.reject(new Error("write failed"));
    const [a, b, c] = await Promise.allSettled([failing, throwing, next]);
    expect((a as PromiseRejectedResult).reason.message).toBe("write failed");
    expect((b as PromiseRejectedResult).reason.message).toBe("refused");
    expect(c).toEqual({ status: "fulfilled", value: "next" });
  });

  test("onIdle runs once the last waiting operation has finished", async () => {
    let idle = 0;
    const queue = new GuildQueue(() => idle++);
    const commit = deferred();
    const write = queue.run(() => commit.promise);
    const after = queue.run(() => expect(idle).toBe(0));
    commit.resolve();
    await Promise.all([write, after]);
    expect(idle).toBe(1);
  });
});

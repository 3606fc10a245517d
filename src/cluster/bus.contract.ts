/**
 * The bus contract (bus.ts), run on every implementation: `bus-ports.test.ts`,
 * `bus-loopback.test.ts` (and the NATS bus's). A `BusPair` is two ends of one link, or the
 * same bus twice, for its path to itself: what one sends its peer, the other receives. A
 * message to itself is handled at once, so the one promise that is only about links (what
 * follows a reply waits for the code awaiting it) is checked as "handled at once" there. Requests here use real request kinds; the handlers under test answer them
 * with whatever the test needs.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { BusError, type Bus, type BusErrorCode, type BusHandlers, type BusPush, type BusReply, type BusRequest } from "./bus.ts";

export interface BusPair {
  a: Bus;
  b: Bus;
  /** Resolves once each end can receive (a NATS subscription known to the server); default: at once. */
  ready?: () => Promise<void>;
}

/** Makes a fresh pair; `timeoutMs` is the request timeout both ends use. */
export type MakePair = (timeoutMs: number) => BusPair;

const CODES: BusErrorCode[] = ["guild-unavailable", "guild-fenced", "guild-moved", "refused", "invalid", "peer-gone", "timeout", "internal"];

const push = (n: number): BusPush => ({ k: "member-added", guildId: "1", userId: String(n) });
const ask = (shardId: number): BusRequest => ({ k: "identify-start", userId: "1", shardId });
const pushed = (message: BusPush): number => Number((message as { userId: string }).userId);

/** Handlers from plain functions (the generic signature of `BusHandlers.request` takes a cast). */
function handlers(onPush: (message: BusPush) => void, onRequest: (message: BusRequest) => unknown): BusHandlers {
  return {
    push: (_from, message) => onPush(message),
    request: <R extends BusRequest>(_from: string, message: R) => onRequest(message) as BusReply<R> | Promise<BusReply<R>>,
  };
}

/**
 * Starts both ends listening. For a bus paired with itself, one listener does both parts:
 * every push reaches both push handlers, and requests are B's to answer.
 */
function listen({ a, b }: BusPair, forA: BusHandlers, forB: BusHandlers): void {
  if (a !== b) {
    b.listen(forB);
    a.listen(forA);
    return;
  }
  a.listen({
    push: (from, message) => {
      forA.push(from, message);
      forB.push(from, message);
    },
    request: forB.request,
  });
}

/** B answers requests with `onRequest`; pushes are ignored on both ends. */
const answeredBy = (pair: BusPair, onRequest: (message: BusRequest) => unknown): void =>
  listen(pair, handlers(() => undefined, () => true), handlers(() => undefined, onRequest));

const failure = (promise: Promise<unknown>): Promise<BusError> =>
  promise.then(
    () => {
      throw new Error("the request was answered; a failure was expected");
    },
    (error: unknown) => {
      if (!(error instanceof BusError)) throw error;
      return error;
    },
  );

export function busContract(name: string, makePair: MakePair): void {
  describe(`bus contract: ${name}`, () => {
    let pair: BusPair;
    const open = async (timeoutMs = 2_000): Promise<BusPair> => {
      pair = makePair(timeoutMs);
      await pair.ready?.();
      return pair;
    };

    afterEach(() => {
      pair.a.close();
      pair.b.close();
    });

    test("pushes arrive in the order they were sent, each once", async () => {
      const { a, b } = await open();
      const got: number[] = [];
      listen(pair, handlers(() => undefined, () => true), handlers((message) => void got.push(pushed(message)), () => true));
      for (let n = 0; n < 1_000; n++) a.send(b.self, push(n));
      // A request after the pushes is answered after they are handled: it is the barrier.
      await a.request(b.self, ask(0));
      expect(got).toEqual(Array.from({ length: 1_000 }, (_, n) => n));
    });

    test("a request gets its own reply, sync or async, in any order of completion", async () => {
      const { a, b } = await open();
      answeredBy(pair, (message) => {
        const shardId = (message as { shardId: number }).shardId;
        return shardId % 2 === 0 ? shardId : new Promise((resolve) => setTimeout(() => resolve(shardId), 20 - shardId));
      });
      const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => a.request(b.self, ask(i))));
      expect(replies as unknown[]).toEqual(Array.from({ length: 10 }, (_, i) => i));
    });

    test("bigints (permission bitfields) cross intact, both ways, among plain data", async () => {
      const { a, b } = await open();
      let received: BusRequest | undefined;
      answeredBy(pair, (message) => {
        received = message;
        return { id: "7", permissions: 1n << 63n, name: "mods" };
      });
      const guild = { id: "1", name: "g", ownerId: "2", icon: null, createdAt: 0 };
      const everyone = { id: "1", guildId: "1", name: "@everyone", permissions: (1n << 62n) + 1n, position: 0, hoist: false, color: 0, mentionable: false };
      const request: BusRequest = { k: "owner", op: "createGuild", args: [guild, everyone, undefined, 5] };
      const reply = await a.request(b.self, request);
      expect(received).toEqual(request);
      expect(reply as unknown).toEqual({ id: "7", permissions: 1n << 63n, name: "mods" });
    });

    test("a request that cannot be sent fails with internal; the link goes on", async () => {
      const { a, b } = await open();
      answeredBy(pair, (message) => (message as { shardId: number }).shardId);
      // A message to itself is not copied: only a link can refuse one.
      if (a === b) return;
      const unclonable = { k: "identify-start", userId: "1", shardId: () => 0 } as unknown as BusRequest;
      expect((await failure(a.request(b.self, unclonable))).code).toBe("internal");
      expect((await a.request(b.self, ask(4))) as unknown).toBe(4);
    });

    test("every coded error crosses intact; any other failure is internal, with no detail", async () => {
      const { a, b } = await open();
      answeredBy(pair, (message) => {
        const i = (message as { shardId: number }).shardId;
        if (i === CODES.length) throw new TypeError("secret detail at /some/path");
        if (i === CODES.length + 1) return Promise.reject(new BusError("invalid", "refused later", { field: "x" }));
        throw new BusError(CODES[i] as BusErrorCode, `failed with ${CODES[i]}`, { guildId: "42", max: i });
      });
      for (const [i, code] of CODES.entries()) {
        const error = await failure(a.request(b.self, ask(i)));
        expect({ code: error.code, message: error.message, data: error.data }).toEqual({
          code,
          message: `failed with ${code}`,
          data: { guildId: "42", max: i },
        });
      }
      const internal = await failure(a.request(b.self, ask(CODES.length)));
      expect({ code: internal.code, message: internal.message }).toEqual({ code: "internal", message: "internal error" });
      const later = await failure(a.request(b.self, ask(CODES.length + 1)));
      expect({ code: later.code, data: later.data }).toEqual({ code: "invalid", data: { field: "x" } });
    });

    test("what follows a reply on a link waits for the code awaiting it (a bus to itself: handled at once instead)", async () => {
      const { a, b } = await open();
      if (a === b) {
        const got: number[] = [];
        a.listen(handlers((message) => void got.push(pushed(message)), () => true));
        a.send(a.self, push(7));
        expect(got).toEqual([7]);
        return;
      }
      // B answers, then at once sends an event that depends on the answer (as an owner
      // answers a join and then publishes to the topic it gave).
      let joined = false;
      const seen: boolean[] = [];
      const arrived = new Promise<void>((resolve) => {
        listen(
          pair,
          handlers(
            () => {
              seen.push(joined);
              resolve();
            },
            () => true,
          ),
          handlers(
            () => undefined,
            () => {
              queueMicrotask(() => b.send(a.self, push(1)));
              return "joined";
            },
          ),
        );
      });
      expect((await a.request(b.self, ask(0))) as unknown).toBe("joined");
      joined = true;
      await arrived;
      expect(seen).toEqual([true]);
    });

    test("a request nobody answers fails with timeout, not a hang", async () => {
      const { a, b } = await open(100);
      answeredBy(pair, () => new Promise(() => undefined));
      const error = await failure(a.request(b.self, ask(0)));
      expect(error.code).toBe("timeout");
    });

    test("a peer that is gone fails requests at once with peer-gone: those waiting and those after", async () => {
      const { a, b } = await open(60_000);
      answeredBy(pair, () => new Promise(() => undefined));
      const waiting = failure(a.request(b.self, ask(0)));
      await Bun.sleep(0);
      b.close();
      const started = performance.now();
      expect((await waiting).code).toBe("peer-gone");
      expect((await failure(a.request(b.self, ask(1)))).code).toBe("peer-gone");
      // "At once": long before the 60 s timeout.
      expect(performance.now() - started).toBeLessThan(30_000);
    });

    test("the counters say what crossed, by kind", async () => {
      const { a, b } = await open();
      answeredBy(pair, () => true);
      for (let n = 0; n < 5; n++) a.send(b.self, push(n));
      await a.request(b.self, ask(0));
      expect(a.stats.sent.get("member-added")).toBeGreaterThanOrEqual(5);
      expect(b.stats.received.get("member-added")).toBeGreaterThanOrEqual(5);
      expect(a.stats.sent.get("identify-start")).toBeGreaterThanOrEqual(1);
      expect(a.stats.received.get("reply")).toBeGreaterThanOrEqual(1);
    });
  });
}

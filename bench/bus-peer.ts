/** The other end of bench/bus.bench.ts: a worker with one bus link back to the main thread. */
import type { BusReply, BusRequest } from "../src/cluster/bus.ts";
import { PortBus } from "../src/cluster/bus-ports.ts";

declare const self: Worker;

self.onmessage = (event: MessageEvent<{ port: MessagePort }>) => {
  const bus = new PortBus("bench/1", new Map([["bench/0", event.data.port]]));
  let received = 0;
  bus.listen({
    push: () => void received++,
    // "stats" answers how many pushes arrived since the last time; any other request, true (an echo).
    request: <R extends BusRequest>(_from: string, message: R): BusReply<R> => {
      if (message.k !== "stats") return true as BusReply<R>;
      const count = received;
      received = 0;
      return count as unknown as BusReply<R>;
    },
  });
  self.postMessage("ready");
};

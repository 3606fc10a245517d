/** The other end of bench/bus.bench.ts: a worker with one bus link back to the main thread. */
import { workerBus } from "../src/cluster/delivery.ts";

declare const self: Worker;

self.onmessage = (event: MessageEvent<{ port: MessagePort }>) => {
  const bus = workerBus(1, [event.data.port, null]);
  let received = 0;
  bus.listen({
    push: () => void received++,
    request: (_from, message) => {
      if (message.k === "count") {
        const count = received;
        received = 0;
        return count;
      }
      return message.n;
    },
  });
  self.postMessage("ready");
};

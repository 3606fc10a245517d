/** The gateway on Bun.serve, in the test process. */
import { startBunTransport } from "../../src/transport/bun.ts";
import { startTestServer, type HarnessFactory } from "./harness.ts";

export const bunHarness: HarnessFactory = {
  name: "Bun.serve",
  async start(setup) {
    const { server, store } = startTestServer(setup, startBunTransport);
    const { hostname, port } = server.transport;
    return {
      gatewayUrl: server.gatewayUrl,
      httpBase: `http://${hostname}:${port}`,
      putUser: async (user) => store.putUser(user),
      dispatch: async (topic, t, dJson) => void server.sessions.publishTopics([topic], t, dJson),
      disconnectUser: async (userId, code, reason) => server.sessions.disconnectUser(userId, code, reason),
      stop: () => server.stop(),
    };
  },
};

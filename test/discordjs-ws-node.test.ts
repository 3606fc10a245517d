import { nodeHarness } from "./support/node-harness.ts";
import { discordjsWsConformance } from "./discordjs-ws.case.ts";

discordjsWsConformance(nodeHarness);

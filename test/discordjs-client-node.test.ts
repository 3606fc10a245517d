import { nodeHarness } from "./support/node-harness.ts";
import { discordjsClientConformance } from "./discordjs-client.case.ts";

discordjsClientConformance(nodeHarness);

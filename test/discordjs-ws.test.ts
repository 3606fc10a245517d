import { bunHarness } from "./support/bun-harness.ts";
import { discordjsWsConformance } from "./discordjs-ws.case.ts";

discordjsWsConformance(bunHarness);

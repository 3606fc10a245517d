import { bunHarness } from "./support/bun-harness.ts";
import { discordjsClientConformance } from "./discordjs-client.case.ts";

discordjsClientConformance(bunHarness);

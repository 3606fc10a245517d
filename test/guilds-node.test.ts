import { nodeHarness } from "./support/node-harness.ts";
import { guildsContract } from "./guilds.case.ts";

guildsContract(nodeHarness);

import { bunHarness } from "./support/bun-harness.ts";
import { guildsContract } from "./guilds.case.ts";

guildsContract(bunHarness);

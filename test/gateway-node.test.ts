import { nodeHarness } from "./support/node-harness.ts";
import { backpressureContract } from "./backpressure.case.ts";
import { gatewayContract } from "./gateway.case.ts";
import { hostileHttpContract } from "./hostile-http.case.ts";
import { transportContract } from "./transport.case.ts";

gatewayContract(nodeHarness);
backpressureContract(nodeHarness);
transportContract(nodeHarness);
hostileHttpContract(nodeHarness);

import { bunHarness } from "./support/bun-harness.ts";
import { backpressureContract } from "./backpressure.case.ts";
import { gatewayContract } from "./gateway.case.ts";
import { hostileHttpContract } from "./hostile-http.case.ts";
import { transportContract } from "./transport.case.ts";

gatewayContract(bunHarness);
backpressureContract(bunHarness);
transportContract(bunHarness);
hostileHttpContract(bunHarness);

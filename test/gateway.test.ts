import { startBunTransport } from "../src/transport/bun.ts";
import { gatewayContract } from "./gateway.case.ts";

gatewayContract("Bun.serve", startBunTransport);

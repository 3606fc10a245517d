import { startBunTransport } from "../src/transport/bun.ts";
import { discordjsWsConformance } from "./discordjs-ws.case.ts";

discordjsWsConformance("Bun.serve", startBunTransport);

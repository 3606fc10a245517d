/**
 * `npm run cluster -- --nodes 3 [--workers 1] [--port 8080]`: a guildgate cluster on this
 * machine (scripts/local-cluster.ts), running until Ctrl-C, which stops every node (each
 * leaves the cluster and drains), NATS and PostgreSQL, and removes their files.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startLocalCluster } from "./local-cluster.ts";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "3" },
    workers: { type: "string", default: "1" },
    port: { type: "string", default: "8080" },
  },
});
const count = (name: string, value: string, max: number): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    console.error(`--${name} must be an integer from 1 to ${max}, got "${value}"`);
    process.exit(2);
  }
  return n;
};
const nodes = count("nodes", values.nodes, 16);
const workers = count("workers", values.workers, 32);
const basePort = count("port", values.port, 65535 - nodes);

console.log(`starting NATS, PostgreSQL and ${nodes} node${nodes === 1 ? "" : "s"}...`);
const logDir = mkdtempSync(join(tmpdir(), "guildgate-cluster-logs-"));
const cluster = await startLocalCluster({ nodes, workers, basePort, logDir });
console.log(`
NATS        ${cluster.nats.url} (monitoring ${cluster.nats.monitorUrl}/varz)
PostgreSQL  ${cluster.database}
ingress secret  ${cluster.ingressSecret}
token secret    ${cluster.tokenSecret}
node logs       ${logDir} (kept after Ctrl-C)
`);
for (const node of cluster.nodes) console.log(`${node.id}  ${node.base}   gateway ws${node.base.slice(4)}`);
console.log(`
See the cluster:  curl -H "Authorization: Bearer ${cluster.ingressSecret}" ${cluster.nodes[0]?.base}/cluster
Ctrl-C stops it all.`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping...");
  void cluster.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

// Fails when package.json asks for a dependency by range or tag instead of an exact version:
// a range lets the registry move under the committed lock, and `npm ci` on a fresh clone fails.
// The same for the Python requirements of the SDK suites (`name==version` only); Go modules
// are exact by nature, and go.sum holds their hashes.
import { readFileSync } from "node:fs";

const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const exact = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const loose = [];
for (const field of ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"]) {
  for (const [name, spec] of Object.entries(manifest[field] ?? {})) {
    // An npm alias pins the aliased package: "npm:<name>@<version>".
    const version = spec.startsWith("npm:") ? spec.slice(spec.lastIndexOf("@") + 1) : spec;
    if (!exact.test(version)) loose.push(`${field}.${name}: ${spec}`);
  }
}
const requirements = "test/sdk/discordpy/requirements.txt";
for (const line of readFileSync(new URL(`../${requirements}`, import.meta.url), "utf8").split("\n")) {
  const spec = line.replace(/#.*/, "").trim();
  if (spec !== "" && !/^[A-Za-z0-9._-]+==\d+(\.\d+)*$/.test(spec)) loose.push(`${requirements}: ${spec}`);
}
if (loose.length > 0) {
  console.error(`dependencies must be pinned to exact versions; found:\n  ${loose.join("\n  ")}`);
  process.exit(1);
}
console.log("every dependency is pinned to an exact version");

// Fails when package.json asks for a dependency by range or tag instead of an exact version:
// a range lets the registry move under the committed lock, and `npm ci` on a fresh clone fails.
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
if (loose.length > 0) {
  console.error(`package.json must pin exact versions; found:\n  ${loose.join("\n  ")}`);
  process.exit(1);
}
console.log("every dependency is pinned to an exact version");

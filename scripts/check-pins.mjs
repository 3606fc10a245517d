// Fails when package.json asks for a dependency by range or tag instead of an exact version,
// or when package-lock.json lacks an entry `npm ci` needs: a pinned dependency at its version,
// and every dependency a locked package declares (platform-specific optional ones included,
// peers unless optional) where Node would resolve it. Either way `npm ci` fails on a fresh
// clone: a range lets the registry move under the lock, and a lock holding only this
// platform's optional packages (as one of @napi-rs/cli did) is "Missing: ... from lock file".
// The same for the Python requirements of the SDK suites (`name==version` only); Go modules
// are exact by nature, and go.sum holds their hashes.
import { readFileSync } from "node:fs";

const read = (file) => JSON.parse(readFileSync(new URL(`../${file}`, import.meta.url), "utf8"));
const manifest = read("package.json");
const { packages } = read("package-lock.json");
const exact = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const problems = [];
for (const field of ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"]) {
  for (const [name, spec] of Object.entries(manifest[field] ?? {})) {
    // An npm alias pins the aliased package: "npm:<name>@<version>".
    const version = spec.startsWith("npm:") ? spec.slice(spec.lastIndexOf("@") + 1) : spec;
    if (!exact.test(version)) problems.push(`package.json must pin an exact version: ${field}.${name}: ${spec}`);
    const locked = packages[`node_modules/${name}`]?.version;
    if (field !== "peerDependencies" && locked !== version) problems.push(`${name}: package.json pins ${spec}, the lock has ${locked}`);
  }
}

/** Whether a package at lock path `from` finds `name`, walking up the node_modules folders as Node does. */
function resolves(from, name) {
  for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf("/node_modules/")))) {
    if (packages[`${dir ? `${dir}/` : ""}node_modules/${name}`]) return true;
    if (!dir) return false;
  }
}

for (const [path, entry] of Object.entries(packages)) {
  if (path === "" || entry.link) continue;
  const peers = Object.keys(entry.peerDependencies ?? {}).filter((name) => !entry.peerDependenciesMeta?.[name]?.optional);
  for (const name of [...Object.keys({ ...entry.dependencies, ...entry.optionalDependencies }), ...peers]) {
    if (!resolves(path, name)) problems.push(`${path} needs ${name}, which the lock does not hold`);
  }
}
const requirements = "test/sdk/discordpy/requirements.txt";
for (const line of readFileSync(new URL(`../${requirements}`, import.meta.url), "utf8").split("\n")) {
  const spec = line.replace(/#.*/, "").trim();
  if (spec !== "" && !/^[A-Za-z0-9._-]+==\d+(\.\d+)*$/.test(spec)) problems.push(`${requirements} must pin an exact version: ${spec}`);
}
if (problems.length > 0) {
  console.error(`a fresh clone would not install exactly this:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("every dependency is pinned to an exact version, and the lock holds all that npm ci needs");

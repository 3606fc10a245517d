#!/usr/bin/env bash
# Every suite: Rust (cargo test), the build (addon + binary + Node bundle),
# Bun (bun test: unit, Workers, binary, and the contract suites on both
# transports; the uWebSockets.js ones run the gateway under node), Node
# (node --test smoke). Ends with one
# line "N passed, N failed" summing them all; exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bun=node_modules/.bin/bun
log=$(mktemp -d)
passed=0
failed=0
status=0

count() { # count <log> <regex with one number group>
  local n
  n=$(grep -oE "$2" "$1" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
  echo "$n"
}

# The PostgreSQL suites use GUILDGATE_TEST_DATABASE (.ci/run sets it); without it, a private
# server is started here for this run. If that fails too, those suites fail (they never skip).
if [ -z "${GUILDGATE_TEST_DATABASE:-}" ]; then
  pgdir=$(mktemp -d)
  if url=$(bash scripts/postgres.sh start "$pgdir"); then
    export GUILDGATE_TEST_DATABASE=$url
    trap 'bash scripts/postgres.sh stop "$pgdir"' EXIT
  else
    echo "PostgreSQL could not be started here: its suites will fail" >&2
    rm -rf "$pgdir"
  fi
fi

echo "== cargo test (native/)"
cargo test --release --manifest-path native/Cargo.toml 2>&1 | tee "$log/cargo" || status=1
passed=$((passed + $(count "$log/cargo" '[0-9]+ passed')))
failed=$((failed + $(count "$log/cargo" '[0-9]+ failed')))

echo "== build: addon, binary, Node bundle"
if ! { npm run --silent build && $bun build --target=node src/native.ts --outdir dist/node; } >"$log/build" 2>&1; then
  cat "$log/build"
  echo "build failed"
  failed=$((failed + 1))
  echo "$passed passed, $failed failed"
  exit 1
fi

echo "== static checks: exact dependency pins, tsc --noEmit (server, pages), cargo fmt --check"
for check in "node scripts/check-pins.mjs" "node_modules/.bin/tsc --noEmit -p ." "node_modules/.bin/tsc --noEmit -p src/pages" "cargo fmt --check"; do
  if $check >"$log/check" 2>&1; then
    passed=$((passed + 1))
  else
    cat "$log/check"
    echo "FAILED: $check"
    failed=$((failed + 1))
  fi
done

echo "== bun test"
$bun test 2>&1 | tee "$log/bun" || status=1
passed=$((passed + $(count "$log/bun" '^ *[0-9]+ pass$')))
failed=$((failed + $(count "$log/bun" '^ *[0-9]+ fail$')))

echo "== node --test (Node 20 smoke)"
node --test test/node/native-smoke.mjs 2>&1 | tee "$log/node" || status=1
passed=$((passed + $(count "$log/node" '^# pass [0-9]+')))
failed=$((failed + $(count "$log/node" '^# fail [0-9]+')))

rm -rf "$log"
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]

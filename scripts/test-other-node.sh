#!/usr/bin/env bash
# Runs the unit tests and the local (server-less) scenarios once more on each maintained Node LTS
# line (22 and 24), with binaries from the npm registry (scripts/node-binary.sh), so that a change
# that breaks a supported Node fails `npm test` although the machine's own Node is another one.
# The tests against servers and of the CLI run once, on the machine's Node (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
files=(
  test/architecture/*.test.ts test/core/*.test.ts test/properties/*.test.ts test/state/*.test.ts
  test/backends/*.test.ts test/platform/*.test.ts test/engine/*.test.ts
  test/conformance/local.test.ts test/conformance/memory.test.ts
  test/scenarios/local.test.ts test/scenarios/renames-local.test.ts test/scenarios/safety-local.test.ts
)
status=0
for version in ${FERRY_TEST_NODE_VERSIONS:-22 24}; do
  node_bin=$(bash scripts/node-binary.sh "$version")
  echo "unit tests and local scenarios on Node $("$node_bin" --version)"
  "$node_bin" --import tsx --test --test-timeout=300000 "${files[@]}" || status=1
done
exit $status

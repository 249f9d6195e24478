#!/usr/bin/env bash
# The tests that need neither root nor test servers (`npm run test:local`, docs/testing.md): the
# pure core and its properties, the architecture rules, the conformance suite on the local-folder,
# memory and example backends, and the CLI tests that work on local folders only. Builds dist/
# first (the CLI tests run the built command). Runs as any user; installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob

if [ ! -d node_modules ]; then
  echo "test-local.sh: node_modules is missing: run npm ci first" >&2
  exit 1
fi
npm run build

# CLI tests that reach a test server (through test/support's server facts and remote targets, or
# test/ftp and test/sftp helpers) or switch
# to another user (setpriv/runuser need root) are left to `npm test`; every other CLI test works
# on local folders and runs here, so a new one joins this tier by itself.
cli=()
for file in test/cli/*.test.ts; do
  if ! grep -qE "support/(test-servers|remote-cli-targets|fault-targets)\.js|'\.\./(ftp|sftp)/|setpriv|runuser" "$file"; then cli+=("$file"); fi
done

files=(
  test/architecture/*.test.ts test/core/*.test.ts test/properties/*.test.ts
  test/conformance/local.test.ts test/conformance/memory.test.ts test/conformance/example-backend/*.test.ts
  "${cli[@]}"
)
# Node 20 does not expand globs after --test: the shell does.
node --import tsx --test --test-timeout=300000 "${files[@]}"

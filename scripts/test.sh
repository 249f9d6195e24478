#!/usr/bin/env bash
# The whole test suite, as the README's test command (`npm test`) runs it:
# installs what is missing, builds, starts the loopback test servers, runs every test file,
# and stops the servers again. Safe to run on a fresh Debian machine as root.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ]; then npm ci; fi
# Lint and layout first: a violation fails the run before the long part starts.
npm run lint
npm run format:check
npm run build
bash scripts/test-tools.sh

# Every server script in scripts/servers/ is started; tests of a server that failed to start fail
# (loudly), they are never skipped. Servers that were already running (a developer's own) are
# left running at the end; only those started here are stopped.
started=()
stop_servers() {
  for name in "${started[@]}"; do bash "scripts/servers/$name.sh" stop >/dev/null 2>&1 || true; done
}
trap stop_servers EXIT
shopt -s nullglob globstar
for script in scripts/servers/*.sh; do
  name=$(basename "$script" .sh)
  echo "starting test server: $name"
  if output=$(bash "$script" start 2>&1); then
    echo "$output"
    case "$output" in *"already running"*) ;; *) started+=("$name") ;; esac
  else
    echo "$output" >&2
    echo "test server $name failed to start (its tests will fail)" >&2
  fi
done

# The unit tests and local scenarios also on Node 22 and 24 (scripts/test-other-node.sh); a
# failure there fails the run once the main run is done.
other_node_status=0
bash scripts/test-other-node.sh || other_node_status=1

files=(test/**/*.test.ts)
# Node 20 does not expand globs after --test: the shell does. --test-force-exit: a test file whose
# tests all finished ends even when a socket of its own test proxies is still open (seen now and
# then after fault-proxy trials); without it such a file hung until the 300 s timeout failed it.
# ferry itself runs in child processes there, whose exit the tests wait for and assert.
node --import tsx --test --test-force-exit --test-timeout=300000 "${files[@]}"
# The FTP/FTPS and SFTP backends once more with every speed trick off (src/core/speed-tricks.ts):
# the plain paths must keep the backend contract too.
FERRY_NO_SPEED_TRICKS=all node --import tsx --test --test-force-exit --test-timeout=300000 test/conformance/ftp-*.test.ts test/conformance/sftp.test.ts
# The core unit and property tests again with every speed trick off (docs/design.md, "Speed
# tricks"): the plain paths must give the same results.
FERRY_NO_SPEED_TRICKS=all node --import tsx --test --test-timeout=300000 test/core/*.test.ts test/properties/*.test.ts
exit $other_node_status

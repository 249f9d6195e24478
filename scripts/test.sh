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

# Every phase below runs even when an earlier one failed, its output kept in a log; the run ends
# with one summary of every phase and the tests that failed in it, so the last lines of a long
# run's output say what broke (a CI page often shows only the tail).
logs=$(mktemp -d "${TMPDIR:-/tmp}/ferry-test.XXXXXX")
phases=()
statuses=()
# run_phase NAME COMMAND...: runs the command, its output both shown and kept in $logs/NAME.log.
run_phase() {
  local name=$1
  shift
  echo "=== test phase: $name"
  local status=0
  "$@" 2>&1 | tee "$logs/$name.log" || status=$?
  phases+=("$name")
  statuses+=("$status")
}

# The unit tests and local scenarios also on Node 22 and 24 (scripts/test-other-node.sh).
run_phase other-node bash scripts/test-other-node.sh

files=(test/**/*.test.ts)
# Node 20 does not expand globs after --test: the shell does. --test-force-exit: a test file whose
# tests all finished ends even when a socket of its own test proxies is still open (seen now and
# then after fault-proxy trials); without it such a file hung until the 300 s timeout failed it.
# ferry itself runs in child processes there, whose exit the tests wait for and assert.
run_phase main node --import tsx --test --test-force-exit --test-timeout=300000 "${files[@]}"
# The FTP/FTPS and SFTP backends once more with every speed trick off (src/core/speed-tricks.ts):
# the plain paths must keep the backend contract too.
run_phase conformance-tricks-off env FERRY_NO_SPEED_TRICKS=all node --import tsx --test --test-force-exit --test-timeout=300000 \
  test/conformance/ftp-*.test.ts test/conformance/sftp.test.ts
# The core unit and property tests again with every speed trick off (docs/design.md, "Speed
# tricks"): the plain paths must give the same results.
run_phase core-tricks-off env FERRY_NO_SPEED_TRICKS=all node --import tsx --test --test-timeout=300000 test/core/*.test.ts test/properties/*.test.ts

echo
echo "=== summary (logs in $logs)"
overall=0
for i in "${!phases[@]}"; do
  name=${phases[$i]}
  if [ "${statuses[$i]}" = 0 ]; then
    echo "passed: $name"
  else
    overall=1
    echo "FAILED: $name (exit ${statuses[$i]})"
    # The reporters print a failed test as `not ok N - name` (TAP) or `✖ name` (spec); the
    # file-level lines name the test file.
    grep -E '^\s*not ok |✖ |^unit tests and local scenarios on' "$logs/$name.log" | head -40 || true
  fi
done
# The logs are kept only when something failed.
if [ "$overall" = 0 ]; then rm -rf "$logs"; fi
exit $overall

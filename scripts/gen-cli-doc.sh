#!/usr/bin/env bash
# Regenerates docs/cli.md from the built CLI's --help texts (run `npm run build` first).
# `--resolve` defaults to `skip` here, since the help is generated without a terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
ferry() { COLUMNS=80 node dist/bin/ferry.js "$@" </dev/null; }
{
  echo '# Command line reference'
  echo
  echo 'Generated from `ferry --help` by `scripts/gen-cli-doc.sh`; each command also has'
  echo '`ferry COMMAND --help`. On a terminal the default of `--resolve` is `ask`; elsewhere it is `skip`.'
  echo
  echo '## ferry '
  echo
  echo '```'
  ferry --help
  echo '```'
  for command in upload download sync watch run scan tree doctor completion demo; do
    echo
    echo "## ferry $command"
    echo
    echo '```'
    ferry "$command" --help
    echo '```'
  done
} > docs/cli.md

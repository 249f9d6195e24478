#!/usr/bin/env bash
# Formats every source file with prettier in one commit of its own, then lists that commit in
# .git-blame-ignore-revs so `git blame` looks through it. Run on a clean tree, once branches
# written before the formatter existed are in.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "$(git status --porcelain)" ]; then echo "commit or discard your changes first" >&2; exit 1; fi
npm run format
if [ -z "$(git status --porcelain)" ]; then echo "already formatted"; exit 0; fi
npm run typecheck
git commit -qam "Code laid out by prettier (no change in behaviour)"
git rev-parse HEAD >> .git-blame-ignore-revs
git add .git-blame-ignore-revs
git commit -qm "git blame looks through the prettier commit"
echo "formatted: $(git show --stat --format= HEAD~1 | tail -1)"

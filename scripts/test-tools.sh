#!/usr/bin/env bash
# Installs the terminal tools some tests drive ferry through (tmux for live screens, zsh and fish
# for the completion scripts, util-linux's script and setpriv for terminals and unprivileged runs), when any
# is missing. Run by scripts/test.sh; tests that need a missing tool fail naming this script.
set -euo pipefail
name=test-tools
source "$(dirname "$0")/servers/lib/ftp-server-lib.sh"

missing=()
command -v tmux >/dev/null || missing+=(tmux)
command -v zsh >/dev/null || missing+=(zsh)
command -v fish >/dev/null || missing+=(fish)
command -v script >/dev/null || missing+=(bsdutils)
command -v setpriv >/dev/null || missing+=(util-linux)
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt_install "${missing[@]}"
fi

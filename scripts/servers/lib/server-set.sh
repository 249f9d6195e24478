# Where a checkout's set of test servers lives, and who its users are. Sourced by every server
# script (through ftp-server-lib.sh, or directly by sshd.sh), never run.
#
# Any number of checkouts may run their test servers at once on one machine, wherever they live
# (a 0700 home, a `mktemp -d` folder): nothing a server reads or writes is inside the checkout.
#
#   <checkout>/.test-servers/<name>.json     the facts the tests read (only the tests read them)
#   $set_dir = $set_root/<set id>/            configs, keys, logs, data roots, the users' homes
#   $set_root = $FERRY_TEST_SERVERS_ROOT, default /var/tmp/ferry-test-servers (made 0755, root's)
#
# The set id is a hash of the facts folder's real path: a worktree whose .test-servers is a link to
# another checkout's uses that checkout's set. Each set has its own unix users (sshd and vsftpd log
# in system users): ferry-sftp-<set id> and ferry-ftp-<set id> (the FTP servers' virtual users
# have the same name). Ports come from choose_slot / free_port as before.

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
servers="$repo/.test-servers"
mkdir -p "$servers"
set_id="$(printf '%s' "$(cd "$servers" && pwd -P)" | sha256sum | cut -c1-8)"
set_root="${FERRY_TEST_SERVERS_ROOT:-/var/tmp/ferry-test-servers}"
set_dir="$set_root/$set_id"
sftp_user="ferry-sftp-$set_id"
ftp_user="ferry-ftp-$set_id"

# Prints the first folder of $1 (itself or a parent) that other users cannot enter, if any.
closed_folder() {
  local path="$1"
  while [[ -n "$path" && "$path" != "/" ]]; do
    if [[ -d "$path" ]] && (( (8#$(stat -c %a "$path")) % 2 == 0 )); then echo "$path"; fi
    path="$(dirname "$path")"
  done | tail -n 1
}

# Creates $set_dir (and $set_root) with modes the servers' users can enter, or exits with one line
# naming the folder to fix. $set_root must be root's and not writable by others: in a shared
# /var/tmp anyone could otherwise have made it first and steer where root writes.
ensure_set_dir() {
  local who="${name:-server}.sh" closed
  if [[ ! -d "$set_root" ]]; then
    mkdir -p "$set_root"
    chmod 755 "$set_root"
  fi
  if [[ "$(stat -c %u "$set_root")" != 0 ]] || (( (8#$(stat -c %a "$set_root")) & 8#022 )); then
    echo "$who: $set_root must belong to root and be writable by root only: remove it, or set FERRY_TEST_SERVERS_ROOT to another folder" >&2
    exit 1
  fi
  closed="$(closed_folder "$set_root")"
  if [[ -n "$closed" ]]; then
    echo "$who: the test servers' users cannot enter $closed: open it (chmod o+x $closed), or set FERRY_TEST_SERVERS_ROOT to a folder every user can enter" >&2
    exit 1
  fi
  mkdir -p "$set_dir"
  chmod 755 "$set_dir"
  # For people wondering which checkout a set folder belongs to.
  [[ -f "$set_dir/checkout" ]] || echo "$repo" >"$set_dir/checkout"
}

# Creates the set's unix user `$1` with home `$2` (a folder of the set) and login shell `$4`, or
# points an existing one there, and sets its password `$3`.
ensure_set_user() {
  local user="$1" home="$2" password="$3" shell="$4"
  if ! id "$user" >/dev/null 2>&1; then
    useradd --no-create-home --home-dir "$home" --shell "$shell" --comment "ferry test servers" "$user"
  elif [[ "$(getent passwd "$user" | cut -d: -f6)" != "$home" ]]; then
    usermod --home "$home" "$user"
  fi
  echo "$user:$password" | chpasswd
}

# Removes the set's unix user `$1` (at stop: the set's data is gone, so is its user). A user some
# process still runs as (a lingering session) is kept, with a warning.
remove_set_user() {
  local user="$1"
  id "$user" >/dev/null 2>&1 || return 0
  userdel "$user" >/dev/null 2>&1 || echo "${name:-server}.sh: kept the user $user (still in use)" >&2
}

# Shared helpers of the FTP test server scripts (proftpd.sh, pure-ftpd.sh, vsftpd.sh, pyftpdlib.sh).
# Sourced, not run. The caller sets `name` (server name) before sourcing.
#
# Every server runs as root on Debian 12 without systemd, in the foreground, started in the
# background on 127.0.0.1 with a private config under $set_dir/<name>/ (outside the checkout, see
# server-set.sh), and is stopped by PID.

# shellcheck source=server-set.sh
source "$(dirname "${BASH_SOURCE[0]}")/server-set.sh"
dir="$set_dir/$name"
facts="$servers/$name.json"
pidfile="$dir/$name.pid"
log_file="$dir/$name.log"
# Packages unpacked with dpkg -x (Debian allows only one ftp-server package installed at a time),
# shared by every set: each is unpacked into a temporary folder and renamed into place.
pkgs="$set_root/pkgs"
# One self-signed certificate for every FTPS server of the set; it is its own CA.
certdir="$set_dir/ftp-cert"
cert="$certdir/cert.pem"
key="$certdir/key.pem"

# Test account of every FTP server of the set (virtual users, except vsftpd which needs a unix
# user: $ftp_user, from server-set.sh).
ftp_password="ferry-ftp-pw"

log() { echo "$name.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# A killed daemon can stay a zombie here (PID 1 does not reap), so "gone or Z" counts as dead.
alive() {
  local pid="$1" state
  [[ -n "$pid" && -r "/proc/$pid/stat" ]] || return 1
  state="$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1 || true)"
  [[ -n "$state" && "$state" != "Z" ]]
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Several checkouts (a developer's tree, CI's fresh clone) may run these servers at once, so each
# server takes the first free "slot" 0-9: its control ports are the base ports + 100 * slot and its
# passive ports the base range + 1000 * slot. Sets $slot; dies when all slots are taken.
# Passive port ranges (22000 + 1000 per slot, below Linux's ephemeral range of 32768-60999): on
# loopback the client's own data sockets get ephemeral ports on the same address, and one of
# them in TIME_WAIT on a passive port made proftpd refuse EPSV ("425 Address already in use")
# every few thousand small uploads.
choose_slot() {
  local candidate port free
  for candidate in 0 1 2 3 4 5 6 7 8 9; do
    free=1
    for port in "$@"; do
      if port_open "$((port + 100 * candidate))"; then free=0; break; fi
    done
    if [[ $free == 1 ]]; then slot=$candidate; return 0; fi
  done
  die "no free ports for $name: $* (+100..900) are all in use"
}

# Waits until every given port answers, or dies showing the log.
wait_ports() {
  local pid="$1"; shift
  local port
  for port in "$@"; do
    for _ in $(seq 1 100); do
      port_open "$port" && break
      if ! alive "$pid"; then log "daemon exited at start, see $log_file"; tail -n 15 "$log_file" >&2; exit 1; fi
      sleep 0.1
    done
    port_open "$port" || die "daemon did not open port $port, see $log_file"
  done
}

# apt-get install, running apt-get update only when the package lists are stale or missing.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  local opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=300)
  local apt_log="$servers/apt.log"
  if ! apt-get install "${opts[@]}" "$@" >>"$apt_log" 2>&1; then
    apt-get update -q -o DPkg::Lock::Timeout=300 >>"$apt_log" 2>&1 || true
    apt-get install "${opts[@]}" "$@" >>"$apt_log" 2>&1 || die "apt-get install $* failed, see $apt_log"
  fi
}

# True when every given Debian package is installed.
installed() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || return 1
  done
}

# Unpacks a Debian package into $pkgs/<pkg> without installing it (it would conflict with proftpd).
# Several sets may start at once: downloads and unpacks go to private folders, renamed into place.
unpack_deb() {
  local pkg="$1"
  local dest="$pkgs/$pkg"
  [[ -f "$dest/.unpacked" ]] && return 0
  mkdir -p "$pkgs/debs"
  local deb work apt_log="$servers/apt.log"
  deb="$(ls "$pkgs/debs/${pkg}_"*.deb 2>/dev/null | head -n 1 || true)"
  work="$(mktemp -d "$pkgs/.$pkg.XXXXXX")"
  if [[ -z "$deb" ]]; then
    log "downloading $pkg"
    # apt's sandbox user cannot write under /work or /root: download as root, quietly.
    if ! (cd "$work" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >>"$apt_log" 2>&1); then
      apt-get update -q >>"$apt_log" 2>&1 || true
      (cd "$work" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >>"$apt_log" 2>&1) || { rm -rf "$work"; die "apt-get download $pkg failed, see $apt_log"; }
    fi
    deb="$(ls "$work/${pkg}_"*.deb | head -n 1)"
    mv "$deb" "$pkgs/debs/"
    deb="$pkgs/debs/$(basename "$deb")"
  fi
  dpkg -x "$deb" "$work/root"
  touch "$work/root/.unpacked"
  # A folder left half-unpacked by a killed start is replaced; one another set has just finished
  # is as good as ours.
  [[ -d "$dest" && ! -f "$dest/.unpacked" ]] && rm -rf "$dest"
  mv -T "$work/root" "$dest" 2>/dev/null || true
  rm -rf "$work"
  [[ -f "$dest/.unpacked" ]] || die "could not unpack $pkg into $dest"
}

# Self-signed certificate valid for 127.0.0.1 and localhost (Node checks the subjectAltName).
ensure_cert() {
  [[ -s "$cert" && -s "$key" ]] && return 0
  mkdir -p "$certdir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ferry test FTPS" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$key.tmp" -out "$cert.tmp" >/dev/null 2>&1 || die "openssl could not make a certificate"
  chmod 600 "$key.tmp"
  mv "$key.tmp" "$key"
  mv "$cert.tmp" "$cert"
}

# SHA-512 crypt hash of the test password (fast to check, unlike pure-pw's default).
password_hash() { openssl passwd -6 "$ftp_password"; }

# Stops the daemon whose PID is in $pidfile, when that process still runs the program we started
# (daemons rewrite their command line, so the executable is what identifies them).
stop_daemon() {
  local pid file exe
  for file in "$pidfile" "$legacy_pidfile"; do
    [[ -f "$file" ]] || continue
    pid="$(cat "$file")"
    exe="$(cat "$file.exe" 2>/dev/null || true)"
    if alive "$pid" && [[ -n "$exe" && "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$exe" ]]; then
      # setsid made the daemon the leader of its own process group: signal the group, so the
      # per-session children of pure-ftpd, proftpd and vsftpd go too.
      kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
      if alive "$pid"; then kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null || true; fi
      for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
      alive "$pid" && die "could not stop pid $pid"
    fi
    rm -f "$file" "$file.exe"
  done
  rm -f "$facts"
}

# True when our daemon runs and its facts file exists (start is then a no-op).
running() {
  [[ -f "$pidfile" && -f "$facts" ]] && alive "$(cat "$pidfile")"
}

# A server started by an earlier version of these scripts (everything under .test-servers/<name>/
# in the checkout) is kept while it runs, so tests using it are not cut off; stop stops it.
legacy_pidfile="$servers/$name/$name.pid"
legacy_running() {
  [[ -f "$legacy_pidfile" && -f "$facts" ]] && alive "$(cat "$legacy_pidfile")"
}

# Starts a foreground daemon detached from this shell (so the caller's pipes do not stay open).
launch() {
  readlink -f "$1" >"$pidfile.exe"
  # Not a process group leader, so setsid execs the daemon in place: $! is the daemon's PID.
  setsid "$@" >>"$log_file" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

# The data root: owned by `owner`, emptied at each start so tests begin clean (and at stop).
fresh_data_root() {
  local root="$1" owner="$2"
  rm -rf "$root"
  mkdir -p "$root"
  chown "$owner" "$root"
}

# Atomically writes the facts file from stdin.
write_facts() {
  cat >"$facts.tmp"
  mv "$facts.tmp" "$facts"
}

main() {
  case "${1:-}" in
    start)
      ensure_set_dir
      mkdir -p "$dir"
      if running; then log "already running (pid $(cat "$pidfile"))"; return 0; fi
      if legacy_running; then log "already running (pid $(cat "$legacy_pidfile"), from .test-servers/$name/: stop and start it to move it to $set_dir)"; return 0; fi
      stop_daemon
      start_server
      log "running (pid $(cat "$pidfile")), facts in $facts"
      ;;
    stop)
      stop_daemon
      # The test files go with the server; configs and logs stay for a look afterwards.
      rm -rf "$dir/data"
      if declare -F stop_server >/dev/null; then stop_server; fi
      log "stopped"
      ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
  esac
}

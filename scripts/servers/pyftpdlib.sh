#!/usr/bin/env bash
# Loopback pyftpdlib for the FTP tests (plain FTP only).
#
#   bash scripts/servers/pyftpdlib.sh start   # idempotent: reuses a running server
#   bash scripts/servers/pyftpdlib.sh stop    # idempotent: fine when nothing runs
#
# Installs python3-pyftpdlib (it does not conflict with proftpd) and runs
# scripts/servers/lib/pyftpdlib_server.py with Debian's /usr/bin/python3 (the python3 first on PATH
# may be another one without the package) on 127.0.0.1:
#   21024  the normal server (MLSD, MFMT), passive ports 22400-22449
#   21025  the same data root without MFMT: a server with no way to set mtimes, passive 40450-40499
# (+100 and +1000 per other checkout running one, see choose_slot in lib/ftp-server-lib.sh).
# Plain FTP only: pyftpdlib 1.5.7's FTPS resets basic-ftp's data connections (upstream #604).
# Writes .test-servers/pyftpdlib.json.
set -euo pipefail
name=pyftpdlib
# shellcheck source=lib/ftp-server-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/ftp-server-lib.sh"

data="$dir/data"

start_server() {
  installed python3-pyftpdlib || { log "installing python3-pyftpdlib"; apt_install python3-pyftpdlib; }
  choose_slot 21024 21025
  local port=$((21024 + 100 * slot)) nomtime_port=$((21025 + 100 * slot)) pasv=$((22400 + 1000 * slot))
  # pyftpdlib runs as root here and writes as root: the data root needs no particular owner.
  fresh_data_root "$data" root:root
  # Copied into the private folder so stop can recognise the process by its command line.
  cp "$repo/scripts/servers/lib/pyftpdlib_server.py" "$dir/pyftpdlib_server.py"
  launch /usr/bin/python3 -u "$dir/pyftpdlib_server.py" "$port" "$nomtime_port" "$pasv" "$ftp_user" "$ftp_password" "$data"
  wait_ports "$(cat "$pidfile")" "$port" "$nomtime_port"
  write_facts <<EOF2
{
  "name": "pyftpdlib",
  "host": "127.0.0.1",
  "port": $port,
  "noMtimePort": $nomtime_port,
  "user": "$ftp_user",
  "password": "$ftp_password",
  "dataRoot": "$data",
  "remoteRoot": "/",
  "ftps": false,
  "mlsd": true,
  "pid": $(cat "$pidfile"),
  "log": "$log_file"
}
EOF2
}

main "$@"

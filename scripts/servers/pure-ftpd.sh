#!/usr/bin/env bash
# Loopback Pure-FTPd for the FTP and FTPS tests.
#
#   bash scripts/servers/pure-ftpd.sh start   # idempotent: reuses a running server
#   bash scripts/servers/pure-ftpd.sh stop    # idempotent: fine when nothing runs
#
# pure-ftpd conflicts with proftpd-basic (both provide ftp-server), so it is not installed: the
# package is unpacked with `apt-get download` + `dpkg -x` under $set_root/pkgs/. Runs in the
# foreground on 127.0.0.1:21022 with passive ports 22200-22299 (+100 and +1000 per other checkout
# running one, see choose_slot in lib/ftp-server-lib.sh), plain FTP and explicit FTPS
# (-Y 1: TLS optional). Two virtual users in a PureDB written here:
#   ferry-ftp-<set id>  the test account (see lib/server-set.sh)
#   ferrylimited        at most 2 connections at once (the 3rd gets "421"), for the pool back-off test
# Writes .test-servers/pure-ftpd.json.
set -euo pipefail
name=pure-ftpd
# shellcheck source=lib/ftp-server-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/ftp-server-lib.sh"

data="$dir/data"
limited_user="ferrylimited"
limited_max=2

start_server() {
  installed libsodium23 libwrap0 libcap2 || { log "installing pure-ftpd's libraries"; apt_install libsodium23 libwrap0 libcap2; }
  unpack_deb pure-ftpd
  local bin="$pkgs/pure-ftpd/usr/sbin/pure-ftpd"
  local pw="$pkgs/pure-ftpd/usr/bin/pure-pw"
  ensure_cert
  choose_slot 21022
  local port=$((21022 + 100 * slot)) pasv=$((22200 + 1000 * slot))
  local uid gid hash
  uid="$(id -u nobody)"
  gid="$(id -g nobody)"
  fresh_data_root "$data" "$uid:$gid"
  mkdir -p "$data/limited"
  chown "$uid:$gid" "$data/limited"
  hash="$(password_hash)"
  # PureDB source lines: login:hash:uid:gid:gecos:home(/./ = chroot):upload bw:download bw:
  # upload ratio:download ratio:max connections:files quota:size quota:... (pure-pw's format).
  # The hash is written here because pure-pw's default makes every login take seconds.
  {
    echo "$ftp_user:$hash:$uid:$gid::$data/./::::::::::::"
    echo "$limited_user:$hash:$uid:$gid::$data/limited/./:::::$limited_max:::::::"
  } >"$dir/pureftpd.passwd"
  rm -f "$dir/pureftpd.pdb"
  "$pw" mkdb "$dir/pureftpd.pdb" -f "$dir/pureftpd.passwd" >>"$log_file" 2>&1 || die "pure-pw mkdb failed"
  # pure-ftpd wants the certificate and key in one file.
  cat "$key" "$cert" >"$dir/pure-ftpd.pem"
  chmod 600 "$dir/pure-ftpd.pem" "$dir/pureftpd.passwd" "$dir/pureftpd.pdb"
  # -L 1000000:64: without it listings are silently cut at ~10,000 entries.
  # -D -z: list and allow dot files (ferry's temporary names start with a dot).
  # -y 100:0: per-user connection limits are enforced (each user's own limit comes from the PureDB).
  launch "$bin" \
    -S "127.0.0.1,$port" -p "$pasv:$((pasv + 99))" -4 -H -A -E -D -z \
    -l "puredb:$dir/pureftpd.pdb" \
    -L 1000000:64 -U 133:022 -c 200 -C 200 -y 100:0 -f none \
    -Y 1 -2 "$dir/pure-ftpd.pem"
  wait_ports "$(cat "$pidfile")" "$port"
  write_facts <<EOF
{
  "name": "pure-ftpd",
  "host": "127.0.0.1",
  "port": $port,
  "user": "$ftp_user",
  "password": "$ftp_password",
  "limitedUser": "$limited_user",
  "limitedPassword": "$ftp_password",
  "limitedMaxConnections": $limited_max,
  "dataRoot": "$data",
  "remoteRoot": "/",
  "ftps": true,
  "caFile": "$cert",
  "mlsd": true,
  "listsMissingDirAsEmpty": true,
  "pid": $(cat "$pidfile"),
  "log": "$log_file"
}
EOF
}

main "$@"

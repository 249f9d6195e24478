#!/usr/bin/env bash
# Loopback vsftpd for the FTP tests: the LIST-only server (no MLSD, no MFMT).
#
#   bash scripts/servers/vsftpd.sh start   # idempotent: reuses a running server
#   bash scripts/servers/vsftpd.sh stop    # idempotent: fine when nothing runs
#
# vsftpd conflicts with proftpd-basic (both provide ftp-server), so it is not installed: the
# package is unpacked with `apt-get download` + `dpkg -x` under $set_root/pkgs/. It authenticates
# only through PAM, so the set's unix user ferry-ftp-<set id> is created (home: the data root, in
# the set's folder outside the checkout, see lib/server-set.sh) with a private PAM service
# (/etc/pam.d/ferry-test-vsftpd); stop removes it. Runs in the foreground on 127.0.0.1:21023,
# passive ports 22300-22399 (+100 and +1000 per other checkout running one, see choose_slot in
# lib/ftp-server-lib.sh), plain FTP and explicit FTPS. Writes .test-servers/vsftpd.json.
set -euo pipefail
name=vsftpd
# shellcheck source=lib/ftp-server-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/ftp-server-lib.sh"

data="$dir/data"
pam_service="ferry-test-vsftpd"

# vsftpd only authenticates through PAM; a private service keeps the system's untouched. Every
# set uses the same one: written only when it differs, and atomically (a running vsftpd reads it
# at each login).
ensure_pam_service() {
  local file="/etc/pam.d/$pam_service" text
  text="# ferry's loopback test vsftpd (written by scripts/servers/vsftpd.sh)
auth required pam_unix.so
account required pam_unix.so
session required pam_permit.so"
  [[ -f "$file" && "$(cat "$file")" == "$text" ]] && return 0
  echo "$text" >"$file.$$"
  mv "$file.$$" "$file"
}

stop_server() {
  remove_set_user "$ftp_user"
}

start_server() {
  installed libwrap0 libcap2 || { log "installing vsftpd's libraries"; apt_install libwrap0 libcap2; }
  unpack_deb vsftpd
  local bin="$pkgs/vsftpd/usr/sbin/vsftpd"
  ensure_cert
  choose_slot 21023
  local port=$((21023 + 100 * slot)) pasv=$((22300 + 1000 * slot))
  # vsftpd changes into the user's home before its local_root: the home is the data root.
  ensure_set_user "$ftp_user" "$data" "$ftp_password" /usr/sbin/nologin
  fresh_data_root "$data" "$ftp_user:$(id -gn "$ftp_user")"
  ensure_pam_service
  # An empty, root-owned, non-writable folder vsftpd chroots its unprivileged helper into.
  mkdir -p "$dir/empty"
  chmod 755 "$dir/empty"
  local config="$dir/vsftpd.conf"
  # vsftpd exits silently with status 2 on a misspelt option: keep this list exact.
  cat >"$config" <<EOF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$port
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
file_open_mode=0666
local_root=$data
chroot_local_user=YES
allow_writeable_chroot=YES
pam_service_name=$pam_service
secure_chroot_dir=$dir/empty
seccomp_sandbox=NO
pasv_enable=YES
pasv_min_port=$pasv
pasv_max_port=$((pasv + 99))
pasv_address=127.0.0.1
mdtm_write=YES
use_localtime=NO
force_dot_files=YES
utf8_filesystem=YES
max_clients=200
max_per_ip=200
xferlog_enable=NO
vsftpd_log_file=$dir/vsftpd.xfer.log
dual_log_enable=NO
idle_session_timeout=600
# Tests try wrong passwords: no 1 s penalty per try.
delay_failed_login=0
data_connection_timeout=120
ssl_enable=YES
allow_anon_ssl=NO
force_local_data_ssl=NO
force_local_logins_ssl=NO
ssl_tlsv1=YES
ssl_sslv2=NO
ssl_sslv3=NO
require_ssl_reuse=NO
rsa_cert_file=$cert
rsa_private_key_file=$key
EOF
  chown root:root "$config"
  chmod 600 "$config"
  launch "$bin" "$config"
  wait_ports "$(cat "$pidfile")" "$port"
  write_facts <<EOF
{
  "name": "vsftpd",
  "host": "127.0.0.1",
  "port": $port,
  "user": "$ftp_user",
  "password": "$ftp_password",
  "dataRoot": "$data",
  "remoteRoot": "/",
  "ftps": true,
  "caFile": "$cert",
  "mlsd": false,
  "listsMissingDirAsEmpty": true,
  "pid": $(cat "$pidfile"),
  "log": "$log_file"
}
EOF
}

main "$@"

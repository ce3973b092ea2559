#!/usr/bin/env bash
# The migrate lab: two real Samba servers on loopback aliases.
#   LEGACY (127.0.0.21): Windows Server 2003-like, SMB1 only.
#   MODERN (127.0.0.22): SMB2.1..3 target, plus the DFS namespace root \\MODERN\files and
#     shares that require encryption (Sealed, SealedBench).
#   SIGNED (127.0.0.23): a hardened SMB2.1..3 target on which every session must sign.
#   LEGACYDC (127.0.0.24): LEGACY's shares served as a 2003 domain controller does, SMB1 signing required.
#   NASBOX (127.0.0.25): not Samba (impacket's SMB1/SMB2 server) serving a plain folder: no
#     security descriptors, no streams, as a small NAS or a FAT volume.
# Usage: Lab/lab.sh up | seed [--force] | down | restart legacy|modern|signed|legacydc | reset-cutover | status | env
# Idempotent: servers, users and aliases left from an earlier run are reused or replaced.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=${MIGRATE_LAB_ROOT:-/tmp/migrate-lab}
LEGACY_IP=127.0.0.21
MODERN_IP=127.0.0.22
SIGNED_IP=127.0.0.23
LEGACYDC_IP=127.0.0.24
NAS_IP=127.0.0.25
LAB_PASSWORD='Lab-Pass-2003!'
USERS=(labadmin migrator alice bob)

log() { printf 'lab: %s\n' "$*" >&2; }

need_root() {
  [ "$(id -u)" = 0 ] || { log "must run as root (it installs packages and adds loopback addresses)"; exit 2; }
}

install_packages() {
  local missing=()
  command -v smbd >/dev/null || missing+=(samba)
  command -v smbclient >/dev/null || missing+=(smbclient)
  [ -f /usr/include/samba-4.0/libsmbclient.h ] || missing+=(libsmbclient-dev)
  /usr/bin/python3 -c 'import samba.samba3.libsmb_samba_internal' 2>/dev/null || missing+=(python3-samba)
  command -v pkg-config >/dev/null || missing+=(pkg-config)
  [ -f /usr/include/sqlite3.h ] || missing+=(libsqlite3-dev)
  [ -f /usr/include/openssl/evp.h ] || missing+=(libssl-dev)
  command -v ip >/dev/null || missing+=(iproute2)
  /usr/bin/python3 -c 'import impacket.smbserver' 2>/dev/null || missing+=(python3-impacket)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  # The distribution's own smbd would hold port 445 on every address.
  for svc in smbd nmbd samba-ad-dc; do service "$svc" stop >/dev/null 2>&1 || true; done
  pkill -f -- '^/usr/sbin/smbd --foreground --no-process-group$' 2>/dev/null || true
}

# No `ip | grep -q` under pipefail: grep's early exit would fail the pipeline.
has_alias() { [[ "$(ip -o addr show dev lo 2>/dev/null)" == *"inet $1/"* ]]; }

add_alias() {
  has_alias "$1" || ip addr add "$1/32" dev lo
}

render() { # name ip
  local name=$1
  mkdir -p "$ROOT/$name"/{private,lock,state,cache,pid,ncalrpc,log,share}
  sed -e "s#@ROOT@#$ROOT#g" -e "s#@LEGACY_IP@#$LEGACY_IP#g" -e "s#@MODERN_IP@#$MODERN_IP#g" -e "s#@SIGNED_IP@#$SIGNED_IP#g" -e "s#@LEGACYDC_IP@#$LEGACYDC_IP#g" \
    "$HERE/$name.conf.in" > "$ROOT/$name/smb.conf"
  for s in $(sed -n 's/^\[\(.*\)\]$/\1/p' "$ROOT/$name/smb.conf" | grep -v '^global$'); do
    mkdir -p "$ROOT/$name/share/$s"
    # The NT ACL decides (acl_xattr ignores system ACLs); a 755 root would stop normal users' writes.
    chmod 0777 "$ROOT/$name/share/$s"
  done
}

server_pids() { pgrep -f -- "$ROOT/$1/smb.conf" || true; }

stop_server() {
  local pids; pids=$(server_pids "$1")
  [ -z "$pids" ] && return 0
  kill $pids 2>/dev/null || true
  for _ in $(seq 50); do [ -z "$(server_pids "$1")" ] && return 0; sleep 0.1; done
  kill -9 $(server_pids "$1") 2>/dev/null || true
}

wait_port() { # ip
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/$1/445") 2>/dev/null && return 0
    sleep 0.1
  done
  log "server on $1 did not open port 445; see $ROOT/*/log"; return 1
}

start_server() { # name ip
  local name=$1 ip=$2 conf="$ROOT/$1/smb.conf"
  if [ -n "$(server_pids "$name")" ] && (exec 3<>"/dev/tcp/$ip/445") 2>/dev/null; then
    smbcontrol -s "$conf" smbd reload-config >/dev/null 2>&1 || true
    return 0
  fi
  stop_server "$name"
  rm -f "$ROOT/$name"/pid/*.pid
  smbd -D -s "$conf" </dev/null >/dev/null 2>&1
  wait_port "$ip"
}

# Fixed machine SIDs make the servers' local accounts the same on every lab machine,
# so plans and tests can name them (LEGACY2003\\labadmin owns what the seed made).
LEGACY_SID=S-1-5-21-1111111111-2222222222-3333333333
MODERN_SID=S-1-5-21-1444444444-1555555555-1666666666
SIGNED_SID=S-1-5-21-1777777777-1888888888-1999999999

ensure_sid() { # name sid
  local conf="$ROOT/$1/smb.conf" cur
  cur=$(net -s "$conf" getlocalsid 2>/dev/null | awk '{print $NF}')
  if [ "$cur" != "$2" ]; then
    stop_server "$1"
    rm -f "$ROOT/$1/private/passdb.tdb"
    net -s "$conf" setlocalsid "$2" >/dev/null
  fi
}

add_users() { # name
  local conf="$ROOT/$1/smb.conf"
  for u in "${USERS[@]}"; do
    id "$u" >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$u"
    printf '%s\n%s\n' "$LAB_PASSWORD" "$LAB_PASSWORD" | smbpasswd -c "$conf" -s -a "$u" >/dev/null
  done
  # Reading and writing SACLs needs SeSecurityPrivilege (admin users alone is not enough).
  for u in labadmin migrator; do
    net -s "$conf" sam rights grant "$u" SeSecurityPrivilege >/dev/null
  done
  # The server administrator (the plans' `admin:` account): share permissions, sessions and DFS
  # links over srvsvc/netdfs need uid 0 on Samba (SeDiskOperatorPrivilege alone is accepted but
  # not stored), and listing sessions needs BUILTIN\Administrators.
  printf '%s\n%s\n' "$LAB_PASSWORD" "$LAB_PASSWORD" | smbpasswd -c "$conf" -s -a root >/dev/null
  net -s "$conf" groupmap list 2>/dev/null | grep -q 'S-1-5-32-544' \
    || net -s "$conf" groupmap add sid=S-1-5-32-544 unixgroup=root type=builtin >/dev/null
}

write_secrets() {
  mkdir -p "$ROOT/secrets"
  chmod 700 "$ROOT/secrets"
  for u in "${USERS[@]}" root; do
    (umask 077; printf '%s\n' "$LAB_PASSWORD" > "$ROOT/secrets/$u.pw")
  done
}

# Every DFS link points at LEGACY again and every LEGACY share has its original share
# permissions: a cutover (or a test of one) may have switched, frozen or disabled them.
reset_cutover() {
  local d="$ROOT/modern/share/files"
  for s in Finance Projects Users Scratch; do
    ln -sfn "msdfs:$LEGACY_IP\\$s" "$d/$(echo "$s" | tr 'A-Z' 'a-z')"
    [ -n "$(server_pids legacy)" ] || continue
    sharesec -s "$ROOT/legacy/smb.conf" "$s" --replace "$(original_share_acl "$s")" >/dev/null
  done
  # LEGACYDC's Scratch (a cutover test freezes it there).
  if [ -n "$(server_pids legacydc)" ]; then
    sharesec -s "$ROOT/legacydc/smb.conf" Scratch --replace "$(original_share_acl Scratch)" >/dev/null
  fi
}

# Finance and Scratch carry a share ACL of their own (as many 2003 servers did); the rest keep the default.
original_share_acl() {
  case "$1" in
    Finance|Scratch) echo "S-1-1-0:ALLOWED/0/FULL,S-1-5-32-544:ALLOWED/0/FULL" ;;
    *) echo "S-1-1-0:ALLOWED/0/FULL" ;;
  esac
}

nas_pids() { pgrep -f -- "$HERE/nas.py $NAS_IP" || true; }

stop_nas() {
  local pids; pids=$(nas_pids)
  [ -z "$pids" ] && return 0
  kill $pids 2>/dev/null || true
  for _ in $(seq 50); do [ -z "$(nas_pids)" ] && return 0; sleep 0.1; done
  kill -9 $(nas_pids) 2>/dev/null || true
}

# NASBOX's folder: a few files and folders with times, one hidden, as a NAS share holds them.
start_nas() {
  local share="$ROOT/nas/share/NAS"
  mkdir -p "$share/Scans/2011" "$share/Manuals"
  [ -f "$share/readme.txt" ] || printf 'shared drive\n' > "$share/readme.txt"
  [ -f "$share/Scans/2011/invoice-0042.pdf" ] || head -c 20000 /dev/urandom > "$share/Scans/2011/invoice-0042.pdf"
  [ -f "$share/Manuals/printer.pdf" ] || head -c 70000 /dev/urandom > "$share/Manuals/printer.pdf"
  # Larger than a whole-file read: it goes the streaming way (libsmbclient, SMB2 on this server).
  [ -f "$share/Manuals/archive.zip" ] || head -c 6000000 /dev/urandom > "$share/Manuals/archive.zip"
  touch -d '2011-03-04 10:20:30' "$share/Scans/2011/invoice-0042.pdf" "$share/readme.txt"
  if [ -n "$(nas_pids)" ] && (exec 3<>"/dev/tcp/$NAS_IP/445") 2>/dev/null; then return 0; fi
  stop_nas
  NAS_PASSWORD="$LAB_PASSWORD" nohup /usr/bin/python3 "$HERE/nas.py" "$NAS_IP" "$share" migrator \
    </dev/null >"$ROOT/nas/server.out" 2>&1 &
  wait_port "$NAS_IP"
}

cmd_up() {
  need_root
  install_packages
  add_alias "$LEGACY_IP"; add_alias "$MODERN_IP"; add_alias "$SIGNED_IP"; add_alias "$LEGACYDC_IP"; add_alias "$NAS_IP"
  render legacy; render modern; render signed; render legacydc
  write_secrets
  ensure_sid legacy "$LEGACY_SID"; ensure_sid modern "$MODERN_SID"; ensure_sid signed "$SIGNED_SID"; ensure_sid legacydc "$LEGACY_SID"
  add_users legacy; add_users modern; add_users signed; add_users legacydc
  start_server legacy "$LEGACY_IP"
  start_server modern "$MODERN_IP"
  start_server signed "$SIGNED_IP"
  start_server legacydc "$LEGACYDC_IP"
  start_nas
  reset_cutover
  # Everyone who logs on may browse the namespace, as on a Windows DFS root.
  smbcacls "//$MODERN_IP/files" '\' -U "labadmin%$LAB_PASSWORD" --sddl \
    --set 'D:PAI(A;OICI;0x1f01ff;;;SY)(A;OICI;0x1f01ff;;;BA)(A;OICI;0x1200a9;;;AU)' >/dev/null 2>&1 \
    || log "warning: could not set the namespace root's ACL"
  # The old server's Public share: Everyone may change, guests included.
  smbcacls "//$LEGACY_IP/Public" '\' -U "labadmin%$LAB_PASSWORD" --option='client min protocol=NT1' --sddl \
    --set 'D:PAI(A;OICI;0x1f01ff;;;SY)(A;OICI;0x1f01ff;;;BA)(A;OICI;0x1301bf;;;WD)' >/dev/null 2>&1 \
    || log "warning: could not set the Public share's ACL"
  log "up: LEGACY //$LEGACY_IP (SMB1 only), MODERN //$MODERN_IP (SMB2-3, DFS root \\\\$MODERN_IP\\files), SIGNED //$SIGNED_IP (SMB2-3, signing required), LEGACYDC //$LEGACYDC_IP (SMB1, signing required), NASBOX //$NAS_IP (impacket, no descriptors or streams)"
}

cmd_seed() {
  need_root
  [ -n "$(server_pids legacy)" ] || cmd_up
  local force=""
  [ "${1:-}" = "--force" ] && force="--force"
  /usr/bin/python3 "$HERE/seed.py" --root "$ROOT" --host "$LEGACY_IP" $force
}

cmd_down() {
  stop_server legacy; stop_server modern; stop_server signed; stop_server legacydc; stop_nas
  for ip in "$LEGACY_IP" "$MODERN_IP" "$SIGNED_IP" "$LEGACYDC_IP" "$NAS_IP"; do
    if has_alias "$ip"; then ip addr del "$ip/32" dev lo || true; fi
  done
  log "down"
}

cmd_restart() { # name: a server restart, as a test of surviving one
  need_root
  local name=${1:?usage: lab.sh restart legacy|modern|signed|legacydc} ip
  case "$name" in legacy) ip=$LEGACY_IP ;; modern) ip=$MODERN_IP ;; signed) ip=$SIGNED_IP ;; legacydc) ip=$LEGACYDC_IP ;; *) log "no server $name"; exit 2 ;; esac
  stop_server "$name"
  rm -f "$ROOT/$name"/pid/*.pid
  smbd -D -s "$ROOT/$name/smb.conf" </dev/null >/dev/null 2>&1
  wait_port "$ip"
}

cmd_reset_cutover() {
  need_root
  reset_cutover
}

cmd_status() {
  for n in legacy modern signed legacydc; do
    if [ -n "$(server_pids $n)" ]; then echo "$n: running"; else echo "$n: stopped"; fi
  done
  if [ -n "$(nas_pids)" ]; then echo "nasbox: running"; else echo "nasbox: stopped"; fi
}

cmd_env() {
  echo "MIGRATE_LAB_ROOT=$ROOT"
  echo "MIGRATE_LAB_LEGACY=$LEGACY_IP"
  echo "MIGRATE_LAB_MODERN=$MODERN_IP"
  echo "MIGRATE_LAB_SIGNED=$SIGNED_IP"
  echo "MIGRATE_LAB_LEGACYDC=$LEGACYDC_IP"
  echo "MIGRATE_LAB_NAS=$NAS_IP"
}

case "${1:-}" in
  up) cmd_up ;;
  seed) shift; cmd_seed "$@" ;;
  down) cmd_down ;;
  restart) shift; cmd_restart "$@" ;;
  reset-cutover) cmd_reset_cutover ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) echo "usage: $0 up | seed [--force] | down | restart legacy|modern|signed|legacydc | reset-cutover | status | env" >&2; exit 2 ;;
esac

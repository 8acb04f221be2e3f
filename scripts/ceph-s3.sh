#!/usr/bin/env bash
# Throwaway single-node Ceph cluster serving the S3 API on 127.0.0.1, from Debian 12 packages only:
#   1 ceph-mon + 1 ceph-osd (memstore: object data lives in RAM) + radosgw (beast frontend); no ceph-mgr.
# Install once (~15 s, 58 packages, ~58 MiB download):
#   apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
#       ceph-mon ceph-osd radosgw ceph-common curl
# usage: ceph-s3.sh install | start | stop | status | env
#   install: apt-get installs the packages above (skipped when radosgw and ceph-mon are present)
#   start  : fresh cluster, waits until S3 answers and the test user exists (~1-2 s), prints the endpoint
#   stop   : kills the daemons this script started (pid files) and deletes the data dir (~2 s)
#   env    : prints export lines for the test suite (eval "$(ceph-s3.sh env)")
# env vars: S3_DIR (/tmp/ceph-s3)  S3_PORT (7480)  S3_MON_PORT (16789)
#           S3_ACCESS_KEY / S3_SECRET_KEY (testaccesskey / testsecretkey)  S3_MEM_BYTES (memstore cap, 8 GiB)
#           S3_IDLE_TIMEOUT_MS (5000: radosgw closes idle keep-alive connections after this)
set -euo pipefail
D=${S3_DIR:-/tmp/ceph-s3}
PORT=${S3_PORT:-7480}
MON_PORT=${S3_MON_PORT:-16789}
AK=${S3_ACCESS_KEY:-testaccesskey}
SK=${S3_SECRET_KEY:-testsecretkey}
CONF=$D/ceph.conf
K=$D/keyring

log() { echo "[ceph-s3 $(date +%T)] $*" >&2; }
# true if the pid in $D/run/$1.pid is alive AND is our daemon (guards against pid reuse)
alive() {
  local f="$D/run/$1.pid" pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "-c $CONF"
}
die() {
  log "ERROR: $*"
  local f
  for f in "$D"/log/*; do [ -s "$f" ] && { echo "== $f" >&2; tail -n 20 "$f" >&2; }; done
  stop; exit 1
}
# pid exists and is not a zombie (pid 1 here reaps orphans only after a few seconds)
running() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [ -n "$st" ] && [ "${st#Z}" = "$st" ]; }
cephc() { timeout 30 ceph -c "$CONF" "$@"; }
uuid() { cat /proc/sys/kernel/random/uuid; }

start() {
  if alive rgw; then log "already running"; return 0; fi
  stop >/dev/null 2>&1 || true
  local p
  for p in "$PORT" "$MON_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then log "ERROR: 127.0.0.1:$p is already in use"; exit 1; fi
  done
  mkdir -p "$D"/{mon,osd0,run,log}
  local fsid; fsid=$(uuid)
  cat > "$CONF" <<EOF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
ms bind msgr2 = false
# cephx: with 'auth ... = none' the osd sometimes sends its first mon command before it has the
# monmap (fsid 0) and exits ('wrong fsid'); 1 of 4 starts failed that way here
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
keyring = $K
run dir = $D/run
admin socket = $D/run/\$name.asok
pid file = $D/run/\$name.pid
log file = $D/log/\$name.log
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
# the mon batches map changes for 1 s by default; rgw start and the first bucket need ~12 of them
paxos propose interval = 0.01
paxos min wait = 0.01
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = ${S3_MEM_BYTES:-8589934592}
# on SIGTERM the osd waits up to 5 s for the mon to ack that it goes down
osd mon shutdown timeout = 0.1
[mon.a]
mon data = $D/mon
[osd.0]
osd data = $D/osd0
[client.rgw.a]
# request_timeout_ms: idle keep-alive connections are closed after this (default 65 s); a test
# process that leaves a GetObject body unread would otherwise linger that long before exiting
rgw frontends = beast endpoint=127.0.0.1:$PORT request_timeout_ms=${S3_IDLE_TIMEOUT_MS:-5000}
rgw data = $D/rgw
# data of deleted/overwritten objects is garbage-collected after 2 h by default (it stays in RAM until then)
rgw gc obj min wait = 1
rgw gc processor period = 2
EOF
  # one keyring holding every entity; ceph-mon --mkfs imports all of them into its auth database
  ceph-authtool --create-keyring "$K" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$K" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$K" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap mgr 'allow profile osd' --cap osd 'allow *' >/dev/null
  ceph-authtool "$K" --gen-key -n client.rgw.a --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null
  monmaptool --create --fsid "$fsid" --addv a "[v1:127.0.0.1:$MON_PORT]" "$D/monmap" >/dev/null
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$D/monmap" --keyring "$K" >"$D/log/mon-mkfs.out" 2>&1 || die "mon mkfs failed"
  ceph-mon -c "$CONF" -i a -f >"$D/log/mon.out" 2>&1 &
  echo $! > "$D/run/mon.pid"

  local osd_uuid id i; osd_uuid=$(uuid)
  id=$(cephc osd create "$osd_uuid") || die "'ceph osd create' failed (mon not up?)"
  ceph-osd -c "$CONF" -i "$id" --mkfs --osd-uuid "$osd_uuid" >"$D/log/osd-mkfs.out" 2>&1 || die "osd mkfs failed"
  ceph-osd -c "$CONF" -i "$id" -f >"$D/log/osd.out" 2>&1 &
  echo $! > "$D/run/osd.pid"
  for i in $(seq 1 120); do
    alive osd || die "ceph-osd exited"
    cephc osd stat 2>/dev/null | grep -q ' 1 up' && break
    sleep 0.25
  done
  [ "$i" -lt 120 ] || die "osd did not come up within 30 s"

  radosgw -c "$CONF" -n client.rgw.a -f >"$D/log/rgw.out" 2>&1 &
  echo $! > "$D/run/rgw.pid"
  for i in $(seq 1 240); do
    alive rgw || die "radosgw exited"
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/" && break
    sleep 0.25
  done
  [ "$i" -lt 240 ] || die "radosgw did not answer within 60 s"
  timeout 60 radosgw-admin -c "$CONF" user create --uid=test --display-name=test \
      --access-key="$AK" --secret-key="$SK" >/dev/null || die "radosgw-admin user create failed"
  log "ready: endpoint http://127.0.0.1:$PORT access key $AK secret key $SK" \
      "(pids mon $(cat "$D/run/mon.pid") osd $(cat "$D/run/osd.pid") rgw $(cat "$D/run/rgw.pid"))"
}

# SIGTERM the given daemons together; SIGKILL whatever is left after 2.5 s (radosgw sometimes
# hangs in shutdown after a workload; the data is throwaway anyway)
term() {
  local p pids=()
  for p in "$@"; do alive "$p" && pids+=("$(cat "$D/run/$p.pid")"); done
  [ ${#pids[@]} -gt 0 ] || return 0
  kill "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 25); do
    local left=0; for p in "${pids[@]}"; do running "$p" && left=1; done
    [ "$left" = 1 ] || break; sleep 0.1
  done
  for p in "${pids[@]}"; do
    kill -9 "$p" 2>/dev/null || continue
    for _ in $(seq 1 20); do running "$p" || break; sleep 0.05; done
  done
}

stop() {
  term rgw osd mon
  rm -rf "$D"
  log "stopped"
}

install() {
  if command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null \
     && command -v radosgw-admin >/dev/null && command -v curl >/dev/null; then
    log "ceph packages already installed"; return 0
  fi
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  log "installing ceph-mon ceph-osd radosgw ceph-common curl"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends ceph-mon ceph-osd radosgw ceph-common curl
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) if alive rgw && curl -sf -o /dev/null "http://127.0.0.1:$PORT/"; then echo running; else echo "not running"; exit 1; fi ;;
  env) cat <<EOF
export AWS_ENDPOINT_URL=http://127.0.0.1:$PORT
export AWS_ENDPOINT_URL_S3=http://127.0.0.1:$PORT
export AWS_ACCESS_KEY_ID=$AK
export AWS_SECRET_ACCESS_KEY=$SK
export AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1
export AWS_REQUEST_CHECKSUM_CALCULATION=WHEN_REQUIRED
export AWS_RESPONSE_CHECKSUM_VALIDATION=WHEN_REQUIRED
EOF
  ;;
  *) echo "usage: $0 install|start|stop|status|env" >&2; exit 2 ;;
esac

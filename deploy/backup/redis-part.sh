#!/bin/sh
# One Redis database out of a snapshot, and back into a live server: the Redis half of
# `./aero backup` and `./aero restore`. POSIX sh with redis-server and redis-cli only, so it
# runs beside the native Redis and, unchanged, inside the compose deployment's Redis container.
#
#   redis-part.sh keep RDB DB OUT      OUT: the snapshot RDB reduced to database DB, as database 0
#                                      (RDB itself is consumed)
#   redis-part.sh load RDB HOST PORT DB
#                                      every key of RDB's database 0 into database DB of the live
#                                      server at HOST:PORT (emptied first), TTLs kept
#
# Both start a private redis-server on a Unix socket in RDB's directory (no TCP port, no
# persistence of its own) that loads RDB, and stop it when done.
set -eu

die() { echo "redis-part: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: redis-part.sh keep RDB DB OUT | load RDB HOST PORT DB"
action=$1
shift

start_private() {
  rdb=$1
  dir=$(cd "$(dirname "$rdb")" && pwd)
  sock="$dir/redis-part.sock"
  pidfile="$dir/redis-part.pid"
  redis-server --port 0 --unixsocket "$sock" --unixsocketperm 700 --dir "$dir" \
    --dbfilename "$(basename "$rdb")" --appendonly no --save '' --databases 64 \
    --daemonize yes --pidfile "$pidfile" --logfile "$dir/redis-part.log" >/dev/null ||
    die "could not start a private redis-server (log: $dir/redis-part.log)"
  trap stop_private EXIT
  # Loading a large snapshot takes a while: PING answers LOADING until it is in.
  i=0
  until [ "$(redis-cli -s "$sock" ping 2>/dev/null)" = PONG ]; do
    i=$((i + 1))
    [ "$i" -le 1200 ] || die "the private redis-server did not load $rdb within 10 minutes"
    sleep 0.5
  done
}

stop_private() {
  redis-cli -s "$sock" shutdown nosave >/dev/null 2>&1 || true
  i=0
  while [ -e "$pidfile" ] && [ "$i" -lt 100 ]; do
    i=$((i + 1))
    sleep 0.1
  done
  rm -f "$sock"
}

ok_reply() {
  # Every reply line must be what the command answers on success ($1, or $2 when given).
  while IFS= read -r line; do
    case $line in
      "$1" | "${2:-$1}" | "") ;;
      *) echo "$line" >&2; return 1 ;;
    esac
  done
}

case $action in
  keep)
    [ $# -eq 3 ] || die "usage: redis-part.sh keep RDB DB OUT"
    rdb=$1 db=$2 out=$3
    case $db in *[!0-9]* | '') die "DB must be a number" ;; esac
    start_private "$rdb"
    if [ "$db" -ne 0 ]; then
      redis-cli -s "$sock" swapdb 0 "$db" | ok_reply OK || die "SWAPDB failed"
    fi
    n=1
    while [ "$n" -lt 64 ]; do
      redis-cli -s "$sock" -n "$n" flushdb | ok_reply OK || die "FLUSHDB $n failed"
      n=$((n + 1))
    done
    # SAVE writes over RDB itself (dbfilename is not settable at run time): moved to OUT after.
    keys=$(redis-cli -s "$sock" dbsize)
    redis-cli -s "$sock" save | ok_reply OK || die "SAVE failed"
    stop_private
    trap - EXIT
    mv -f "$rdb" "$out"
    echo "$keys"
    ;;
  load)
    [ $# -eq 4 ] || die "usage: redis-part.sh load RDB HOST PORT DB"
    rdb=$1 host=$2 port=$3 db=$4
    case $db$port in *[!0-9]* | '') die "PORT and DB must be numbers" ;; esac
    start_private "$rdb"
    redis-cli -h "$host" -p "$port" -n "$db" flushdb | ok_reply OK || die "could not empty database $db at $host:$port"
    # MIGRATE ... COPY REPLACE KEYS moves keys with their TTLs in one round trip per batch
    # (NOKEY: every key of the batch expired since the scan).
    redis-cli -s "$sock" --scan |
      xargs -r -d '\n' -n 500 sh -c 's=$1 h=$2 p=$3 d=$4; shift 4; redis-cli -s "$s" migrate "$h" "$p" "" "$d" 60000 copy replace keys "$@"' \
        _ "$sock" "$host" "$port" "$db" |
      ok_reply OK NOKEY || die "MIGRATE into $host:$port database $db failed"
    want=$(redis-cli -s "$sock" dbsize)
    got=$(redis-cli -h "$host" -p "$port" -n "$db" dbsize)
    [ "$want" = "$got" ] || die "database $db at $host:$port holds $got keys after the load, the snapshot $want"
    echo "$got"
    ;;
  *) die "unknown action: $action" ;;
esac

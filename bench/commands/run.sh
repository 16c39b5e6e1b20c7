#!/usr/bin/env bash
# bench/commands: command-server's two figures (docs/benchmarks.md, section "command-server").
#
#   bench/commands/run.sh [enqueue] [latency]     both parts when none is named
#
# 1. enqueue: throughput of command-server's queue operation (the enqueue Lua script, through
#    Spring Data Redis on one shared Lettuce connection, as the service runs it;
#    EnqueueBench.java) against raw Redis ZADD throughput (redis-benchmark) before and after, on
#    the dev Redis (./aero deps), in a Redis database of its own (DB) flushed before and after.
# 2. latency: enqueue-to-device-receipt latency at RATE commands/s through the real services.
#    It starts a fresh named instance of the platform with ./aero (AERO_INSTANCE=bench, port
#    offset 2000, Redis database 13, SP database aero_sp_bench; the database, Redis database and
#    ~/.aero/instances/bench are wiped first, so the CA is new and the first sign-up is the
#    admin). LatencyBench.java signs up, registers LATENCY_DEVICES devices, connects each to
#    verkehr over TLS with its certificate on cmd/<did>, and enqueues through command-server's
#    REST API on an open-loop schedule, round-robin over the devices; each receipt is matched to
#    its enqueue by (device, epoch). The physical limit, measured before and after in the same
#    run: the same devices, schedule and payloads published straight to verkehr's
#    POST /v1/publish. The instance is stopped at the end, also on failure or interrupt.
#
# Environment (defaults in brackets):
#   DURATION                 measured seconds of each part, when set [enqueue 10, latency 20]
#   THREADS [8] DEVICES [1000] DB [15]      enqueue: threads, devices, Redis database
#   RATE [1000] LATENCY_DEVICES [10] WARMUP [5] LOST_AFTER [5] PRIME [10]
#                            latency: commands/s in all, devices, unmeasured seconds before each
#                            window, seconds after which a command counts as lost, unmeasured
#                            seconds of each path at RATE/4, RATE/2 and RATE before the phases
#                            (the fresh JVMs' JIT; 0 for none)
#   QUIET_WAIT [20]          latency: seconds to wait at most for a quiet machine (< 0.3 cores
#                            busy) before each phase
#   SENDERS [32]             latency: sender threads, so requests in flight at most (a message
#                            due while all are busy waits, and the wait counts in its latency)
#   TOOL_JAVA_OPTS           LatencyBench's JVM [-XX:+UseSerialGC -Xmx512m]
#   AERO_JAVA_OPTS           the services' JVMs [./aero's default, -Xss512k -XX:+UseSerialGC -Xmx256m]
#   LATENCY_TIMEOUT [600]    seconds before LatencyBench is stopped
#   REBUILD [auto]           auto: build what a part needs (enqueue: command-server and what it
#                            depends on, when its jar is missing or older than their sources;
#                            latency: every jar, which ./aero up starts); 1: always; 0: never
#
# Both tools run on the libraries inside command-server's fat jar
# (command-server/target/command-server.jar, which holds common and client too), unpacked to
# bench/commands/target/tool-classpath/, so nothing has to be installed in the local Maven
# repository. Results: bench/commands/results/<timestamp>.md; logs in
# bench/commands/target/run-<timestamp>/, the services' logs in ~/.aero/instances/bench/logs/.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT_DIR=$(cd "$BENCH_DIR/../.." && pwd -P)
# shellcheck disable=SC2034 # read by ../lib/find-jdk.sh
MIN_JAVA=21
# shellcheck source=/dev/null
. "$BENCH_DIR/../lib/runner.sh"
# shellcheck source=/dev/null
. "$BENCH_DIR/../lib/find-jdk.sh"
# shellcheck source=/dev/null
. "$BENCH_DIR/../lib/processes.sh"

PARTS=()
for a in "$@"; do
  case $a in
    -h | --help | help) usage; exit 0 ;;
    enqueue | latency) PARTS+=("$a") ;;
    *) die "unknown part '$a' (enqueue latency; settings come from the environment, see --help)" ;;
  esac
done
want() { [ ${#PARTS[@]} -eq 0 ] && return 0; local p; for p in "${PARTS[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }

# Settings; the ones given in the environment are repeated in the reproduce command.
SETTINGS=(DURATION THREADS DEVICES DB RATE LATENCY_DEVICES WARMUP LOST_AFTER PRIME QUIET_WAIT SENDERS TOOL_JAVA_OPTS AERO_JAVA_OPTS LATENCY_TIMEOUT REBUILD)
OVERRIDES=""
for v in "${SETTINGS[@]}"; do
  if [ -n "${!v+x}" ]; then OVERRIDES+="$v=$(printf '%q' "${!v}") "; fi
done
REPRODUCE="${OVERRIDES}bench/commands/run.sh${*:+ $*}"

use_jdk

THREADS=${THREADS:-8} DEVICES=${DEVICES:-1000} DB=${DB:-15}
ENQ_DURATION=${DURATION:-10} LAT_DURATION=${DURATION:-20}
RATE=${RATE:-1000} LATENCY_DEVICES=${LATENCY_DEVICES:-10} WARMUP=${WARMUP:-5} LOST_AFTER=${LOST_AFTER:-5} PRIME=${PRIME:-10}
QUIET_WAIT=${QUIET_WAIT:-20} SENDERS=${SENDERS:-32} LATENCY_TIMEOUT=${LATENCY_TIMEOUT:-600}
TOOL_JAVA_OPTS=${TOOL_JAVA_OPTS:--XX:+UseSerialGC -Xmx512m}
REBUILD=${REBUILD:-auto}
case $REBUILD in auto | 0 | 1) ;; *) die "REBUILD must be auto, 0 or 1" ;; esac
COMMANDS_JAR=$ROOT_DIR/command-server/target/command-server.jar
BUILD_TOOL_JARS="./mvnw -B -o -q package -DskipTests -pl command-server,client -am"
REDIS_PORT=${AERO_REDIS_PORT:-6379}

# The latency part's platform instance (./aero's named instances); its ports are ./aero's plus the offset.
INSTANCE=bench PORT_OFFSET=2000 INSTANCE_REDIS_DB=13
INSTANCE_DIR=${AERO_STATE_DIR:-$HOME/.aero}/instances/$INSTANCE
INSTANCE_SQL_DB=aero_sp_$INSTANCE
SP_PORT=$((8080 + PORT_OFFSET)) VERKEHR_HTTP_PORT=$((25234 + PORT_OFFSET)) SSMP_PORT=$((29438 + PORT_OFFSET))
COMMANDS_PORT=$((9020 + PORT_OFFSET))
# The secret comes from the instance's own secret.env, never from the caller's environment.
instance() { env -u AERO_DEPLOYMENT_SECRET AERO_INSTANCE=$INSTANCE AERO_PORT_OFFSET=$PORT_OFFSET AERO_REDIS_DATABASE=$INSTANCE_REDIS_DB "$ROOT_DIR/aero" "$@"; }

command -v redis-cli >/dev/null || die "redis-cli missing (./aero deps installs redis-server, which has it)"
redis-cli -p "$REDIS_PORT" ping >/dev/null || die "no Redis on 127.0.0.1:$REDIS_PORT (run ./aero deps)"
if want enqueue; then
  command -v redis-benchmark >/dev/null || die "redis-benchmark missing (./aero deps installs redis-server, which has it)"
fi
if want latency; then
  [ "$DB" != "$INSTANCE_REDIS_DB" ] || die "DB=$DB is the latency instance's Redis database; pick another"
  command -v mariadb >/dev/null || die "mariadb client missing (run ./aero deps)"
  mariadb -h127.0.0.1 -uaero -paero -e 'SELECT 1' >/dev/null 2>&1 || die "no MariaDB on 127.0.0.1:3306 for user aero (run ./aero deps)"
fi

cd "$ROOT_DIR"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$BENCH_DIR/results/$STAMP.md"
LOGS="$BENCH_DIR/target/run-$STAMP"
mkdir -p "$BENCH_DIR/results" "$LOGS"

INSTANCE_UP=0 TOOL_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$TOOL_PID"
  if [ "$INSTANCE_UP" = 1 ]; then
    say "stopping the $INSTANCE instance"
    instance down >>"$LOGS/aero-down.log" 2>&1 || say "run.sh: ./aero down failed, see $LOGS/aero-down.log" >&2
    redis-cli -p "$REDIS_PORT" -n "$INSTANCE_REDIS_DB" flushdb >/dev/null 2>&1 || true
  fi
  if want enqueue; then redis-cli -p "$REDIS_PORT" -n "$DB" flushdb >/dev/null 2>&1 || true; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if want latency; then
  # A bench instance left over from an interrupted run would hold the jars the build rewrites.
  instance down >"$LOGS/aero-down-before.log" 2>&1 || true
fi
build() { # $1 = what, then ./mvnw's arguments
  local what=$1
  shift
  say "building $what (./mvnw $*)"
  ./mvnw "$@" >"$LOGS/build.log" 2>&1 || { tail -n 40 "$LOGS/build.log" >&2; die "the build failed (log: $LOGS/build.log; REBUILD=0 uses the jars as they are)"; }
}
# Whether command-server's jar is missing or older than the sources it is built from.
stale_commands_jar() {
  [ -f "$COMMANDS_JAR" ] || return 0
  [ -n "$(find command-server/src/main common/src/main client/src/main pom.xml command-server/pom.xml common/pom.xml client/pom.xml \
    -newer "$COMMANDS_JAR" -type f -print -quit 2>/dev/null)" ]
}
if want latency && [ "$REBUILD" != 0 ]; then
  # ./aero up --native --no-build starts every service from its jar.
  build "every jar" -B -o -q -DskipTests package
elif want enqueue && { [ "$REBUILD" = 1 ] || { [ "$REBUILD" = auto ] && stale_commands_jar; }; }; then
  build "command-server" -B -o -q -DskipTests package -pl command-server -am
fi

# The tools' classpath: command-server's jar unpacked (BOOT-INF/classes and BOOT-INF/lib, which
# holds common, client, Spring Data Redis, Lettuce, Netty, Bouncy Castle, ...), kept in
# target/tool-classpath/ for as long as the jar is the same. Sets TOOL_CP.
tool_classpath() {
  local dir="$BENCH_DIR/target/tool-classpath" sum
  [ -f "$COMMANDS_JAR" ] || die "no command-server jar at $COMMANDS_JAR, which the tools take their libraries from: build it with \`$BUILD_TOOL_JARS\` (or run without REBUILD=0)"
  sum=$(sha256sum "$COMMANDS_JAR" | cut -d' ' -f1)
  if [ "$(cat "$dir/.jar-sha256" 2>/dev/null)" != "$sum" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    (cd "$dir" && "$JDK_HOME/bin/jar" xf "$COMMANDS_JAR" BOOT-INF/classes BOOT-INF/lib) \
      || die "could not unpack $COMMANDS_JAR into $dir"
    [ -d "$dir/BOOT-INF/classes/dev/aero/commands" ] && compgen -G "$dir/BOOT-INF/lib/*.jar" >/dev/null \
      || die "$COMMANDS_JAR is not command-server's Spring Boot jar (no BOOT-INF/classes or BOOT-INF/lib): rebuild it with \`$BUILD_TOOL_JARS\`"
    echo "$sum" >"$dir/.jar-sha256"
  fi
  local lib
  for lib in common client spring-data-redis lettuce-core; do
    compgen -G "$dir/BOOT-INF/lib/$lib-*.jar" >/dev/null \
      || die "$lib-*.jar is not in $COMMANDS_JAR (a stale jar?): rebuild it with \`$BUILD_TOOL_JARS\`"
  done
  TOOL_CP="$dir/BOOT-INF/classes:$(printf '%s:' "$dir"/BOOT-INF/lib/*.jar)"
  TOOL_CP=${TOOL_CP%:}
}
tool_classpath

machine() {
  echo "- services built from commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench' ':!docs' 2>/dev/null || echo ' with uncommitted changes'); $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)), $(free -g | awk '/^Mem:/ { print $2 }') GiB; kernel $(uname -r)"
  echo "- $("$JAVA" -version 2>&1 | head -n1); Redis $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')"
  echo "- load average at the start of this part: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# --- 1. enqueue throughput

enqueue_part() {
  local raw_before raw_after enq raw ratio
  redis-cli -p "$REDIS_PORT" -n "$DB" flushdb >/dev/null
  raw() { # ZADD throughput with as many clients as enqueue threads, no pipelining (as the service)
    redis-benchmark -p "$REDIS_PORT" --dbnum "$DB" -t zadd -n 400000 -c "$THREADS" -r 100000 -q 2>/dev/null \
      | tr '\r' '\n' | sed -n 's/^ZADD: \([0-9.]*\) requests per second.*/\1/p' | tail -n1
  }
  say "enqueue: raw ZADD, enqueue for $ENQ_DURATION s, raw ZADD"
  sleep 3 # let the build's JVMs exit and the machine settle
  ENQ_MACHINE=$(machine)
  raw_before=$(raw)
  enq=$("$JAVA" -cp "$TOOL_CP" "$BENCH_DIR/EnqueueBench.java" "$REDIS_PORT" "$DB" "$THREADS" "$ENQ_DURATION" "$DEVICES" 2>"$LOGS/enqueue.log" \
    | sed -n 's/.*rate=\([0-9]*\).*/\1/p')
  raw_after=$(raw)
  if [ -z "$enq" ] || [ -z "$raw_before" ] || [ -z "$raw_after" ]; then
    tail -n 20 "$LOGS/enqueue.log" >&2
    die "the enqueue part gave no figure (enqueue '$enq', raw '$raw_before' '$raw_after'; EnqueueBench's log: $LOGS/enqueue.log)"
  fi
  raw=$(awk -v a="$raw_before" -v b="$raw_after" 'BEGIN { printf "%.0f", (a + b) / 2 }')
  ratio=$(awk -v e="$enq" -v r="$raw" 'BEGIN { printf "%.2f", e / r }')
  ENQ_SECTION=$(
    echo "## Enqueue throughput"
    echo
    echo "$ENQ_MACHINE"
    echo "- $THREADS threads, $ENQ_DURATION s, $DEVICES devices, distinct UPLOAD_LOGS commands; Redis database $DB"
    echo
    echo "| figure | result |"
    echo "|---|---|"
    echo "| raw Redis ZADD (redis-benchmark, $THREADS clients), mean of before and after | $raw/s ($raw_before, $raw_after) |"
    echo "| enqueue (Lua script: INCR, 2 × HSETNX, ZADD, ZCARD) | $enq/s |"
    echo "| ratio | $ratio |"
  )
}

# --- 2. enqueue-to-device latency

field() { # $1 = key, $2 = a line of key=value words
  sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"
}

phase_row() { # $1 = label, $2 = phase line
  local l=$2
  printf '| %s | %s | %s | %s | %s / %s / %s | %s / %s | %s / %s | %s / %s / %s / %s / %s | %s / %s |\n' "$1" \
    "$(field sent "$l")" "$(field received "$l")" "$(field lost "$l")" \
    "$(field p50_ms "$l")" "$(field p99_ms "$l")" "$(field max_ms "$l")" \
    "$(field http_p50_ms "$l")" "$(field http_p99_ms "$l")" \
    "$(field pushes_ok "$l")" "$(field pushes_failed "$l")" \
    "$(field cpu_verkehr "$l")" "$(field cpu_commands "$l")" "$(field cpu_redis "$l")" "$(field cpu_bench "$l")" "$(field cpu_other "$l")" \
    "$(field quiet "$l")" "$(field disturbed "$l")"
}

latency_part() {
  local pids rc=0 summary d1 c d2 log warn_lines
  say "latency: preparing a fresh '$INSTANCE' instance (SP database $INSTANCE_SQL_DB, Redis database $INSTANCE_REDIS_DB, ports +$PORT_OFFSET)"
  mariadb -h127.0.0.1 -uaero -paero -e "DROP DATABASE IF EXISTS $INSTANCE_SQL_DB"
  rm -rf "$INSTANCE_DIR"
  redis-cli -p "$REDIS_PORT" -n "$INSTANCE_REDIS_DB" flushdb >/dev/null
  INSTANCE_UP=1
  say "latency: starting the instance (./aero up --native --no-build; log $LOGS/aero-up.log)"
  if ! instance up --native --no-build >"$LOGS/aero-up.log" 2>&1; then
    tail -n 30 "$LOGS/aero-up.log" >&2
    die "the $INSTANCE instance did not start (log: $LOGS/aero-up.log)"
  fi
  local setup_token
  setup_token=$(instance setup-token) || die "no setup token from the fresh $INSTANCE instance"
  pids="verkehr=$(cat "$INSTANCE_DIR/run/verkehr-push.pid"),commands=$(cat "$INSTANCE_DIR/run/command-server.pid")"
  if [ -r "${AERO_STATE_DIR:-$HOME/.aero}/run/redis.pid" ]; then
    pids+=",redis=$(tr -d '[:space:]' <"${AERO_STATE_DIR:-$HOME/.aero}/run/redis.pid")"
  fi
  LAT_MACHINE=$(machine)
  say "latency: LatencyBench, $RATE/s over $LATENCY_DEVICES devices, $((3 * PRIME)) s priming per path, 3 phases of $WARMUP + $LAT_DURATION s (log $LOGS/latency.log)"
  # shellcheck disable=SC2086 # TOOL_JAVA_OPTS is a list of options
  timeout -k 10 "$LATENCY_TIMEOUT" "$JAVA" $TOOL_JAVA_OPTS -cp "$TOOL_CP" "$BENCH_DIR/LatencyBench.java" \
    --sp "http://127.0.0.1:$SP_PORT" --commands "http://127.0.0.1:$COMMANDS_PORT" \
    --commands-management "http://127.0.0.1:$((9022 + PORT_OFFSET))" \
    --verkehr-http "http://127.0.0.1:$VERKEHR_HTTP_PORT" --ssmp-host localhost --ssmp-port "$SSMP_PORT" \
    --secret-file "$INSTANCE_DIR/secret.env" --setup-token "$setup_token" --devices "$LATENCY_DEVICES" --rate "$RATE" \
    --duration "$LAT_DURATION" --warmup "$WARMUP" --lost-after "$LOST_AFTER" --prime "$PRIME" --quiet-wait "$QUIET_WAIT" --senders "$SENDERS" \
    --pids "$pids" --clock-ticks "$(getconf CLK_TCK)" >"$LOGS/latency.out" 2>"$LOGS/latency.log" &
  TOOL_PID=$!
  wait "$TOOL_PID" || rc=$?
  TOOL_PID=""
  cat "$LOGS/latency.out"
  summary=$(grep '^latency ' "$LOGS/latency.out" || true)
  if [ "$rc" -ne 0 ] || [ -z "$summary" ]; then
    tail -n 30 "$LOGS/latency.log" >&2
    die "LatencyBench failed (status $rc; log: $LOGS/latency.log)"
  fi
  d1=$(grep '^phase name=direct-1 ' "$LOGS/latency.out")
  c=$(grep '^phase name=commands-1 ' "$LOGS/latency.out")
  d2=$(grep '^phase name=direct-2 ' "$LOGS/latency.out")
  # ERROR and WARN lines of the instance's services during the run.
  warn_lines=""
  : >"$LOGS/service-warnings.log"
  for log in "$INSTANCE_DIR"/logs/*.log; do
    [ -f "$log" ] || continue
    grep -E '^[0-9TZ:. -]+ *(ERROR|WARN)' "$log" | sed "s|^|$(basename "$log" .log): |" >>"$LOGS/service-warnings.log" || true
    warn_lines+="$(basename "$log" .log) $(grep -cE '^[0-9TZ:. -]+ *ERROR' "$log" || true)/$(grep -cE '^[0-9TZ:. -]+ *WARN' "$log" || true), "
  done
  LAT_SECTION=$(
    echo "## Enqueue-to-device latency at $RATE commands/s"
    echo
    echo "$LAT_MACHINE"
    echo "- platform: \`./aero up --native\` instance \`$INSTANCE\` (all six services, JVM options \`${AERO_JAVA_OPTS:--Xss512k -XX:+UseSerialGC -Xmx256m}\`), fresh SP database and CA; dev Redis database $INSTANCE_REDIS_DB"
    echo "- LatencyBench (\`$TOOL_JAVA_OPTS\`): $LATENCY_DEVICES devices on verkehr over TLS (\`LOGIN <did> cert\`, \`cmd/<did>\`); $RATE/s in all, round-robin, open loop on $SENDERS sender threads with keep-alive connections, latency from each message's due time to its receipt; first each path unmeasured for $PRIME s at each of $((RATE / 4)), $((RATE / 2)) and $RATE/s, then per phase $LAT_DURATION s measured after $WARMUP s warm-up; lost = not received within $LOST_AFTER s"
    echo "- commands: \`POST /v1/devices/{did}/commands {\"type\":\"REFRESH_CRL\"}\` to command-server (one queued command per device, moved to the tail under a new epoch and pushed each time), matched by (device, epoch); direct: the same payload (base64 \`Command\`) \`POST /v1/publish\` to verkehr on \`cmd/<did>\`"
    echo "- service log lines ERROR/WARN: ${warn_lines%, } (\`$LOGS/service-warnings.log\`)"
    echo
    echo "| phase | sent | received | lost | latency p50 / p99 / max, ms | HTTP answer p50 / p99, ms | command-server pushes ok / failed | CPU cores: verkehr / command-server / Redis / LatencyBench / other | quiet before / disturbed |"
    echo "|---|---|---|---|---|---|---|---|---|"
    phase_row "direct-1: verkehr publish" "$d1"
    phase_row "commands-1: command-server enqueue" "$c"
    phase_row "direct-2: verkehr publish" "$d2"
    echo
    echo "| figure | result |"
    echo "|---|---|"
    echo "| command-server enqueue → device receipt, p50 / p99 / max | **$(field commands_p50_ms "$summary") / $(field commands_p99_ms "$summary")** / $(field commands_max_ms "$summary") ms |"
    echo "| direct verkehr publish → device receipt (physical limit, mean of the two phases), p50 / p99 | $(field direct_p50_ms "$summary") / $(field direct_p99_ms "$summary") ms |"
    echo "| added by command-server (HTTP, Redis script, its own publish), p50 / p99 | **+$(field added_p50_ms "$summary") / +$(field added_p99_ms "$summary")** ms |"
    echo "| lost: commands / direct | $(field commands_lost "$summary") of $(field commands_sent "$summary") / $(field direct_lost "$summary") of $(field direct_sent "$summary") |"
    echo "| failed requests: commands / direct; device disconnects | $(field commands_errors "$summary") / $(field direct_errors "$summary"); $(field disconnects "$summary") |"
  )
}

ENQ_SECTION="" LAT_SECTION=""
if want enqueue; then enqueue_part; fi
if want latency; then latency_part; fi

{
  echo "# command-server benchmark, $STAMP"
  echo
  if [ -n "$ENQ_SECTION" ]; then echo "$ENQ_SECTION"; echo; fi
  if [ -n "$LAT_SECTION" ]; then echo "$LAT_SECTION"; echo; fi
  echo "reproduce: \`$REPRODUCE\`"
} | tee "$OUT"
say "results: $OUT"

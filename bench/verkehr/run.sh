#!/usr/bin/env bash
# verkehr-push benchmark (docs/benchmarks.md, section "verkehr-push").
#
#   bench/verkehr/run.sh [part ...]     parts: idle direct lipwig verkehr mosquitto (default: all;
#                                       QUICK=1: idle lipwig verkehr)
#
# One run, bounded in time, stopping by itself. It generates a CA, a server certificate
# (SAN IP:127.0.0.1, DNS:localhost) and an empty CRL, and runs ROUNDS rounds. Each round starts
# verkehr (a copy of the real jar, against the dev Redis) and lipwig, AeroFS's original SSMP
# server (built from its published Go source in the anchors directory, AERO_ANCHORS_DIR), fresh
# on free loopback ports with that certificate, and measures, each server in turn:
#   1. idle: IDLE_CONNS TLS connections logged in with the shared secret and left idle, from
#      IDLE_WORKERS load JVMs, each connection from its own source address in 127/8; the server's
#      RSS (/proc/<pid>/status) before and after, per connection (verkehr: with and without a
#      forced GC; lipwig's Go runtime cannot be told to collect from outside);
#   2. fan-out: one topic, SUBSCRIBERS TLS subscribers and one publisher in one load JVM,
#      PAYLOAD-byte MCASTs as fast as the server accepts them (ACK_WINDOW unanswered at most):
#      deliveries/s counted at the subscribers over DURATION s after WARMUP s; in the order
#      direct (5.), lipwig, verkehr, mosquitto (4.);
#   3. latency at half the server's own saturation rate (LAT_DURATION s after LAT_WARMUP s),
#      publish to receipt; verkehr also at half of lipwig's saturation rate of the same round, so
#      that the two p99s compare at one rate; then a light load of LOW_RATE publishes/s;
#   4. mosquitto (Debian package, installed when missing) with the same certificate, the same
#      subscribers over MQTT 3.1.1 QoS 0, the same publisher schedule;
#   5. the physical limit: the same subscribers and publisher against a minimal Netty TLS fan-out
#      (VerkehrBench.java direct-server: verkehr's TLS stack and event-loop layout, nothing else).
# Every figure is the median over the rounds; every ratio is the median of the ratios taken
# within each round. Everything started here is stopped on exit. Results:
# bench/verkehr/results/<timestamp>.md.
#
# Environment (defaults in brackets):
#   ROUNDS [5]              rounds (QUICK: 1)
#   SUBSCRIBERS [2000] PAYLOAD [100] DURATION [15] WARMUP [5] LAT_DURATION [15] LAT_WARMUP [3]
#   LOW_RATE [10] LOW_DURATION [10]   the light-load window, publishes/s (0 = none)
#   ACK_WINDOW [32]         publishes the publisher may have unanswered (SSMP 200 / MQTT PINGRESP)
#   INFLIGHT_PER_SUB [1000] safety bound on deliveries in flight, in messages per subscriber
#   IDLE_CONNS [10000] IDLE_WORKERS [4] IDLE_WARMUP [500] IDLE_SECONDS [10]
#   IDLE_SETTLE_MS [3000] IDLE_GC_SETTLE_MS [2000]   waits before the idle samples
#   QUICK=1                 a check that the bench works, figures not comparable: one round, small
#                           sizes, short windows, no waiting for a quiet machine, and by default only
#                           the parts idle lipwig verkehr. It takes about 70 CPU-seconds once
#                           everything is built (most of it verkehr's start and the fan-out windows),
#                           so under a minute on an otherwise idle 2-core machine, more on a busy one
#   VERKEHR_JAR             verkehr's fat jar [verkehr-push/target/verkehr-push.jar]; copied before use
#   REBUILD [auto]          auto: build (./mvnw -B -o -q -pl verkehr-push -am package -DskipTests) when the
#                           jar is missing or older than its sources; 1: always; 0: never
#   SERVER_JAVA_OPTS        verkehr's and the direct fan-out's JVM options [-Xmx512m -XX:+UseSerialGC]
#   TOOL_JAVA_OPTS          fan-out load JVM [-XX:+UseSerialGC -Xms256m -Xmx1g]
#   WORKER_JAVA_OPTS        idle-connection JVMs [-XX:+UseSerialGC -Xms64m -Xmx256m]
#   VERKEHR_ARGS            extra verkehr arguments
#   MAX_OUTBOUND [1048576]  --aero.verkehr.max-outbound-bytes
#   REDIS_HOST [127.0.0.1] REDIS_PORT [6379]   the dev Redis (./aero deps); keys vkbench* are
#                           deleted before and after the run
#   AERO_ANCHORS [auto]     off: leave lipwig out. Otherwise it is built once (Go; Debian's golang-go
#                           is installed with apt-get when go is missing) with the build.sh of
#                           AERO_ANCHORS_DIR (default: shared/anchors next to this checkout's
#                           directory) into AERO_ANCHORS_CACHE [/tmp/aero-anchors-cache]; LIPWIG_BIN
#                           (with VALKYRIE_BIN) names prebuilt binaries. When it is not available the
#                           run says why and goes on: its columns read "not measured: <reason>".
#   QUIET_WAIT [20]         seconds to wait for a quiet machine (< 0.3 cores busy) before each part (QUICK: 0)
#   PART_TIMEOUT [420]      seconds before one part's load tool is stopped
#   RESULTS_DIR             where to write the results file [bench/verkehr/results]
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT_DIR=$(cd "$BENCH_DIR/../.." && pwd -P)
# shellcheck disable=SC2034 # read by ../lib/find-jdk.sh
MIN_JAVA=21

# shellcheck source=/dev/null
. "$BENCH_DIR/../lib/runner.sh"

PARTS=()
for a in "$@"; do
  case $a in
    -h|--help|help) usage; exit 0 ;;
    idle|direct|lipwig|verkehr|mosquitto) PARTS+=("$a") ;;
    *) die "unknown part '$a' (idle direct lipwig verkehr mosquitto; settings come from the environment, see --help)" ;;
  esac
done
want() { [ ${#PARTS[@]} -eq 0 ] && return 0; local p; for p in "${PARTS[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }

# Settings; the ones given in the environment are repeated in the reproduce command.
SETTINGS=(ROUNDS SUBSCRIBERS PAYLOAD DURATION WARMUP LAT_DURATION LAT_WARMUP LOW_RATE LOW_DURATION ACK_WINDOW
  INFLIGHT_PER_SUB IDLE_CONNS IDLE_WORKERS IDLE_WARMUP IDLE_SECONDS QUICK VERKEHR_JAR REBUILD SERVER_JAVA_OPTS
  TOOL_JAVA_OPTS WORKER_JAVA_OPTS VERKEHR_ARGS MAX_OUTBOUND REDIS_HOST REDIS_PORT QUIET_WAIT PART_TIMEOUT
  IDLE_SETTLE_MS IDLE_GC_SETTLE_MS AERO_ANCHORS AERO_ANCHORS_DIR)
OVERRIDES=""
for v in "${SETTINGS[@]}"; do
  if [ -n "${!v+x}" ]; then OVERRIDES+="$v=$(printf '%q' "${!v}") "; fi
done
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  ROUNDS=${ROUNDS:-1}; SUBSCRIBERS=${SUBSCRIBERS:-100}; DURATION=${DURATION:-1}; WARMUP=${WARMUP:-1}; LAT_DURATION=${LAT_DURATION:-1}
  LAT_WARMUP=${LAT_WARMUP:-1}; LOW_RATE=${LOW_RATE:-0}; IDLE_CONNS=${IDLE_CONNS:-200}; IDLE_WORKERS=${IDLE_WORKERS:-1}
  IDLE_WARMUP=${IDLE_WARMUP:-0}; IDLE_SECONDS=${IDLE_SECONDS:-1}; QUIET_WAIT=${QUIET_WAIT:-0}
  IDLE_SETTLE_MS=${IDLE_SETTLE_MS:-500}; IDLE_GC_SETTLE_MS=${IDLE_GC_SETTLE_MS:-500}
  WORKER_JAVA_OPTS=${WORKER_JAVA_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms64m -Xmx256m}
  [ ${#PARTS[@]} -gt 0 ] || PARTS=(idle lipwig verkehr)
fi
ROUNDS=${ROUNDS:-5}
IDLE_SETTLE_MS=${IDLE_SETTLE_MS:-3000}
IDLE_GC_SETTLE_MS=${IDLE_GC_SETTLE_MS:-2000}
SUBSCRIBERS=${SUBSCRIBERS:-2000}
PAYLOAD=${PAYLOAD:-100}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-5}
LAT_DURATION=${LAT_DURATION:-15}
LAT_WARMUP=${LAT_WARMUP:-3}
LOW_RATE=${LOW_RATE:-10}
LOW_DURATION=${LOW_DURATION:-10}
ACK_WINDOW=${ACK_WINDOW:-32}
INFLIGHT_PER_SUB=${INFLIGHT_PER_SUB:-1000}
IDLE_CONNS=${IDLE_CONNS:-10000}
IDLE_WORKERS=${IDLE_WORKERS:-4}
IDLE_WARMUP=${IDLE_WARMUP:-500}
IDLE_SECONDS=${IDLE_SECONDS:-10}
DEFAULT_JAR=$ROOT_DIR/verkehr-push/target/verkehr-push.jar
VERKEHR_JAR=${VERKEHR_JAR:-$DEFAULT_JAR}
REBUILD=${REBUILD:-auto}
SERVER_JAVA_OPTS=${SERVER_JAVA_OPTS:--Xmx512m -XX:+UseSerialGC}
TOOL_JAVA_OPTS=${TOOL_JAVA_OPTS:--XX:+UseSerialGC -Xms256m -Xmx1g}
WORKER_JAVA_OPTS=${WORKER_JAVA_OPTS:--XX:+UseSerialGC -Xms64m -Xmx256m}
VERKEHR_ARGS=${VERKEHR_ARGS:-}
MAX_OUTBOUND=${MAX_OUTBOUND:-1048576}
REDIS_HOST=${REDIS_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-6379}
QUIET_WAIT=${QUIET_WAIT:-20}
PART_TIMEOUT=${PART_TIMEOUT:-420}
RESULTS_DIR=${RESULTS_DIR:-$BENCH_DIR/results}
SECRET=benchsecret
PREFIX=vkbench

[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((IDLE_CONNS + 500)) ] \
  || die "open-file limit $(ulimit -n) is below IDLE_CONNS + 500 for verkehr"
[ $((IDLE_CONNS / IDLE_WORKERS)) -le 15000 ] || die "more than 15,000 connections per idle worker: raise IDLE_WORKERS"
[ "$IDLE_WORKERS" -le 100 ] || die "IDLE_WORKERS at most 100 (one 127.x/16 each)"

# ---------------------------------------------------------------------------------------------
# JDK 21+: $JAVA_HOME, else java on PATH, else the newest under /usr/lib/jvm
# ---------------------------------------------------------------------------------------------
# shellcheck source=/dev/null
. "$(dirname "${BASH_SOURCE[0]}")/../lib/find-jdk.sh"
use_jdk

# ---------------------------------------------------------------------------------------------
# processes we start, and their cleanup
# ---------------------------------------------------------------------------------------------
VK_PID=""
DIRECT_PID=""
MQ_PID=""
LW_PID=""
TOOL_PID=""
# shellcheck source=/dev/null
. "$(dirname "${BASH_SOURCE[0]}")/../lib/processes.sh"
redis_cleanup() {
  command -v redis-cli >/dev/null || return 0
  local keys
  keys=$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --scan --pattern "$PREFIX*" 2>/dev/null || true)
  if [ -n "$keys" ]; then
    printf '%s\n' "$keys" | xargs -r -n 500 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" DEL >/dev/null 2>&1 || true
  fi
}
cleanup() {
  stop_pid "$TOOL_PID"
  stop_pid "$DIRECT_PID"
  stop_pid "$MQ_PID"
  stop_pid "$VK_PID"
  redis_cleanup
  stop_pid "$LW_PID"
  # the logs stay; the copy of the jar does not
  if [ -n "${RUN_DIR:-}" ]; then rm -f "${RUN_DIR:?}/verkehr-push.jar"; fi
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RUN_DIR=$BENCH_DIR/target/run-$STAMP
mkdir -p "$RUN_DIR" "$RESULTS_DIR"

# ---------------------------------------------------------------------------------------------
# Redis (shared dev service: checked, not started) and mosquitto (installed when missing)
# ---------------------------------------------------------------------------------------------
if want idle || want verkehr; then
  command -v redis-cli >/dev/null || die "no redis-cli on the PATH (./aero deps installs it); verkehr needs Redis"
  [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" PING 2>/dev/null)" = PONG ] \
    || die "Redis not reachable at $REDIS_HOST:$REDIS_PORT: verkehr needs it (start the dev services: ./aero deps, or set REDIS_HOST/REDIS_PORT)"
  redis_cleanup
fi

# lipwig, AeroFS's original SSMP server (../lib/anchors.sh): built once, or left out with the reason
LIPWIG_NOTE=""
if want idle || want lipwig || want verkehr; then
  # shellcheck source=/dev/null
  . "$BENCH_DIR/../lib/anchors.sh"
  anchors_init
  LIPWIG_NOTE=$ANCHORS_NOTE
  [ -n "$LIPWIG_BIN" ] || [ -n "$LIPWIG_NOTE" ] || LIPWIG_NOTE="not available"
  if [ -z "$LIPWIG_BIN" ] && want lipwig && [ ${#PARTS[@]} -gt 0 ] && ! want idle && ! want verkehr; then
    die "lipwig is not available: $LIPWIG_NOTE"
  fi
else
  LIPWIG_BIN=""
  LIPWIG_NOTE="not run (parts: ${PARTS[*]})"
fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then if [ -t 0 ]; then sudo "$@"; else sudo -n "$@"; fi
  else die "need root to run '$*' (not root and sudo is not available)"; fi
}
MOSQUITTO=""
if want mosquitto; then
  MOSQUITTO=$(command -v mosquitto || { [ -x /usr/sbin/mosquitto ] && echo /usr/sbin/mosquitto; } || true)
  if [ -z "$MOSQUITTO" ]; then
    command -v apt-get >/dev/null || die "mosquitto is missing and there is no apt-get: install it by hand, or leave the part out (parts: idle direct lipwig verkehr)"
    say "installing mosquitto (Debian package; it is run here from a generated config, not as a service)"
    as_root env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get -o DPkg::Lock::Timeout=300 install -y -q mosquitto \
      </dev/null >"$RUN_DIR/apt.log" 2>&1 \
      || { as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -q >>"$RUN_DIR/apt.log" 2>&1 \
        && as_root env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get -o DPkg::Lock::Timeout=300 install -y -q mosquitto \
        </dev/null >>"$RUN_DIR/apt.log" 2>&1; } || die "apt-get install mosquitto failed (log: $RUN_DIR/apt.log)"
    MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
    [ -x "$MOSQUITTO" ] || die "no mosquitto binary after installing it"
  fi
fi

# ---------------------------------------------------------------------------------------------
# verkehr's jar (built when missing or stale), the libraries the tool takes from it, the tool
# ---------------------------------------------------------------------------------------------
stale_sources() {
  [ -f "$VERKEHR_JAR" ] || return 0
  [ -n "$(find "$ROOT_DIR/verkehr-push/src/main" "$ROOT_DIR/common/src/main" "$ROOT_DIR/client/src/main" \
    "$ROOT_DIR/pom.xml" "$ROOT_DIR/verkehr-push/pom.xml" "$ROOT_DIR/common/pom.xml" "$ROOT_DIR/client/pom.xml" \
    -newer "$VERKEHR_JAR" -type f -print -quit 2>/dev/null)" ]
}
if want verkehr || want idle; then
  BUILD=0
  case $REBUILD in
    1) BUILD=1 ;;
    0) [ -f "$VERKEHR_JAR" ] || die "no verkehr jar at $VERKEHR_JAR (and REBUILD=0)" ;;
    auto) if [ ! -f "$VERKEHR_JAR" ] || { [ "$VERKEHR_JAR" = "$DEFAULT_JAR" ] && stale_sources; }; then BUILD=1; fi ;;
    *) die "REBUILD must be auto, 0 or 1" ;;
  esac
  if [ "$BUILD" = 1 ]; then
    [ "$VERKEHR_JAR" = "$DEFAULT_JAR" ] || die "no verkehr jar at $VERKEHR_JAR"
    say "building verkehr-push (and common, client): ./mvnw -B -o -q -pl verkehr-push -am package -DskipTests"
    (cd "$ROOT_DIR" && ./mvnw -B -o -q -pl verkehr-push -am package -DskipTests) >"$RUN_DIR/build.log" 2>&1 \
      || { tail -n 40 "$RUN_DIR/build.log" >&2; die "the build failed (log: $RUN_DIR/build.log); build the jar with: ./mvnw -B -pl verkehr-push -am package -DskipTests (REBUILD=0 uses an existing jar as it is)"; }
    [ -f "$VERKEHR_JAR" ] || die "no verkehr jar at $VERKEHR_JAR after the build"
  fi
fi
[ -f "$VERKEHR_JAR" ] || die "no verkehr jar at $VERKEHR_JAR: the tool takes Netty and Bouncy Castle from it; build it with ./mvnw -B -pl verkehr-push -am package -DskipTests (or REBUILD=1)"
cp "$VERKEHR_JAR" "$RUN_DIR/verkehr-push.jar"
JAR_COPY=$RUN_DIR/verkehr-push.jar
JAR_SHA=$(sha256sum "$JAR_COPY" | cut -c1-16)
JAR_BUILT=$(date -u -r "$VERKEHR_JAR" +%Y-%m-%dT%H:%M:%SZ)
JAR_STALE=""
if [ "$VERKEHR_JAR" = "$DEFAULT_JAR" ] && stale_sources; then JAR_STALE=" (older than its sources: they changed after the build)"; fi

# The tool runs on the very Netty (with BoringSSL) and Bouncy Castle jars that are inside verkehr's jar.
# They are taken out once per jar (by its hash) into target/tool/, and the tool is compiled there
# again only when its source is newer.
TOOL_DIR=$BENCH_DIR/target/tool/$JAR_SHA
if [ ! -f "$TOOL_DIR/lib.done" ]; then
  find "$BENCH_DIR/target/tool" -mindepth 1 -maxdepth 1 -type d -mmin +60 -exec rm -rf {} + 2>/dev/null || true
  rm -rf "$TOOL_DIR"
  mkdir -p "$TOOL_DIR/lib"
  mapfile -t WANTED < <("$JDK_HOME/bin/jar" tf "$JAR_COPY" | grep -E '^BOOT-INF/lib/(netty-|bcprov|bcpkix|bcutil)[^/]*\.jar$' || true)
  [ ${#WANTED[@]} -gt 0 ] || die "no Netty/Bouncy Castle libraries found in $VERKEHR_JAR"
  (cd "$TOOL_DIR/lib" && "$JDK_HOME/bin/jar" xf "$JAR_COPY" "${WANTED[@]}")
  touch "$TOOL_DIR/lib.done"
fi
LIB_DIR=$TOOL_DIR/lib/BOOT-INF/lib
for w in netty-handler netty-transport-native-epoll netty-tcnative-boringssl-static bcpkix; do
  compgen -G "$LIB_DIR/$w*.jar" >/dev/null || die "$w*.jar is not in $VERKEHR_JAR (stale jar? REBUILD=1)"
done
NETTY_JARS=$(cd "$LIB_DIR" && { ls netty-handler-*.jar netty-tcnative-classes-*.jar 2>/dev/null || true; } | paste -sd, - | sed 's/,/, /g')
CP="$TOOL_DIR/classes:$(printf '%s:' "$LIB_DIR"/*.jar)"
CP=${CP%:}
COMPILED=$TOOL_DIR/classes.$(basename "$JDK_HOME")
if [ ! -f "$COMPILED" ] || [ "$BENCH_DIR/VerkehrBench.java" -nt "$COMPILED" ]; then
  rm -rf "$TOOL_DIR/classes" "$TOOL_DIR"/classes.*
  mkdir -p "$TOOL_DIR/classes"
  "$JDK_HOME/bin/javac" --release 21 -nowarn -cp "$CP" -d "$TOOL_DIR/classes" "$BENCH_DIR/VerkehrBench.java" 2>"$RUN_DIR/javac.log" \
    || { cat "$RUN_DIR/javac.log" >&2; die "compiling the load tool failed"; }
  touch "$COMPILED"
fi
NATIVE="--enable-native-access=ALL-UNNAMED"
read -r -a TOOL_OPTS <<<"$TOOL_JAVA_OPTS"
read -r -a SERVER_OPTS <<<"$SERVER_JAVA_OPTS"
tool() { "$JAVA" "$NATIVE" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx256m -cp "$CP" VerkehrBench "$@"; }  # utilities

# Runs one part of the load in the background (so INT/TERM reach the trap) with a time limit.
# $1 = name (log files), then the tool's arguments.
run_tool() {
  local name=$1 rc=0 waited=0
  shift
  "$JAVA" "$NATIVE" "${TOOL_OPTS[@]}" -cp "$CP" VerkehrBench "$@" \
    > >(tee -a "$RUN_DIR/$name.out") 2> >(grep -v --line-buffered '^WARNING' | tee -a "$RUN_DIR/$name.err" >&2) &
  TOOL_PID=$!
  while kill -0 "$TOOL_PID" 2>/dev/null && [ "$waited" -lt "$((PART_TIMEOUT * 5))" ]; do
    sleep 0.2
    waited=$((waited + 1))
  done
  if kill -0 "$TOOL_PID" 2>/dev/null; then
    say "$name exceeded PART_TIMEOUT=${PART_TIMEOUT}s; stopping it" >&2
    stop_pid "$TOOL_PID"
    rc=124
  else
    wait "$TOOL_PID" || rc=$?
  fi
  TOOL_PID=""
  case $rc in
    0) STATUS+=("$name: ok") ;;
    124) STATUS+=("$name: timed out after ${PART_TIMEOUT}s") ;;
    *) STATUS+=("$name: exit $rc (a check failed or it broke; see $name.err)") ;;
  esac
  [ "$rc" = 0 ] || FAILED=1
  return 0
}
STATUS=()
FAILED=0

# ---------------------------------------------------------------------------------------------
# key material, ports
# ---------------------------------------------------------------------------------------------
PKI=$RUN_DIR/pki
tool pki --dir "$PKI" >/dev/null 2>"$RUN_DIR/pki.err" || { cat "$RUN_DIR/pki.err" >&2; die "generating the test PKI failed"; }
printf '%s\n' "$SECRET" >"$PKI/secret"     # lipwig -secret FILE: the credential the load sends
read -r VK_PORT HTTP_PORT DIRECT_PORT MQ_PORT MANAGEMENT_PORT LW_PORT <<<"$(tool freeports --count 6 2>/dev/null)" || die "no free ports"
[ -n "$LW_PORT" ] || die "no free ports"
CLK_TCK=$(getconf CLK_TCK)
COMMON_FANOUT=(--ca "$PKI/ca.pem" --subscribers "$SUBSCRIBERS" --payload "$PAYLOAD" --warmup "$WARMUP" --duration "$DURATION"
  --lat-warmup "$LAT_WARMUP" --lat-duration "$LAT_DURATION" --low-rate "$LOW_RATE" --low-duration "$LOW_DURATION"
  --ack-window "$ACK_WINDOW" --inflight-per-sub "$INFLIGHT_PER_SUB" --quiet-wait "$QUIET_WAIT" --clk-tck "$CLK_TCK"
  --max-seconds "$PART_TIMEOUT")

busy_cores() { # machine-wide busy cores over one second, from /proc/stat
  local a b
  read -r -a a < <(head -n1 /proc/stat)
  sleep 1
  read -r -a b < <(head -n1 /proc/stat)
  local busy=0 i
  for i in 1 2 3 6 7 8; do busy=$((busy + b[i] - a[i])); done
  awk -v t="$busy" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }'
}
wait_quiet() {
  [ "$QUIET_WAIT" -gt 0 ] || return 0
  local busy=""
  for _ in $(seq 1 "$QUIET_WAIT"); do
    busy=$(busy_cores)
    if awk -v b="$busy" 'BEGIN { exit !(b < 0.3) }'; then return 0; fi
  done
  say "warning: the machine is busy ($busy cores over the last second); the run goes on and says so"
}
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
say "verkehr benchmark $STAMP$([ "$QUICK" = 1 ] && echo " (QUICK: smoke sizes, figures not comparable)"): parts ${PARTS[*]:-all}"
say "  JDK $JDK_HOME; run dir $RUN_DIR"


# ---------------------------------------------------------------------------------------------
# the servers: verkehr and lipwig are started fresh in every round
# ---------------------------------------------------------------------------------------------
VK_CMD=("$JAVA" "${SERVER_OPTS[@]}" "$NATIVE" -jar "$JAR_COPY"
  "--server.port=$HTTP_PORT" --server.address=127.0.0.1 "--management.server.port=$MANAGEMENT_PORT"
  --aero.verkehr.host=127.0.0.1 "--aero.verkehr.port=$VK_PORT"
  "--aero.verkehr.deployment-secret=$SECRET"
  "--aero.verkehr.tls.certificate-file=$PKI/server.pem" "--aero.verkehr.tls.private-key-file=$PKI/server.key"
  "--aero.verkehr.tls.ca-certificate-file=$PKI/ca.pem" "--aero.verkehr.tls.crl-url=file:$PKI/crl.der"
  "--aero.verkehr.cluster.channel-prefix=$PREFIX" "--aero.verkehr.events.stream=$PREFIX:events"
  "--aero.verkehr.max-outbound-bytes=$MAX_OUTBOUND"
  "--spring.data.redis.host=$REDIS_HOST" "--spring.data.redis.port=$REDIS_PORT")
if [ -n "$VERKEHR_ARGS" ]; then read -r -a EXTRA <<<"$VERKEHR_ARGS"; VK_CMD+=("${EXTRA[@]}"); fi
VK_CMD_SHOWN="java"
for arg in "${VK_CMD[@]:1}"; do
  case $arg in "$JAR_COPY") arg="verkehr-push.jar" ;; esac
  VK_CMD_SHOWN+=" ${arg//$RUN_DIR/<run>}"
done
VK_MANAGEMENT_URL=http://127.0.0.1:$MANAGEMENT_PORT
VK_LOGS=()
start_verkehr() { # $1 = round
  local log=$RUN_DIR/verkehr-$1.log
  wait_quiet
  "${VK_CMD[@]}" >"$log" 2>&1 &
  VK_PID=$!
  VK_LOGS+=("$log")
  tool wait-ready --port "$VK_PORT" --health-url "$VK_MANAGEMENT_URL/actuator/health" --pid "$VK_PID" --ca "$PKI/ca.pem" --timeout 300 \
    2>"$RUN_DIR/verkehr-ready.err" &
  if ! wait $!; then
    tail -n 30 "$log" | sed 's/^/  /' >&2
    cat "$RUN_DIR/verkehr-ready.err" >&2
    die "verkehr did not become ready (log: $log)"
  fi
  VK_FLAGS=$("$JDK_HOME/bin/jcmd" "$VK_PID" VM.flags 2>/dev/null | sed -n '2p' || true)
  say "verkehr pid $VK_PID: SSMP/TLS 127.0.0.1:$VK_PORT, HTTP :$HTTP_PORT; $(grep -o 'TLS by [^,]*' "$log" | head -n1)"
}
VK_ALIVE="not started"
stop_verkehr() {
  [ -n "$VK_PID" ] || return 0
  kill -0 "$VK_PID" 2>/dev/null || VK_ALIVE="**no** (exited in a round; see its log)"
  [ "$VK_ALIVE" = "not started" ] && VK_ALIVE=yes
  curl -s --max-time 5 "$VK_MANAGEMENT_URL/actuator/prometheus" >"$RUN_DIR/verkehr-metrics-end-$ROUND.txt" 2>/dev/null || true
  stop_pid "$VK_PID"
  VK_PID=""
}

# lipwig: TLS with the benchmark's certificate (-host/-cacert/-cert/-key), logins with scheme
# `secret` checked against the file holding the same secret verkehr is given (-secret)
LW_CMD=()
if [ -n "$LIPWIG_BIN" ]; then
  LW_CMD=("$LIPWIG_BIN" -listen "127.0.0.1:$LW_PORT" -secret "$PKI/secret" -host localhost -cacert "$PKI/ca.pem"
    -cert "$PKI/server.pem" -key "$PKI/server.key")
fi
LW_ALIVE="not started"
start_lipwig() { # $1 = round; leaves LW_PID empty (and says why) when it does not come up
  [ -n "$LIPWIG_BIN" ] || return 0
  local log=$RUN_DIR/lipwig-$1.log
  (raise_fd_limit $((IDLE_CONNS * 2 + 4096)) >/dev/null; exec "${LW_CMD[@]}") >"$log" 2>&1 &
  LW_PID=$!
  tool wait-ready --port "$LW_PORT" --pid "$LW_PID" --ca "$PKI/ca.pem" --timeout 30 2>>"$log" &
  if ! wait $!; then
    say "warning: lipwig did not start (log $log); it is not measured in round $1" >&2
    stop_pid "$LW_PID"
    LW_PID=""
    return 0
  fi
  [ "$LW_ALIVE" = "not started" ] && LW_ALIVE=yes
  say "lipwig pid $LW_PID: SSMP/TLS 127.0.0.1:$LW_PORT"
}
stop_lipwig() {
  [ -n "$LW_PID" ] || return 0
  kill -0 "$LW_PID" 2>/dev/null || LW_ALIVE="**no** (exited in a round; see its log)"
  stop_pid "$LW_PID"
  LW_PID=""
}

idle_run() { # $1 = verkehr|lipwig, $2 = round, $3 = its place in the round (1, 2)
  local who=$1 r=$2 ord=$3
  if [ "$who" = verkehr ]; then
    say ""
    say "=== round $r: 1. idle, verkehr: $IDLE_CONNS TLS connections from $IDLE_WORKERS JVMs ==="
    wait_quiet
    run_tool "idle-$r-verkehr" idle --target verkehr --label verkehr --round "$r" --port "$VK_PORT" --ca "$PKI/ca.pem" \
      --secret "$SECRET" --server-pid "$VK_PID" --jcmd "$JDK_HOME/bin/jcmd" "${IDLE_COMMON[@]}" \
      --metrics-url "$VK_MANAGEMENT_URL/actuator/prometheus" "${HISTOGRAMS[@]}" --out "$RUN_DIR/idle-$r-$ord-verkehr.properties"
  else
    [ -n "$LW_PID" ] || return 0
    say ""
    say "=== round $r: 1. idle, lipwig: $IDLE_CONNS TLS connections from $IDLE_WORKERS JVMs ==="
    wait_quiet
    run_tool "idle-$r-lipwig" idle --target lipwig --label "lipwig (Go)" --round "$r" --jvm false --port "$LW_PORT" \
      --ca "$PKI/ca.pem" --secret "$SECRET" --server-pid "$LW_PID" "${IDLE_COMMON[@]}" \
      --out "$RUN_DIR/idle-$r-$ord-lipwig.properties"
  fi
}

direct_run() { # $1 = round
  local r=$1
  say ""
  say "=== round $r: 5. physical limit: direct TLS fan-out ==="
  wait_quiet
  "$JAVA" "${SERVER_OPTS[@]}" "$NATIVE" -cp "$CP" VerkehrBench direct-server --port "$DIRECT_PORT" --cert "$PKI/server.pem" \
    --key "$PKI/server.key" --max-seconds "$((PART_TIMEOUT + 60))" >"$RUN_DIR/direct-$r.log" 2>&1 &
  DIRECT_PID=$!
  tool wait-ready --port "$DIRECT_PORT" --pid "$DIRECT_PID" --ca "$PKI/ca.pem" --timeout 30 2>>"$RUN_DIR/direct-$r.log" &
  if wait $!; then
    DIRECT_DESC=$(grep -m1 'listening' "$RUN_DIR/direct-$r.log" || true)
    run_tool "fanout-$r-direct" fanout --target direct --label "direct TLS fan-out" --round "$r" --port "$DIRECT_PORT" \
      --secret "$SECRET" --server-pid "$DIRECT_PID" --out "$RUN_DIR/fanout-$r-1-direct.properties" "${COMMON_FANOUT[@]}"
  else
    STATUS+=("direct (round $r): the direct fan-out did not start (see direct-$r.log)"); FAILED=1
  fi
  stop_pid "$DIRECT_PID"
  DIRECT_PID=""
}

mosquitto_run() { # $1 = round
  local r=$1
  say ""
  say "=== round $r: 4. mosquitto, same fan-out over MQTT 3.1.1 QoS 0 ==="
  wait_quiet
  cat >"$RUN_DIR/mosquitto.conf" <<MQCONF
# generated by bench/verkehr/run.sh: one TLS listener with the benchmark's certificate
user $(id -un)
per_listener_settings false
allow_anonymous true
persistence false
max_connections -1
set_tcp_nodelay true
log_dest file $RUN_DIR/mosquitto.log
log_type error
log_type warning
log_type notice
connection_messages false
listener $MQ_PORT 127.0.0.1
cafile $PKI/ca.pem
certfile $PKI/server.pem
keyfile $PKI/server.key
require_certificate false
ciphers_tls1.3 TLS_AES_128_GCM_SHA256
MQCONF
  "$MOSQUITTO" -c "$RUN_DIR/mosquitto.conf" >>"$RUN_DIR/mosquitto.out" 2>&1 &
  MQ_PID=$!
  tool wait-ready --port "$MQ_PORT" --pid "$MQ_PID" --ca "$PKI/ca.pem" --timeout 30 2>>"$RUN_DIR/mosquitto.out" &
  if wait $!; then
    run_tool "fanout-$r-mosquitto" fanout --target mqtt --label "mosquitto $MQ_VERSION" --round "$r" --port "$MQ_PORT" \
      --server-pid "$MQ_PID" --out "$RUN_DIR/fanout-$r-4-mqtt.properties" "${COMMON_FANOUT[@]}"
  else
    STATUS+=("mosquitto (round $r): did not start (see mosquitto.out, mosquitto.log)"); FAILED=1
  fi
  stop_pid "$MQ_PID"
  MQ_PID=""
}

IDLE_COMMON=(--java "$JAVA" --cp "$CP" "--worker-jvm=$NATIVE $WORKER_JAVA_OPTS" --conns "$IDLE_CONNS" --workers "$IDLE_WORKERS"
  --warmup-conns "$IDLE_WARMUP" --idle-seconds "$IDLE_SECONDS" --settle-ms "$IDLE_SETTLE_MS" --gc-settle-ms "$IDLE_GC_SETTLE_MS"
  --worker-max-seconds "$PART_TIMEOUT" --worker-log "$RUN_DIR/idle-workers.err")
HISTOGRAMS=(--histograms "$RUN_DIR")     # verkehr's live-object histograms (jcmd GC.class_histogram)
[ "$QUICK" != 1 ] || HISTOGRAMS=()
VK_FLAGS=""
DIRECT_DESC=""
MQ_VERSION=""
[ -z "$MOSQUITTO" ] || MQ_VERSION=$({ "$MOSQUITTO" -h 2>/dev/null || true; } | sed -n 's/^mosquitto version //p' | head -n1)
ROUND=0
for ROUND in $(seq 1 "$ROUNDS"); do
  say ""
  say "##### round $ROUND of $ROUNDS #####"
  if want idle || want verkehr; then start_verkehr "$ROUND"; fi
  if want idle || want lipwig || want verkehr; then start_lipwig "$ROUND"; fi

  # 1. idle connections, first, on the fresh servers; round r starts with the r-th server
  if want idle; then
    if [ $((ROUND % 2)) = 1 ]; then idle_run verkehr "$ROUND" 1; idle_run lipwig "$ROUND" 2
    else idle_run lipwig "$ROUND" 1; idle_run verkehr "$ROUND" 2; fi
  fi

  # 5., 2./3., 4.: the fan-out of every server, lipwig before verkehr (verkehr's second latency
  # window runs at half of lipwig's saturation rate of this round)
  if want direct; then direct_run "$ROUND"; fi
  LW_HALF=""
  if want lipwig && [ -n "$LW_PID" ]; then
    say ""
    say "=== round $ROUND: lipwig fan-out: $SUBSCRIBERS TLS subscribers, $PAYLOAD-byte payloads ==="
    wait_quiet
    run_tool "fanout-$ROUND-lipwig" fanout --target lipwig --label "lipwig (Go)" --round "$ROUND" --port "$LW_PORT" --secret "$SECRET" \
      --server-pid "$LW_PID" --out "$RUN_DIR/fanout-$ROUND-2-lipwig.properties" "${COMMON_FANOUT[@]}"
    LW_HALF=$(sed -n 's/^lat\.published_per_s=//p' "$RUN_DIR/fanout-$ROUND-2-lipwig.properties" 2>/dev/null | head -n1 || true)
  fi
  stop_lipwig
  if want verkehr; then
    say ""
    say "=== round $ROUND: 2./3. verkehr fan-out: $SUBSCRIBERS TLS subscribers, $PAYLOAD-byte payloads ==="
    REF_ARGS=()
    if [ -n "$LW_HALF" ] && awk -v r="$LW_HALF" 'BEGIN { exit !(r > 0) }'; then
      REF_ARGS=(--ref-lat-rate "$LW_HALF" --ref-lat-what "half of lipwig's saturation rate")
    fi
    wait_quiet
    run_tool "fanout-$ROUND-verkehr" fanout --target verkehr --label verkehr --round "$ROUND" --port "$VK_PORT" --secret "$SECRET" \
      --server-pid "$VK_PID" --metrics-url "$VK_MANAGEMENT_URL/actuator/prometheus" \
      --out "$RUN_DIR/fanout-$ROUND-3-verkehr.properties" "${REF_ARGS[@]}" "${COMMON_FANOUT[@]}"
  fi
  stop_verkehr
  if want mosquitto; then mosquitto_run "$ROUND"; fi
done

# verkehr's logs over all rounds: ERROR/WARN lines, counted by kind (numbers and addresses folded)
VK_ERRORS=""
VK_WARNS=""
VK_LOG_KINDS=""
if [ ${#VK_LOGS[@]} -gt 0 ]; then
  VK_ERRORS=$(cat "${VK_LOGS[@]}" | grep -c ' ERROR ' || true)
  VK_WARNS=$(cat "${VK_LOGS[@]}" | grep -c ' WARN ' || true)
  VK_LOG_KINDS=$(cat "${VK_LOGS[@]}" | grep -E ' (ERROR|WARN) ' | sed -E 's/^.* (ERROR|WARN) [0-9]+ --- \[[^]]*\] \[[^]]*\] /\1 /; s/[0-9]+/N/g' \
    | cut -c1-200 | sort | uniq -c | sort -rn | head -n 8 | sed 's/^ *\([0-9]*\) /\1 × /; s/`/'"'"'/g; s/^/  - `/; s/$/`/' || true)
fi

LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# results file
# ---------------------------------------------------------------------------------------------
BODY=$RUN_DIR/body.md
SUMMARY=$RUN_DIR/summary.md
REPORT_ARGS=(--dir "$RUN_DIR" --md "$BODY" --summary "$SUMMARY" --rounds "$ROUNDS")
[ -n "$LIPWIG_BIN" ] || REPORT_ARGS+=(--lipwig-missing "$LIPWIG_NOTE")
tool report "${REPORT_ARGS[@]}" >/dev/null 2>"$RUN_DIR/report.err" || true
REPRO="${OVERRIDES}bench/verkehr/run.sh${PARTS[*]:+ ${PARTS[*]}}"
JAVA_VERSION=$("$JAVA" -version 2>&1 | sed -n '2p')
GIT_REV=$(git -C "$ROOT_DIR" rev-parse --short HEAD 2>/dev/null || echo "?")
GIT_DIRTY=$(git -C "$ROOT_DIR" status --porcelain -- verkehr-push/src/main common/src/main client/src/main 2>/dev/null | head -c1)
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
MEM_LINE=$(free -g | awk '/^Mem:/ {print $2 " GiB total, " $7 " GiB available"}')
REDIS_VERSION=$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" INFO server 2>/dev/null | sed -n 's/^redis_version:\(.*\)\r\{0,1\}$/\1/p' | tr -d '\r' || true)
RESULTS=$RESULTS_DIR/$STAMP.md
{
  printf '# verkehr-push benchmark, %s\n\n' "$STAMP"
  if [ "$QUICK" = 1 ]; then printf '**QUICK=1 check run: reduced sizes and windows, the figures are not comparable with the targets.**\n\n'; fi
  printf -- '- parts: %s\n' "$(IFS=';'; printf '%s' "${STATUS[*]:-none}" | sed 's/;/; /g')"
  printf -- '- rounds: %s; each starts verkehr and lipwig fresh and runs every server in turn; figures are medians over the rounds, ratios medians of the per-round ratios\n' "$ROUNDS"
  printf -- '- verkehr: `%s` (sha256 %s, built %s%s); repository %s%s\n' \
    "$(realpath --relative-to="$ROOT_DIR" "$VERKEHR_JAR" 2>/dev/null || echo "$VERKEHR_JAR")" "$JAR_SHA" "$JAR_BUILT" "$JAR_STALE" \
    "$GIT_REV" "$([ -n "$GIT_DIRTY" ] && echo " (with uncommitted changes in verkehr-push/common/client main sources)")"
  if [ -n "$LIPWIG_BIN" ]; then
    printf -- '- lipwig: %s; started as `lipwig -listen 127.0.0.1:<port> -secret <file> -host localhost -cacert ca.pem -cert server.pem -key server.key` (TLS, login scheme `secret` with the secret verkehr is given); alive at the end of each round: %s\n' \
      "$ANCHORS_DESC" "$LW_ALIVE"
  else
    printf -- '- lipwig: **not measured: %s**\n' "$LIPWIG_NOTE"
  fi
  printf -- '- machine: %s CPUs (`nproc`), %s (%s), %s; kernel %s; open-file limit %s\n' "$(nproc)" "$CPU_MODEL" "$(uname -m)" \
    "$MEM_LINE" "$(uname -r)" "$(ulimit -n)"
  printf -- '- load average at the start %s, at the end %s\n' "$LOAD_START" "$LOAD_END"
  printf -- '- JDK: %s (%s); Redis %s on loopback (keys `%s*`, deleted before and after)\n' "$JAVA_VERSION" "$JDK_HOME" \
    "${REDIS_VERSION:-?}" "$PREFIX"
  printf -- '- verkehr JVM: `%s`; effective flags (`jcmd VM.flags`): `%s`\n' "$SERVER_JAVA_OPTS" "${VK_FLAGS:-?}"
  printf -- '- verkehr started as: `%s`\n' "$VK_CMD_SHOWN"
  printf -- '- verkehr logs (all rounds): %s ERROR and %s WARN lines; alive at the end of each round: %s\n' "${VK_ERRORS:-?}" "${VK_WARNS:-?}" "$VK_ALIVE"
  if [ -n "$VK_LOG_KINDS" ]; then printf '%s\n' "$VK_LOG_KINDS"; fi
  printf -- '- direct TLS fan-out (physical limit): JVM `%s`; %s\n' "$SERVER_JAVA_OPTS" "${DIRECT_DESC:-not run}"
  printf -- '- mosquitto: %s, from `%s` (TLS 1.3 with TLS_AES_128_GCM_SHA256 like verkehr; QoS 0; no persistence)\n' \
    "${MQ_VERSION:-not run}" "${MOSQUITTO:-?}"
  printf -- '- load JVMs: fan-out `%s`; idle workers `%s`; client TLS: Netty %s, BoringSSL when it loads\n' "$TOOL_JAVA_OPTS" \
    "$WORKER_JAVA_OPTS" "$NETTY_JARS"
  printf -- '- settings: %s subscribers, %s-byte payloads, saturation %s s after %s s, half rate %s s after %s s, light load %s publishes/s for %s s; ack window %s, in-flight bound %s messages per subscriber; idle: %s connections from %s JVMs after %s warm-up connections, %s s idle\n' \
    "$SUBSCRIBERS" "$PAYLOAD" "$DURATION" "$WARMUP" "$LAT_DURATION" "$LAT_WARMUP" "$LOW_RATE" "$LOW_DURATION" "$ACK_WINDOW" \
    "$INFLIGHT_PER_SUB" "$IDLE_CONNS" "$IDLE_WORKERS" "$IDLE_WARMUP" "$IDLE_SECONDS"
  printf -- '- command: `%s`; logs: `%s`\n\n' "$REPRO" "${RUN_DIR#"$ROOT_DIR"/}"
  printf '## Summary\n\n| figure | physical limit / reference, same rounds | verkehr | ratio | target | verdict |\n|---|---|---|---|---|---|\n'
  if [ -s "$SUMMARY" ]; then cat "$SUMMARY"; fi
  printf '\n'
  if [ -s "$BODY" ]; then cat "$BODY"; else printf 'No figures: the report step failed (see `%s`).\n' "${RUN_DIR#"$ROOT_DIR"/}/report.err"; fi
} >"$RESULTS"

say ""
say "| figure | physical limit / reference, same rounds | verkehr | ratio | target | verdict |"
say "|---|---|---|---|---|---|"
[ -s "$SUMMARY" ] && cat "$SUMMARY"
[ -s "$RUN_DIR/report.err" ] && { say "report step:"; cat "$RUN_DIR/report.err"; }
say ""
for s in "${STATUS[@]}"; do say "  $s"; done
say "results: $RESULTS"
say "reproduce: $REPRO"
exit "$FAILED"

#!/usr/bin/env bash
# Zephyr relay benchmarks (docs/benchmarks.md, section "Zephyr relay").
#
#   bench/zephyr/run.sh [scenario ...]      scenarios: single pairs idle fdlimit latency (default: all)
#
# Every scenario measures the physical limit (direct loopback TCP, or the relay's own baseline)
# in the same run and reports the ratio, because absolute numbers on a shared machine drift.
# The throughput, latency and idle-memory scenarios run in ROUNDS rounds; each round runs every
# contender back to back: direct loopback TCP, the relay under test, the C reference relay
# (ref-relay.c) and valkyrie, AeroFS's original Go relay, built from its published source in the
# anchors directory (AERO_ANCHORS_DIR). Every figure is a median over the rounds, and every ratio
# the median of the per-round ratios. Each scenario gets freshly started relays on free loopback
# ports; everything started here is stopped on exit. Results: bench/zephyr/results/<timestamp>.md
# (plus a summary on stdout).
#
# Environment:
#   QUICK=1              a check that the bench works, figures not comparable: small sizes, one
#                        round, no warm-up runs, no waiting for a quiet machine, one relay for all
#                        scenarios, and by default single pairs idle latency (name fdlimit to add it;
#                        it needs a relay of its own). It takes about 65 CPU-seconds once
#                        everything is built (most of it JVM starts), so under a minute on an
#                        otherwise idle 2-core machine, more on a busy one.
#   ROUNDS=5             rounds per scenario (QUICK: 1)
#   QUIET_WAIT=20        seconds to wait for a quiet machine (< 0.3 cores busy) before each run (QUICK: 0)
#   RELAY_JAR=path       relay fat jar (default zephyr-relay/target/zephyr-relay.jar). When it is
#                        missing (or always with REBUILD=1) it is built with
#                        ./mvnw -B -o -q -pl zephyr-relay -am package -DskipTests. The jar is copied
#                        before use so a concurrent rebuild cannot pull it from under the relay.
#   RELAY=standin        use bench/zephyr/StandInRelay.java, a TEST DOUBLE, to check the harness
#                        itself; its numbers mean nothing and are marked as such.
#   RELAY_JAVA_OPTS      relay JVM options (default: -XX:+UseSerialGC -Xmx512m)
#   RELAY_ARGS           extra relay arguments, e.g. "--aero.zephyr.transport=nio"
#   WORKER_JAVA_OPTS     load-generator JVM options (default: -XX:+UseSerialGC -Xms64m -Xmx512m; QUICK
#                        adds -XX:TieredStopAtLevel=1)
#   REF_RELAY=copy       reference relay run in the same alternation as the relay in the single and
#                        pairs scenarios: bench/zephyr/ref-relay.c, the simplest relay there can be,
#                        built with cc when one is installed. copy (read/write through a buffer, as
#                        the relay does), splice (through a pipe, no copy into the process) or off.
#   REF_BUFFER=1048576   the reference relay's buffer (copy) or pipe (splice) size in bytes
#   AERO_ANCHORS=auto    off: leave valkyrie out. Otherwise it is built once (Go; Debian's golang-go
#                        is installed with apt-get when go is missing) with the build.sh of
#                        AERO_ANCHORS_DIR (default: shared/anchors next to this checkout's directory)
#                        into AERO_ANCHORS_CACHE (/tmp/aero-anchors-cache); VALKYRIE_BIN (with
#                        LIPWIG_BIN) names prebuilt binaries. When it is not available the run says
#                        why and goes on: its columns read "not measured: <reason>".
#   FD_LIMIT=1024        open-file limit of the relay in the fdlimit scenario
#   SCENARIO_TIMEOUT=900 seconds before a scenario is killed
#   RESULTS_DIR=dir      where to write the results file (default bench/zephyr/results)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT_DIR=$(cd "$BENCH_DIR/../.." && pwd -P)
ALL_SCENARIOS=(single pairs idle fdlimit latency)
# shellcheck disable=SC2034 # read by ../lib/find-jdk.sh
MIN_JAVA=21

QUICK=${QUICK:-0}
ROUNDS_GIVEN=${ROUNDS:-}
RELAY=${RELAY:-jar}
RELAY_JAR=${RELAY_JAR:-$ROOT_DIR/zephyr-relay/target/zephyr-relay.jar}
RELAY_JAVA_OPTS=${RELAY_JAVA_OPTS:--XX:+UseSerialGC -Xmx512m}
RELAY_ARGS=${RELAY_ARGS:-}
if [ "$QUICK" = 1 ]; then  # short-lived load JVMs: C1 only, less compiling
  WORKER_JAVA_OPTS=${WORKER_JAVA_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms64m -Xmx512m}
fi
WORKER_JAVA_OPTS=${WORKER_JAVA_OPTS:--XX:+UseSerialGC -Xms64m -Xmx512m}
FD_LIMIT=${FD_LIMIT:-1024}
if [ "$QUICK" = 1 ]; then ROUNDS=${ROUNDS:-1}; QUIET_WAIT=${QUIET_WAIT:-0}; fi
ROUNDS=${ROUNDS:-5}
QUIET_WAIT=${QUIET_WAIT:-20}
REF_RELAY=${REF_RELAY:-copy}
REF_BUFFER=${REF_BUFFER:-1048576}
SCENARIO_TIMEOUT=${SCENARIO_TIMEOUT:-900}
RESULTS_DIR=${RESULTS_DIR:-$BENCH_DIR/results}

say() { printf '%s\n' "$*"; }
die() { printf 'run.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

# ---------------------------------------------------------------------------------------------
# arguments
# ---------------------------------------------------------------------------------------------
SCENARIOS=()
for a in "$@"; do
  case $a in
    -h|--help|help) usage; exit 0 ;;
    single|pairs|idle|fdlimit|latency) SCENARIOS+=("$a") ;;
    a) SCENARIOS+=(single) ;; b) SCENARIOS+=(pairs) ;; c) SCENARIOS+=(idle) ;;
    d) SCENARIOS+=(fdlimit) ;; e) SCENARIOS+=(latency) ;;
    *) die "unknown scenario '$a' (one of: ${ALL_SCENARIOS[*]})" ;;
  esac
done
if [ ${#SCENARIOS[@]} -eq 0 ]; then
  if [ "${QUICK:-0}" = 1 ]; then
    SCENARIOS=(single pairs idle latency)   # fdlimit needs a relay of its own: name it to run it
  else
    SCENARIOS=("${ALL_SCENARIOS[@]}")
  fi
fi

# ---------------------------------------------------------------------------------------------
# JDK 21+: $JAVA_HOME, else java on PATH, else the newest under /usr/lib/jvm
# ---------------------------------------------------------------------------------------------
# shellcheck source=/dev/null
. "$(dirname "${BASH_SOURCE[0]}")/../lib/find-jdk.sh"
use_jdk

# ---------------------------------------------------------------------------------------------
# processes we start, and their cleanup
# ---------------------------------------------------------------------------------------------
STARTED_PIDS=()
COORD_PID=""
cleanup() {
  local pid
  if [ -n "${REF_PID:-}" ]; then
    kill -TERM "$REF_PID" 2>/dev/null || true
  fi
  if [ -n "${VK_PID:-}" ]; then
    kill -TERM "$VK_PID" 2>/dev/null || true
  fi
  if [ -n "$COORD_PID" ] && kill -0 "$COORD_PID" 2>/dev/null; then
    kill -TERM "$COORD_PID" 2>/dev/null || true
  fi
  for pid in "${STARTED_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for pid in "${STARTED_PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  # the logs stay; the 30 MB copy of the jar does not
  [ -n "${RUN_DIR:-}" ] && rm -f "$RUN_DIR/zephyr-relay.jar"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# relay jar (or the stand-in), and the load tool
# ---------------------------------------------------------------------------------------------
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RUN_DIR=$BENCH_DIR/target/run-$STAMP
CLASSES=$BENCH_DIR/target/classes
mkdir -p "$RUN_DIR" "$CLASSES" "$RESULTS_DIR"

SOURCES=("$BENCH_DIR/ZephyrBench.java")
if [ "$RELAY" = standin ]; then
  SOURCES+=("$BENCH_DIR/StandInRelay.java")
elif [ "$RELAY" = jar ]; then
  BUILD_CMD="./mvnw -B -o -q -pl zephyr-relay -am package -DskipTests"
  if [ ! -f "$RELAY_JAR" ] || [ "${REBUILD:-0}" = 1 ]; then
    [ "$RELAY_JAR" = "$ROOT_DIR/zephyr-relay/target/zephyr-relay.jar" ] \
      || die "no relay jar at $RELAY_JAR (RELAY_JAR names a file that does not exist)"
    say "no relay jar at ${RELAY_JAR#"$ROOT_DIR"/}: building it with $BUILD_CMD"
    (cd "$ROOT_DIR" && $BUILD_CMD) >"$RUN_DIR/build.log" 2>&1 \
      || { tail -n 30 "$RUN_DIR/build.log" >&2; die "the build failed (log: $RUN_DIR/build.log); build the jar with: $BUILD_CMD (without -o when the Maven repository is not filled yet)"; }
    [ -f "$RELAY_JAR" ] || die "no relay jar at $RELAY_JAR after the build ($BUILD_CMD)"
  fi
  cp "$RELAY_JAR" "$RUN_DIR/zephyr-relay.jar"
  JAR_COPY=$RUN_DIR/zephyr-relay.jar
else
  die "RELAY must be 'jar' or 'standin'"
fi
# compiled again only when a source is newer than the last compilation (or the JDK changed)
STAMP_FILE=$CLASSES/.compiled-$RELAY-$(basename "$JDK_HOME")
if [ ! -f "$STAMP_FILE" ] || [ -n "$(find "${SOURCES[@]}" -newer "$STAMP_FILE" -print -quit)" ]; then
  rm -f "$CLASSES"/.compiled-*
  "$JDK_HOME/bin/javac" --release 21 -d "$CLASSES" "${SOURCES[@]}" || die "compiling the load tool failed"
  touch "$STAMP_FILE"
fi

# The reference relay (see REF_RELAY above): built when a C compiler is there, else left out.
REF_BIN=""
case $REF_RELAY in
  off) ;;
  copy|splice)
    if command -v cc >/dev/null 2>&1; then
      REF_BIN=$BENCH_DIR/target/ref-relay
      if [ ! -x "$REF_BIN" ] || [ "$BENCH_DIR/ref-relay.c" -nt "$REF_BIN" ]; then
        cc -O2 -pthread -o "$REF_BIN" "$BENCH_DIR/ref-relay.c" || die "compiling the reference relay failed"
      fi
    else
      say "no C compiler (cc): the reference relay is left out"
    fi ;;
  *) die "REF_RELAY must be copy, splice or off" ;;
esac
REF_PID=""

# valkyrie, AeroFS's original Go relay (../lib/anchors.sh): built once, or left out with the reason
# shellcheck source=/dev/null
. "$BENCH_DIR/../lib/anchors.sh"
anchors_init
VK_PID=""
VK_ARGS=()

bench() { "$JAVA" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx256m -cp "$CLASSES" ZephyrBench "$@"; }  # utilities

RELAY_PID=""
RELAY_PORT=""
STATUS_PORT=""
# start_relay <tag> <fd limit or ""> [extra relay arguments...]
start_relay() {
  local tag=$1 fdlim=$2 ports log
  shift 2
  ports=$(bench freeports --count 3) || die "no free ports"
  read -r RELAY_PORT STATUS_PORT MANAGEMENT_PORT <<<"$ports"
  log=$RUN_DIR/relay-$tag.log
  local cmd=("$JAVA")
  read -r -a opts <<<"$RELAY_JAVA_OPTS"
  cmd+=("${opts[@]}")
  if [ "$RELAY" = standin ]; then
    cmd+=(-XX:MaxDirectMemorySize=2g -cp "$CLASSES" StandInRelay)
  else
    cmd+=(-jar "$JAR_COPY")
  fi
  cmd+=(--aero.zephyr.host=127.0.0.1 "--aero.zephyr.port=$RELAY_PORT" "--server.port=$STATUS_PORT"
    --server.address=127.0.0.1 "--management.server.port=$MANAGEMENT_PORT")
  if [ -n "$RELAY_ARGS" ]; then
    read -r -a extra <<<"$RELAY_ARGS"
    cmd+=("${extra[@]}")
  fi
  cmd+=("$@")
  RELAY_CMD="${cmd[*]}"
  if [ -n "$fdlim" ]; then
    (ulimit -n "$fdlim" && exec "${cmd[@]}") >"$log" 2>&1 &
  else
    "${cmd[@]}" >"$log" 2>&1 &
  fi
  RELAY_PID=$!
  STARTED_PIDS+=("$RELAY_PID")
  # in the background + wait, so that an INT/TERM reaches our trap at once
  bench wait-ready --relay-port "$RELAY_PORT" --status-port "$STATUS_PORT" --relay-pid "$RELAY_PID" \
    --timeout 300 >"$RUN_DIR/ready-$tag.json" &
  if ! wait $!; then
    say "relay ($tag) did not become ready; last lines of $log:" >&2
    tail -n 30 "$log" | sed 's/^/  /' >&2
    stop_relay
    return 1
  fi
}

stop_relay() {
  [ -n "$RELAY_PID" ] || return 0
  if kill -0 "$RELAY_PID" 2>/dev/null; then
    kill -TERM "$RELAY_PID" 2>/dev/null || true
    for _ in $(seq 1 75); do kill -0 "$RELAY_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$RELAY_PID" 2>/dev/null || true
  fi
  wait "$RELAY_PID" 2>/dev/null || true
  RELAY_PID=""
}

# start_reference: the reference relay on a free loopback port; sets REF_ARGS for the coordinator
start_reference() {
  REF_ARGS=()
  [ -n "$REF_BIN" ] || return 0
  local port
  port=$(bench freeports --count 1) || die "no free port"
  "$REF_BIN" 127.0.0.1 "$port" "$REF_RELAY" "$REF_BUFFER" >"$RUN_DIR/ref-relay.log" 2>&1 &
  REF_PID=$!
  STARTED_PIDS+=("$REF_PID")
  bench wait-ready --relay-port "$port" --relay-pid "$REF_PID" --timeout 30 >/dev/null || die "the reference relay did not start"
  REF_ARGS=(--ref-port "$port" --ref-pid "$REF_PID"
    --ref-name "bench/zephyr/ref-relay.c, $REF_RELAY mode, $REF_BUFFER-byte buffer, one blocking thread per connection")
}

stop_reference() {
  [ -n "$REF_PID" ] || return 0
  kill -TERM "$REF_PID" 2>/dev/null || true
  wait "$REF_PID" 2>/dev/null || true
  REF_PID=""
}

# start_valkyrie: valkyrie on a free port (it always listens on 0.0.0.0: it has no address flag;
# the load connects to 127.0.0.1). Its open-file limit is raised as far as allowed: an idle bound
# pair holds two sockets and two pipes (splice). Sets VK_ARGS for the coordinator.
start_valkyrie() {
  if [ -z "$VALKYRIE_BIN" ]; then
    VK_ARGS=(--valkyrie-missing "$ANCHORS_NOTE")
    return 0
  fi
  local port tag=$1
  port=$(bench freeports --count 1) || die "no free port"
  (raise_fd_limit 65536 >/dev/null; exec "$VALKYRIE_BIN" -port "$port") >"$RUN_DIR/valkyrie-$tag.log" 2>&1 &
  VK_PID=$!
  STARTED_PIDS+=("$VK_PID")
  if ! bench wait-ready --relay-port "$port" --relay-pid "$VK_PID" --timeout 30 >/dev/null; then
    say "valkyrie did not start (log $RUN_DIR/valkyrie-$tag.log); its columns are not measured" >&2
    stop_valkyrie
    VK_ARGS=(--valkyrie-missing "valkyrie did not start (see ${RUN_DIR#"$ROOT_DIR"/}/valkyrie-$tag.log)")
    return 0
  fi
  local lim
  lim=$(sed -n 's/^Max open files *\([0-9a-z]*\).*/\1/p' "/proc/$VK_PID/limits" 2>/dev/null || true)
  VK_ARGS=(--valkyrie-port "$port" --valkyrie-pid "$VK_PID" --valkyrie-fd-limit "${lim:-?}"
    --valkyrie-name "AeroFS's original Go relay, \`valkyrie -port $port\`, splice on")
}

stop_valkyrie() {
  [ -n "$VK_PID" ] || return 0
  kill -TERM "$VK_PID" 2>/dev/null || true
  wait "$VK_PID" 2>/dev/null || true
  VK_PID=""
}

relay_transport() {
  bench status --status-port "$STATUS_PORT" 2>/dev/null | sed -n 's/.*"transport" *: *"\([^"]*\)".*/\1/p' | head -n1
}

# ---------------------------------------------------------------------------------------------
# scenario parameters
# ---------------------------------------------------------------------------------------------
if [ "$QUICK" = 1 ]; then
  P_SINGLE=(--bytes 128m --reps "$ROUNDS" --verify stamp --relay-warmup-bytes 0)
  P_PAIRS=(--pairs 100 --bytes 1m --reps "$ROUNDS" --relay-warmup-bytes 0)
  P_IDLE=(--pairs 250 --workers 1 --warmup-pairs 0 --settle-ms 300 --gc-settle-ms 500)
  P_LATENCY=(--rounds 1000 --warmup 200 --reps "$ROUNDS" --relay-warmup-rounds 0)
else
  P_SINGLE=(--bytes 2g --write-size 256k --reps "$ROUNDS" --verify stamp,crc --relay-warmup-bytes 1g)
  P_PAIRS=(--pairs 100 --bytes 20m --write-size 256k --reps "$ROUNDS" --relay-warmup-bytes 1g)
  P_IDLE=(--pairs 4000 --workers 4 --warmup-pairs 200)
  P_LATENCY=(--rounds 20000 --warmup 5000 --size 64 --reps "$ROUNDS" --relay-warmup-rounds 20000)
fi
P_FDLIMIT=(--max-conns 20000 --register-timeout-ms 3000 --probes 5)

# ---------------------------------------------------------------------------------------------
# results file header
# ---------------------------------------------------------------------------------------------
RESULTS=$RESULTS_DIR/$STAMP.md
FRAGMENTS=$RUN_DIR/sections.md
SUMMARY=$RUN_DIR/summary.md
JSONL=$RUN_DIR/results.jsonl
: >"$FRAGMENTS"
: >"$SUMMARY"

if [ "$RELAY" = standin ]; then
  RELAY_DESC="**STAND-IN TEST DOUBLE (bench/zephyr/StandInRelay.java), not the product relay: these numbers only check the harness and must not be published**"
else
  RELAY_DESC="\`$(realpath --relative-to="$ROOT_DIR" "$RELAY_JAR" 2>/dev/null || echo "$RELAY_JAR")\` (sha256 $(sha256sum "$JAR_COPY" | cut -c1-16), built $(date -u -r "$RELAY_JAR" +%Y-%m-%dT%H:%M:%SZ))"
fi
JAVA_VERSION=$("$JAVA" -version 2>&1 | sed -n '2p')
GIT_REV=$(git -C "$ROOT_DIR" rev-parse --short HEAD 2>/dev/null || echo "?")
GIT_DIRTY=$(git -C "$ROOT_DIR" status --porcelain -- zephyr-relay 2>/dev/null | head -c1)
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
MEM_LINE=$(free -g | awk '/^Mem:/ {print $2 " GiB total, " $7 " GiB available"}')

say "Zephyr relay benchmark $STAMP ($([ "$QUICK" = 1 ] && echo quick || echo full)): ${SCENARIOS[*]}"
say "  JDK $JDK_HOME; relay: $RELAY; run dir $RUN_DIR"

# ---------------------------------------------------------------------------------------------
# scenarios
# ---------------------------------------------------------------------------------------------
declare -A STATUS_OF
run_scenario() { # <scenario> <relay tag> <fd limit or ""> <relay args...> -- <coordinator args...>
  local sc=$1 tag=$2 fdlim=$3 rc=0
  shift 3
  local rargs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do rargs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  say ""
  say "=== $sc${PARTIAL_NOTE:-} ==="
  local load0 rows0
  load0=$(cut -d' ' -f1-3 /proc/loadavg)
  rows0=$(wc -l <"$SUMMARY")
  local reuse=0
  if [ "$QUICK" = 1 ] && [ "$sc" != fdlimit ]; then reuse=1; fi
  local reused=()
  if [ "$reuse" = 1 ] && [ -n "$RELAY_PID" ] && kill -0 "$RELAY_PID" 2>/dev/null; then
    say "reusing the relay of the previous scenario (QUICK)"
    reused=(--relay-reused)
  elif ! start_relay "$tag" "$fdlim" "${rargs[@]}"; then
    STATUS_OF[$sc]="relay did not start"
    printf '## %s\n\nNot run: the relay did not become ready (see %s).\n\n' "$sc" "$RUN_DIR/relay-$tag.log" >>"$FRAGMENTS"
    printf '| %s | not run: relay did not start | | | **ERROR** |\n' "$sc" >>"$SUMMARY"
    return 0
  fi
  local transport
  transport=$(relay_transport)
  say "relay pid $RELAY_PID on 127.0.0.1:$RELAY_PORT (status :$STATUS_PORT, transport ${transport:-?})"
  REF_ARGS=()
  VK_ARGS=()
  case $sc in single|pairs|latency) start_reference ;; esac
  case $sc in
    single|pairs|latency|idle) start_valkyrie "$sc" ;;
  esac
  if [ ${#REF_ARGS[@]} -eq 0 ]; then
    if [ "$REF_RELAY" = off ]; then REF_ARGS=(--ref-missing "left out (REF_RELAY=off)")
    elif [ -z "$REF_BIN" ]; then REF_ARGS=(--ref-missing "no C compiler (cc) to build bench/zephyr/ref-relay.c")
    else REF_ARGS=(--ref-missing "not part of this scenario"); fi
  fi
  "$JAVA" -XX:+UseSerialGC -Xmx256m -cp "$CLASSES" ZephyrBench "$sc" \
    --host 127.0.0.1 --relay-port "$RELAY_PORT" --status-port "$STATUS_PORT" --relay-pid "$RELAY_PID" "${REF_ARGS[@]}" "${VK_ARGS[@]}" \
    --quiet-seconds "$QUIET_WAIT" "${reused[@]}" \
    --clk-tck "$(getconf CLK_TCK)" --relay-jvm "$RELAY_JAVA_OPTS" --worker-jvm "$WORKER_JAVA_OPTS" \
    --md "$FRAGMENTS" --summary "$SUMMARY" --json "$JSONL" "$@" \
    > >(tee -a "$RUN_DIR/$sc.out") 2> >(tee -a "$RUN_DIR/$sc.err" >&2) &
  COORD_PID=$!
  local waited=0 timed_out=0
  while kill -0 "$COORD_PID" 2>/dev/null && [ "$waited" -lt "$((SCENARIO_TIMEOUT * 5))" ]; do
    sleep 0.2
    waited=$((waited + 1))
  done
  if kill -0 "$COORD_PID" 2>/dev/null; then
    say "scenario $sc exceeded ${SCENARIO_TIMEOUT}s; stopping it" >&2
    kill -TERM "$COORD_PID" 2>/dev/null || true
    sleep 3
    kill -KILL "$COORD_PID" 2>/dev/null || true
    timed_out=1
  fi
  wait "$COORD_PID" 2>/dev/null || rc=$?
  [ "$timed_out" = 1 ] && rc=124
  COORD_PID=""
  local alive=yes
  kill -0 "$RELAY_PID" 2>/dev/null || alive="no (exited)"
  # the relay line goes after the scenario's section; a scenario run in rounds (idle) writes its
  # section in the last round, so the earlier rounds' lines wait in a file of their own
  printf '_Relay for this scenario%s: transport %s; started as `%s`; load average before: %s, after: %s; relay alive at the end: %s._\n\n' \
    "${PARTIAL_NOTE:-}" "${transport:-?}" "${RELAY_CMD//$ROOT_DIR\//}" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)" "$alive" \
    >>"$RUN_DIR/relay-lines-$sc.md"
  if [ -z "${PARTIAL_NOTE:-}" ] || [ "${PARTIAL_LAST:-0}" = 1 ]; then
    cat "$RUN_DIR/relay-lines-$sc.md" >>"$FRAGMENTS"
    rm -f "$RUN_DIR/relay-lines-$sc.md"
  fi
  [ "$reuse" = 1 ] || stop_relay
  stop_reference
  stop_valkyrie
  local st
  case $rc in
    0) st=ok ;;
    1) st="check failed" ;;
    124) st="timed out after ${SCENARIO_TIMEOUT}s" ;;
    *) st="error (exit $rc)" ;;
  esac
  # a scenario run in several invocations (idle: one per round) keeps its first failure
  if [ -z "${STATUS_OF[$sc]:-}" ] || [ "${STATUS_OF[$sc]}" = ok ]; then STATUS_OF[$sc]=$st; fi
  if [ -n "${PARTIAL_NOTE:-}" ] && [ "${PARTIAL_LAST:-0}" != 1 ]; then
    say "--- $sc$PARTIAL_NOTE: $st"
    return 0
  fi
  if [ "$(wc -l <"$SUMMARY")" -eq "$rows0" ]; then
    printf '| %s | %s, see `%s` | | | **ERROR** |\n' "$sc" "${STATUS_OF[$sc]}" "${RUN_DIR#$ROOT_DIR/}/$sc.err" >>"$SUMMARY"
    printf '## %s\n\n%s: no result; see `%s`.\n\n' "$sc" "${STATUS_OF[$sc]}" "${RUN_DIR#$ROOT_DIR/}/$sc.err" >>"$FRAGMENTS"
  fi
  say "--- $sc: ${STATUS_OF[$sc]}"
}

COMMON_RELAY=(--aero.zephyr.max-connections=0)
for sc in "${SCENARIOS[@]}"; do
  case $sc in
    single) run_scenario single single "" "${COMMON_RELAY[@]}" -- "${P_SINGLE[@]}" ;;
    pairs) run_scenario pairs pairs "" "${COMMON_RELAY[@]}" -- "${P_PAIRS[@]}" ;;
    idle) # one invocation per round, each on a freshly started relay and valkyrie (QUICK: the relay is
      # reused); the rounds' results go to a state file, and the last invocation reports them all
      for r in $(seq 1 "$ROUNDS"); do
        PARTIAL_NOTE=" (round $r of $ROUNDS)" PARTIAL_LAST=$([ "$r" = "$ROUNDS" ] && echo 1 || echo 0)
        run_scenario idle "idle-r$r" "" "${COMMON_RELAY[@]}" -- "${P_IDLE[@]}" --state "$RUN_DIR/idle-rounds.jsonl" \
          --round "$r" --rounds "$ROUNDS"
      done
      PARTIAL_NOTE="" PARTIAL_LAST=0 ;;
    fdlimit) run_scenario fdlimit fdlimit "$FD_LIMIT" --aero.zephyr.max-connections=0 \
      --aero.zephyr.bind-deadline=600s --aero.zephyr.pairing-deadline=600s -- "${P_FDLIMIT[@]}" ;;
    latency) run_scenario latency latency "" "${COMMON_RELAY[@]}" -- "${P_LATENCY[@]}" ;;
  esac
done

stop_relay

# ---------------------------------------------------------------------------------------------
# results file
# ---------------------------------------------------------------------------------------------
{
  printf '# Zephyr relay benchmark, %s\n\n' "$STAMP"
  printf -- '- relay: %s\n' "$RELAY_DESC"
  printf -- '- repository: %s%s\n' "$GIT_REV" "$([ -n "$GIT_DIRTY" ] && echo " (zephyr-relay has uncommitted changes)")"
  printf -- '- machine: %s CPUs (`nproc`), %s (%s), %s; kernel %s\n' "$(nproc)" "$CPU_MODEL" "$(uname -m)" "$MEM_LINE" "$(uname -r)"
  printf -- '- JDK: %s (%s)\n' "$JAVA_VERSION" "$JDK_HOME"
  printf -- '- relay JVM: `%s`; extra relay arguments: `%s`; load-generator JVMs: `%s`\n' "$RELAY_JAVA_OPTS" "${RELAY_ARGS:-none}" "$WORKER_JAVA_OPTS"
  printf -- '- valkyrie (single, pairs, latency, idle): %s\n' "$([ -n "$VALKYRIE_BIN" ] && echo "$ANCHORS_DESC; started per scenario as \`valkyrie -port <free port>\` (it listens on 0.0.0.0; the load connects to 127.0.0.1)" || echo "**not measured: $ANCHORS_NOTE**")"
  printf -- '- rounds: %s per scenario; each runs every contender back to back; figures are medians over the rounds, ratios medians of the per-round ratios\n' "$ROUNDS"
  printf -- '- reference relay (single, pairs, latency): %s\n' "$([ -n "$REF_BIN" ] && echo "\`bench/zephyr/ref-relay.c\`, $REF_RELAY mode, $REF_BUFFER-byte buffer ($(cc --version | head -n1), -O2)" || echo "none (REF_RELAY=$REF_RELAY)")"
  printf -- '- mode: %s; command: `%sbench/zephyr/run.sh %s`\n' "$([ "$QUICK" = 1 ] && echo "QUICK=1 (reduced sizes, figures not comparable)" || echo full)" \
    "$([ "$QUICK" = 1 ] && echo "QUICK=1 ")$([ -n "${ROUNDS_GIVEN:-}" ] && echo "ROUNDS=$ROUNDS ")" "${SCENARIOS[*]}"
  printf -- '- logs: `%s`\n\n' "${RUN_DIR#$ROOT_DIR/}"
  printf '## Summary\n\n| scenario | result | ratio / added | target | verdict |\n|---|---|---|---|---|\n'
  cat "$SUMMARY"
  printf '\n'
  cat "$FRAGMENTS"
} >"$RESULTS"

say ""
say "Summary ($([ "$RELAY" = standin ] && echo "STAND-IN TEST DOUBLE, not the real relay" || echo "real relay jar")):"
cat "$SUMMARY"
say ""
say "results: $RESULTS"
FAILED=0
for sc in "${SCENARIOS[@]}"; do [ "${STATUS_OF[$sc]:-}" = ok ] || FAILED=1; done
exit "$FAILED"

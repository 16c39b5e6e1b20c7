#!/usr/bin/env bash
# sp-service benchmark (docs/benchmarks.md, section "sp-service").
#
#   bench/sp/run.sh
#
# Starts SP (the real jar) against a freshly dropped and recreated MariaDB database and its own
# Redis database index, creates the users, then measures with CONCURRENCY client threads:
# sign-ins/s and device registrations/s with p50/p99 latency. Each scenario is bracketed by its
# physical limit, computed in the load tool's JVM in the same run (raw Argon2id hashes/s at SP's
# default cost; raw ECDSA P-256 signatures/s and X.509 certificate builds/s), and the ratio is
# reported. Everything started here is stopped on exit. Results: bench/sp/results/<timestamp>.md.
#
# Environment (defaults in brackets):
#   CONCURRENCY [8]       client threads against SP
#   DURATION [20]         seconds of each measured window
#   WARMUP [5]            seconds of unmeasured load before each window
#   USERS [200]           users created before the sign-ins, which go round-robin over them
#   REPS [3]              limit/scenario alternations per scenario (medians are reported; QUICK: 1)
#   LIMIT_THREADS [2]     threads of the in-process physical limits (the machine has 2 cores)
#   LIMIT_DURATION [10]   seconds of each limit window, after LIMIT_WARMUP [2]
#   SP_JAR                SP's fat jar [sp-service/target/sp-service.jar]; built with
#                         ./mvnw -o package -pl sp-service -am -DskipTests when missing, older than
#                         the sources, or REBUILD=1. The jar is copied before use.
#   SP_JAVA_OPTS          SP's JVM options [-XX:+UseSerialGC -Xmx512m]
#   TOOL_JAVA_OPTS        load tool's JVM options [same as SP_JAVA_OPTS, so the in-process limits
#                         run under the JVM flags SP runs under]
#   SP_ARGS               extra SP arguments (the Argon2id cost must stay at its defaults)
#   BENCH_DB [aero_bench_sp], BENCH_REDIS_DB [15]   dropped/flushed at the start of every run
#   DB_HOST [127.0.0.1] DB_PORT [3306] DB_USER [aero] DB_PASSWORD [aero] REDIS_HOST [127.0.0.1] REDIS_PORT [6379]
#   RUN_TIMEOUT [900]     seconds before the load tool is stopped
#   QUIET_WAIT [20]       seconds to wait for the machine to be quiet (< 0.3 cores busy) before
#                         SP starts and before each window; windows that start busy are marked
#   RESULTS_DIR           where to write the results file [bench/sp/results]
#   QUICK=1               smoke run: small sizes and short windows, no wait for a quiet machine
#                         (figures not comparable)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT_DIR=$(cd "$BENCH_DIR/../.." && pwd -P)
# shellcheck disable=SC2034 # read by ../lib/find-jdk.sh
MIN_JAVA=21

# shellcheck source=/dev/null
. "$BENCH_DIR/../lib/runner.sh"

for a in "$@"; do
  case $a in
    -h|--help|help) usage; exit 0 ;;
    *) die "no arguments are taken (settings come from the environment; see --help): '$a'" ;;
  esac
done

# Settings; the ones given in the environment are repeated in the reproduce command.
SETTINGS=(CONCURRENCY DURATION WARMUP USERS REPS LIMIT_THREADS LIMIT_DURATION LIMIT_WARMUP SP_JAR SP_JAVA_OPTS
  TOOL_JAVA_OPTS SP_ARGS BENCH_DB BENCH_REDIS_DB DB_HOST DB_PORT DB_USER DB_PASSWORD REDIS_HOST REDIS_PORT RUN_TIMEOUT
  QUIET_WAIT REBUILD QUICK)
OVERRIDES=""
for v in "${SETTINGS[@]}"; do
  if [ -n "${!v+x}" ]; then OVERRIDES+="$v=$(printf '%q' "${!v}") "; fi
done
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  DURATION=${DURATION:-2} WARMUP=${WARMUP:-1} USERS=${USERS:-16} LIMIT_DURATION=${LIMIT_DURATION:-2}
  LIMIT_WARMUP=${LIMIT_WARMUP:-1} QUIET_WAIT=${QUIET_WAIT:-0} REPS=${REPS:-1}
fi
CONCURRENCY=${CONCURRENCY:-8}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
USERS=${USERS:-200}
REPS=${REPS:-3}
LIMIT_THREADS=${LIMIT_THREADS:-2}
LIMIT_DURATION=${LIMIT_DURATION:-10}
LIMIT_WARMUP=${LIMIT_WARMUP:-2}
SP_JAR=${SP_JAR:-$ROOT_DIR/sp-service/target/sp-service.jar}
SP_JAVA_OPTS=${SP_JAVA_OPTS:--XX:+UseSerialGC -Xmx512m}
TOOL_JAVA_OPTS=${TOOL_JAVA_OPTS:-$SP_JAVA_OPTS}
SP_ARGS=${SP_ARGS:-}
BENCH_DB=${BENCH_DB:-aero_bench_sp}
BENCH_REDIS_DB=${BENCH_REDIS_DB:-15}
DB_HOST=${DB_HOST:-127.0.0.1}
DB_PORT=${DB_PORT:-3306}
DB_USER=${DB_USER:-aero}
DB_PASSWORD=${DB_PASSWORD:-aero}
REDIS_HOST=${REDIS_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-6379}
RUN_TIMEOUT=${RUN_TIMEOUT:-900}
QUIET_WAIT=${QUIET_WAIT:-20}
RESULTS_DIR=${RESULTS_DIR:-$BENCH_DIR/results}

[[ $BENCH_DB =~ ^[A-Za-z0-9_]+$ ]] || die "BENCH_DB must be a plain database name"
case " $SP_ARGS " in *argon2*) die "SP_ARGS must not change the Argon2id cost: its defaults are what is measured" ;; esac

# ---------------------------------------------------------------------------------------------
# JDK 21+: $JAVA_HOME, else java on PATH, else the newest under /usr/lib/jvm
# ---------------------------------------------------------------------------------------------
# shellcheck source=/dev/null
. "$(dirname "${BASH_SOURCE[0]}")/../lib/find-jdk.sh"
use_jdk

# ---------------------------------------------------------------------------------------------
# processes we start, and their cleanup
# ---------------------------------------------------------------------------------------------
SP_PID=""
TOOL_PID=""
TMP_DIR=""
# shellcheck source=/dev/null
. "$(dirname "${BASH_SOURCE[0]}")/../lib/processes.sh"
cleanup() {
  stop_pid "$TOOL_PID"
  stop_pid "$SP_PID"
  # the logs stay; the copies of the jar and of its libraries do not
  if [ -n "${RUN_DIR:-}" ]; then rm -rf "$RUN_DIR/sp-service.jar" "$RUN_DIR/lib" "$RUN_DIR/classes"; fi
  if [ -n "$TMP_DIR" ]; then rm -rf "$TMP_DIR"; fi
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RUN_DIR=$BENCH_DIR/target/run-$STAMP
mkdir -p "$RUN_DIR" "$RESULTS_DIR"
TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sp-bench.XXXXXX")

# ---------------------------------------------------------------------------------------------
# MariaDB and Redis (shared dev services: checked, not started)
# ---------------------------------------------------------------------------------------------
MARIADB=$(command -v mariadb || command -v mysql || true)
[ -n "$MARIADB" ] || die "no mariadb/mysql client on the PATH"
command -v redis-cli >/dev/null || die "no redis-cli on the PATH"
db() { MYSQL_PWD=$DB_PASSWORD "$MARIADB" -u"$DB_USER" -h"$DB_HOST" -P"$DB_PORT" --batch --skip-column-names "$@"; }
rcli() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$BENCH_REDIS_DB" "$@"; }
db -e 'SELECT 1' >/dev/null 2>&1 || die "MariaDB not reachable at $DB_HOST:$DB_PORT as $DB_USER (start the dev services: ./aero deps)"
[ "$(rcli PING 2>/dev/null)" = PONG ] || die "Redis not reachable at $REDIS_HOST:$REDIS_PORT (start the dev services: ./aero deps)"

# ---------------------------------------------------------------------------------------------
# SP's jar (built when missing or stale), the libraries the load tool takes from it, the tool
# ---------------------------------------------------------------------------------------------
stale_sources() {
  [ -f "$SP_JAR" ] || return 0
  [ -n "$(find "$ROOT_DIR/sp-service/src/main" "$ROOT_DIR/common/src/main" "$ROOT_DIR/client/src/main" \
    "$ROOT_DIR/pom.xml" "$ROOT_DIR/sp-service/pom.xml" "$ROOT_DIR/common/pom.xml" "$ROOT_DIR/client/pom.xml" \
    -newer "$SP_JAR" -type f -print -quit 2>/dev/null)" ]
}
DEFAULT_JAR=$ROOT_DIR/sp-service/target/sp-service.jar
if [ "${REBUILD:-0}" = 1 ] || [ ! -f "$SP_JAR" ] || { [ "$SP_JAR" = "$DEFAULT_JAR" ] && stale_sources; }; then
  [ "$SP_JAR" = "$DEFAULT_JAR" ] || die "no SP jar at $SP_JAR"
  say "building sp-service (and common, client): ./mvnw -B -q -o package -pl sp-service -am -DskipTests"
  (cd "$ROOT_DIR" && ./mvnw -B -q -o package -pl sp-service -am -DskipTests) >"$RUN_DIR/build.log" 2>&1 \
    || { tail -n 40 "$RUN_DIR/build.log" >&2; die "the build failed (log: $RUN_DIR/build.log)"; }
  [ -f "$SP_JAR" ] || die "no SP jar at $SP_JAR after the build"
fi
CLIENT_CLASSES=$ROOT_DIR/client/target/classes
[ -f "$CLIENT_CLASSES/dev/aero/client/sp/SpClient.class" ] \
  || die "client classes missing at $CLIENT_CLASSES (REBUILD=1 builds them)"
cp "$SP_JAR" "$RUN_DIR/sp-service.jar"
JAR_COPY=$RUN_DIR/sp-service.jar
mkdir -p "$RUN_DIR/classes/client"
cp -R "$CLIENT_CLASSES/." "$RUN_DIR/classes/client/"

# The tool runs on the very Bouncy Castle, Jackson and common jars that are inside SP's jar.
mkdir -p "$RUN_DIR/lib"
mapfile -t WANTED < <("$JDK_HOME/bin/jar" tf "$JAR_COPY" \
  | grep -E '^BOOT-INF/lib/(bcprov|bcpkix|bcutil|jackson-|common-|protobuf-java)[^/]*\.jar$' || true)
[ ${#WANTED[@]} -gt 0 ] || die "no libraries found in $SP_JAR"
(cd "$RUN_DIR/lib" && "$JDK_HOME/bin/jar" xf "$JAR_COPY" "${WANTED[@]}")
LIB_DIR=$RUN_DIR/lib/BOOT-INF/lib
for want in bcprov bcpkix jackson-databind common-; do
  compgen -G "$LIB_DIR/$want*.jar" >/dev/null || die "$want*.jar is not in $SP_JAR (stale jar? REBUILD=1)"
done
BC_JARS=$(cd "$LIB_DIR" && ls bc*.jar | paste -sd, - | sed 's/,/, /g')
CP="$RUN_DIR/classes/tool:$RUN_DIR/classes/client:$(printf '%s:' "$LIB_DIR"/*.jar)"
CP=${CP%:}
mkdir -p "$RUN_DIR/classes/tool"
"$JDK_HOME/bin/javac" --release 21 -cp "$CP" -d "$RUN_DIR/classes/tool" "$BENCH_DIR/SpBench.java" \
  || die "compiling the load tool failed"
read -r -a TOOL_OPTS <<<"$TOOL_JAVA_OPTS"
tool() { "$JAVA" "${TOOL_OPTS[@]}" -cp "$CP" SpBench "$@"; }

# ---------------------------------------------------------------------------------------------
# a fresh database and Redis index, a quiet machine, then SP
# ---------------------------------------------------------------------------------------------
db -e "DROP DATABASE IF EXISTS \`$BENCH_DB\`; CREATE DATABASE \`$BENCH_DB\`;" || die "cannot recreate database $BENCH_DB"
[ "$(rcli FLUSHDB)" = OK ] || die "FLUSHDB of Redis database $BENCH_REDIS_DB failed"

busy_cores() { # machine-wide busy cores over one second, from /proc/stat
  local a b
  read -r -a a < <(head -n1 /proc/stat)
  sleep 1
  read -r -a b < <(head -n1 /proc/stat)
  local busy=0 i
  for i in 1 2 3 6 7 8; do busy=$((busy + b[i] - a[i])); done
  awk -v t="$busy" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}
QUIET="no"
BUSY=""
for _ in $(seq 1 "$QUIET_WAIT"); do
  BUSY=$(busy_cores)
  if awk -v b="$BUSY" 'BEGIN { exit !(b < 0.3) }'; then QUIET="yes"; break; fi
done
[ "$QUIET" = yes ] || say "warning: the machine is busy ($BUSY cores over the last second); the run goes on and says so"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

PORT=$(tool freeport) || die "no free port"
MANAGEMENT_PORT=$(tool freeport) || die "no free port"
[ "$MANAGEMENT_PORT" != "$PORT" ] || MANAGEMENT_PORT=$(tool freeport) || die "no free port"
read -r -a SP_OPTS <<<"$SP_JAVA_OPTS"
SP_CMD=("$JAVA" "${SP_OPTS[@]}" -jar "$JAR_COPY"
  "--server.port=$PORT" --server.address=127.0.0.1 "--management.server.port=$MANAGEMENT_PORT"
  --aero.sp.device-tls.enabled=false "--aero.sp.ca.directory=$TMP_DIR/ca" "--aero.sp.setup-token-file=$TMP_DIR/setup-token"
  "--spring.datasource.url=jdbc:mysql://$DB_HOST:$DB_PORT/$BENCH_DB?createDatabaseIfNotExist=true"
  "--spring.datasource.username=$DB_USER" "--spring.datasource.password=$DB_PASSWORD"
  "--spring.data.redis.host=$REDIS_HOST" "--spring.data.redis.port=$REDIS_PORT" "--spring.data.redis.database=$BENCH_REDIS_DB"
  --aero.sp.open-sign-up=true
  --aero.sp.rate-limits.sign-in-per-address=0/1m --aero.sp.rate-limits.sign-in-per-account=0/1m
  --aero.sp.rate-limits.sign-up-per-address=0/1m --aero.sp.rate-limits.device-registrations-per-user=0/1m)
if [ -n "$SP_ARGS" ]; then read -r -a EXTRA <<<"$SP_ARGS"; SP_CMD+=("${EXTRA[@]}"); fi
SP_CMD_SHOWN="java"
for arg in "${SP_CMD[@]:1}"; do
  case $arg in
    --spring.datasource.password=*) arg="--spring.datasource.password=***" ;;
    "$JAR_COPY") arg="sp-service.jar" ;;
  esac
  SP_CMD_SHOWN+=" ${arg//$TMP_DIR/<tmp>}"
done

say "sp-service benchmark $STAMP: concurrency $CONCURRENCY, ${DURATION} s windows after ${WARMUP} s warm-up, $USERS users"
say "  JDK $JDK_HOME; run dir $RUN_DIR; SP on 127.0.0.1:$PORT"
"${SP_CMD[@]}" >"$RUN_DIR/sp.log" 2>&1 &
SP_PID=$!

# ---------------------------------------------------------------------------------------------
# the load tool, bounded in time
# ---------------------------------------------------------------------------------------------
BODY=$RUN_DIR/body.md
SUMMARY=$RUN_DIR/summary.md
JSON=$RUN_DIR/result.json
: >"$BODY"; : >"$SUMMARY"; : >"$JSON"
"$JAVA" "${TOOL_OPTS[@]}" -cp "$CP" SpBench run --url "http://127.0.0.1:$PORT" --sp-pid "$SP_PID" --setup-token-file "$TMP_DIR/setup-token" --concurrency "$CONCURRENCY" --duration "$DURATION" \
  --warmup "$WARMUP" --users "$USERS" --reps "$REPS" --limit-threads "$LIMIT_THREADS" \
  --limit-duration "$LIMIT_DURATION" --limit-warmup "$LIMIT_WARMUP" --clk-tck "$(getconf CLK_TCK)" --quiet-wait "$QUIET_WAIT" \
  --jstat "$JDK_HOME/bin/jstat" \
  --md "$BODY" --summary "$SUMMARY" --json "$JSON" \
  > >(tee "$RUN_DIR/tool.out") 2> >(tee "$RUN_DIR/tool.err" >&2) &
TOOL_PID=$!
RC=0
waited=0
while kill -0 "$TOOL_PID" 2>/dev/null && [ "$waited" -lt "$((RUN_TIMEOUT * 5))" ]; do
  sleep 0.2
  waited=$((waited + 1))
done
if kill -0 "$TOOL_PID" 2>/dev/null; then
  say "the load tool exceeded RUN_TIMEOUT=${RUN_TIMEOUT}s; stopping it" >&2
  stop_pid "$TOOL_PID"
  RC=124
else
  wait "$TOOL_PID" || RC=$?
fi
TOOL_PID=""

SP_ALIVE=yes
kill -0 "$SP_PID" 2>/dev/null || SP_ALIVE="no (exited; see sp.log)"
SP_FLAGS=$("$JDK_HOME/bin/jcmd" "$SP_PID" VM.flags 2>/dev/null | sed -n '2p' || true)
SP_ERRORS=$(grep -c ' ERROR ' "$RUN_DIR/sp.log" || true)
# what the ERROR lines were about: the exception line that follows each, counted
SP_ERROR_KINDS=$(awk '/ ERROR / { want = 1; next } want && /^[A-Za-z_$][A-Za-z0-9_$.]*(Exception|Error)/ { print substr($0, 1, 220); want = 0 }' \
  "$RUN_DIR/sp.log" | sort | uniq -c | sort -rn | head -n 5 | sed 's/^ *\([0-9]*\) /\1 × /; s/`/'"'"'/g; s/^/  - `/; s/$/`/' || true)
stop_pid "$SP_PID"
SP_PID=""
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# results file
# ---------------------------------------------------------------------------------------------
case $RC in
  0) VERDICT="ok" ;;
  1) VERDICT="**FAILED**: more than 1% errors, or a sign-up failed" ;;
  124) VERDICT="**FAILED**: timed out after ${RUN_TIMEOUT}s" ;;
  *) VERDICT="**FAILED**: the load tool broke (exit $RC; see tool.err)" ;;
esac
REPRO="${OVERRIDES}bench/sp/run.sh"
JAVA_VERSION=$("$JAVA" -version 2>&1 | sed -n '2p')
GIT_REV=$(git -C "$ROOT_DIR" rev-parse --short HEAD 2>/dev/null || echo "?")
GIT_DIRTY=$(git -C "$ROOT_DIR" status --porcelain -- sp-service/src/main common/src/main client/src/main 2>/dev/null | head -c1)
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
MEM_LINE=$(free -g | awk '/^Mem:/ {print $2 " GiB total, " $7 " GiB available"}')
DB_VERSION=$(db -e 'SELECT VERSION()' 2>/dev/null || echo "?")
REDIS_VERSION=$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" INFO server 2>/dev/null | sed -n 's/^redis_version:\(.*\)\r\{0,1\}$/\1/p' | tr -d '\r')
RESULTS=$RESULTS_DIR/$STAMP.md
{
  printf '# sp-service benchmark, %s\n\n' "$STAMP"
  printf -- '- result: %s\n' "$VERDICT"
  printf -- '- SP: `%s` (sha256 %s, built %s); repository %s%s\n' \
    "$(realpath --relative-to="$ROOT_DIR" "$SP_JAR" 2>/dev/null || echo "$SP_JAR")" "$(sha256sum "$JAR_COPY" | cut -c1-16)" \
    "$(date -u -r "$SP_JAR" +%Y-%m-%dT%H:%M:%SZ)" "$GIT_REV" "$([ -n "$GIT_DIRTY" ] && echo " (with uncommitted changes in sp-service/common/client main sources)")"
  printf -- '- machine: %s CPUs (`nproc`), %s (%s), %s; kernel %s\n' "$(nproc)" "$CPU_MODEL" "$(uname -m)" "$MEM_LINE" "$(uname -r)"
  printf -- '- quiet before the start (< 0.3 cores busy): %s (%s cores in the last second); load average at the start %s, at the end %s\n' \
    "$QUIET" "${BUSY:-?}" "$LOAD_START" "$LOAD_END"
  printf -- '- JDK: %s (%s); MariaDB %s, Redis %s (database index %s), both on loopback\n' "$JAVA_VERSION" "$JDK_HOME" \
    "$DB_VERSION" "${REDIS_VERSION:-?}" "$BENCH_REDIS_DB"
  printf -- '- SP JVM: `%s`; effective flags (`jcmd VM.flags`): `%s`\n' "$SP_JAVA_OPTS" "${SP_FLAGS:-?}"
  printf -- '- SP started as: `%s`\n' "$SP_CMD_SHOWN"
  printf -- '- SP: Argon2id at its defaults (m=19456 KiB, t=2, p=1); ERROR lines in its log: %s; alive at the end: %s\n' "$SP_ERRORS" "$SP_ALIVE"
  if [ -n "$SP_ERROR_KINDS" ]; then printf '%s\n' "$SP_ERROR_KINDS"; fi
  printf -- '- load tool JVM: `%s` (the limits run in it); Bouncy Castle from SP'"'"'s jar: %s\n' "$TOOL_JAVA_OPTS" "$BC_JARS"
  printf -- '- concurrency %s; windows %s s after %s s warm-up; %s users; limits on %s threads, %s s after %s s warm-up; %s alternation(s)\n' \
    "$CONCURRENCY" "$DURATION" "$WARMUP" "$USERS" "$LIMIT_THREADS" "$LIMIT_DURATION" "$LIMIT_WARMUP" "$REPS"
  printf -- '- command: `%s`; logs: `%s`\n\n' "$REPRO" "${RUN_DIR#$ROOT_DIR/}"
  if [ -s "$BODY" ]; then cat "$BODY"; else printf 'No figures: the load tool did not finish (see `%s`).\n' "${RUN_DIR#$ROOT_DIR/}/tool.err"; fi
} >"$RESULTS"

say ""
say "| figure | SP | physical limit (same run) | ratio |"
say "|---|---|---|---|"
cat "$SUMMARY"
say ""
say "result: $VERDICT"
say "results: $RESULTS"
say "reproduce: $REPRO"
exit "$RC"

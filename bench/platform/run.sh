#!/usr/bin/env bash
# Platform capacity benchmark (docs/benchmarks.md, section "Platform capacity").
#
#   bench/platform/run.sh            full run: N = 1000, 5000, 10000 devices (about 40-60 minutes)
#   QUICK=1 bench/platform/run.sh    smoke run: N = 50, short windows (about 1.5 minutes once built)
#
# Starts its own launcher instance of the whole platform (AERO_INSTANCE=bench-platform, ports
# + PORT_OFFSET, Redis database REDIS_DB, SP database aero_sp_bench_platform, its own CA and
# ejabberd node; ./aero up --native, ./aero down on exit), then PlatformBench.java:
#   - a simulated organization: users (DEVICES_PER_USER devices each) in shared folders of
#     FOLDER_SIZE members, devices registered through SP with keys and CSRs of their own. It is
#     kept in bench/platform/target/state/bench-platform/ and reused by the next run while SP
#     still has it (FRESH=1 makes it anew);
#   - for each N in STEPS, load processes (LoadWorker.java, at most PER_WORKER devices each)
#     until N devices are online: each holds a verkehr TLS connection with its certificate,
#     subscribed to cmd/<did> and its user's acl/ topic, runs its command loop against
#     command-server, follows its ACL (the SDK's AclFollower, GET /acl from SP) and checks in
#     with devman every 60 s;
#   - idle window (IDLE s): CPU (utime+stime from /proc) and RSS of every service, Redis,
#     MariaDB, ejabberd and the load processes; check-in round trips (target: the platform under
#     25% of the 2 cores at 10,000 devices);
#   - ACL_CHANGES membership changes (a member leaves or joins a folder, through SP's REST API),
#     one at a time (the next once the last reached every member device, ACL_INTERVAL_MS apart at
#     least): change to the last member device's refetch done, SP's answers;
#   - a sweep of command rates (RATES, commands/s) through command-server's service API, each
#     command distinct and checked to reach its device exactly once; enqueue → receipt p50/p99
#     (target: p99 < P99_TARGET_MS with none lost, 2,000/s at 10,000 devices).
# Results: <timestamp>.md in RESULTS_DIR (bench/platform/results) and its plots (<timestamp>-cpu.png, -rss.png,
# -latency.png; python3-matplotlib from Debian is installed when missing). Logs, load processes'
# output and CSVs: bench/platform/target/run-<timestamp>/; services' logs in
# ~/.aero/instances/bench-platform/logs/.
#
# Environment (defaults in brackets; QUICK=1 changes the ones marked *):
#   STEPS* ["1000 5000 10000"]     device counts measured, in order
#   PER_WORKER [2500]              devices per load process (each needs about 3-4 fds a device)
#   DEVICES_PER_USER [2] FOLDER_SIZE [50]   the organization's shape
#   SETTLE* [65] IDLE* [60]        seconds after connecting (a check-in interval and more, so that
#                                  every device has made its first check-in, and its handshake,
#                                  before the idle window), and of the idle window
#   ACL_CHANGES* [20] ACL_INTERVAL_MS* [3000] ACL_TIMEOUT [10]   membership changes, the least time
#                                  between two, seconds for a change to reach every member device
#   RATES* ["100 250 500 1000 2000"]   command rates swept, commands/s in all
#   STEP_SECONDS* [20] WARMUP* [5] LOST_AFTER* [10]   measured seconds per rate, unmeasured
#                                  seconds before, seconds after which a command counts as lost
#   P99_TARGET_MS [100] STOP_ON_MISS [1]   the sweep's target; stop at the first rate missing it
#   CONNECT_TIMEOUT [1800] REGISTER_THREADS [8]   seconds for the load processes to bring a step's
#                                  devices online; client threads registering devices with SP
#   BRIDGE_SETTLE [900]            after registering devices, seconds to wait at most for xmpp-bridge
#                                  and ejabberd to finish the new devices' room affiliations
#   SENDERS [64]                   enqueue requests in flight at most (open-loop schedule)
#   KEEPALIVE [30] CONNECT_PARALLEL [16]   devices' idle HTTPS keep-alive (s, the JDK client's
#                                  default), handshakes in flight per load process while connecting
#   WORKER_JAVA_OPTS [-XX:+UseSerialGC -Xss256k -Xmx1500m]   load processes' JVMs
#   TOOL_JAVA_OPTS [-XX:+UseSerialGC -Xmx2g]   the coordinator's JVM
#   AERO_JAVA_OPTS                 the services' JVMs [-Xss512k -XX:+UseSerialGC -Xmx1536m: the launcher's
#                                  options with a heap for thousands of device connections; an idle
#                                  TLS connection on a Tomcat device listener holds about 75 KiB
#                                  of heap, so the launcher's 256 MiB runs out near 2,500 devices]
#   AERO_AOT* [0; QUICK: use]      the launcher's class-data cache (off: no recording run in a benchmark;
#                                  a smoke run maps one an earlier run left, if any)
#   AERO_UP_TIMEOUT [600]          seconds ./aero up waits for each service to be healthy
#   RESULTS_DIR [bench/platform/results]   where to write the results file and its plots
#   PORT_OFFSET [1600] REDIS_DB [12]   the instance's ports and Redis database
#   FRESH [0]                      1: drop the instance (database, CA, cached devices) and start anew
#   RUN_TIMEOUT* [5400]            seconds before the coordinator is stopped
#   PLOTS [1]                      0: no plots (and no matplotlib install)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT_DIR=$(cd "$BENCH_DIR/../.." && pwd -P)
# shellcheck disable=SC2034 # read by ../lib/find-jdk.sh
MIN_JAVA=21

# shellcheck source=/dev/null
. "$BENCH_DIR/../lib/runner.sh"
for a in "$@"; do
  case $a in
    -h | --help | help) usage; exit 0 ;;
    *) die "no arguments are taken (settings come from the environment; see --help): '$a'" ;;
  esac
done

SETTINGS=(QUICK STEPS PER_WORKER DEVICES_PER_USER FOLDER_SIZE SETTLE IDLE ACL_CHANGES ACL_INTERVAL_MS RATES STEP_SECONDS WARMUP
  LOST_AFTER P99_TARGET_MS STOP_ON_MISS SENDERS CONNECT_TIMEOUT REGISTER_THREADS BRIDGE_SETTLE KEEPALIVE CONNECT_PARALLEL WORKER_JAVA_OPTS TOOL_JAVA_OPTS AERO_JAVA_OPTS AERO_AOT
  PORT_OFFSET REDIS_DB FRESH RUN_TIMEOUT PLOTS)
OVERRIDES=""
for v in "${SETTINGS[@]}"; do
  if [ -n "${!v+x}" ]; then OVERRIDES+="$v=$(printf '%q' "${!v}") "; fi
done
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  STEPS=${STEPS:-50}; SETTLE=${SETTLE:-3}; IDLE=${IDLE:-10}; ACL_CHANGES=${ACL_CHANGES:-4}; ACL_INTERVAL_MS=${ACL_INTERVAL_MS:-1000}
  RATES=${RATES:-"25 100"}; STEP_SECONDS=${STEP_SECONDS:-5}; WARMUP=${WARMUP:-2}; LOST_AFTER=${LOST_AFTER:-5}; RUN_TIMEOUT=${RUN_TIMEOUT:-600}
  BETWEEN_RATES=1 FINAL_WAIT=5
  # A smoke run starts faster on a class-data cache an earlier run (the suite's) left, and records none.
  AERO_AOT=${AERO_AOT:-use}
fi
STEPS=${STEPS:-1000 5000 10000}
PER_WORKER=${PER_WORKER:-2500}
DEVICES_PER_USER=${DEVICES_PER_USER:-2}
FOLDER_SIZE=${FOLDER_SIZE:-50}
SETTLE=${SETTLE:-65}
IDLE=${IDLE:-60}
ACL_CHANGES=${ACL_CHANGES:-20}
ACL_INTERVAL_MS=${ACL_INTERVAL_MS:-3000}
RATES=${RATES:-100 250 500 1000 2000}
STEP_SECONDS=${STEP_SECONDS:-20}
WARMUP=${WARMUP:-5}
LOST_AFTER=${LOST_AFTER:-10}
P99_TARGET_MS=${P99_TARGET_MS:-100}
STOP_ON_MISS=${STOP_ON_MISS:-1}
SENDERS=${SENDERS:-64}
CONNECT_TIMEOUT=${CONNECT_TIMEOUT:-1800}
REGISTER_THREADS=${REGISTER_THREADS:-8}
BRIDGE_SETTLE=${BRIDGE_SETTLE:-900}
KEEPALIVE=${KEEPALIVE:-30}
CONNECT_PARALLEL=${CONNECT_PARALLEL:-16}
WORKER_JAVA_OPTS=${WORKER_JAVA_OPTS:--XX:+UseSerialGC -Xss256k -Xmx1500m}
TOOL_JAVA_OPTS=${TOOL_JAVA_OPTS:--XX:+UseSerialGC -Xmx2g}
PORT_OFFSET=${PORT_OFFSET:-1600}
REDIS_DB=${REDIS_DB:-12}
FRESH=${FRESH:-0}
RUN_TIMEOUT=${RUN_TIMEOUT:-5400}
PLOTS=${PLOTS:-1}
BETWEEN_RATES=${BETWEEN_RATES:-5}
ACL_TIMEOUT=${ACL_TIMEOUT:-10}
FINAL_WAIT=${FINAL_WAIT:-30}
export AERO_JAVA_OPTS=${AERO_JAVA_OPTS:--Xss512k -XX:+UseSerialGC -Xmx1536m}
export AERO_AOT=${AERO_AOT:-0}
# Seven JVMs start at once; on a busy 2-core machine without the class-data cache SP took 175 s.
export AERO_UP_TIMEOUT=${AERO_UP_TIMEOUT:-600}
INSTANCE=bench-platform
DB_NAME=aero_sp_bench_platform

for n in $STEPS; do
  [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 2 ] || die "STEPS must be device counts of at least 2 (got '$n')"
done
for r in $RATES; do [[ $r =~ ^[0-9]+$ ]] && [ "$r" -ge 1 ] || die "RATES must be positive commands/s (got '$r')"; done
[[ $PER_WORKER =~ ^[0-9]+$ ]] && [ "$PER_WORKER" -ge 1 ] && [ "$PER_WORKER" -le 4000 ] ||
  die "PER_WORKER must be 1-4000: each device takes about 3-4 file descriptors and a process may open 20,000 ($(ulimit -n) here)"
N_MAX=$(tr ' ' '\n' <<<"$STEPS" | sort -n | tail -n1)

# shellcheck source=/dev/null
. "$BENCH_DIR/../lib/find-jdk.sh"
use_jdk
# shellcheck source=/dev/null
. "$BENCH_DIR/../lib/processes.sh"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RUN_DIR=$BENCH_DIR/target/run-$STAMP
RESULTS_DIR=${RESULTS_DIR:-$BENCH_DIR/results}
STATE=$BENCH_DIR/target/state/$INSTANCE
AERO_STATE=${AERO_STATE_DIR:-$HOME/.aero}
SVC_DIR=$AERO_STATE/instances/$INSTANCE
mkdir -p "$RUN_DIR" "$RESULTS_DIR"

launcher() {
  env -u AERO_DEPLOYMENT_SECRET AERO_INSTANCE=$INSTANCE AERO_PORT_OFFSET="$PORT_OFFSET" AERO_REDIS_DATABASE="$REDIS_DB" \
    AERO_SKIP_BUILD=1 AERO_SP_RATELIMITS_DEVICEREGISTRATIONSPERUSER=0/1m \
    bash "$ROOT_DIR/aero" "$@" >>"$RUN_DIR/launcher.log" 2>&1
}
INSTANCE_UP=0 TOOL_PID=""
stop_workers() { # the load processes the coordinator started, by the pids it wrote down
  local pid
  [ -f "$RUN_DIR/workers.pids" ] || return 0
  while read -r pid; do
    [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q LoadWorker && stop_pid "$pid"
  done <"$RUN_DIR/workers.pids"
  return 0
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$TOOL_PID"
  stop_workers
  if [ "$INSTANCE_UP" = 1 ]; then
    say "stopping the $INSTANCE instance (./aero down)"
    timeout 300 env AERO_INSTANCE=$INSTANCE AERO_PORT_OFFSET="$PORT_OFFSET" AERO_REDIS_DATABASE="$REDIS_DB" bash "$ROOT_DIR/aero" down \
      >>"$RUN_DIR/launcher.log" 2>&1 || say "run.sh: ./aero down failed, see $RUN_DIR/launcher.log" >&2
  fi
  rm -rf "$RUN_DIR/lib"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "platform capacity benchmark $STAMP$([ "$QUICK" = 1 ] && echo " (QUICK: smoke sizes, figures not comparable)"): N = $STEPS; logs $RUN_DIR"

# --- the jars: built when missing or older than their sources
stale=""
for m in sp-service verkehr-push command-server devman zephyr-relay xmpp-bridge admin-console; do
  jar=$ROOT_DIR/$m/target/$m.jar
  if [ ! -f "$jar" ] || [ -n "$(find "$ROOT_DIR/$m/src/main" "$ROOT_DIR/common/src/main" -newer "$jar" -type f -print -quit 2>/dev/null)" ]; then
    stale+="$m "
  fi
done
CLIENT_JAR=$(ls "$ROOT_DIR"/client/target/client-*.jar 2>/dev/null | grep -v -e '-tests\.jar$' -e '-sources\.jar$' | head -n1 || true)
if [ -z "$CLIENT_JAR" ] || [ -n "$(find "$ROOT_DIR/client/src/main" -newer "$CLIENT_JAR" -type f -print -quit 2>/dev/null)" ]; then
  stale+="client "
fi
if [ -n "$stale" ]; then
  say "building (missing or older than their sources: $stale): ./mvnw -B -q package -DskipTests"
  (cd "$ROOT_DIR" && launcher down) || true # a leftover instance would hold the jars the build rewrites
  if ! (cd "$ROOT_DIR" && ./mvnw -B -q -o package -DskipTests) >"$RUN_DIR/build.log" 2>&1; then
    say "the offline build failed; trying with the network (see $RUN_DIR/build.log)"
    (cd "$ROOT_DIR" && ./mvnw -B -q package -DskipTests) >>"$RUN_DIR/build.log" 2>&1 || { tail -n 40 "$RUN_DIR/build.log" >&2; die "the build failed (log: $RUN_DIR/build.log)"; }
  fi
  CLIENT_JAR=$(ls "$ROOT_DIR"/client/target/client-*.jar | grep -v -e '-tests\.jar$' -e '-sources\.jar$' | head -n1)
fi

# --- the tool: the client SDK's jar and the libraries inside SP's jar (Bouncy Castle, Jackson, common, protobuf, JDBC driver)
SP_JAR=$ROOT_DIR/sp-service/target/sp-service.jar
mkdir -p "$RUN_DIR/lib" "$RUN_DIR/classes"
mapfile -t WANTED < <("$JDK_HOME/bin/jar" tf "$SP_JAR" \
  | grep -E '^BOOT-INF/lib/(bcprov|bcpkix|bcutil|jackson-|common-|protobuf-java|mysql-connector)[^/]*\.jar$' || true)
[ ${#WANTED[@]} -ge 6 ] || die "the libraries the tool needs were not found in $SP_JAR (found: ${WANTED[*]:-none})"
(cd "$RUN_DIR/lib" && "$JDK_HOME/bin/jar" xf "$SP_JAR" "${WANTED[@]}")
CP="$RUN_DIR/classes:$CLIENT_JAR:$(printf '%s:' "$RUN_DIR"/lib/BOOT-INF/lib/*.jar)"
CP=${CP%:}
"$JDK_HOME/bin/javac" --release 21 -nowarn -cp "$CP" -d "$RUN_DIR/classes" \
  "$BENCH_DIR/PlatformBench.java" "$BENCH_DIR/LoadWorker.java" "$BENCH_DIR/HttpsLink.java" >"$RUN_DIR/javac.log" 2>&1 ||
  { cat "$RUN_DIR/javac.log" >&2; die "compiling the tool failed"; }

# --- MariaDB and Redis (the launcher installs and starts them when missing)
dev_services "$RUN_DIR/launcher.log"
MYSQL_PORT=${AERO_MYSQL_PORT:-3306}
REDIS_PORT=${AERO_REDIS_PORT:-6379}
mariadb -h127.0.0.1 -P"$MYSQL_PORT" -uaero -paero -e 'SELECT 1' >/dev/null 2>&1 || die "no MariaDB on 127.0.0.1:$MYSQL_PORT for user aero"
redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || die "no Redis on 127.0.0.1:$REDIS_PORT"

cache_fits() { # the cached organization has N_MAX devices of this shape
  local meta=$STATE/meta.properties devices dpu fs
  [ -f "$meta" ] || return 1
  devices=$(sed -n 's/^devices=//p' "$meta"); dpu=$(sed -n 's/^dpu=//p' "$meta"); fs=$(sed -n 's/^folder-size=//p' "$meta")
  [ -n "$devices" ] && [ "$devices" -ge "$N_MAX" ] && [ "$dpu" = "$DEVICES_PER_USER" ] && [ "$fs" = "$FOLDER_SIZE" ]
}
wipe() { # a new instance: no database, CA, Redis state or cached organization
  say "$1: dropping the $INSTANCE instance (database $DB_NAME, Redis database $REDIS_DB, $SVC_DIR, $STATE)"
  launcher down || true
  mariadb -h127.0.0.1 -P"$MYSQL_PORT" -uaero -paero -e "DROP DATABASE IF EXISTS \`$DB_NAME\`" || die "could not drop $DB_NAME"
  rm -rf "$SVC_DIR" "$STATE"
  redis-cli -p "$REDIS_PORT" -n "$REDIS_DB" flushdb >/dev/null
}
up() {
  INSTANCE_UP=1
  say "starting the platform: AERO_INSTANCE=$INSTANCE AERO_PORT_OFFSET=$PORT_OFFSET AERO_REDIS_DATABASE=$REDIS_DB ./aero up --native (log $RUN_DIR/launcher.log)"
  local t0=$SECONDS
  if ! launcher up --native --no-build; then
    tail -n 40 "$RUN_DIR/launcher.log" >&2
    for log in "$SVC_DIR"/logs/*.log; do
      [ -f "$log" ] && { printf -- '--- last lines of %s ---\n' "$log" >&2; tail -n 15 "$log" >&2; }
    done
    die "the $INSTANCE instance did not start (log: $RUN_DIR/launcher.log; services' logs: $SVC_DIR/logs/)"
  fi
  UP_SECONDS=$((SECONDS - t0))
}

if [ "$FRESH" = 1 ]; then
  wipe "FRESH=1"
elif ! cache_fits; then
  wipe "no cached organization of $N_MAX devices ($DEVICES_PER_USER per user, folders of $FOLDER_SIZE)"
else
  say "reusing the cached organization in $STATE (FRESH=1 makes it anew)"
  launcher down || true
  redis-cli -p "$REDIS_PORT" -n "$REDIS_DB" flushdb >/dev/null # queues, presence and counters of earlier runs
fi

pidof_svc() { tr -d '[:space:]' <"$SVC_DIR/run/$1.pid" 2>/dev/null || true; }
run_tool() {
  local pids svc setup_token
  pids=""
  for svc in sp-service verkehr-push command-server devman zephyr-relay xmpp-bridge admin-console; do
    pids+="$svc=$(pidof_svc "$svc"),"
  done
  pids+="ejabberd=$(pgrep -f -- "-sname aero-$INSTANCE@localhost" | head -n1 || true),"
  pids+="redis=$(tr -d '[:space:]' <"$AERO_STATE/run/redis.pid" 2>/dev/null || true),"
  pids+="mariadb=$(tr -d '[:space:]' <"$AERO_STATE/run/mariadb.pid" 2>/dev/null || true)"
  setup_token=$(env AERO_INSTANCE=$INSTANCE AERO_PORT_OFFSET="$PORT_OFFSET" bash "$ROOT_DIR/aero" setup-token 2>/dev/null || true)
  [ -f "$SVC_DIR/secret.env" ] || die "no $SVC_DIR/secret.env: the instance has no deployment secret"
  mkdir -p "$RUN_DIR/tool"
  # shellcheck disable=SC2086 # TOOL_JAVA_OPTS is a list of options
  "$JAVA" $TOOL_JAVA_OPTS -cp "$CP" PlatformBench --out "$RUN_DIR/tool" --state "$STATE" --offset "$PORT_OFFSET" \
    --steps "${STEPS// /,}" --devices-per-user "$DEVICES_PER_USER" --folder-size "$FOLDER_SIZE" --per-worker "$PER_WORKER" \
    --settle "$SETTLE" --idle "$IDLE" --acl-changes "$ACL_CHANGES" --acl-interval-ms "$ACL_INTERVAL_MS" --acl-timeout "$ACL_TIMEOUT" \
    --rates "${RATES// /,}" --step-seconds "$STEP_SECONDS" --warmup "$WARMUP" --lost-after "$LOST_AFTER" \
    --p99-target-ms "$P99_TARGET_MS" --stop-on-miss "$STOP_ON_MISS" --senders "$SENDERS" --between-rates "$BETWEEN_RATES" --final-wait "$FINAL_WAIT" \
    --connect-timeout "$CONNECT_TIMEOUT" --register-threads "$REGISTER_THREADS" --bridge-settle "$BRIDGE_SETTLE" \
    --keepalive "$KEEPALIVE" --connect-parallel "$CONNECT_PARALLEL" --worker-java-opts "$WORKER_JAVA_OPTS" \
    --java "$JAVA" --cp "$CP" --secret-file "$SVC_DIR/secret.env" --setup-token "${setup_token:-}" \
    --jdbc "jdbc:mysql://127.0.0.1:$MYSQL_PORT/$DB_NAME" --db-user aero --db-password aero \
    --pids "$pids" --clock-ticks "$(getconf CLK_TCK)" \
    > >(tee -a "$RUN_DIR/tool.out") 2> >(tee -a "$RUN_DIR/tool.err" >&2) &
  TOOL_PID=$!
  wait_tool
}

up
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
run_tool
if [ "$RC" = 4 ]; then
  say "the cached organization does not match the instance (see above): starting afresh"
  stop_workers
  wipe "stale cache"
  rm -f "$RUN_DIR/workers.pids"
  up
  run_tool
fi
stop_workers
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the results
VERDICT=$(verdict "$RC")
[ "$RC" = 4 ] && VERDICT="**FAILED**: the cached organization did not match the instance twice (see tool.err)"
RESULTS=$RESULTS_DIR/$STAMP.md
PLOT_NOTE=""
if [ "$PLOTS" = 1 ] && [ -s "$RUN_DIR/tool/resources.csv" ]; then
  if ! /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
    say "installing python3-matplotlib from Debian for the plots (apt-get; PLOTS=0 skips them)"
    { apt-get -o DPkg::Lock::Timeout=300 update -q && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q python3-matplotlib; } \
      >"$RUN_DIR/apt.log" 2>&1 </dev/null || say "run.sh: installing python3-matplotlib failed (see $RUN_DIR/apt.log); no plots" >&2
  fi
  if /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
    if /usr/bin/python3 "$BENCH_DIR/plot.py" "$RUN_DIR/tool" "$RESULTS_DIR/$STAMP" "$P99_TARGET_MS" >"$RUN_DIR/plot.log" 2>&1; then
      PLOT_NOTE="Plots: [CPU against N]($STAMP-cpu.png), [RSS against N]($STAMP-rss.png), [command latency against rate]($STAMP-latency.png)."
    else
      PLOT_NOTE="Plots failed (see \`${RUN_DIR#"$ROOT_DIR"/}/plot.log\`)."
      say "run.sh: making the plots failed: $(tail -n 3 "$RUN_DIR/plot.log")" >&2
    fi
  else
    PLOT_NOTE="No plots: matplotlib could not be installed."
  fi
fi
{
  results_header "Platform capacity benchmark, $STAMP" "$VERDICT" "$LOAD_START" "$LOAD_END"
  printf -- '- platform: `./aero up --native` instance `%s` (SP, verkehr, command-server, devman, zephyr, xmpp-bridge, admin-console, its ejabberd node; the shared MariaDB and Redis, whose CPU includes whatever else uses them), services'"'"' JVM options `%s`, AERO_AOT=%s; started in %s s\n' \
    "$INSTANCE" "$AERO_JAVA_OPTS" "$AERO_AOT" "${UP_SECONDS:-?}"
  printf -- '- load: %s devices per load process (`%s`), coordinator `%s`; devices'"'"' HTTPS keep-alive %s s (check-ins: the SDK'"'"'s CheckinClient, one kept connection)\n' "$PER_WORKER" "$WORKER_JAVA_OPTS" "$TOOL_JAVA_OPTS" "$KEEPALIVE"
  printf -- '- windows: settle %s s, idle %s s; %s membership changes every %s ms; rates %s/s, each %s s measured after %s s, lost after %s s\n' \
    "$SETTLE" "$IDLE" "$ACL_CHANGES" "$ACL_INTERVAL_MS" "${RATES// /, }" "$STEP_SECONDS" "$WARMUP" "$LOST_AFTER"
  printf -- '- command: `%sbench/platform/run.sh`; logs `%s`\n' "$OVERRIDES" "${RUN_DIR#"$ROOT_DIR"/}"
  [ -n "$PLOT_NOTE" ] && printf -- '- %s\n' "$PLOT_NOTE"
  printf '\n'
  if [ -s "$RUN_DIR/tool/body.md" ]; then cat "$RUN_DIR/tool/body.md"; else printf 'No figures (see tool.err).\n'; fi
} >"$RESULTS"
say ""
[ -s "$RUN_DIR/tool/summary.md" ] && cat "$RUN_DIR/tool/summary.md"
say "result: $VERDICT"
say "results: $RESULTS"
if [ "$RC" != 0 ] && [ "$RC" != 3 ] && [ "$RC" != 5 ]; then
  say "run.sh: the coordinator failed (exit $RC); last lines of $RUN_DIR/tool.err:" >&2
  tail -n 20 "$RUN_DIR/tool.err" >&2 || true
fi
exit "$(exit_status "$RC")"

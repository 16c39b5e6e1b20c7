#!/usr/bin/env bash
# Sharing benchmark (docs/benchmarks.md, section "Sharing").
#
#   bench/sp/sharing.sh
#
# Starts a separate platform instance with the launcher (./aero up --native as AERO_INSTANCE
# "bench-sharing", ports shifted by PORT_OFFSET, its own database, Redis database and CA; open
# sign-up and sign-in limits off), seeds an organization of USERS users and FOLDERS JOINED
# folders of 2 to 200 members, and measures, each against a floor taken in the same run and
# alternated with it:
#   1. GET /acl for a user in 50 folders, p50/p99 (target p99 under 20 ms), against the same
#      request answered with the epoch alone;
#   2. a membership change in a 200-member folder, from the REST answer to the last member's
#      acl/ push, p50/p99 (target p99 under 1 s), against 200 publishes through verkehr's API;
#   3. verkehr SUBSCRIBE <sid> per second with the membership cached, against SUBSCRIBE
#      cmd/<did> (target at least 0.8 of it).
# The instance is stopped on exit. Results: bench/sp/results/sharing-<timestamp>.md.
#
# Environment (defaults in brackets):
#   USERS [10000] FOLDERS [2000]   the organization's size
#   DEVICES [8]           the measured user's devices (verkehr connections in scenario 3)
#   DURATION [10]         seconds of each window of scenarios 1 and 3
#   REPS [5]              alternations of scenarios 1 and 3 (medians are reported)
#   PUSH_REPS [40]        membership changes in scenario 2, each followed by its floor
#   ACL_THREADS [1]       client threads of scenario 1
#   PORT_OFFSET [1850] REDIS_DB [8]    the instance's ports and Redis database
#   JAVA_OPTS_SERVICES    the services' JVM options [the launcher's default]
#   RUN_TIMEOUT [1200]    seconds before the load tool is stopped
#   RESULTS_DIR           where to write the results file [bench/sp/results]
#   QUICK=1               smoke run: a small organization and short windows (figures not comparable)
#   SERVICES [every one; QUICK: sp-service,verkehr-push,command-server]   services started
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

SETTINGS=(USERS FOLDERS DEVICES DURATION REPS PUSH_REPS ACL_THREADS PORT_OFFSET REDIS_DB JAVA_OPTS_SERVICES RUN_TIMEOUT QUICK SERVICES)
OVERRIDES=""
for v in "${SETTINGS[@]}"; do
  if [ -n "${!v+x}" ]; then OVERRIDES+="$v=$(printf '%q' "${!v}") "; fi
done
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  USERS=${USERS:-300} FOLDERS=${FOLDERS:-60} DEVICES=${DEVICES:-2} DURATION=${DURATION:-2} REPS=${REPS:-1} PUSH_REPS=${PUSH_REPS:-3}
  # Only the services sharing uses (a smoke run starts three JVMs, not seven).
  SERVICES=${SERVICES:-sp-service,verkehr-push,command-server}
fi
SERVICES=${SERVICES:-}
USERS=${USERS:-10000}
FOLDERS=${FOLDERS:-2000}
DEVICES=${DEVICES:-8}
DURATION=${DURATION:-10}
REPS=${REPS:-5}
PUSH_REPS=${PUSH_REPS:-40}
ACL_THREADS=${ACL_THREADS:-1}
PORT_OFFSET=${PORT_OFFSET:-1850}
REDIS_DB=${REDIS_DB:-8}
RUN_TIMEOUT=${RUN_TIMEOUT:-1200}
RESULTS_DIR=${RESULTS_DIR:-$BENCH_DIR/results}
INSTANCE=bench-sharing
DB_NAME=aero_sp_bench_sharing

# shellcheck source=/dev/null
. "$BENCH_DIR/../lib/find-jdk.sh"
use_jdk
# shellcheck source=/dev/null
. "$BENCH_DIR/../lib/processes.sh"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RUN_DIR=$BENCH_DIR/target/sharing-$STAMP
mkdir -p "$RUN_DIR" "$RESULTS_DIR"

launcher() {
  local extra=()
  if [ -n "${JAVA_OPTS_SERVICES:-}" ]; then extra=("AERO_JAVA_OPTS=$JAVA_OPTS_SERVICES"); fi
  # AERO_AOT=use: the services start on a class-data cache an earlier run left, and no run records one.
  env AERO_INSTANCE=$INSTANCE AERO_PORT_OFFSET="$PORT_OFFSET" AERO_REDIS_DATABASE="$REDIS_DB" AERO_AOT="${AERO_AOT:-use}" \
    AERO_UP_SERVICES="$SERVICES" \
    AERO_SP_OPEN_SIGN_UP=true AERO_SP_RATELIMITS_SIGNUPPERADDRESS=0/1m AERO_SP_RATELIMITS_SIGNINPERADDRESS=0/1m \
    AERO_SP_RATELIMITS_SIGNINPERACCOUNT=0/1m "${extra[@]+"${extra[@]}"}" \
    bash "$ROOT_DIR/aero" "$@" >>"$RUN_DIR/launcher.log" 2>&1
}
TOOL_PID=""
cleanup() {
  stop_pid "$TOOL_PID"
  launcher down || true
  rm -rf "$RUN_DIR/lib" "$RUN_DIR/classes"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for jar in sp-service verkehr-push command-server devman zephyr-relay xmpp-bridge; do
  if [ ! -f "$ROOT_DIR/$jar/target/$jar.jar" ]; then
    say "building the services: ./aero build"
    (cd "$ROOT_DIR" && bash aero build) >"$RUN_DIR/build.log" 2>&1 || { tail -n 40 "$RUN_DIR/build.log" >&2; die "the build failed"; }
    break
  fi
done
[ -f "$ROOT_DIR/client/target/classes/dev/aero/client/sp/SpClient.class" ] || die "client classes missing (./aero build)"

say "sharing benchmark $STAMP: $USERS users, $FOLDERS folders; instance $INSTANCE at port offset $PORT_OFFSET; logs $RUN_DIR"
# A fresh instance: no state, an empty database and Redis database.
launcher down || true
rm -rf "${AERO_STATE_DIR:-$HOME/.aero}/instances/$INSTANCE"
dev_services "$RUN_DIR/launcher.log"
MYSQL_PWD=aero mariadb -uaero -h127.0.0.1 -e "DROP DATABASE IF EXISTS \`$DB_NAME\`" || die "MariaDB not reachable (./aero deps)"
redis-cli -n "$REDIS_DB" FLUSHDB >/dev/null || die "Redis not reachable (./aero deps)"
launcher up --native --no-build || { tail -n 30 "$RUN_DIR/launcher.log" >&2; die "the instance did not start"; }
SECRET=$(sed -n 's/^AERO_DEPLOYMENT_SECRET=//p' "${AERO_STATE_DIR:-$HOME/.aero}/instances/$INSTANCE/secret.env")
[ -n "$SECRET" ] || die "no deployment secret for the instance"
# (launcher sends its output to the log: the token is read from the launcher's own stdout)
SETUP_TOKEN=$(AERO_INSTANCE=$INSTANCE AERO_PORT_OFFSET="$PORT_OFFSET" bash "$ROOT_DIR/aero" setup-token 2>>"$RUN_DIR/launcher.log") &&
  [ -n "$SETUP_TOKEN" ] || die "no setup token from the fresh instance (log: $RUN_DIR/launcher.log)"
port() { echo $(($1 + PORT_OFFSET)); }

# The tool runs on the client classes and the libraries inside SP's jar (JDBC driver included).
SP_JAR=$ROOT_DIR/sp-service/target/sp-service.jar
mkdir -p "$RUN_DIR/lib" "$RUN_DIR/classes/client" "$RUN_DIR/classes/tool"
cp -R "$ROOT_DIR/client/target/classes/." "$RUN_DIR/classes/client/"
mapfile -t WANTED < <("$JDK_HOME/bin/jar" tf "$SP_JAR" \
  | grep -E '^BOOT-INF/lib/(bcprov|bcpkix|bcutil|jackson-|common-|protobuf-java|mysql-connector)[^/]*\.jar$' || true)
(cd "$RUN_DIR/lib" && "$JDK_HOME/bin/jar" xf "$SP_JAR" "${WANTED[@]}")
CP="$RUN_DIR/classes/tool:$RUN_DIR/classes/client:$(printf '%s:' "$RUN_DIR"/lib/BOOT-INF/lib/*.jar)"
CP=${CP%:}
"$JDK_HOME/bin/javac" --release 21 -cp "$CP" -d "$RUN_DIR/classes/tool" "$BENCH_DIR/SharingBench.java" || die "compiling the tool failed"

BODY=$RUN_DIR/body.md
SUMMARY=$RUN_DIR/summary.md
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
"$JAVA" -XX:+UseSerialGC -Xmx1g -cp "$CP" SharingBench \
  --sp "http://127.0.0.1:$(port 8080)" --sp-devices "https://localhost:$(port 8443)" --ssmp-port "$(port 29438)" \
  --verkehr-http "http://127.0.0.1:$(port 25234)" --secret "$SECRET" --setup-token "$SETUP_TOKEN" \
  --jdbc "jdbc:mysql://127.0.0.1:3306/$DB_NAME" --db-user aero --db-password aero \
  --users "$USERS" --folders "$FOLDERS" --devices "$DEVICES" --duration "$DURATION" --reps "$REPS" --push-reps "$PUSH_REPS" \
  --acl-threads "$ACL_THREADS" --md "$BODY" --summary "$SUMMARY" \
  > >(tee "$RUN_DIR/tool.out") 2> >(tee "$RUN_DIR/tool.err" >&2) &
TOOL_PID=$!
wait_tool
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
VERDICT=$(verdict "$RC")
RESULTS=$RESULTS_DIR/sharing-$STAMP.md
{
  results_header "Sharing benchmark, $STAMP" "$VERDICT" "$LOAD_START" "$LOAD_END"
  printf -- '- platform: the launcher'"'"'s native instance (%s; MariaDB, Redis on loopback)\n' "${SERVICES:-every service}"
  printf -- '- command: `%sbench/sp/sharing.sh`; logs `%s`\n\n' "$OVERRIDES" "${RUN_DIR#$ROOT_DIR/}"
  if [ -s "$BODY" ]; then cat "$BODY"; else printf 'No figures (see tool.err).\n'; fi
} >"$RESULTS"
say ""
say "| figure | platform | floor (same run) | ratio |"
say "|---|---|---|---|"
cat "$SUMMARY"
say "result: $VERDICT"
say "results: $RESULTS"
exit "$(exit_status "$RC")"

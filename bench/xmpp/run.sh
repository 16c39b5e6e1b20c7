#!/usr/bin/env bash
# XMPP benchmark (docs/benchmarks.md, section "XMPP").
#
#   bench/xmpp/run.sh
#
# Starts a separate platform instance with the launcher (./aero up --native as AERO_INSTANCE
# "bench-xmpp", ports shifted by PORT_OFFSET, its own database, Redis database, CA and ejabberd
# node; open sign-up; the per-device XMPP shaper off (DEVICE_RATE), so that ejabberd's limit is
# measured and not the shaper's, on every path alike), then, as devices would (SDK, device certificates,
# tokens from SP):
#   1. maxcast at saturation, alternating REPS times: the physical limit, device A to device B in
#      a room of their own through ejabberd alone (the bridge is not in it); A's frame in the
#      store's room relayed by xmpp-bridge to verkehr and received by SSMP device C; C's frame on
#      the store topic relayed into the room and received by A. At most WINDOW messages are sent
#      and not yet received. Reported: messages/s, the median of per-rep ratios to the direct room
#      (target at least 0.5), and the cores ejabberd, the bridge and verkehr used;
#   2. latency of each path paced at half its own saturated rate, p50/p99;
#   3. ROOMS more folders: ejabberd's and the bridge's memory per room, then ejabberd stopped
#      and started again, and the time until the bridge is back in every room (target < 30 s).
# The instance is stopped on exit. Results: bench/xmpp/results/xmpp-<timestamp>.md.
#
# Environment (defaults in brackets):
#   REPS [3]               alternations of the three paths
#   DURATION [10] WARMUP [3]   seconds of each saturation window, and before it
#   LAT_DURATION [10]      seconds of each paced latency window
#   PAYLOAD [100]          maxcast payload bytes (at most 700)
#   WINDOW [64]            messages sent and not yet received, at most
#   ROOMS [5000]           folders (rooms) created for the memory and rejoin figures
#   DEVICE_RATE [none]     the instance's per-device XMPP shaper, bytes/s, or none (deployments: 20000)
#   PORT_OFFSET [1950] REDIS_DB [7]    the instance's ports and Redis database
#   JAVA_OPTS_SERVICES     the services' JVM options [the launcher's default]
#   QUICK=1                smoke run: small sizes and short windows (figures not comparable)
#   SERVICES [every one; QUICK: sp-service,verkehr-push,devman,xmpp-bridge]   services started
#   RUN_TIMEOUT [1800]     seconds before the load tool is stopped
#   RESULTS_DIR            where to write the results file [bench/xmpp/results]
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

SETTINGS=(REPS DURATION WARMUP LAT_DURATION PAYLOAD WINDOW ROOMS DEVICE_RATE PORT_OFFSET REDIS_DB JAVA_OPTS_SERVICES QUICK RUN_TIMEOUT SERVICES)
OVERRIDES=""
for v in "${SETTINGS[@]}"; do
  if [ -n "${!v+x}" ]; then OVERRIDES+="$v=$(printf '%q' "${!v}") "; fi
done
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  REPS=${REPS:-1}; DURATION=${DURATION:-2}; WARMUP=${WARMUP:-1}; LAT_DURATION=${LAT_DURATION:-2}; ROOMS=${ROOMS:-50}
  # Only the services the XMPP paths use (a smoke run starts four JVMs, not seven).
  SERVICES=${SERVICES:-sp-service,verkehr-push,devman,xmpp-bridge}
fi
SERVICES=${SERVICES:-}
REPS=${REPS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
LAT_DURATION=${LAT_DURATION:-10}
PAYLOAD=${PAYLOAD:-100}
WINDOW=${WINDOW:-64}
ROOMS=${ROOMS:-5000}
DEVICE_RATE=${DEVICE_RATE:-none}
PORT_OFFSET=${PORT_OFFSET:-1950}
REDIS_DB=${REDIS_DB:-7}
RUN_TIMEOUT=${RUN_TIMEOUT:-1800}
RESULTS_DIR=${RESULTS_DIR:-$BENCH_DIR/results}
INSTANCE=bench-xmpp
DB_NAME=aero_sp_bench_xmpp
[ "$PAYLOAD" -ge 16 ] && [ "$PAYLOAD" -le 700 ] || die "PAYLOAD is 16 to 700 bytes"

# shellcheck source=/dev/null
. "$BENCH_DIR/../lib/find-jdk.sh"
use_jdk
# shellcheck source=/dev/null
. "$BENCH_DIR/../lib/processes.sh"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RUN_DIR=$BENCH_DIR/target/xmpp-$STAMP
mkdir -p "$RUN_DIR" "$RESULTS_DIR"
STATE=${AERO_STATE_DIR:-$HOME/.aero}/instances/$INSTANCE

launcher() {
  local extra=()
  if [ -n "${JAVA_OPTS_SERVICES:-}" ]; then extra=("AERO_JAVA_OPTS=$JAVA_OPTS_SERVICES"); fi
  # AERO_AOT=use: the services start on a class-data cache an earlier run left, and no run records one.
  env AERO_INSTANCE=$INSTANCE AERO_PORT_OFFSET="$PORT_OFFSET" AERO_REDIS_DATABASE="$REDIS_DB" AERO_AOT="${AERO_AOT:-use}" \
    AERO_UP_SERVICES="$SERVICES" \
    AERO_SP_OPEN_SIGN_UP=true AERO_SP_RATELIMITS_SIGNUPPERADDRESS=0/1m AERO_SP_RATELIMITS_SIGNINPERADDRESS=0/1m \
    AERO_SP_RATELIMITS_SIGNINPERACCOUNT=0/1m AERO_XMPP_DEVICE_RATE="$DEVICE_RATE" \
    "${extra[@]+"${extra[@]}"}" bash "$ROOT_DIR/aero" "$@" >>"$RUN_DIR/launcher.log" 2>&1
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

say "XMPP benchmark $STAMP$([ "$QUICK" = 1 ] && echo " (QUICK: smoke sizes, figures not comparable)"): instance $INSTANCE at port offset $PORT_OFFSET; logs $RUN_DIR"
# A fresh instance: no state, an empty database and Redis database, a new ejabberd node.
launcher down || true
rm -rf "$STATE"
dev_services "$RUN_DIR/launcher.log"
MYSQL_PWD=aero mariadb -uaero -h127.0.0.1 -e "DROP DATABASE IF EXISTS \`$DB_NAME\`" || die "MariaDB not reachable (./aero deps)"
redis-cli -n "$REDIS_DB" FLUSHDB >/dev/null || die "Redis not reachable (./aero deps)"
launcher up --native --no-build || { tail -n 30 "$RUN_DIR/launcher.log" >&2; die "the instance did not start"; }
port() { echo $(($1 + PORT_OFFSET)); }
# (launcher sends its output to the log: the token is read from the launcher's own stdout)
SETUP_TOKEN=$(AERO_INSTANCE=$INSTANCE AERO_PORT_OFFSET="$PORT_OFFSET" bash "$ROOT_DIR/aero" setup-token 2>>"$RUN_DIR/launcher.log") &&
  [ -n "$SETUP_TOKEN" ] || die "no setup token from the fresh instance (log: $RUN_DIR/launcher.log)"
pid_of() { cat "$STATE/run/$1.pid" 2>/dev/null || true; }
BRIDGE_PID=$(pid_of xmpp-bridge)
VERKEHR_PID=$(pid_of verkehr-push)
EJABBERD_PID=$(pgrep -f -- "-sname aero-$INSTANCE@localhost" | head -n1 || true)
[ -n "$BRIDGE_PID" ] && [ -n "$VERKEHR_PID" ] && [ -n "$EJABBERD_PID" ] || die "no pid for the bridge, verkehr or the instance's ejabberd node"
[ -x "$STATE/ejabberd/ctl" ] || die "no ctl script for the instance's ejabberd node"

# The tool runs on the classes and libraries inside the bridge's jar (client SDK, common, Smack, Bouncy Castle, Jackson).
BRIDGE_JAR=$ROOT_DIR/xmpp-bridge/target/xmpp-bridge.jar
mkdir -p "$RUN_DIR/lib" "$RUN_DIR/classes"
mapfile -t WANTED < <("$JDK_HOME/bin/jar" tf "$BRIDGE_JAR" \
  | grep -E '^BOOT-INF/lib/(client-|common-|smack-|jxmpp-|minidns-|bcprov|bcpkix|bcutil|jackson-|slf4j-api|protobuf-java)[^/]*\.jar$' || true)
[ ${#WANTED[@]} -gt 0 ] || die "no libraries found in $BRIDGE_JAR"
(cd "$RUN_DIR/lib" && "$JDK_HOME/bin/jar" xf "$BRIDGE_JAR" "${WANTED[@]}")
CP="$RUN_DIR/classes:$(printf '%s:' "$RUN_DIR"/lib/BOOT-INF/lib/*.jar)"
CP=${CP%:}
"$JDK_HOME/bin/javac" --release 21 -nowarn -cp "$CP" -d "$RUN_DIR/classes" "$BENCH_DIR/XmppBench.java" || die "compiling the tool failed"

BODY=$RUN_DIR/body.md
SUMMARY=$RUN_DIR/summary.md
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
"$JAVA" -XX:+UseSerialGC -Xmx1g -cp "$CP" XmppBench \
  --sp "http://127.0.0.1:$(port 8080)" --sp-devices "https://localhost:$(port 8443)" --ssmp-port "$(port 29438)" \
  --setup-token "$SETUP_TOKEN" --bridge-management "http://127.0.0.1:$(port 8091)" --ejabberd-api "http://127.0.0.1:$(port 5280)/api" \
  --bridge-password-file "$STATE/ejabberd/secrets/bridge.password" --domain "${AERO_DOMAIN:-aero.local}" \
  --ctl "$STATE/ejabberd/ctl" --jcmd "$JDK_HOME/bin/jcmd" --clk-tck "$(getconf CLK_TCK)" \
  --bridge-pid "$BRIDGE_PID" --verkehr-pid "$VERKEHR_PID" --ejabberd-pid "$EJABBERD_PID" \
  --reps "$REPS" --duration "$DURATION" --warmup "$WARMUP" --lat-duration "$LAT_DURATION" --payload "$PAYLOAD" \
  --window "$WINDOW" --rooms "$ROOMS" --md "$BODY" --summary "$SUMMARY" \
  > >(tee "$RUN_DIR/tool.out") 2> >(tee "$RUN_DIR/tool.err" >&2) &
TOOL_PID=$!
wait_tool
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
VERDICT=$(verdict "$RC")
RESULTS=$RESULTS_DIR/xmpp-$STAMP.md
{
  results_header "XMPP benchmark, $STAMP" "$VERDICT" "$LOAD_START" "$LOAD_END"
  printf -- '- platform: the launcher'"'"'s native instance (%s; MariaDB, Redis, ejabberd %s on loopback); per-device XMPP shaper: %s\n' \
    "${SERVICES:-every service}" "$(dpkg-query -W -f '${Version}' ejabberd 2>/dev/null || echo '?')" "$DEVICE_RATE"
  printf -- '- command: `%sbench/xmpp/run.sh`; logs `%s`\n\n' "$OVERRIDES" "${RUN_DIR#"$ROOT_DIR"/}"
  if [ -s "$BODY" ]; then cat "$BODY"; else printf 'No figures (see tool.err).\n'; fi
} >"$RESULTS"
say ""
say "| figure | ours | reference (same run) | ratio / verdict |"
say "|---|---|---|---|"
cat "$SUMMARY"
say "result: $VERDICT"
say "results: $RESULTS"
exit "$(exit_status "$RC")"

#!/usr/bin/env bash
# bench/commands: command-server's capacity and latency (docs/benchmarks.md, section "command-server").
#
#   bench/commands/run.sh [enqueue] [latency]     both parts when none is named
#
# 1. enqueue: throughput and CPU per command. It starts command-server (a copy of its jar, the
#    launcher's JVM options) on free loopback ports against the dev Redis (./aero deps), in a
#    Redis database of its own (DB, flushed before and after), with key material from a CA made
#    for the run and a stand-in for verkehr's SSMP listener (EnqueueBench verkehr: TLS, answers
#    every MCAST 200), so that every command is pushed over SSMP as in a deployment without
#    verkehr's own CPU on the machine. After ENQUEUE_PRIME unmeasured seconds of each REST kind (the
#    JIT), ROUNDS rounds each measure, one after the other:
#      a. raw Redis ZADD: redis-benchmark, THREADS clients, no pipelining (the physical limit);
#      b. the enqueue Lua script alone, as command-server runs it (CommandQueues, Spring Data
#         Redis on one Lettuce connection; EnqueueBench script), THREADS threads;
#      c. single REST enqueues, POST /v1/devices/{did}/commands, THREADS keep-alive HTTP/1.1
#         clients in a closed loop (EnqueueBench rest);
#      d. batch REST enqueues, POST /v1/queues/batch of BATCH entries (distinct devices),
#         BATCH_THREADS clients;
#      e. the HTTP floor: c's client against a plain HTTP/1.1 server that answers at once
#         (EnqueueBench noop), the most any HTTP service could answer that client here.
#    Each for DURATION s; c, d and e after 2 s unmeasured. Per kind: commands/s, and the CPU that
#    command-server and Redis spent per command (/proc/<pid>/stat utime + stime over the
#    window). Figures are medians over the rounds; a ratio to raw ZADD is the median of the
#    per-round ratios (each kind against the raw ZADD of its own round).
# 2. latency: enqueue-to-device-receipt latency at RATE commands/s through the real services.
#    It starts a fresh named instance of the platform with ./aero (AERO_INSTANCE=bench, port
#    offset 1750, Redis database 9, SP database aero_sp_bench; only SP, verkehr and
#    command-server: AERO_UP_SERVICES; the database, Redis database and ~/.aero/instances/bench
#    are wiped first, so the CA is new and the first sign-up is the admin). LatencyBench.java
#    signs up, registers LATENCY_DEVICES devices, connects each to verkehr over TLS with its
#    certificate on cmd/<did>, and enqueues through command-server's REST API on an open-loop
#    schedule, round-robin over the devices; each receipt is matched to its enqueue by (device,
#    epoch). The physical limit, measured before and after in the same run: the same devices,
#    schedule and payloads published straight to verkehr's POST /v1/publish. command-server's
#    CPU per enqueued and pushed command is its CPU over the commands phase divided by the
#    commands sent in it. The instance is stopped at the end, also on failure or interrupt.
#
# Targets (docs/benchmarks.md): command-server CPU per enqueued and pushed command <= 0.2 ms
# (latency part); single REST enqueues >= 0.5 x raw ZADD; batch enqueues >= 0.8 x raw ZADD.
#
# Environment (defaults in brackets):
#   QUICK=1                  smoke run of both parts, about a minute or two: 1 round, 3 s windows,
#                            short latency phases at RATE 200 (figures not comparable; targets
#                            not judged)
#   DURATION                 measured seconds of each window [enqueue 10, latency 20]
#   ROUNDS [3]               enqueue: rounds of a-d (medians)
#   THREADS [8] DEVICES [1000] DB [15]      enqueue: clients of a-c, devices, Redis database
#   BATCH [1000] BATCH_THREADS [2]          enqueue: entries per batch request, batch clients
#   ENQUEUE_PRIME [20]       enqueue: unmeasured seconds of each REST kind before the rounds (the JIT)
#   PRIME [10]               latency: unmeasured seconds of each path at RATE/4, RATE/2 and RATE
#                            before the phases
#   COMMANDS_JAVA_OPTS       enqueue: command-server's JVM [-Xss512k -XX:+UseSerialGC -Xmx256m, the launcher's]
#   RATE [1000] LATENCY_DEVICES [10] WARMUP [5] LOST_AFTER [5]
#                            latency: commands/s in all, devices, unmeasured seconds before each
#                            window, seconds after which a command counts as lost
#   QUIET_WAIT [20]          latency: seconds to wait at most for a quiet machine (< 0.3 cores
#                            busy) before each phase
#   SENDERS [32]             latency: sender threads, so requests in flight at most (a message
#                            due while all are busy waits, and the wait counts in its latency)
#   TOOL_JAVA_OPTS           the load tools' JVMs [-XX:+UseSerialGC -Xmx512m]
#   AERO_JAVA_OPTS           latency: the services' JVMs [./aero's default, -Xss512k -XX:+UseSerialGC -Xmx256m]
#   LATENCY_TIMEOUT [600]    seconds before LatencyBench is stopped
#   REBUILD [auto]           auto: build what a part needs (command-server and what it depends on;
#                            for the latency part every service's jar, which ./aero up checks)
#                            when a jar is missing or older than its sources; 1: always; 0: never
#   RESULTS_DIR              where to write the results file [bench/commands/results]
#
# Both tools run on the libraries inside command-server's fat jar
# (command-server/target/command-server.jar, which holds common and client too), unpacked to
# bench/commands/target/tool-classpath/, so nothing has to be installed in the local Maven
# repository. Results: $RESULTS_DIR/<timestamp>.md; logs in bench/commands/target/run-<timestamp>/,
# the latency instance's service logs in ~/.aero/instances/bench/logs/. Exit status: 0 done
# (every target met, or QUICK), 1 a target was not met, 2 the run broke.
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
SETTINGS=(QUICK DURATION ROUNDS THREADS DEVICES DB BATCH BATCH_THREADS ENQUEUE_PRIME PRIME COMMANDS_JAVA_OPTS RATE LATENCY_DEVICES WARMUP
  LOST_AFTER QUIET_WAIT SENDERS TOOL_JAVA_OPTS AERO_JAVA_OPTS LATENCY_TIMEOUT REBUILD RESULTS_DIR)
OVERRIDES=""
for v in "${SETTINGS[@]}"; do
  if [ -n "${!v+x}" ]; then OVERRIDES+="$v=$(printf '%q' "${!v}") "; fi
done
REPRODUCE="${OVERRIDES}bench/commands/run.sh${*:+ $*}"

use_jdk

QUICK=${QUICK:-0}
case $QUICK in 0 | 1) ;; *) die "QUICK must be 0 or 1" ;; esac
if [ "$QUICK" = 1 ]; then
  ROUNDS=${ROUNDS:-1} DURATION=${DURATION:-3} ENQUEUE_PRIME=${ENQUEUE_PRIME:-2} PRIME=${PRIME:-2} RATE=${RATE:-200} WARMUP=${WARMUP:-1} LOST_AFTER=${LOST_AFTER:-2}
  QUIET_WAIT=${QUIET_WAIT:-0} LATENCY_DEVICES=${LATENCY_DEVICES:-4}
fi
ROUNDS=${ROUNDS:-3} THREADS=${THREADS:-8} DEVICES=${DEVICES:-1000} DB=${DB:-15} BATCH=${BATCH:-1000} BATCH_THREADS=${BATCH_THREADS:-2}
ENQ_DURATION=${DURATION:-10} LAT_DURATION=${DURATION:-20} ENQUEUE_PRIME=${ENQUEUE_PRIME:-20} PRIME=${PRIME:-10}
COMMANDS_JAVA_OPTS=${COMMANDS_JAVA_OPTS:--Xss512k -XX:+UseSerialGC -Xmx256m}
RATE=${RATE:-1000} LATENCY_DEVICES=${LATENCY_DEVICES:-10} WARMUP=${WARMUP:-5} LOST_AFTER=${LOST_AFTER:-5}
QUIET_WAIT=${QUIET_WAIT:-20} SENDERS=${SENDERS:-32} LATENCY_TIMEOUT=${LATENCY_TIMEOUT:-600}
TOOL_JAVA_OPTS=${TOOL_JAVA_OPTS:--XX:+UseSerialGC -Xmx512m}
REBUILD=${REBUILD:-auto}
RESULTS_DIR=${RESULTS_DIR:-$BENCH_DIR/results}
case $REBUILD in auto | 0 | 1) ;; *) die "REBUILD must be auto, 0 or 1" ;; esac
for n in ROUNDS THREADS DEVICES BATCH BATCH_THREADS ENQ_DURATION LAT_DURATION RATE LATENCY_DEVICES; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "$n must be a positive whole number, not '${!n}'"
done
[ "$BATCH" -le 1000 ] || die "BATCH must be at most 1000 (command-server's limit)"
[ "$BATCH" -le "$DEVICES" ] || die "BATCH ($BATCH) must not exceed DEVICES ($DEVICES): a batch has one entry per device"
COMMANDS_JAR=$ROOT_DIR/command-server/target/command-server.jar
BUILD_TOOL_JARS="./mvnw -B -o -q package -DskipTests -pl command-server,client -am"
REDIS_PORT=${AERO_REDIS_PORT:-6379}
CLK_TCK=$(getconf CLK_TCK)

# The latency part's platform instance (./aero's named instances); its ports are ./aero's plus the offset.
INSTANCE=bench PORT_OFFSET=1750 INSTANCE_REDIS_DB=9
INSTANCE_SERVICES=sp-service,verkehr-push,command-server
INSTANCE_DIR=${AERO_STATE_DIR:-$HOME/.aero}/instances/$INSTANCE
INSTANCE_SQL_DB=aero_sp_$INSTANCE
SP_PORT=$((8080 + PORT_OFFSET)) VERKEHR_HTTP_PORT=$((25234 + PORT_OFFSET)) SSMP_PORT=$((29438 + PORT_OFFSET))
COMMANDS_PORT=$((9020 + PORT_OFFSET))
# The secret comes from the instance's own secret.env, never from the caller's environment.
instance() {
  # AERO_AOT=use: the services start on a class-data cache an earlier run left, and no run records one.
  env -u AERO_DEPLOYMENT_SECRET AERO_INSTANCE=$INSTANCE AERO_PORT_OFFSET=$PORT_OFFSET AERO_REDIS_DATABASE=$INSTANCE_REDIS_DB AERO_AOT="${AERO_AOT:-use}" \
    AERO_UP_SERVICES=$INSTANCE_SERVICES "$ROOT_DIR/aero" "$@"
}

command -v redis-cli >/dev/null || die "redis-cli missing (./aero deps installs redis-server, which has it)"
if [ "$REDIS_PORT" = 6379 ] && ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  say "no Redis on 127.0.0.1:6379: starting the dev services (./aero deps)"
  (cd "$ROOT_DIR" && bash aero deps) || die "./aero deps failed"
fi
redis-cli -p "$REDIS_PORT" ping >/dev/null || die "no Redis on 127.0.0.1:$REDIS_PORT (run ./aero deps)"
REDIS_PID=$(redis-cli -p "$REDIS_PORT" info server | tr -d '\r' | sed -n 's/^process_id://p')
[ -n "$REDIS_PID" ] && [ -r "/proc/$REDIS_PID/stat" ] || die "cannot read the CPU of Redis (process_id '$REDIS_PID' from INFO server): it must run on this machine"
if want enqueue; then
  command -v redis-benchmark >/dev/null || die "redis-benchmark missing (./aero deps installs redis-server, which has it)"
  command -v openssl >/dev/null || die "openssl missing (the enqueue part makes its key material with it)"
  command -v curl >/dev/null || die "curl missing"
  [ "$DB" != "$INSTANCE_REDIS_DB" ] || die "DB=$DB is the latency instance's Redis database; pick another"
fi
if want latency; then
  command -v mariadb >/dev/null || die "mariadb client missing (run ./aero deps)"
  mariadb -h127.0.0.1 -uaero -paero -e 'SELECT 1' >/dev/null 2>&1 || die "no MariaDB on 127.0.0.1:3306 for user aero (run ./aero deps)"
fi

cd "$ROOT_DIR"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$RESULTS_DIR/$STAMP.md"
LOGS="$BENCH_DIR/target/run-$STAMP"
mkdir -p "$RESULTS_DIR" "$LOGS"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

INSTANCE_UP=0 TOOL_PID="" CS_PID="" STANDIN_PID="" FLOOR_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$TOOL_PID"
  stop_pid "$CS_PID"
  stop_pid "$STANDIN_PID"
  stop_pid "$FLOOR_PID"
  if [ "$INSTANCE_UP" = 1 ]; then
    say "stopping the $INSTANCE instance"
    instance down >>"$LOGS/aero-down.log" 2>&1 || say "run.sh: ./aero down failed, see $LOGS/aero-down.log" >&2
    redis-cli -p "$REDIS_PORT" -n "$INSTANCE_REDIS_DB" flushdb >/dev/null 2>&1 || true
  fi
  if want enqueue; then redis-cli -p "$REDIS_PORT" -n "$DB" flushdb >/dev/null 2>&1 || true; fi
  rm -f "$LOGS/command-server.jar"
  [ "$rc" = 0 ] || say "run.sh: stopped with status $rc; logs in $LOGS" >&2
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
# Whether a jar is missing or older than the sources it is built from: $1 = jar, then module dirs.
stale_jar() {
  local jar=$1 m dirs=()
  shift
  [ -f "$jar" ] || return 0
  for m in "$@" common client; do dirs+=("$m/src/main" "$m/pom.xml"); done
  [ -n "$(find "${dirs[@]}" pom.xml -newer "$jar" -type f -print -quit 2>/dev/null)" ]
}
# ./aero up checks that every service's jar is there (it starts only INSTANCE_SERVICES).
any_stale_service_jar() {
  local m
  for m in sp-service verkehr-push command-server devman zephyr-relay xmpp-bridge admin-console; do
    [ -f "$m/pom.xml" ] || continue
    stale_jar "$m/target/$m.jar" "$m" && return 0
  done
  return 1
}
if want latency && { [ "$REBUILD" = 1 ] || { [ "$REBUILD" = auto ] && any_stale_service_jar; }; }; then
  # ./aero up --native --no-build starts each service from its jar.
  build "every jar" -B -o -q -DskipTests package
elif want enqueue && { [ "$REBUILD" = 1 ] || { [ "$REBUILD" = auto ] && stale_jar "$COMMANDS_JAR" command-server; }; }; then
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
  echo "- $("$JAVA" -version 2>&1 | head -n1); Redis $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')"
  echo "- load average at the start of this part: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15).
ticks() {
  local s
  s=$(<"/proc/$1/stat") || die "process $1 is gone"
  s=${s##*) }
  awk '{ print $12 + $13 }' <<<"$s"
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { # $1 = key, $2 = a line of key=value words
  sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"
}

# --- 1. enqueue throughput and CPU per command

# EnqueueBench compiled once for the part (a source launch would compile it for each window).
compile_enqueue_tool() {
  ENQ_CLASSES=$LOGS/enqueue-classes
  mkdir -p "$ENQ_CLASSES"
  "$JDK_HOME/bin/javac" -nowarn -d "$ENQ_CLASSES" -cp "$TOOL_CP" "$BENCH_DIR/EnqueueBench.java" 2>"$LOGS/enqueue-javac.log" \
    || { cat "$LOGS/enqueue-javac.log" >&2; die "EnqueueBench.java did not compile"; }
}
# Always called in a subshell ($(...), <(...) or &): exec makes the JVM that subshell, so that the
# stand-in's $! is the JVM's pid and stopping it stops the JVM (it used to outlive the run).
enqueue_tool() {
  # shellcheck disable=SC2086 # TOOL_JAVA_OPTS is a list of options
  exec "$JAVA" $TOOL_JAVA_OPTS -cp "$ENQ_CLASSES:$TOOL_CP" EnqueueBench "$@"
}

# A CA, and a certificate for localhost (command-server's device listener and the SSMP stand-in).
make_pki() {
  local d=$1
  mkdir -p "$d"
  (
    cd "$d"
    openssl ecparam -name prime256v1 -genkey -noout -out ca.key
    openssl req -x509 -new -key ca.key -subj /CN=bench-commands-ca -days 2 -out ca.pem \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key
    openssl req -new -key server.key -subj /CN=localhost -out server.csr
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out server.pem -extfile server.ext
  ) >"$LOGS/pki.log" 2>&1 || { cat "$LOGS/pki.log" >&2; die "making the key material with openssl failed"; }
}

start_command_server() {
  local http mgmt ssmp floor secret deadline
  read -r http mgmt ssmp floor < <(enqueue_tool ports 4) || die "no free ports"
  [ -n "$floor" ] || die "no free ports"
  CS_URL=http://127.0.0.1:$http CS_MANAGEMENT=http://127.0.0.1:$mgmt
  secret=$(openssl rand -hex 24)
  (umask 077 && printf 'AERO_DEPLOYMENT_SECRET=%s\n' "$secret" >"$LOGS/secret.env")
  make_pki "$LOGS/pki"
  enqueue_tool verkehr --port "$ssmp" --cert "$LOGS/pki/server.pem" --key "$LOGS/pki/server.key" >"$LOGS/ssmp-stand-in.log" 2>&1 &
  STANDIN_PID=$!
  # e. The HTTP floor: a plain HTTP/1.1 server that answers every request at once (EnqueueBench noop).
  enqueue_tool noop --port "$floor" >"$LOGS/http-floor.log" 2>&1 &
  FLOOR_PID=$! FLOOR_URL=http://127.0.0.1:$floor
  cp "$COMMANDS_JAR" "$LOGS/command-server.jar"
  # The secret goes by the environment, never on a command line.
  # shellcheck disable=SC2086 # COMMANDS_JAVA_OPTS is a list of options
  AERO_DEPLOYMENT_SECRET=$secret "$JAVA" $COMMANDS_JAVA_OPTS -jar "$LOGS/command-server.jar" \
    --server.port="$http" --server.address=127.0.0.1 --management.server.port="$mgmt" \
    --spring.data.redis.host=127.0.0.1 --spring.data.redis.port="$REDIS_PORT" --spring.data.redis.database="$DB" \
    --aero.commands.verkehr-ssmp="localhost:$ssmp" --aero.commands.verkehr-url=http://127.0.0.1:9 \
    --aero.commands.events-stream=bench-commands:events --aero.commands.sp-url=http://127.0.0.1:9 \
    --aero.commands.device-tls.host=127.0.0.1 --aero.commands.device-tls.port=0 \
    --aero.commands.device-tls.certificate-file="$LOGS/pki/server.pem" --aero.commands.device-tls.private-key-file="$LOGS/pki/server.key" \
    --aero.commands.device-tls.ca-certificate-file="$LOGS/pki/ca.pem" >"$LOGS/command-server.log" 2>&1 &
  CS_PID=$!
  deadline=$((SECONDS + 180))
  until curl -fsS --max-time 2 "$CS_MANAGEMENT/actuator/health" 2>/dev/null | grep -q '"status":"UP"' \
    && grep -q 'pushing commands over SSMP' "$LOGS/command-server.log"; do
    kill -0 "$CS_PID" 2>/dev/null || { tail -n 40 "$LOGS/command-server.log" >&2; die "command-server exited during its start (log: $LOGS/command-server.log)"; }
    kill -0 "$STANDIN_PID" 2>/dev/null || { cat "$LOGS/ssmp-stand-in.log" >&2; die "the SSMP stand-in exited (log: $LOGS/ssmp-stand-in.log)"; }
    kill -0 "$FLOOR_PID" 2>/dev/null || { cat "$LOGS/http-floor.log" >&2; die "the HTTP floor server exited (log: $LOGS/http-floor.log)"; }
    [ "$SECONDS" -lt "$deadline" ] || { tail -n 40 "$LOGS/command-server.log" >&2; die "command-server not healthy and pushing over SSMP within 180 s (log: $LOGS/command-server.log)"; }
    sleep 1
  done
  CS_FLAGS=$("$JDK_HOME/bin/jcmd" "$CS_PID" VM.flags 2>/dev/null | sed -n '2p' || true)
}

# One REST window: $1 = label, $2 = batch size (0: single), $3 = clients, $4 = seconds, $5 = unmeasured
# seconds first, $6 = true for an unmeasured priming run (the figures are not checked).
rest_window() {
  local line prime=${6:-false}
  line=$(enqueue_tool rest --url "$CS_URL" --management "$CS_MANAGEMENT" --secret-file "$LOGS/secret.env" \
    --threads "$3" --seconds "$4" --warmup "$5" --devices "$DEVICES" --batch "$2" --prime "$prime" \
    --pids "commands=$CS_PID,redis=$REDIS_PID" --clock-ticks "$CLK_TCK" 2>>"$LOGS/enqueue.log") \
    || { tail -n 20 "$LOGS/enqueue.log" >&2; die "$1: EnqueueBench rest failed (log: $LOGS/enqueue.log; command-server's: $LOGS/command-server.log)"; }
  echo "$1 $line" >>"$LOGS/enqueue.log"
  [ "$prime" = false ] || return 0
  # Every command must have been pushed over SSMP: single, one push each; batch, one per device of each request.
  [ "$(field pushes_failed "$line")" = 0 ] && [ "$(field pushes_http "$line")" = 0 ] && [ "$(field pushes_ssmp "$line")" -gt 0 ] \
    || die "$1: command-server's pushes did not all go over SSMP ($line); its log: $LOGS/command-server.log"
  echo "$line"
}

# The HTTP floor's window: the single enqueues' client, threads and window against the no-op server.
# $1 = seconds, $2 = true for an unmeasured priming run. Prints the rest line.
floor_window() {
  local line
  line=$(enqueue_tool rest --url "$FLOOR_URL" --secret-file "$LOGS/secret.env" --threads "$THREADS" --seconds "$1" --warmup 2 \
    --devices "$DEVICES" --batch 0 --prime "${2:-false}" --pids "floor=$FLOOR_PID" --clock-ticks "$CLK_TCK" 2>>"$LOGS/enqueue.log") \
    || { tail -n 20 "$LOGS/enqueue.log" >&2; die "the HTTP floor: EnqueueBench rest failed (log: $LOGS/enqueue.log)"; }
  echo "floor $line" >>"$LOGS/enqueue.log"
  echo "$line"
}

enqueue_part() {
  local r raw_line raw="" rb ra script single batch floor n
  say "enqueue: starting command-server and the SSMP stand-in (logs in $LOGS)"
  redis-cli -p "$REDIS_PORT" -n "$DB" flushdb >/dev/null
  compile_enqueue_tool
  start_command_server
  ENQ_MACHINE=$(machine)
  say "enqueue: priming command-server, $ENQUEUE_PRIME s of single and of batch enqueues (not measured)"
  rest_window prime-single 0 "$THREADS" "$ENQUEUE_PRIME" 0 true
  rest_window prime-batch "$BATCH" "$BATCH_THREADS" "$ENQUEUE_PRIME" 0 true
  floor_window "$ENQUEUE_PRIME" true >/dev/null
  : >"$LOGS/rounds.txt"
  for r in $(seq 1 "$ROUNDS"); do
    say "enqueue: round $r of $ROUNDS: raw ZADD, the script alone, single REST, batch REST, the HTTP floor ($ENQ_DURATION s each)"
    # a. raw ZADD: about ENQ_DURATION s of requests at the last round's rate (30,000/s in the first).
    n=$((ENQ_DURATION * ${raw:-30000}))
    rb=$(ticks "$REDIS_PID")
    raw_line=$(redis-benchmark -p "$REDIS_PORT" --dbnum "$DB" -t zadd -n "$n" -c "$THREADS" -r 100000 -q 2>"$LOGS/redis-benchmark.err" \
      | tr '\r' '\n' | sed -n 's/^ZADD: \([0-9.]*\) requests per second.*/\1/p' | tail -n1)
    ra=$(ticks "$REDIS_PID")
    [ -n "$raw_line" ] || { cat "$LOGS/redis-benchmark.err" >&2; die "redis-benchmark gave no ZADD figure"; }
    raw=$(awk -v x="$raw_line" 'BEGIN { printf "%.0f", x }')
    local raw_redis_us
    raw_redis_us=$(awk -v t=$((ra - rb)) -v hz="$CLK_TCK" -v n="$n" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }')
    # b. the script alone
    rb=$(ticks "$REDIS_PID")
    script=$(enqueue_tool script "$REDIS_PORT" "$DB" "$THREADS" "$ENQ_DURATION" "$DEVICES" 2>>"$LOGS/enqueue.log") \
      || { tail -n 20 "$LOGS/enqueue.log" >&2; die "EnqueueBench script failed (log: $LOGS/enqueue.log)"; }
    ra=$(ticks "$REDIS_PID")
    local script_rate script_redis_us
    script_rate=$(field rate "$script")
    [ -n "$script_rate" ] || die "EnqueueBench script gave no rate ($script)"
    # Redis's CPU over the script window includes the 2,000 warm-up enqueues: a small overcount.
    script_redis_us=$(awk -v t=$((ra - rb)) -v hz="$CLK_TCK" -v n="$(field enqueues "$script")" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }')
    # c. and d. through command-server
    single=$(rest_window "round $r single" 0 "$THREADS" "$ENQ_DURATION" 2)
    batch=$(rest_window "round $r batch" "$BATCH" "$BATCH_THREADS" "$ENQ_DURATION" 2)
    floor=$(floor_window "$ENQ_DURATION")
    printf '%s raw=%s raw_redis_us=%s floor=%s script=%s script_redis_us=%s single=%s single_cs_ms=%s single_redis_us=%s batch=%s batch_cs_ms=%s batch_redis_us=%s\n' \
      "$r" "$raw" "$raw_redis_us" "$(field rate "$floor")" "$script_rate" "$script_redis_us" \
      "$(field rate "$single")" "$(field cpu_ms_commands "$single")" "$(awk -v x="$(field cpu_ms_redis "$single")" 'BEGIN { printf "%.2f", x * 1000 }')" \
      "$(field rate "$batch")" "$(field cpu_ms_commands "$batch")" "$(awk -v x="$(field cpu_ms_redis "$batch")" 'BEGIN { printf "%.2f", x * 1000 }')" \
      | tee -a "$LOGS/rounds.txt"
  done
  stop_pid "$CS_PID"
  CS_PID=""
  stop_pid "$STANDIN_PID"
  STANDIN_PID=""
  stop_pid "$FLOOR_PID"
  FLOOR_PID=""
  local cs_errors
  cs_errors=$(grep -cE '^[0-9TZ:. -]+ *(ERROR|WARN)' "$LOGS/command-server.log" || true)

  col() { awk -v k="$1" '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$LOGS/rounds.txt"; }
  ratio() { awk -v k="$1" -v d="${2:-raw}" '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } printf "%.3f\n", v[k] / v[d] }' "$LOGS/rounds.txt"; }
  per_round() { col "$1" | paste -sd' ' - | sed 's/ /, /g'; }
  M_RAW=$(col raw | median) M_SCRIPT=$(col script | median) M_SINGLE=$(col single | median) M_BATCH=$(col batch | median)
  R_SCRIPT=$(ratio script | median) R_SINGLE=$(ratio single | median) R_BATCH=$(ratio batch | median)
  M_FLOOR=$(col floor | median) R_FLOOR=$(ratio floor | median) R_SINGLE_FLOOR=$(ratio single floor | median)
  CS_SINGLE=$(col single_cs_ms | median) CS_BATCH=$(col batch_cs_ms | median)
  ENQ_SECTION=$(
    echo "## Enqueue throughput and CPU per command"
    echo
    echo "$ENQ_MACHINE"
    echo "- command-server: a copy of \`command-server/target/command-server.jar\`, JVM \`$COMMANDS_JAVA_OPTS\` (effective: \`${CS_FLAGS:-?}\`), Redis database $DB, pushing every command over SSMP/TLS to a stand-in for verkehr (EnqueueBench verkehr); WARN/ERROR lines in its log: $cs_errors"
    echo "- $ROUNDS round(s) of: raw ZADD (redis-benchmark, $THREADS clients), the enqueue script alone ($THREADS threads), single REST enqueues ($THREADS keep-alive clients), batch REST enqueues ($BATCH entries, $BATCH_THREADS clients); $ENQ_DURATION s each (REST: after 2 s unmeasured); $DEVICES devices, UPLOAD_LOGS commands cycling over 50 per device; $ENQUEUE_PRIME s of each REST kind first, unmeasured"
    echo "- CPU per command: the process's utime + stime (/proc) over the window, divided by the commands in it"
    echo
    echo "| figure | commands/s, median (per round) | ratio to raw ZADD, median of per-round ratios | command-server CPU per command, ms (per round) | Redis CPU per command, µs, median |"
    echo "|---|---|---|---|---|"
    echo "| a. raw Redis ZADD | $M_RAW ($(per_round raw)) | 1 | — | $(col raw_redis_us | median) |"
    echo "| b. enqueue script alone (INCR, 2 × HSETNX, ZADD, ZCARD) | $M_SCRIPT ($(per_round script)) | $R_SCRIPT | — | $(col script_redis_us | median) |"
    echo "| c. single REST enqueue, \`POST /v1/devices/{did}/commands\` | $M_SINGLE ($(per_round single)) | **$R_SINGLE** | **$CS_SINGLE** ($(per_round single_cs_ms)) | $(col single_redis_us | median) |"
    echo "| d. batch REST enqueue, \`POST /v1/queues/batch\` × $BATCH | $M_BATCH ($(per_round batch)) | **$R_BATCH** | **$CS_BATCH** ($(per_round batch_cs_ms)) | $(col batch_redis_us | median) |"
    echo "| e. the HTTP floor: the single enqueues' client against a plain HTTP/1.1 server that answers at once (EnqueueBench noop) | $M_FLOOR ($(per_round floor)) | $R_FLOOR | — | — |"
    echo
    echo "Single REST enqueues reach **$R_SINGLE_FLOOR** of the HTTP floor (median of per-round ratios): the floor is what any HTTP/1.1 service could answer this client on this machine, so single enqueues can reach at most $R_FLOOR of raw ZADD here."
  )
}

# --- 2. enqueue-to-device latency

phase_row() { # $1 = label, $2 = phase line
  local l=$2
  printf '| %s | %s | %s | %s | %s / %s / %s | %s / %s | %s / %s | %s / %s / %s / %s / %s | %s | %s / %s |\n' "$1" \
    "$(field sent "$l")" "$(field received "$l")" "$(field lost "$l")" \
    "$(field p50_ms "$l")" "$(field p99_ms "$l")" "$(field max_ms "$l")" \
    "$(field http_p50_ms "$l")" "$(field http_p99_ms "$l")" \
    "$(field pushes_ok "$l")" "$(field pushes_failed "$l")" \
    "$(field cpu_verkehr "$l")" "$(field cpu_commands "$l")" "$(field cpu_redis "$l")" "$(field cpu_bench "$l")" "$(field cpu_other "$l")" \
    "$(cs_ms_per_command "$l")" \
    "$(field quiet "$l")" "$(field disturbed "$l")"
}
# command-server's CPU per message of a phase, ms: its cores over the window × the window / messages sent.
cs_ms_per_command() {
  awk -v c="$(field cpu_commands "$1")" -v d="$LAT_DURATION" -v n="$(field sent "$1")" 'BEGIN { if (n > 0 && c != "") printf "%.3f", c * d * 1000 / n; else print "n/a" }'
}

latency_part() {
  local pids rc=0 summary d1 c d2 log warn_lines
  say "latency: preparing a fresh '$INSTANCE' instance (SP database $INSTANCE_SQL_DB, Redis database $INSTANCE_REDIS_DB, ports +$PORT_OFFSET)"
  mariadb -h127.0.0.1 -uaero -paero -e "DROP DATABASE IF EXISTS $INSTANCE_SQL_DB"
  rm -rf "$INSTANCE_DIR"
  redis-cli -p "$REDIS_PORT" -n "$INSTANCE_REDIS_DB" flushdb >/dev/null
  INSTANCE_UP=1
  say "latency: starting $INSTANCE_SERVICES (./aero up --native --no-build; log $LOGS/aero-up.log)"
  if ! instance up --native --no-build >"$LOGS/aero-up.log" 2>&1; then
    tail -n 30 "$LOGS/aero-up.log" >&2
    die "the $INSTANCE instance did not start (log: $LOGS/aero-up.log)"
  fi
  local setup_token
  setup_token=$(instance setup-token) || die "no setup token from the fresh $INSTANCE instance"
  pids="verkehr=$(cat "$INSTANCE_DIR/run/verkehr-push.pid"),commands=$(cat "$INSTANCE_DIR/run/command-server.pid"),redis=$REDIS_PID"
  LAT_MACHINE=$(machine)
  say "latency: LatencyBench, $RATE/s over $LATENCY_DEVICES devices, $((6 * PRIME)) s priming, 3 phases of $WARMUP + $LAT_DURATION s (log $LOGS/latency.log)"
  # shellcheck disable=SC2086 # TOOL_JAVA_OPTS is a list of options
  timeout -k 10 "$LATENCY_TIMEOUT" "$JAVA" $TOOL_JAVA_OPTS -cp "$TOOL_CP" "$BENCH_DIR/LatencyBench.java" \
    --sp "http://127.0.0.1:$SP_PORT" --commands "http://127.0.0.1:$COMMANDS_PORT" \
    --commands-management "http://127.0.0.1:$((9022 + PORT_OFFSET))" \
    --verkehr-http "http://127.0.0.1:$VERKEHR_HTTP_PORT" --ssmp-host localhost --ssmp-port "$SSMP_PORT" \
    --secret-file "$INSTANCE_DIR/secret.env" --setup-token "$setup_token" --devices "$LATENCY_DEVICES" --rate "$RATE" \
    --duration "$LAT_DURATION" --warmup "$WARMUP" --lost-after "$LOST_AFTER" --prime "$PRIME" --quiet-wait "$QUIET_WAIT" --senders "$SENDERS" \
    --pids "$pids" --clock-ticks "$CLK_TCK" >"$LOGS/latency.out" 2>"$LOGS/latency.log" &
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
  LAT_CS_MS=$(cs_ms_per_command "$c")
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
    echo "- platform: \`./aero up --native\` instance \`$INSTANCE\` ($INSTANCE_SERVICES; JVM options \`${AERO_JAVA_OPTS:--Xss512k -XX:+UseSerialGC -Xmx256m}\`), fresh SP database and CA; dev Redis database $INSTANCE_REDIS_DB"
    echo "- LatencyBench (\`$TOOL_JAVA_OPTS\`): $LATENCY_DEVICES devices on verkehr over TLS (\`LOGIN <did> cert\`, \`cmd/<did>\`); $RATE/s in all, round-robin, open loop on $SENDERS sender threads with keep-alive connections, latency from each message's due time to its receipt; first each path unmeasured for $PRIME s at each of $((RATE / 4)), $((RATE / 2)) and $RATE/s, then per phase $LAT_DURATION s measured after $WARMUP s warm-up; lost = not received within $LOST_AFTER s"
    echo "- commands: \`POST /v1/devices/{did}/commands {\"type\":\"REFRESH_CRL\"}\` to command-server (one queued command per device, moved to the tail under a new epoch and pushed each time), matched by (device, epoch); direct: the same payload (base64 \`Command\`) \`POST /v1/publish\` to verkehr on \`cmd/<did>\`"
    echo "- service log lines ERROR/WARN: ${warn_lines%, } (\`$LOGS/service-warnings.log\`)"
    echo
    echo "| phase | sent | received | lost | latency p50 / p99 / max, ms | HTTP answer p50 / p99, ms | command-server pushes ok / failed | CPU cores: verkehr / command-server / Redis / LatencyBench / other | command-server CPU per message, ms | quiet before / disturbed |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    phase_row "direct-1: verkehr publish" "$d1"
    phase_row "commands-1: command-server enqueue" "$c"
    phase_row "direct-2: verkehr publish" "$d2"
    echo
    echo "| figure | result |"
    echo "|---|---|"
    echo "| command-server enqueue → device receipt, p50 / p99 / max | **$(field commands_p50_ms "$summary") / $(field commands_p99_ms "$summary")** / $(field commands_max_ms "$summary") ms |"
    echo "| direct verkehr publish → device receipt (physical limit, mean of the two phases), p50 / p99 | $(field direct_p50_ms "$summary") / $(field direct_p99_ms "$summary") ms |"
    echo "| added by command-server (HTTP, Redis script, its own publish), p50 / p99 | **+$(field added_p50_ms "$summary") / +$(field added_p99_ms "$summary")** ms |"
    echo "| command-server CPU per enqueued and pushed command | **$LAT_CS_MS ms** ($(field cpu_commands "$c") cores at $RATE/s) |"
    echo "| lost: commands / direct | $(field commands_lost "$summary") of $(field commands_sent "$summary") / $(field direct_lost "$summary") of $(field direct_sent "$summary") |"
    echo "| failed requests: commands / direct; device disconnects | $(field commands_errors "$summary") / $(field direct_errors "$summary"); $(field disconnects "$summary") |"
  )
}

say "command-server benchmark $STAMP$([ "$QUICK" = 1 ] && echo " (QUICK: smoke sizes, figures not comparable)"): parts ${PARTS[*]:-enqueue latency}"
ENQ_SECTION="" LAT_SECTION="" LAT_CS_MS="" R_SINGLE="" R_BATCH=""
if want enqueue; then enqueue_part; fi
if want latency; then latency_part; fi
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# The targets: a row each for the figures this run measured.
RC=0
TARGETS=""
target() { # $1 = figure, $2 = value, $3 = comparison (le/ge), $4 = bound
  local ok
  ok=$(awk -v v="$2" -v b="$4" -v op="$3" 'BEGIN { if (v == "" || v == "n/a") print "n/a"; else if ((op == "le" && v + 0 <= b + 0) || (op == "ge" && v + 0 >= b + 0)) print "met"; else print "**not met**" }')
  TARGETS+="| $1 | $2 | $([ "$3" = le ] && echo "≤" || echo "≥") $4 | $([ "$QUICK" = 1 ] && echo "not judged (QUICK)" || echo "$ok") |"$'\n'
  if [ "$QUICK" != 1 ] && [ "$ok" != met ]; then RC=1; fi
}
if [ -n "$LAT_CS_MS" ]; then target "command-server CPU per enqueued and pushed command at $RATE/s, ms" "$LAT_CS_MS" le 0.2; fi
if [ -n "$R_SINGLE" ]; then target "single REST enqueues / raw ZADD (the HTTP floor itself: $R_FLOOR)" "$R_SINGLE" ge 0.5; fi
if [ -n "$R_BATCH" ]; then target "batch REST enqueues ($BATCH per request) / raw ZADD" "$R_BATCH" ge 0.8; fi
if [ "$QUICK" = 1 ]; then
  VERDICT="QUICK=1 smoke run: every part ran; the figures are not comparable and the targets are not judged"
elif [ "$RC" = 0 ]; then
  VERDICT="ok: every target met"
else
  VERDICT="**a target was not met** (see below)"
fi

{
  results_header "command-server benchmark, $STAMP" "$VERDICT" "$LOAD_START" "$LOAD_END"
  printf -- '- command: `%s`; logs `%s`\n\n' "$REPRODUCE" "${LOGS#"$ROOT_DIR"/}"
  if [ "$QUICK" = 1 ]; then printf '**QUICK=1 smoke run: reduced sizes, the figures are not comparable with the targets.**\n\n'; fi
  printf '## Targets\n\n| figure | this run | target | verdict |\n|---|---|---|---|\n%s\n' "$TARGETS"
  if [ -n "$ENQ_SECTION" ]; then echo "$ENQ_SECTION"; echo; fi
  if [ -n "$LAT_SECTION" ]; then echo "$LAT_SECTION"; echo; fi
} >"$OUT"
cat "$OUT"
say "result: $VERDICT"
say "results: $OUT"
exit "$RC"

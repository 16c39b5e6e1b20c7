#!/usr/bin/env bash
# bench/commands: enqueue throughput of command-server's queue operation against raw Redis
# ZADD throughput (redis-benchmark), in the same run, on the dev Redis (./aero deps), in a
# Redis database of its own (DB, default 15) that it flushes before and after.
#
#   bench/commands/run.sh            THREADS [8] DURATION [10] DEVICES [1000] DB [15]
#
# Results: bench/commands/results/<timestamp>.md. Not yet measured here: the enqueue-to-device
# latency through verkehr (the issue's second figure).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT_DIR=$(cd "$BENCH_DIR/../.." && pwd -P)
# shellcheck disable=SC2034 # read by ../lib/find-jdk.sh
MIN_JAVA=21
# shellcheck source=/dev/null
. "$BENCH_DIR/../lib/runner.sh"
# shellcheck source=/dev/null
. "$BENCH_DIR/../lib/find-jdk.sh"
use_jdk

THREADS=${THREADS:-8} DURATION=${DURATION:-10} DEVICES=${DEVICES:-1000} DB=${DB:-15}
REDIS_PORT=${AERO_REDIS_PORT:-6379}
command -v redis-benchmark >/dev/null || die "redis-benchmark missing (./aero deps installs redis-server, which has it)"
redis-cli -p "$REDIS_PORT" ping >/dev/null || die "no Redis on 127.0.0.1:$REDIS_PORT (run ./aero deps)"

cd "$ROOT_DIR"
./mvnw -o -q -pl command-server -am install -DskipTests >/dev/null
CP="command-server/target/classes:common/target/classes:$(./mvnw -o -q -pl command-server dependency:build-classpath -Dmdep.outputFile=/dev/stdout)"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$BENCH_DIR/results/$STAMP.md"
mkdir -p "$BENCH_DIR/results"
trap 'redis-cli -p "$REDIS_PORT" -n "$DB" flushdb >/dev/null 2>&1 || true' EXIT
redis-cli -p "$REDIS_PORT" -n "$DB" flushdb >/dev/null

raw() { # ZADD throughput with as many clients as enqueue threads, no pipelining (as the service)
  redis-benchmark -p "$REDIS_PORT" --dbnum "$DB" -t zadd -n 400000 -c "$THREADS" -r 100000 -q 2>/dev/null \
    | tr '\r' '\n' | sed -n 's/^ZADD: \([0-9.]*\) requests per second.*/\1/p' | tail -n1
}
sleep 3 # let the build's JVMs exit and the machine settle
RAW_BEFORE=$(raw)
ENQ=$("$JAVA" -cp "$CP" "$BENCH_DIR/EnqueueBench.java" "$REDIS_PORT" "$DB" "$THREADS" "$DURATION" "$DEVICES" 2>/dev/null \
  | sed -n 's/.*rate=\([0-9]*\).*/\1/p')
RAW_AFTER=$(raw)
RAW=$(awk -v a="$RAW_BEFORE" -v b="$RAW_AFTER" 'BEGIN { printf "%.0f", (a + b) / 2 }')
RATIO=$(awk -v e="$ENQ" -v r="$RAW" 'BEGIN { printf "%.2f", e / r }')
{
  echo "# command-server enqueue benchmark, $STAMP"
  echo
  echo "- repository $(git rev-parse --short HEAD); $(nproc) CPUs; $("$JAVA" -version 2>&1 | head -n1); $(redis-server --version | cut -d' ' -f3)"
  echo "- $THREADS threads, $DURATION s, $DEVICES devices, distinct UPLOAD_LOGS commands"
  echo
  echo "| figure | result |"
  echo "|---|---|"
  echo "| raw Redis ZADD (redis-benchmark, $THREADS clients), mean of before and after | $RAW/s ($RAW_BEFORE, $RAW_AFTER) |"
  echo "| enqueue (Lua script: INCR, 2 × HSETNX, ZADD) | $ENQ/s |"
  echo "| ratio | $RATIO |"
  echo
  echo "reproduce: \`bench/commands/run.sh\`"
} | tee "$OUT"

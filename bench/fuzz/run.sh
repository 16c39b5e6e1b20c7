#!/usr/bin/env bash
# Fuzzing with Jazzer (docs/security.md, section "Fuzzing"): every fuzz target, one after the other.
#
#   bench/fuzz/run.sh [filter ...]     a filter is part of a module or of Class#method (default: all)
#
# Finds the targets by grepping */src/test/java for @FuzzTest and fuzzes each for
# SECONDS_PER_TARGET (JAZZER_FUZZ=1 ./mvnw -o verify -pl <module> -am -Dtest=<Class>#<method>; -am
# builds common and client from this tree rather than taking whatever ~/.m2 holds). The
# annotation's maxDuration cannot be overridden, and -Djazzer.max_duration is not read; what does
# work is handing libFuzzer its own -max_total_time through jazzer-junit's configuration
# parameters jazzer.internal.arg.N (arg.0 is argv[0]), which come after the annotation's on
# libFuzzer's command line, so the last one wins. JUnit's timeout (the root pom's 5 minutes by
# default) covers the whole fuzzing invocation, so the run sets the more specific
# junit.jupiter.execution.timeout.testtemplate.method.default past SECONDS_PER_TARGET.
#
# Each target's committed inputs run first (as in the test suite), then it is fuzzed; its corpus
# grows in <module>/.cifuzz-corpus (gitignored), and a finding is written by Jazzer as crash-* into
# the target's inputs directory under src/test/resources, where the test suite then replays it
# (and fails until it is fixed). Results: bench/fuzz/results/fuzz-<UTC timestamp>.md, per target
# the executions, the corpus and any findings (copied next to the results file, into
# fuzz-<timestamp>-findings/), and the commit. Logs: target/fuzz/<timestamp>/.
#
# Environment:
#   SECONDS_PER_TARGET [300]  how long each target is fuzzed
#   TARGET_TIMEOUT [SECONDS_PER_TARGET + 900]  seconds before one target's Maven run is stopped
#   RESULTS_DIR [bench/fuzz/results]
#   QUICK=1                   smoke run: only the first target, for 5 s unless SECONDS_PER_TARGET says
#   AERO_TEST_*               the test services for targets that need them (sp-service's); when
#                             unset, taken from ./aero test-env, which starts them
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT_DIR=$(cd "$BENCH_DIR/../.." && pwd -P)
# shellcheck disable=SC2034 # read by ../lib/find-jdk.sh
MIN_JAVA=21
QUICK=${QUICK:-0}
[ "$QUICK" = 1 ] && SECONDS_PER_TARGET=${SECONDS_PER_TARGET:-5}
SECONDS_PER_TARGET=${SECONDS_PER_TARGET:-300}
TARGET_TIMEOUT=${TARGET_TIMEOUT:-$((SECONDS_PER_TARGET + 900))}
RESULTS_DIR=${RESULTS_DIR:-$BENCH_DIR/results}

# shellcheck source=/dev/null
. "$BENCH_DIR/../lib/runner.sh"
# shellcheck source=/dev/null
. "$BENCH_DIR/../lib/find-jdk.sh"

for a in "$@"; do
  case $a in -h|--help|help) usage; exit 0 ;; esac
done
case $SECONDS_PER_TARGET in ''|*[!0-9]*|0) die "SECONDS_PER_TARGET must be a positive number of seconds" ;; esac
use_jdk
cd "$ROOT_DIR"

# ---------------------------------------------------------------------------------------------
# the targets: module|Class|package|method|file
# ---------------------------------------------------------------------------------------------
TARGETS=()
while IFS= read -r file; do
  module=${file%%/src/test/java/*}
  class=$(basename "$file" .java)
  package=$(sed -n 's/^package \([a-zA-Z0-9_.]*\);.*/\1/p' "$file" | head -n1)
  # The method declared after each @FuzzTest.
  for method in $(awk '/@FuzzTest/ { want = 1; next }
      want && match($0, /void [A-Za-z0-9_]+\(/) { print substr($0, RSTART + 5, RLENGTH - 6); want = 0 }' "$file"); do
    target="$module|$class|$package|$method|$file"
    if [ $# -eq 0 ]; then
      TARGETS+=("$target")
    else
      for f in "$@"; do
        case "$module $class#$method" in *"$f"*) TARGETS+=("$target"); break ;; esac
      done
    fi
  done
done < <(grep -rl --include='*.java' '@FuzzTest' -- */src/test/java | sort)
[ ${#TARGETS[@]} -gt 0 ] || die "no @FuzzTest target matches: $*"
# A smoke run fuzzes only the first target (of those the filters chose).
[ "$QUICK" = 1 ] && TARGETS=("${TARGETS[0]}")

# Services, for the targets whose tests start an application against MariaDB and Redis.
if [ -z "${AERO_TEST_MYSQL_URL:-}" ]; then
  for t in "${TARGETS[@]}"; do
    if grep -qE '@SpServiceTest|@RealServices' "${t##*|}"; then
      say "starting the test services (./aero test-env)"
      eval "$(./aero test-env)"
      break
    fi
  done
fi

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
LOGS=$ROOT_DIR/target/fuzz/$STAMP
RESULTS=$RESULTS_DIR/fuzz-$STAMP.md
FINDINGS_DIR=$RESULTS_DIR/fuzz-$STAMP-findings
mkdir -p "$LOGS" "$RESULTS_DIR"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

ROWS=()
FAILED=0
FOUND=0
for t in "${TARGETS[@]}"; do
  IFS='|' read -r module class package method _ <<<"$t"
  name="$class#$method"
  inputs="$module/src/test/resources/${package//.//}/${class}Inputs/$method"
  corpus="$module/.cifuzz-corpus/$package.$class/$method"
  log="$LOGS/$class-$method.log"
  before=$(ls "$inputs" 2>/dev/null | grep '^crash-' || true)
  say "fuzzing $name ($module) for ${SECONDS_PER_TARGET}s"
  rc=0
  JAZZER_FUZZ=1 timeout --kill-after=30 "$TARGET_TIMEOUT" ./mvnw -B -o verify -pl "$module" -am -DskipITs \
    -Dtest="$name" -Dsurefire.failIfNoSpecifiedTests=false \
    -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_total_time="$SECONDS_PER_TARGET" \
    -Djazzer.internal.arg.2=-print_final_stats=1 \
    -Djunit.jupiter.execution.timeout.testtemplate.method.default="$((SECONDS_PER_TARGET + 600))s" \
    >"$log" 2>&1 || rc=$?

  # libFuzzer's final statistics, else its last status line.
  runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
  last=$(grep -E '^#[0-9]+[[:space:]]' "$log" | tail -n1 || true)
  [ -n "$runs" ] || runs=$(sed -E -n 's/^#([0-9]+)[[:space:]].*/\1/p' <<<"$last")
  rate=$(sed -E -n 's/.*exec\/s: ([0-9]+).*/\1/p' <<<"$last")
  corp=$(sed -E -n 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$last")
  files=$(find "$corpus" -type f 2>/dev/null | wc -l)
  after=$(ls "$inputs" 2>/dev/null | grep '^crash-' || true)
  new=$(comm -13 <(printf '%s\n' "$before" | sort) <(printf '%s\n' "$after" | sort) | grep . || true)
  findings="none"
  if [ -n "$new" ]; then
    FOUND=1
    mkdir -p "$FINDINGS_DIR/$class-$method"
    findings=""
    for f in $new; do
      cp "$inputs/$f" "$FINDINGS_DIR/$class-$method/"
      findings+="\`$f\` "
    done
    findings+="(in \`$inputs\`; copied to \`$(basename "$FINDINGS_DIR")/$class-$method/\`)"
    exception=$(grep -m1 -E '^== Java Exception:' "$log" | sed 's/^== Java Exception: //' | cut -c1-200 || true)
    [ -z "$exception" ] || findings+=": $exception"
  fi
  if [ "$rc" -eq 0 ]; then
    result="no finding"
  elif [ -n "$new" ]; then
    result="**finding**"
  elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    result="**FAILED**: stopped after ${TARGET_TIMEOUT}s"
    FAILED=1
  else
    result="**FAILED** (exit $rc)"
    FAILED=1
  fi
  [ -n "$runs" ] || runs="?"
  say "  $result; $runs runs; findings: $findings"
  ROWS+=("| \`$name\` | $module | $result | $runs | ${rate:-?} | ${corp:-?} / $files | $findings | \`${log#"$ROOT_DIR"/}\` |")
done

if [ "$FAILED" -ne 0 ]; then
  VERDICT="**a target's run failed** (see its log)"
elif [ "$FOUND" -ne 0 ]; then
  VERDICT="**findings** (below)"
else
  VERDICT="ok: no finding"
fi
{
  results_header "Fuzzing: ${SECONDS_PER_TARGET} s per target" "$VERDICT" "$LOAD_START" "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf -- '- commit (full): %s\n' "$(git rev-parse HEAD 2>/dev/null || echo '?')"
  printf -- '- Jazzer: %s (jazzer-junit), libFuzzer -max_total_time=%s; targets run one after the other\n\n' \
    "$(sed -n 's/.*<jazzer.version>\(.*\)<\/jazzer.version>.*/\1/p' pom.xml)" "$SECONDS_PER_TARGET"
  printf '| target | module | result | executions | exec/s (last) | corpus (libFuzzer entries/bytes / files in .cifuzz-corpus) | findings | log |\n'
  printf '|---|---|---|---|---|---|---|---|\n'
  printf '%s\n' "${ROWS[@]}"
  printf '\nExecutions are libFuzzer'"'"'s (`stat::number_of_executed_units`, else its last `#N` line), the committed inputs excluded.\n'
} >"$RESULTS"
say "results: ${RESULTS#"$ROOT_DIR"/}"
[ "$FAILED" -eq 0 ] && [ "$FOUND" -eq 0 ]

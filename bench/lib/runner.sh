# Sourced by the bench runners: messages, and --help from the runner's own header comment.
# shellcheck shell=bash

say() { printf '%s\n' "$*"; }
die() { printf 'run.sh: error: %s\n' "$*" >&2; exit 2; }
# The runner's header: its lines 2 up to `set -euo`, without the comment marks.
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[-1]}" | sed '$d' | sed 's/^# \{0,1\}//'; }

# Waits for the load tool started in the background ($TOOL_PID) for at most $RUN_TIMEOUT seconds,
# stopping it then (stop_pid, ../lib/processes.sh); sets RC: the tool's exit code, 124 on timeout.
wait_tool() {
  local waited=0
  RC=0
  while kill -0 "$TOOL_PID" 2>/dev/null && [ "$waited" -lt "$((RUN_TIMEOUT * 5))" ]; do
    sleep 0.2
    waited=$((waited + 1))
  done
  if kill -0 "$TOOL_PID" 2>/dev/null; then
    stop_pid "$TOOL_PID"
    RC=124
  else
    wait "$TOOL_PID" || RC=$?
  fi
  TOOL_PID=""
}

# The run's verdict from the tool's exit code: 0 every target met, 1 one was not, 124 timed out.
verdict() {
  case $1 in
    0) echo "ok: every target met" ;;
    1) echo "**a target was not met** (see below)" ;;
    124) echo "**FAILED**: timed out after ${RUN_TIMEOUT}s" ;;
    *) echo "**FAILED**: the load tool broke (exit $1; see tool.err)" ;;
  esac
}

# The first lines of a results file: $1 title, $2 verdict, $3 and $4 the load average at the start
# and at the end. The commit is marked when tracked files have uncommitted changes.
results_header() {
  local rev dirty
  rev=$(git -C "$ROOT_DIR" rev-parse --short HEAD 2>/dev/null || echo "?")
  dirty=$(git -C "$ROOT_DIR" status --porcelain --untracked-files=no 2>/dev/null | head -c1)
  printf '# %s\n\n' "$1"
  printf -- '- result: %s\n' "$2"
  printf -- '- commit %s%s\n' "$rev" "$([ -n "$dirty" ] && echo " **with uncommitted changes**")"
  printf -- '- machine: %s CPUs, %s, %s; kernel %s\n' "$(nproc)" "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)" \
    "$(free -g | awk '/^Mem:/ {print $2 " GiB"}')" "$(uname -r)"
  printf -- '- JDK: %s; load average at the start %s, at the end %s\n' "$("$JAVA" -version 2>&1 | sed -n '2p')" "$3" "$4"
}

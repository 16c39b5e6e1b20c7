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

# The run's verdict from the tool's exit code: 0 every target met, 3 one was not (a tool exits 3
# for that: 1 is the JVM's own exit code for an uncaught exception), 5 a correctness check failed
# (a command lost, say), 124 timed out. With QUICK=1 the targets are not judged: a smoke run's
# figures are not comparable.
verdict() {
  case $1 in
    0) echo "ok: every target met" ;;
    3) if [ "${QUICK:-0}" = 1 ]; then
         echo "QUICK=1 smoke run: it ran to the end; its figures are not comparable and its targets are not judged"
       else
         echo "**a target was not met** (see below)"
       fi ;;
    5) echo "**FAILED**: a correctness check failed (see below)" ;;
    124) echo "**FAILED**: timed out after ${RUN_TIMEOUT}s" ;;
    *) echo "**FAILED**: the load tool broke (exit $1; see tool.err)" ;;
  esac
}

# The runner's exit status from the tool's: 0 ok, 1 a target not met (0 with QUICK=1), else the
# tool's own (it broke, or 124: timed out).
exit_status() {
  case $1 in
    3) if [ "${QUICK:-0}" = 1 ]; then echo 0; else echo 1; fi ;;
    *) echo "$1" ;;
  esac
}

# The dev services (MariaDB, Redis, ejabberd on loopback) through ./aero deps, which starts what is
# not running; its output goes to $1.
dev_services() {
  say "dependencies: ./aero deps (MariaDB, Redis, ejabberd on loopback; started when not running)"
  (cd "$ROOT_DIR" && bash aero deps) >>"$1" 2>&1 || { tail -n 30 "$1" >&2; die "./aero deps failed (log: $1)"; }
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

# Sourced by the bench runners: messages, and --help from the runner's own header comment.
# shellcheck shell=bash

say() { printf '%s\n' "$*"; }
die() { printf 'run.sh: error: %s\n' "$*" >&2; exit 2; }
# The runner's header: its lines 2 up to `set -euo`, without the comment marks.
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[-1]}" | sed '$d' | sed 's/^# \{0,1\}//'; }

# Sourced by the bench runners: AeroFS's original relay (valkyrie) and SSMP server (lipwig), built
# from their published Go source with Debian's Go, to run in the same alternation as our servers.
# The source lives in the anchors directory (AERO_ANCHORS_DIR), outside this repository; its
# build.sh builds both (installing Debian's golang-go with apt-get when go is missing) and prints
# the two binary paths, valkyrie first. Needs ROOT_DIR, RUN_DIR and say().
# shellcheck shell=bash
#
# anchors_init sets
#   VALKYRIE_BIN, LIPWIG_BIN   the binaries, or empty when they are not available
#   ANCHORS_NOTE               why not (for the "not measured: <reason>" columns); empty when they are
#   ANCHORS_DESC               where they come from (Go version, source hash), for the results file
# Settings:
#   AERO_ANCHORS=auto|off      off: leave the Go servers out
#   AERO_ANCHORS_DIR           the anchors directory (build.sh, src/); default: shared/anchors next to
#                              the checkout's directory
#   AERO_ANCHORS_CACHE         where the binaries are built and kept, one directory per source hash
#                              [/tmp/aero-anchors-cache]; a later run reuses them
#   VALKYRIE_BIN, LIPWIG_BIN   prebuilt binaries to use instead (no build)

anchors_init() {
  VALKYRIE_BIN=${VALKYRIE_BIN:-}
  LIPWIG_BIN=${LIPWIG_BIN:-}
  ANCHORS_NOTE=""
  ANCHORS_DESC=""
  if [ "${AERO_ANCHORS:-auto}" = off ]; then
    VALKYRIE_BIN="" LIPWIG_BIN=""
    ANCHORS_NOTE="left out (AERO_ANCHORS=off)"
    return 0
  fi
  if [ -n "$VALKYRIE_BIN" ] && [ -n "$LIPWIG_BIN" ]; then
    if [ -x "$VALKYRIE_BIN" ] && [ -x "$LIPWIG_BIN" ]; then
      ANCHORS_DESC="prebuilt binaries given in VALKYRIE_BIN and LIPWIG_BIN ($VALKYRIE_BIN, $LIPWIG_BIN)"
      return 0
    fi
    ANCHORS_NOTE="VALKYRIE_BIN or LIPWIG_BIN is not an executable file"
    VALKYRIE_BIN="" LIPWIG_BIN=""
    say "warning: the Go servers are not measured: $ANCHORS_NOTE"
    return 0
  fi
  local dir=${AERO_ANCHORS_DIR:-$(dirname "$ROOT_DIR")/shared/anchors}
  if [ ! -f "$dir/build.sh" ] || [ ! -d "$dir/src" ]; then
    ANCHORS_NOTE="the anchors directory with the Go source of valkyrie and lipwig was not found at $dir (set AERO_ANCHORS_DIR)"
    VALKYRIE_BIN="" LIPWIG_BIN=""
    say "warning: the Go servers are not measured: $ANCHORS_NOTE"
    return 0
  fi
  dir=$(cd "$dir" && pwd -P)
  local key cache out log
  key=$(cd "$dir" && find src build.sh -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
  cache=${AERO_ANCHORS_CACHE:-/tmp/aero-anchors-cache}
  out=$cache/$key
  log=$RUN_DIR/anchors-build.log
  if [ ! -x "$out/bin/valkyrie" ] || [ ! -x "$out/bin/lipwig" ]; then
    if ! command -v go >/dev/null 2>&1 && ! command -v apt-get >/dev/null 2>&1; then
      ANCHORS_NOTE="Go is not installed and apt-get is not available to install Debian's golang-go"
      VALKYRIE_BIN="" LIPWIG_BIN=""
      say "warning: the Go servers are not measured: $ANCHORS_NOTE"
      return 0
    fi
    say "building valkyrie and lipwig from $dir with its build.sh (once per source version; log $log)"
    mkdir -p "$cache"
    local tmp
    tmp=$(mktemp -d "$cache/$key.build.XXXXXX")
    if ! "$dir/build.sh" "$tmp/bin" >"$tmp/paths" 2>"$log" </dev/null; then
      ANCHORS_NOTE="building them failed: $({ grep -v '^[[:space:]]*$' "$log" || true; } | tail -n1 | cut -c1-200) (log: $log)"
      rm -rf "$tmp"
      VALKYRIE_BIN="" LIPWIG_BIN=""
      say "warning: the Go servers are not measured: $ANCHORS_NOTE"
      return 0
    fi
    { go version 2>/dev/null || echo "go (version unknown)"; } >"$tmp/go-version"
    # build.sh prints valkyrie's path, then lipwig's
    local vpath lpath
    vpath=$(sed -n 1p "$tmp/paths")
    lpath=$(sed -n 2p "$tmp/paths")
    if [ -n "$vpath" ] && [ "$vpath" != "$tmp/bin/valkyrie" ]; then cp "$vpath" "$tmp/bin/valkyrie" || true; fi
    if [ -n "$lpath" ] && [ "$lpath" != "$tmp/bin/lipwig" ]; then cp "$lpath" "$tmp/bin/lipwig" || true; fi
    if [ -d "$out" ]; then rm -rf "$tmp"; else mv -T "$tmp" "$out" 2>/dev/null || rm -rf "$tmp"; fi
  fi
  if [ ! -x "$out/bin/valkyrie" ] || [ ! -x "$out/bin/lipwig" ]; then
    ANCHORS_NOTE="the build did not leave both binaries in $out/bin (log: $log)"
    VALKYRIE_BIN="" LIPWIG_BIN=""
    say "warning: the Go servers are not measured: $ANCHORS_NOTE"
    return 0
  fi
  VALKYRIE_BIN=$out/bin/valkyrie
  LIPWIG_BIN=$out/bin/lipwig
  ANCHORS_DESC="AeroFS's original relay (valkyrie) and SSMP server (lipwig), built from their published Go source with $(cat "$out/go-version" 2>/dev/null || echo "Debian's Go") (source hash $key; binaries in $out/bin)"
}

# Raises the open-file limit of this (sub)shell as far as allowed: to $1 when root may raise the
# hard limit, else to the hard limit. Prints the resulting soft limit.
raise_fd_limit() {
  ulimit -n "$1" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  ulimit -n
}

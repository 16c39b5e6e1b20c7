# Sourced by the bench runners: finds a JDK of at least $MIN_JAVA and sets JDK_HOME.
# Order: $JAVA_HOME, else java on PATH, else the newest under /usr/lib/jvm. Needs die().
# shellcheck shell=bash

java_major() { # $1 = java binary; prints the feature version
  local v
  v=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1)
  v=${v#1.}
  v=${v%%[!0-9]*}
  [ -n "$v" ] && printf '%s\n' "$v"
}

usable_jdk() { # $1 = JDK home
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  local m
  m=$(java_major "$1/bin/java") || return 1
  [ -n "$m" ] && [ "$m" -ge "$MIN_JAVA" ]
}

find_jdk() {
  local home="" cand best=-1 m jb
  if [ -n "${JAVA_HOME:-}" ] && usable_jdk "$JAVA_HOME"; then
    home=$JAVA_HOME
  elif jb=$(command -v java 2>/dev/null); then
    cand=$(dirname "$(dirname "$(readlink -f "$jb")")")
    usable_jdk "$cand" && home=$cand
  fi
  if [ -z "$home" ]; then
    for cand in /usr/lib/jvm/*/; do
      cand=${cand%/}
      [ -L "$cand" ] && continue
      usable_jdk "$cand" || continue
      m=$(java_major "$cand/bin/java")
      if [ "$m" -gt "$best" ]; then best=$m; home=$cand; fi
    done
  fi
  [ -n "$home" ] || die "no JDK $MIN_JAVA+ found (\$JAVA_HOME, java on PATH, /usr/lib/jvm/*)"
  JDK_HOME=$home
}

use_jdk() { # finds the JDK and puts it first: JAVA, JAVA_HOME and PATH
  find_jdk
  JAVA=$JDK_HOME/bin/java
  export JAVA_HOME=$JDK_HOME
  export PATH="$JDK_HOME/bin:$PATH"
}

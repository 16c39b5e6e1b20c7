#!/bin/sh
# Starts MariaDB (deploy/images/mariadb). On the first start with an empty data directory it
# creates the system tables, sets root's password (MYSQL_ROOT_PASSWORD), and creates the
# database MYSQL_DATABASE and the account MYSQL_USER (MYSQL_PASSWORD) with every right on it,
# with a temporary server that listens on no network; then it runs mariadbd in the foreground.
# Arguments are passed on to mariadbd.
set -eu

DATADIR=/var/lib/mysql
# Written last by the first start: a data directory without it holds a failed first start.
MARKER=$DATADIR/.aero-initialised

sql_string() { printf "'%s'" "$(printf '%s' "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/''/g")"; }

if [ -d "$DATADIR/mysql" ] && [ ! -f "$MARKER" ]; then
  echo "aero-mariadb: $DATADIR holds an unfinished first start (no $MARKER); empty the volume to start over" >&2
  exit 1
fi
if [ ! -d "$DATADIR/mysql" ]; then
  : "${MYSQL_ROOT_PASSWORD:?set MYSQL_ROOT_PASSWORD}"
  : "${MYSQL_DATABASE:?set MYSQL_DATABASE}"
  : "${MYSQL_USER:?set MYSQL_USER}"
  : "${MYSQL_PASSWORD:?set MYSQL_PASSWORD}"
  case $MYSQL_DATABASE in *[!A-Za-z0-9_]*) echo "MYSQL_DATABASE may hold A-Z a-z 0-9 _ only" >&2; exit 1 ;; esac
  echo "aero-mariadb: initialising $DATADIR"
  mariadb-install-db --datadir="$DATADIR" --auth-root-authentication-method=normal --skip-test-db >/dev/null
  mariadbd --datadir="$DATADIR" --skip-networking --socket=/run/mysqld/init.sock &
  pid=$!
  i=0
  until mariadb-admin --socket=/run/mysqld/init.sock --user=root ping --silent 2>/dev/null; do
    i=$((i + 1))
    [ $i -le 60 ] || { echo "aero-mariadb: the temporary server did not start" >&2; exit 1; }
    sleep 1
  done
  mariadb --socket=/run/mysqld/init.sock --user=root <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_string "$MYSQL_ROOT_PASSWORD");
CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY $(sql_string "$MYSQL_ROOT_PASSWORD");
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
CREATE DATABASE \`$MYSQL_DATABASE\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER $(sql_string "$MYSQL_USER")@'%' IDENTIFIED BY $(sql_string "$MYSQL_PASSWORD");
GRANT ALL PRIVILEGES ON \`$MYSQL_DATABASE\`.* TO $(sql_string "$MYSQL_USER")@'%';
FLUSH PRIVILEGES;
SQL
  MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mariadb-admin --socket=/run/mysqld/init.sock --user=root shutdown
  wait "$pid" || true
  : >"$MARKER"
  echo "aero-mariadb: database $MYSQL_DATABASE and account $MYSQL_USER created"
fi

exec mariadbd --datadir="$DATADIR" --bind-address=0.0.0.0 --skip-name-resolve \
  --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci "$@"

# shellcheck shell=bash
# `./aero backup` and `./aero restore`, sourced by ./aero (its settings and helpers: SVC_DIR,
# DB_NAME, REDIS_DATABASE, EJ_*, compose, say, die, ...).
#
# An archive is a gzipped tar of one directory, aero-backup/:
#   MANIFEST          format, kind (native or compose), instance, domain, schema version, when,
#                     what each part holds
#   SHA256SUMS        of every other part
#   redis.rdb         the deployment's Redis database (command queues, devman's state, verkehr's
#                     history), as database 0 of an RDB snapshot
#   mariadb.sql       SP's database, dumped in one transaction (mariadb-dump --single-transaction)
#   ejabberd.backup   ejabberd's Mnesia backup (rooms, the bridge's account)
#   files.tar         the CA directory, the setup token, uploaded device logs, the deployment
#                     secret and settings, ejabberd's token key, bridge password and certificate
# With a passphrase the whole archive is encrypted with gpg (AES-256, integrity-protected).
#
# Order: Redis first, then SP's database. A command is queued only for a device SP already
# has, and SP never deletes a device, so every queued command of the snapshot finds its device
# in the later dump; memberships and their folders come from the same transaction.

BACKUP_FORMAT=1
BACKUP_DIR_NAME=aero-backup
BACKUP_REDIS_PART="$ROOT_DIR/deploy/backup/redis-part.sh"
# Where SP's migrations are: the highest V<n>__ is the schema this code runs.
BACKUP_MIGRATIONS="$ROOT_DIR/sp-service/src/main/resources/db/migration"
# What files.tar holds of a native deployment, relative to its directory (SVC_DIR).
BACKUP_NATIVE_FILES=(secret.env sp/ca sp/setup-token sp/device-logs ejabberd/secrets ejabberd/tls)
# ... and of a compose deployment: volume paths under /var/lib/aero in sp-service's and
# xmpp-bridge's containers (keys holds the CA, the setup token and device-logs/), and the
# settings file.
BACKUP_COMPOSE_SP_FILES=(keys xmpp-secrets)
BACKUP_COMPOSE_BRIDGE_FILES=(xmpp-tls)
# Run in a container: a tar stream of those of its arguments that exist under /var/lib/aero.
# shellcheck disable=SC2016
BACKUP_TAR_PRESENT='cd /var/lib/aero && set -- $(for d in "$@"; do [ -e "$d" ] && echo "$d"; done) && tar -cf - "$@"'
BACKUP_COMPOSE_APP_SERVICES=(admin-console xmpp-bridge zephyr-relay devman command-server verkehr-push sp-service)

# The compose deployment when ./aero up started one (or its project's containers run, started by
# hand with docker compose and deploy/.env), else the native one.
backup_kind() {
  if [ -z "$INSTANCE" ] && docker_engine_available && { [ -f "$RUN_DIR/compose.up" ] ||
    [ -n "$(docker ps -q --filter "label=com.docker.compose.project=$(compose_project)" 2>/dev/null)" ]; }; then
    printf 'compose\n'
  else
    printf 'native\n'
  fi
}

code_schema_version() {
  local v
  v=$(find "$BACKUP_MIGRATIONS" -maxdepth 1 -name 'V*__*.sql' -printf '%f\n' | sed -n 's/^V\([0-9][0-9]*\)__.*/\1/p' | sort -n | tail -n1)
  [ -n "$v" ] || die "no migrations found in $BACKUP_MIGRATIONS"
  printf '%s\n' "$v"
}

# --- passphrases ----------------------------------------------------------------------------
# From --passphrase-file, else AERO_BACKUP_PASSPHRASE_FILE, else asked on the terminal (twice
# when encrypting). gpg reads it from a file descriptor: it never shows up in `ps`.
BACKUP_PASSPHRASE_FILE=""
read_passphrase() {
  local confirm=$1 first second
  if [ -z "$BACKUP_PASSPHRASE_FILE" ] && [ -n "${AERO_BACKUP_PASSPHRASE_FILE:-}" ]; then
    BACKUP_PASSPHRASE_FILE=$AERO_BACKUP_PASSPHRASE_FILE
  fi
  if [ -n "$BACKUP_PASSPHRASE_FILE" ]; then
    [ -r "$BACKUP_PASSPHRASE_FILE" ] || die "cannot read the passphrase file $BACKUP_PASSPHRASE_FILE"
    [ -n "$(head -n1 "$BACKUP_PASSPHRASE_FILE")" ] || die "the passphrase file $BACKUP_PASSPHRASE_FILE is empty"
    return 0
  fi
  [ -t 0 ] || die "a passphrase is needed: --passphrase-file FILE (or AERO_BACKUP_PASSPHRASE_FILE)"
  read -r -s -p "Backup passphrase: " first && echo >&2
  [ -n "$first" ] || die "empty passphrase"
  if [ "$confirm" -eq 1 ]; then
    read -r -s -p "Again: " second && echo >&2
    [ "$first" = "$second" ] || die "the passphrases differ"
  fi
  BACKUP_PASSPHRASE_FILE="$BACKUP_WORK/passphrase"
  (umask 077 && printf '%s\n' "$first" >"$BACKUP_PASSPHRASE_FILE")
}

backup_gpg() {
  have_bin gpg || ensure_packages gpg:gpg
  local home="$BACKUP_WORK/gnupg" rc=0
  mkdir -p "$home" && chmod 700 "$home"
  gpg --homedir "$home" --batch --quiet --no-tty --pinentry-mode loopback \
    --passphrase-file "$BACKUP_PASSPHRASE_FILE" "$@" || rc=$?
  gpgconf --homedir "$home" --kill gpg-agent >/dev/null 2>&1 || true
  return "$rc"
}

# --- work directory -------------------------------------------------------------------------
BACKUP_WORK=""
backup_cleanup() {
  [ -n "$BACKUP_WORK" ] && rm -rf "$BACKUP_WORK"
  BACKUP_WORK=""
}
backup_workdir() {
  mkdir -p "$SVC_DIR/tmp"
  BACKUP_WORK=$(mktemp -d "$SVC_DIR/tmp/backup.XXXXXX")
  chmod 700 "$BACKUP_WORK"
  trap backup_cleanup EXIT
}

# --- native parts ---------------------------------------------------------------------------
native_mysql() {
  local client
  client=$(mysql_client) || die "no mariadb client"
  MYSQL_PWD=$DB_PASSWORD "$client" --no-defaults --protocol=TCP -h 127.0.0.1 -P "$MYSQL_PORT" -u "$DB_USER" "$@"
}

native_mysqldump() {
  local dump
  dump=$(find_bin mariadb-dump || find_bin mysqldump) || die "no mariadb-dump"
  MYSQL_PWD=$DB_PASSWORD "$dump" --no-defaults --protocol=TCP -h 127.0.0.1 -P "$MYSQL_PORT" -u "$DB_USER" "$@"
}

# The services of this deployment that run (natively): restore stops them.
native_running_services() {
  local row
  for row in "${AERO_SERVICES[@]}"; do
    parse_service "$row"
    pidfile_alive "$(svc_pidfile "$SVC_NAME")" "$SVC_JAR" && printf '%s\n' "$SVC_NAME"
  done
  return 0
}

# docker exec into a compose service's container: `cexec [-u USER] SERVICE COMMAND...` (compose
# exec starts a docker-compose process, a second or more each time with docker-compose 1.x).
declare -A BACKUP_CONTAINERS=()
backup_containers() {
  local id service
  BACKUP_CONTAINERS=()
  while read -r id service; do
    [ -n "$service" ] && BACKUP_CONTAINERS[$service]=$id
  done < <(docker ps --filter "label=com.docker.compose.project=$(compose_project)" \
    --format '{{.ID}} {{.Label "com.docker.compose.service"}}' 2>/dev/null)
  return 0
}
cexec() {
  local user=() id
  if [ "$1" = -u ]; then
    user=(-u "$2")
    shift 2
  fi
  id=${BACKUP_CONTAINERS[$1]:-}
  [ -n "$id" ] || die "the compose service $1 has no running container (is the deployment up?)"
  shift
  docker exec -i "${user[@]+"${user[@]}"}" "$id" "$@"
}

# --- the two kinds, one interface -----------------------------------------------------------
# db_query SQL: one value from SP's database (empty when the database or table is missing).
db_query() {
  if [ "$BACKUP_KIND" = compose ]; then
    cexec mariadb sh -c 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mariadb --user=root -N -B "$1" -e "$2"' _ aero_sp "$1" 2>/dev/null
  else
    native_mysql -N -B "$DB_NAME" -e "$1" 2>/dev/null
  fi
}

# What SP's database holds, in a few words.
db_counts() {
  db_query "SELECT CONCAT((SELECT COUNT(*) FROM users), ' users, ', (SELECT COUNT(*) FROM devices), ' devices, ',
    (SELECT COUNT(*) FROM shared_folders), ' shared folders')"
}

db_dump() {
  local args=(--single-transaction --quick --routines --triggers --events --hex-blob --no-tablespaces
    --default-character-set=utf8mb4 --skip-dump-date)
  if [ "$BACKUP_KIND" = compose ]; then
    cexec mariadb sh -c 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" exec mariadb-dump --user=root "$@"' _ "${args[@]}" aero_sp >"$1"
  else
    native_mysqldump "${args[@]}" "$DB_NAME" >"$1"
  fi
}

# The database emptied and loaded from the dump in $1.
db_load() {
  local create="DROP DATABASE IF EXISTS \`%s\`; CREATE DATABASE \`%s\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
  if [ "$BACKUP_KIND" = compose ]; then
    # shellcheck disable=SC2059
    cexec mariadb sh -c 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mariadb --user=root -e "$1"' _ "$(printf "$create" aero_sp aero_sp)" ||
      die "could not empty SP's database"
    cexec mariadb sh -c 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" exec mariadb --user=root aero_sp' <"$1" ||
      die "could not load SP's database"
  else
    # shellcheck disable=SC2059
    native_mysql -e "$(printf "$create" "$DB_NAME" "$DB_NAME")" || die "could not empty database $DB_NAME"
    native_mysql "$DB_NAME" <"$1" || die "could not load database $DB_NAME"
  fi
}

redis_snapshot() {
  local out=$1 keys
  if [ "$BACKUP_KIND" = compose ]; then
    cexec redis sh -c 'rm -rf /tmp/aero-backup && mkdir -m 700 /tmp/aero-backup && redis-cli --rdb /tmp/aero-backup/full.rdb >/dev/null 2>&1' ||
      die "Redis did not give a snapshot"
    keys=$(cexec redis sh -s -- keep /tmp/aero-backup/full.rdb 0 /tmp/aero-backup/redis.rdb <"$BACKUP_REDIS_PART") ||
      die "could not reduce Redis's snapshot"
    cexec redis cat /tmp/aero-backup/redis.rdb >"$out" || die "could not copy Redis's snapshot"
    cexec redis rm -rf /tmp/aero-backup
  else
    timeout 600 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" --rdb "$BACKUP_WORK/full.rdb" >/dev/null 2>&1 ||
      die "Redis did not give a snapshot (redis-cli --rdb)"
    keys=$(sh "$BACKUP_REDIS_PART" keep "$BACKUP_WORK/full.rdb" "$REDIS_DATABASE" "$out") ||
      die "could not reduce Redis's snapshot to database $REDIS_DATABASE"
    rm -f "$BACKUP_WORK/redis-part.log"
  fi
  printf '%s\n' "${keys##*$'\n'}"
}

redis_load() {
  local rdb=$1
  if [ "$BACKUP_KIND" = compose ]; then
    cexec redis sh -c 'rm -rf /tmp/aero-restore && mkdir -m 700 /tmp/aero-restore && cat >/tmp/aero-restore/redis.rdb' <"$rdb" ||
      die "could not copy the snapshot into Redis's container"
    cexec redis sh -s -- load /tmp/aero-restore/redis.rdb 127.0.0.1 6379 0 <"$BACKUP_REDIS_PART" ||
      die "could not load Redis's database"
    cexec redis rm -rf /tmp/aero-restore
  else
    local dir="$BACKUP_WORK/redis-load"
    mkdir -p "$dir" && cp "$rdb" "$dir/redis.rdb"
    sh "$BACKUP_REDIS_PART" load "$dir/redis.rdb" 127.0.0.1 "$REDIS_PORT" "$REDIS_DATABASE" ||
      die "could not load Redis database $REDIS_DATABASE"
  fi
}

ejabberd_dump() {
  local out=$1
  if [ "$BACKUP_KIND" = compose ]; then
    cexec ejabberd sh -c 'rm -f /tmp/aero-backup.mnesia && ejabberdctl backup /tmp/aero-backup.mnesia >/dev/null' ||
      die "ejabberd did not write its backup"
    cexec ejabberd cat /tmp/aero-backup.mnesia >"$out" || die "could not copy ejabberd's backup"
    cexec ejabberd rm -f /tmp/aero-backup.mnesia
  else
    xmpp_probe || die "ejabberd does not answer on 127.0.0.1:$XMPP_PORT (./aero deps starts it)"
    ejabberdctl_local backup "$out" </dev/null >/dev/null 2>&1 9>&- || die "ejabberd did not write its backup"
  fi
  [ -s "$out" ] || die "ejabberd's backup is empty"
}

files_dump() {
  local out=$1 rel present=()
  if [ "$BACKUP_KIND" = compose ]; then
    mkdir -p "$BACKUP_WORK/files/settings"
    cp "$COMPOSE_ENV" "$BACKUP_WORK/files/settings/env"
    cexec -u root sp-service sh -c "$BACKUP_TAR_PRESENT" _ "${BACKUP_COMPOSE_SP_FILES[@]}" | tar -C "$BACKUP_WORK/files" -xf - ||
      die "could not copy sp-service's keys and secrets"
    cexec -u root xmpp-bridge sh -c "$BACKUP_TAR_PRESENT" _ "${BACKUP_COMPOSE_BRIDGE_FILES[@]}" | tar -C "$BACKUP_WORK/files" -xf - ||
      die "could not copy ejabberd's certificate"
    tar -C "$BACKUP_WORK/files" -cf "$out" . || die "could not pack the files"
  else
    for rel in "${BACKUP_NATIVE_FILES[@]}"; do
      [ -e "$SVC_DIR/$rel" ] && present+=("$rel")
    done
    [ -d "$SVC_DIR/sp/ca" ] || die "no CA in $SVC_DIR/sp/ca: is this deployment set up (./aero up)?"
    tar -C "$SVC_DIR" --exclude=.lock -cf "$out" "${present[@]}" || die "could not pack the files"
  fi
}

# --- backup ---------------------------------------------------------------------------------
cmd_backup() {
  local file="" encrypt=0 arg created schema keys parts part stamp tarball
  while [ $# -gt 0 ]; do
    arg=$1
    shift
    case $arg in
      --encrypt) encrypt=1 ;;
      --passphrase-file) [ $# -gt 0 ] || die "--passphrase-file needs a file"; BACKUP_PASSPHRASE_FILE=$1; encrypt=1; shift ;;
      --passphrase-file=*) BACKUP_PASSPHRASE_FILE=${arg#*=}; encrypt=1 ;;
      -*) die "unknown option for backup: $arg" ;;
      *) [ -z "$file" ] || die "backup takes one FILE"; file=$arg ;;
    esac
  done
  [ -n "${AERO_BACKUP_PASSPHRASE_FILE:-}" ] && encrypt=1
  BACKUP_KIND=$(backup_kind)
  backup_workdir
  [ "$encrypt" -eq 1 ] && read_passphrase 1
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  if [ -z "$file" ]; then
    mkdir -p "$SVC_DIR/backups" && chmod 700 "$SVC_DIR/backups"
    file="$SVC_DIR/backups/aero-${INSTANCE:-$BACKUP_KIND}-$stamp.tar.gz"
    [ "$encrypt" -eq 1 ] && file+=".gpg"
  fi
  [ -e "$file" ] && die "$file exists; name another file"
  mkdir -p "$(dirname "$file")"
  if [ "$BACKUP_KIND" = native ]; then
    cmd_deps >/dev/null
  else
    backup_containers
    [ -n "${BACKUP_CONTAINERS[mariadb]:-}" ] || die "the compose deployment is not running (./aero up)"
  fi

  parts="$BACKUP_WORK/$BACKUP_DIR_NAME"
  mkdir -p "$parts"
  created=$(date -u +%FT%TZ)
  schema=$(db_query "SELECT MAX(CAST(version AS UNSIGNED)) FROM flyway_schema_history WHERE success = 1")
  [[ $schema =~ ^[0-9]+$ ]] || die "SP's database has no schema yet (start the platform once: ./aero up)"

  say "backing up the $BACKUP_KIND deployment${INSTANCE:+ $INSTANCE} (schema version $schema)"
  keys=$(redis_snapshot "$parts/redis.rdb")
  say "  redis.rdb        $keys keys"
  db_dump "$parts/mariadb.sql" || die "mariadb-dump failed"
  grep -q '^-- Dump completed' "$parts/mariadb.sql" || die "SP's database dump is incomplete"
  say "  mariadb.sql      $(db_counts) (now)"
  ejabberd_dump "$parts/ejabberd.backup"
  say "  ejabberd.backup  $(wc -c <"$parts/ejabberd.backup") bytes"
  files_dump "$parts/files.tar"
  say "  files.tar        $(tar -tf "$parts/files.tar" | grep -vc '/$') files"

  {
    printf 'format=%s\n' "$BACKUP_FORMAT"
    printf 'kind=%s\n' "$BACKUP_KIND"
    printf 'instance=%s\n' "$INSTANCE"
    printf 'domain=%s\n' "$(backup_domain)"
    printf 'schema_version=%s\n' "$schema"
    printf 'created=%s\n' "$created"
    printf 'revision=%s\n' "$(git -C "$ROOT_DIR" rev-parse HEAD 2>/dev/null || echo unknown)"
    printf 'redis_keys=%s\n' "$keys"
    printf 'ejabberd_node=%s\n' "$(ejabberd_node_name)"
  } >"$parts/MANIFEST"
  (cd "$parts" && sha256sum MANIFEST redis.rdb mariadb.sql ejabberd.backup files.tar >SHA256SUMS)

  tarball="$BACKUP_WORK/archive.tar.gz"
  tar -C "$BACKUP_WORK" -czf "$tarball" "$BACKUP_DIR_NAME" || die "could not write the archive"
  if [ "$encrypt" -eq 1 ]; then
    backup_gpg --symmetric --cipher-algo AES256 --compress-algo none -o "$BACKUP_WORK/archive.gpg" "$tarball" ||
      die "gpg could not encrypt the archive"
    tarball="$BACKUP_WORK/archive.gpg"
  fi
  # Into place in one step: a failed backup never leaves a partial archive under FILE.
  (umask 077 && cp "$tarball" "$file.partial") && mv -f "$file.partial" "$file" || { rm -f "$file.partial"; die "could not write $file"; }
  chmod 600 "$file"
  local how="not encrypted"
  [ "$encrypt" -eq 1 ] && how="encrypted"
  say "wrote $file ($(wc -c <"$file") bytes, $how)"
  say "sha256 $(sha256sum "$file" | cut -d' ' -f1)"
}

backup_domain() {
  if [ "$BACKUP_KIND" = compose ]; then
    sed -n 's/^AERO_DOMAIN=//p' "$COMPOSE_ENV" | tail -n1
  else
    printf '%s\n' "$DOMAIN"
  fi
}

# The Erlang node ejabberd's Mnesia tables belong to (a backup names it).
ejabberd_node_name() {
  if [ "$BACKUP_KIND" = compose ]; then
    printf 'ejabberd@localhost\n'
  else
    printf '%s\n' "$EJABBERD_NODE"
  fi
}

manifest_value() { sed -n "s/^$1=//p" "$2" | head -n1; }

# --- restore --------------------------------------------------------------------------------
cmd_restore() {
  local file="" force=0 arg parts manifest kind schema code_schema users running=() name
  while [ $# -gt 0 ]; do
    arg=$1
    shift
    case $arg in
      --force) force=1 ;;
      --passphrase-file) [ $# -gt 0 ] || die "--passphrase-file needs a file"; BACKUP_PASSPHRASE_FILE=$1; shift ;;
      --passphrase-file=*) BACKUP_PASSPHRASE_FILE=${arg#*=} ;;
      -*) die "unknown option for restore: $arg" ;;
      *) [ -z "$file" ] || die "restore takes one FILE"; file=$arg ;;
    esac
  done
  [ -n "$file" ] || die "usage: ./aero restore [--force] [--passphrase-file FILE] ARCHIVE"
  [ -f "$file" ] && [ -r "$file" ] || die "cannot read $file"
  BACKUP_KIND=$(backup_kind)
  backup_workdir

  # Unpack and check everything before touching the deployment.
  local archive=$file
  if [ "$(head -c2 "$file" | od -An -tx1 | tr -d ' \n')" != 1f8b ]; then
    read_passphrase 0
    backup_gpg -o "$BACKUP_WORK/archive.tar.gz" --decrypt "$file" ||
      die "$file could not be decrypted (wrong passphrase, or not an aero backup)"
    archive="$BACKUP_WORK/archive.tar.gz"
  fi
  tar -C "$BACKUP_WORK" -xzf "$archive" "$BACKUP_DIR_NAME" 2>/dev/null || die "$file is not an aero backup archive (or it is damaged)"
  parts="$BACKUP_WORK/$BACKUP_DIR_NAME"
  manifest="$parts/MANIFEST"
  [ -f "$manifest" ] && [ -f "$parts/SHA256SUMS" ] || die "$file has no manifest: not an aero backup"
  (cd "$parts" && sha256sum --quiet --strict -c SHA256SUMS >/dev/null 2>&1) || die "$file is damaged: a part does not match its checksum"
  for name in MANIFEST redis.rdb mariadb.sql ejabberd.backup files.tar; do
    grep -q " \*\?$name\$" "$parts/SHA256SUMS" || die "$file lacks $name"
  done
  [ "$(manifest_value format "$manifest")" = "$BACKUP_FORMAT" ] ||
    die "$file is of backup format $(manifest_value format "$manifest"); this launcher reads format $BACKUP_FORMAT"
  kind=$(manifest_value kind "$manifest")
  [ "$kind" = "$BACKUP_KIND" ] ||
    die "$file is a backup of a $kind deployment; this is a $BACKUP_KIND one (restore it into the same kind)"
  schema=$(manifest_value schema_version "$manifest")
  code_schema=$(code_schema_version)
  [[ $schema =~ ^[0-9]+$ ]] || die "$file names no schema version"
  [ "$schema" -le "$code_schema" ] ||
    die "$file holds schema version $schema, newer than this code's $code_schema: restore it with the release that made it (or a later one)"
  if [ "$(manifest_value domain "$manifest")" != "$(backup_domain)" ]; then
    warn "the backup is of domain $(manifest_value domain "$manifest"), this deployment's is $(backup_domain): devices' certificates and XMPP addresses name the backup's"
  fi

  if [ "$BACKUP_KIND" = native ]; then
    cmd_deps >/dev/null
  else
    backup_containers
    [ -n "${BACKUP_CONTAINERS[mariadb]:-}" ] || die "the compose deployment is not running: start it first (./aero up), then restore into it"
    compose_settings
  fi
  users=$(db_query "SELECT COUNT(*) FROM users" || true)
  if [[ $users =~ ^[0-9]+$ ]] && [ "$users" -gt 0 ] && [ "$force" -eq 0 ]; then
    die "this deployment is not empty ($users users): restoring would replace all of its data; add --force to do so"
  fi

  say "restoring $(manifest_value created "$manifest")'s backup (schema version $schema) into the $BACKUP_KIND deployment${INSTANCE:+ $INSTANCE}"
  if [ "$BACKUP_KIND" = native ]; then
    mapfile -t running < <(native_running_services)
    stop_services >/dev/null
  else
    compose stop "${BACKUP_COMPOSE_APP_SERVICES[@]}" >/dev/null 2>&1 || die "could not stop the services"
  fi

  db_load "$parts/mariadb.sql"
  say "  SP's database    $(db_counts)"
  say "  redis            $(redis_load "$parts/redis.rdb" | tail -n1) keys"
  files_restore "$parts/files.tar"
  say "  files            $(tar -tf "$parts/files.tar" | grep -vc '/$') files"
  ejabberd_restore "$parts/ejabberd.backup" "$(manifest_value ejabberd_node "$manifest")"
  say "  ejabberd         restored"

  if [ "$BACKUP_KIND" = compose ]; then
    say "starting the services"
    compose_start >/dev/null 2>&1 || die "the deployment did not come back healthy: ./aero status, docker compose logs"
    print_compose_table
  elif [ "${#running[@]}" -gt 0 ]; then
    say "restored; the services were stopped for it: start them with ./aero up"
  else
    say "restored; start the platform with ./aero up"
  fi
}

# Files come back in place of what the deployment had, which moves to pre-restore-<time>/.
files_restore() {
  local tarfile=$1 rel aside
  if [ "$BACKUP_KIND" = compose ]; then
    local staging="$BACKUP_WORK/files-in"
    mkdir -p "$staging" && tar -C "$staging" -xf "$tarfile" || die "could not unpack the files"
    if [ -f "$staging/settings/env" ]; then
      cp "$COMPOSE_ENV" "$COMPOSE_ENV.pre-restore-$(date -u +%Y%m%dT%H%M%SZ)"
      compose_env_restore "$staging/settings/env"
    fi
    local present=()
    for rel in "${BACKUP_COMPOSE_SP_FILES[@]}" "${BACKUP_COMPOSE_BRIDGE_FILES[@]}"; do
      [ -e "$staging/$rel" ] && present+=("$rel")
    done
    tar -C "$staging" -cf - "${present[@]}" |
      compose run --rm --no-deps -T -u root --entrypoint sh -v "$(compose_volume xmpp-tls):/var/lib/aero/xmpp-tls" \
        -v "$(compose_volume xmpp-secrets):/var/lib/aero/xmpp-secrets-rw" sp-service -c '
          set -e
          cd /var/lib/aero
          rm -rf keys/* xmpp-secrets-rw/* xmpp-tls/*
          mkdir -p /tmp/in && tar -C /tmp/in -xf -
          for d in keys xmpp-tls; do [ -d /tmp/in/$d ] && cp -a /tmp/in/$d/. $d/; done
          [ -d /tmp/in/xmpp-secrets ] && cp -a /tmp/in/xmpp-secrets/. xmpp-secrets-rw/
          true' || die "could not restore the volumes' files"
  else
    aside="$SVC_DIR/pre-restore-$(date -u +%Y%m%dT%H%M%SZ)"
    for rel in "${BACKUP_NATIVE_FILES[@]}"; do
      if [ -e "$SVC_DIR/$rel" ]; then
        mkdir -p "$aside/$(dirname "$rel")"
        mv "$SVC_DIR/$rel" "$aside/$rel"
      fi
    done
    tar -C "$SVC_DIR" -xf "$tarfile" || die "could not unpack the files into $SVC_DIR"
    [ -d "$aside" ] && say "  (what the deployment had is in $aside)"
  fi
  return 0
}

# Every setting from the backup except the database credentials, which belong to the data
# volume the deployment runs on.
compose_env_restore() {
  local from=$1 keep line key
  keep=$(grep -E '^AERO_MYSQL_(ROOT_PASSWORD|USER|PASSWORD)=' "$COMPOSE_ENV" || true)
  {
    while IFS= read -r line || [ -n "$line" ]; do
      key=${line%%=*}
      case $key in
        AERO_MYSQL_ROOT_PASSWORD | AERO_MYSQL_USER | AERO_MYSQL_PASSWORD) grep -E "^$key=" <<<"$keep" || true ;;
        *) printf '%s\n' "$line" ;;
      esac
    done <"$from"
  } >"$COMPOSE_ENV.restored"
  chmod 600 "$COMPOSE_ENV.restored"
  mv -f "$COMPOSE_ENV.restored" "$COMPOSE_ENV"
}

compose_project() {
  local project=${COMPOSE_PROJECT:-$(sed -n 's/^COMPOSE_PROJECT_NAME=//p' "$COMPOSE_ENV" 2>/dev/null | tail -n1)}
  printf '%s\n' "${project:-deploy}"
}

compose_volume() {
  printf '%s_%s\n' "$(compose_project)" "$1"
}

# ejabberd's tables are replaced, not merged: the node starts on an empty spool (its restore
# only adds the backup's records), then takes the backup, renamed to this node first when it
# was another's (another instance's, say).
ejabberd_restore() {
  local backup=$1 from=${2:-} to rename=""
  to=$(ejabberd_node_name)
  [ -n "$from" ] && [ "$from" != "$to" ] && rename=$from
  if [ "$BACKUP_KIND" = compose ]; then
    compose stop ejabberd >/dev/null 2>&1 || true
    compose run --rm --no-deps -T -u root --entrypoint sh ejabberd -c 'rm -rf /var/lib/ejabberd/*' ||
      die "could not empty ejabberd's data"
    compose up -d ejabberd >/dev/null 2>&1 || die "ejabberd did not start"
    backup_containers
    local i
    for ((i = 0; i < 120; i++)); do
      cexec ejabberd ejabberdctl status >/dev/null 2>&1 && break
      sleep 1
    done
    cexec ejabberd sh -c 'cat >/tmp/aero-restore.mnesia' <"$backup" || die "could not copy ejabberd's backup"
    cexec ejabberd sh -c '
      f=/tmp/aero-restore.mnesia
      if [ -n "$1" ]; then ejabberdctl mnesia_change_nodename "$1" "$2" $f $f.renamed >/dev/null && mv -f $f.renamed $f || exit 1; fi
      ejabberdctl restore $f >/dev/null; rc=$?; rm -f $f; exit $rc' _ "$rename" "$to" ||
      die "ejabberd could not restore its backup"
  else
    stop_ejabberd >/dev/null
    rm -rf "$EJ_SPOOL"
    ensure_ejabberd >/dev/null
    cp "$backup" "$BACKUP_WORK/ejabberd.restore"
    if [ -n "$rename" ]; then
      ejabberdctl_local mnesia_change_nodename "$rename" "$to" "$BACKUP_WORK/ejabberd.restore" "$BACKUP_WORK/ejabberd.renamed" \
        </dev/null >/dev/null 2>&1 9>&- || die "ejabberd could not rename its backup from node $rename to $to"
      mv -f "$BACKUP_WORK/ejabberd.renamed" "$BACKUP_WORK/ejabberd.restore"
    fi
    ejabberdctl_local restore "$BACKUP_WORK/ejabberd.restore" </dev/null >/dev/null 2>&1 9>&- ||
      die "ejabberd could not restore its backup"
  fi
}

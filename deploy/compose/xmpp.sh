#!/bin/sh
# The XMPP part of the Compose deployment (deploy/docker-compose.yml): one script for the three
# containers that share ejabberd's secrets, each running it with one command.
#
#   init            service xmpp-init (root, ejabberd image), before ejabberd, sp-service and
#                   xmpp-bridge start: makes what is missing in the two XMPP volumes and sets
#                   their owners and modes
#   rotate-jwt-key  the same container, run by hand: a new token key (docs/deploy.md)
#   ejabberd        service ejabberd: runs ejabberd and, once it answers, makes sure the bridge's
#                   account exists with the password from the secrets volume
#   bridge          service xmpp-bridge: hands the bridge its password (from the file, never from
#                   the compose file) and starts it
#
# The files, as the native launcher keeps them for its nodes:
#   xmpp-secrets/jwt.jwk          the key SP signs devices' tokens with and ejabberd checks them
#                                 with: {"kty":"oct","use":"sig","k":"<32 random bytes, base64url>"}
#   xmpp-secrets/bridge.password  the password of the bridge's account, the only one with a password
#   xmpp-tls/server.pem           ejabberd's c2s key and certificate chain: a self-signed bootstrap
#                                 certificate until xmpp-bridge writes one from the platform CA
#
# Owners: ejabberd and xmpp-bridge run as the ejabberd image's account (AERO_EJABBERD_USER,
# uid:gid), sp-service as deploy/Dockerfile's aero group (AERO_PLATFORM_GID). The token key is
# the one file both read: 0640, owned by ejabberd, group aero. Everything else is 0600/0700 and
# ejabberd's (the bridge writes the certificate file itself, mode 0600, and ejabberd reads it).
#
# POSIX sh: it runs in dash (the ejabberd image and the platform image, both Debian).
set -eu

SECRETS_DIR=${AERO_XMPP_SECRETS_DIR:-/var/lib/aero/xmpp-secrets}
TLS_DIR=${AERO_XMPP_TLS_DIR:-/var/lib/aero/xmpp-tls}
JWT_KEY=$SECRETS_DIR/jwt.jwk
CERTIFICATE=$TLS_DIR/server.pem
PASSWORD_FILE=${AERO_XMPP_BRIDGE_PASSWORD_FILE:-$SECRETS_DIR/bridge.password}
# The self-signed certificate the ejabberd image was built with: the bootstrap certificate when
# there is no openssl to make one for the domain.
IMAGE_CERTIFICATE=${AERO_EJABBERD_IMAGE_CERTIFICATE:-/etc/ejabberd/ejabberd.pem}
# ejabberd's health check waits for this file: the bridge's account is in place.
ACCOUNT_READY=${AERO_XMPP_ACCOUNT_READY:-/tmp/aero-bridge-account}

COMMAND=${1:-}

say() { printf 'xmpp %s: %s\n' "$COMMAND" "$*"; }
die() {
  printf 'xmpp %s: %s\n' "$COMMAND" "$*" >&2
  exit 1
}

# ---------------------------------------------------------------------------
# Owners and files (init, rotate-jwt-key)
# ---------------------------------------------------------------------------

# AERO_XMPP_SET_OWNERS=no leaves owners alone (a check of the files outside a container).
owners_wanted() { [ "${AERO_XMPP_SET_OWNERS:-yes}" != "no" ]; }

read_owners() {
  ejabberd_user=${AERO_EJABBERD_USER:?AERO_EJABBERD_USER (uid:gid of ejabberd and xmpp-bridge) is not set}
  platform_gid=${AERO_PLATFORM_GID:?AERO_PLATFORM_GID (deploy/Dockerfile aero group) is not set}
  ejabberd_uid=${ejabberd_user%%:*}
  ejabberd_gid=${ejabberd_user#*:}
  if ! owners_wanted; then
    return 0
  fi
  [ "$(id -u)" = 0 ] || die "must run as root to set the owners of the XMPP volumes"
  # ejabberd runs as ejabberd_uid (its service's `user:`); if the image's own account moved,
  # ejabberd could no longer write its database: stop here rather than later.
  image_uid=$(id -u ejabberd 2>/dev/null) || die "this image has no ejabberd account: is it the ejabberd image?"
  [ "$image_uid" = "$ejabberd_uid" ] ||
    die "the image's ejabberd account is uid $image_uid, the compose file says $ejabberd_uid (AERO_EJABBERD_USER): make them agree"
}

# set_owner <mode> <owner:group> <path>
set_owner() {
  chmod "$1" "$3"
  if owners_wanted; then
    chown "$2" "$3"
  fi
}

# install_file <file> <mode> <owner:group>: standard input into <file>, replaced at once, never
# readable by anyone else on the way.
install_file() {
  tmp=$1.new.$$
  (umask 077 && cat >"$tmp") || {
    rm -f "$tmp"
    die "cannot write $1"
  }
  set_owner "$2" "$3" "$tmp"
  mv -f "$tmp" "$1"
}

# An HS256 key: 32 random bytes, base64url without padding (43 characters).
random_jwk() {
  k=$(head -c 32 /dev/urandom | base64 | tr -d '\n=' | tr '+/' '-_')
  [ "${#k}" -eq 43 ] || die "could not make a random key"
  printf '{"kty":"oct","use":"sig","k":"%s"}\n' "$k"
}

# 24 random bytes, hex (48 characters).
random_password() {
  p=$(head -c 24 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
  [ "${#p}" -eq 48 ] || die "could not make a random password"
  printf '%s\n' "$p"
}

# A self-signed certificate for the domain and localhost (key and certificate in one PEM), so
# that ejabberd can require STARTTLS from its first start; xmpp-bridge replaces it.
bootstrap_certificate() {
  domain=${AERO_XMPP_DOMAIN:?AERO_XMPP_DOMAIN is not set}
  key=$TLS_DIR/bootstrap.key.$$
  if command -v openssl >/dev/null 2>&1 &&
    (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
      -subj "/CN=$domain" -addext "subjectAltName=DNS:$domain,DNS:localhost" \
      -keyout "$key" -out "$TLS_DIR/bootstrap.pem" >/dev/null 2>&1); then
    cat "$TLS_DIR/bootstrap.pem" "$key" | install_file "$CERTIFICATE" 0600 "$ejabberd_uid:$ejabberd_gid"
    rm -f "$key"
    set_owner 0644 "$ejabberd_uid:$ejabberd_gid" "$TLS_DIR/bootstrap.pem"
    say "made a self-signed bootstrap certificate for $domain (xmpp-bridge replaces it from the platform CA)"
  elif [ -s "$IMAGE_CERTIFICATE" ]; then
    rm -f "$key"
    install_file "$CERTIFICATE" 0600 "$ejabberd_uid:$ejabberd_gid" <"$IMAGE_CERTIFICATE"
    say "no openssl here: the image's own self-signed certificate serves until xmpp-bridge writes one from the platform CA"
  else
    rm -f "$key"
    die "cannot make a bootstrap certificate (no openssl, no $IMAGE_CERTIFICATE)"
  fi
}

cmd_init() {
  read_owners
  mkdir -p "$SECRETS_DIR" "$TLS_DIR"
  set_owner 0750 "$ejabberd_uid:$platform_gid" "$SECRETS_DIR"
  set_owner 0700 "$ejabberd_uid:$ejabberd_gid" "$TLS_DIR"
  if [ ! -s "$JWT_KEY" ]; then
    random_jwk | install_file "$JWT_KEY" 0640 "$ejabberd_uid:$platform_gid"
    say "made the token key $JWT_KEY"
  fi
  if [ ! -s "$PASSWORD_FILE" ]; then
    random_password | install_file "$PASSWORD_FILE" 0600 "$ejabberd_uid:$ejabberd_gid"
    say "made the bridge's password $PASSWORD_FILE"
  fi
  if [ ! -s "$CERTIFICATE" ]; then
    bootstrap_certificate
  fi
  # Owners and modes again on every start: files restored from a backup come out right too.
  set_owner 0640 "$ejabberd_uid:$platform_gid" "$JWT_KEY"
  set_owner 0600 "$ejabberd_uid:$ejabberd_gid" "$PASSWORD_FILE"
  set_owner 0600 "$ejabberd_uid:$ejabberd_gid" "$CERTIFICATE"
  say "XMPP secrets and certificate in place"
}

cmd_rotate_jwt_key() {
  read_owners
  [ -s "$JWT_KEY" ] || die "there is no token key yet: start the deployment once first"
  random_jwk | install_file "$JWT_KEY" 0640 "$ejabberd_uid:$platform_gid"
  say "wrote a new token key to $JWT_KEY; sp-service reads it at its next token, ejabberd at 'ejabberdctl reload_config'"
}

# ---------------------------------------------------------------------------
# ejabberd
# ---------------------------------------------------------------------------

# Registers the bridge's account, or sets its password again when the file changed (each
# ejabberdctl call starts an Erlang VM, about a second). If that fails, ejabberd is stopped, so
# that the container restarts and says why, instead of running without the bridge.
bridge_account() {
  until ejabberdctl status >/dev/null 2>&1; do
    sleep 2
  done
  password=$(cat "$PASSWORD_FILE")
  if ejabberdctl check_password "$bridge_user" "$domain" "$password" >/dev/null 2>&1; then
    :
  elif ejabberdctl check_account "$bridge_user" "$domain" >/dev/null 2>&1; then
    if ! ejabberdctl change_password "$bridge_user" "$domain" "$password" >/dev/null; then
      say "could not set the password of $bridge_user@$domain; stopping ejabberd"
      ejabberdctl stop >/dev/null 2>&1 || true
      return 1
    fi
    say "set the password of $bridge_user@$domain from $PASSWORD_FILE"
  else
    if ! ejabberdctl register "$bridge_user" "$domain" "$password" >/dev/null; then
      say "could not register $bridge_user@$domain; stopping ejabberd"
      ejabberdctl stop >/dev/null 2>&1 || true
      return 1
    fi
    say "registered $bridge_user@$domain"
  fi
  : >"$ACCOUNT_READY"
}

cmd_ejabberd() {
  domain=${AERO_XMPP_DOMAIN:?AERO_XMPP_DOMAIN is not set}
  bridge_user=${AERO_XMPP_BRIDGE_USER:-xmpp-bridge}
  [ -r "$PASSWORD_FILE" ] || die "cannot read $PASSWORD_FILE (has xmpp-init run?)"
  [ -r "$JWT_KEY" ] || die "cannot read $JWT_KEY (has xmpp-init run?)"
  [ -r "$CERTIFICATE" ] || die "cannot read $CERTIFICATE (has xmpp-init run?)"
  rm -f "$ACCOUNT_READY"
  bridge_account &
  # What the image itself runs.
  exec ejabberdctl foreground
}

# ---------------------------------------------------------------------------
# xmpp-bridge
# ---------------------------------------------------------------------------

cmd_bridge() {
  [ -r "$PASSWORD_FILE" ] || die "cannot read $PASSWORD_FILE (has xmpp-init run?)"
  AERO_XMPP_BRIDGE_PASSWORD=$(cat "$PASSWORD_FILE")
  [ -n "$AERO_XMPP_BRIDGE_PASSWORD" ] || die "$PASSWORD_FILE is empty"
  export AERO_XMPP_BRIDGE_PASSWORD
  # deploy/Dockerfile's ENTRYPOINT, which this command stands in for; JAVA_OPTS is split into
  # words on purpose.
  # shellcheck disable=SC2086
  exec java -XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError ${JAVA_OPTS:-} -jar /app/app.jar "$@"
}

[ $# -gt 0 ] && shift
case $COMMAND in
  init) cmd_init ;;
  rotate-jwt-key) cmd_rotate_jwt_key ;;
  ejabberd) cmd_ejabberd ;;
  bridge) cmd_bridge "$@" ;;
  *)
    printf 'usage: %s init | rotate-jwt-key | ejabberd | bridge [args]\n' "$0" >&2
    exit 2
    ;;
esac

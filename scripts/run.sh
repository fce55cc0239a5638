#!/usr/bin/env bash
# Sets up everything and runs the app on http://127.0.0.1:3000 (release build).
# The first run compiles the server and the browser bundle: about 15 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

step "first run? Compiling takes about 15 minutes (server and wasm bundle, release); later runs take seconds"
bash scripts/setup.sh

export DATABASE_URL="${DATABASE_URL:-postgres://user_service:user_service@127.0.0.1:5432/user_service}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
# The development mail server setup.sh started: every mail lands in $DEV_MAILDIR/new.
export SMTP_URL="${SMTP_URL:-smtp://127.0.0.1:$DEV_SMTP_PORT}"
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
# Plain http on localhost: a Secure cookie would not be sent back by some browsers.
export COOKIE_SECURE="${COOKIE_SECURE:-false}"

bash scripts/build-site.sh release
step "building the server (release)"
cargo build --release --features ssr --bin user-service

step "database"
db_name="${DATABASE_URL##*/}"
db_name="${db_name%%\?*}"
server_url="${DATABASE_URL%/*}"
if ! psql "$server_url/postgres" -Atqc "select 1 from pg_database where datname = '$db_name'" | grep -q 1; then
  note "creating database $db_name"
  psql "$server_url/postgres" -qc "CREATE DATABASE \"$db_name\""
fi
./target/release/user-service migrate

# Access tokens for the platform's services: a signing key and a service credential for
# development, made once and kept in target/ (production sets its own; see the README).
if [ -z "${TOKEN_SIGNING_KEY:-}${TOKEN_SIGNING_KEY_FILE:-}" ]; then
  export TOKEN_SIGNING_KEY_FILE=target/dev-token-signing-key.pem
  [ -f "$TOKEN_SIGNING_KEY_FILE" ] ||
    ./target/release/user-service generate-signing-key --out "$TOKEN_SIGNING_KEY_FILE" >/dev/null
fi
if [ -z "${SERVICE_CREDENTIALS:-}" ]; then
  [ -f target/dev-service-secret ] ||
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >target/dev-service-secret)
  export SERVICE_CREDENTIALS="dev:$(cat target/dev-service-secret)"
fi

demo_email=admin@example.com
demo_password=admin-demo-2026
if USER_SERVICE_ADMIN_PASSWORD="$demo_password" ./target/release/user-service create-admin \
  --email "$demo_email" --name "데모 관리자" --phone 010-0000-0000 2>/tmp/user-service-create-admin.err; then
  note "demo admin created"
elif grep -q "already exists" /tmp/user-service-create-admin.err; then
  note "demo admin already exists"
else
  cat /tmp/user-service-create-admin.err >&2
  exit 1
fi

cat <<MSG

  ┌───────────────────────────────────────────────────────────┐
    The app runs on http://$LEPTOS_SITE_ADDR
    Sign in as the demo admin:
      e-mail    $demo_email
      password  $demo_password
    Mail the app sends (codes, notices) is kept in
      $DEV_MAILDIR/new
    The JSON API: http://$LEPTOS_SITE_ADDR/api/v1/openapi.json
      service credential  Authorization: Bearer ${SERVICE_CREDENTIALS#*:}
    Stop with Ctrl-C.
  └───────────────────────────────────────────────────────────┘

MSG
exec ./target/release/user-service serve

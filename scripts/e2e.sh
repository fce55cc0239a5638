#!/usr/bin/env bash
# Runs the Playwright tests (end2end/) in Chromium against the debug server, with a database of
# their own that is dropped afterwards. Expects scripts/setup.sh --for-tests and
# scripts/build-site.sh to have run. Extra arguments go to `playwright test`.
# Environment: TEST_PG_URL (a PostgreSQL server URL without a database name), TEST_REDIS_URL,
# TEST_SMTP_URL and TEST_MAILDIR (the mail server and the Maildir it writes; by default the
# development one setup.sh starts).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

pg_url="${TEST_PG_URL:-postgres://user_service:user_service@127.0.0.1:5432}"
redis_url="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
smtp_url="${TEST_SMTP_URL:-smtp://127.0.0.1:$DEV_SMTP_PORT}"
export MAILDIR="${TEST_MAILDIR:-$DEV_MAILDIR}"
db="user_service_e2e_$(date +%s)_$RANDOM"
port=$(free_port)
server_pid=""

cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  # Every Redis key that names a test user or known browser (session indexes and the sessions
  # in them, access versions, failure counts, locks), then the database.
  for id in $(psql "$pg_url/$db" -Atqc "SELECT id FROM users UNION ALL SELECT id FROM known_devices" 2>/dev/null || true); do
    sessions=$(redis-cli -u "$redis_url" --raw SMEMBERS "user_sessions:$id" 2>/dev/null || true)
    keys=$(redis-cli -u "$redis_url" --raw --scan --pattern "*$id*" 2>/dev/null || true)
    # shellcheck disable=SC2086 # one argument per key
    [ -n "$sessions$keys" ] && redis-cli -u "$redis_url" DEL $sessions $keys >/dev/null 2>&1 || true
  done
  psql "$pg_url/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

step "browser tests: server on 127.0.0.1:$port, database $db"
cargo build --quiet --features ssr --bin user-service
psql "$pg_url/postgres" -qc "CREATE DATABASE \"$db\""

export DATABASE_URL="$pg_url/$db" REDIS_URL="$redis_url" SMTP_URL="$smtp_url" COOKIE_SECURE=false BCRYPT_COST=4 \
  SIGN_IN_LIMIT_PER_MINUTE=10000 SIGN_UP_LIMIT_PER_HOUR=10000 RECOVERY_LIMIT_PER_HOUR=10000 \
  LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG="${RUST_LOG:-warn}"
export E2E_ADMIN_EMAIL=admin@e2e-test.kr E2E_ADMIN_PASSWORD="e2e-admin-$RANDOM-pass"
./target/debug/user-service migrate >/dev/null
printf '%s\n' "$E2E_ADMIN_PASSWORD" | ./target/debug/user-service create-admin \
  --email "$E2E_ADMIN_EMAIL" --name "테스트 관리자" --phone 010-0000-0001 --password-stdin >/dev/null
./target/debug/user-service serve >target/e2e-server.log 2>&1 &
server_pid=$!
if ! wait_for_http "http://127.0.0.1:$port/readyz" 30; then
  cat target/e2e-server.log
  note "redis ($redis_url): $(redis-cli -u "$redis_url" ping 2>&1)"
  die "the server did not become ready"
fi

cd end2end
BASE_URL="http://127.0.0.1:$port" npx playwright test "$@"

#!/usr/bin/env bash
# Times `user-service seed` against its plain-SQL reference (scripts/reference-seed.sql), each
# into a scratch database of its own with the app's schema, and prints both and the ratio.
#
#   bash scripts/seed-bench.sh        # SEED_USERS=1000000 by default
#
# Uses the release binary (built if missing; SEED_BIN=path times another build, e.g. an older
# commit's). The scratch databases are dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

users=${SEED_USERS:-1000000}
bin=${SEED_BIN:-./target/release/user-service}
[ -x "$bin" ] || cargo build --release --features ssr --bin user-service
pg=${SEED_PG_URL:-postgres://user_service:user_service@127.0.0.1:5432}
app_db="user_service_seed_app_$$"
ref_db="user_service_seed_ref_$$"
cleanup() {
  for db in "$app_db" "$ref_db"; do
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

for db in "$app_db" "$ref_db"; do
  psql "$pg/postgres" -qc "CREATE DATABASE \"$db\""
  DATABASE_URL="$pg/$db" "$bin" migrate >/dev/null
done
seconds_since() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

step "user-service seed --users $users"
started=$(date +%s%N)
DATABASE_URL="$pg/$app_db" BCRYPT_COST=4 RUST_LOG=warn "$bin" seed --users "$users" </dev/null
app_s=$(seconds_since "$started")

step "reference: psql -f scripts/reference-seed.sql ($users owners)"
started=$(date +%s%N)
psql "$pg/$ref_db" -q -v users="$users" -f scripts/reference-seed.sql >/dev/null
ref_s=$(seconds_since "$started")

for db in "$app_db" "$ref_db"; do
  count=$(psql "$pg/$db" -Atqc "SELECT count(*) FROM users u JOIN stores s ON s.user_id = u.id")
  [ "$count" -eq "$users" ] || die "$db holds $count owners with stores, not $users"
done
echo "seed, $users owners with stores: app ${app_s} s, reference SQL ${ref_s} s, app/reference $(awk -v a="$app_s" -v r="$ref_s" 'BEGIN { printf "%.2f", a / r }')x"

#!/usr/bin/env bash
# Benchmarks the release build against a database of a million owners and prints a table:
# requests per second and p50/p99 latency (wrk) of the sign-in page, a signed-in owner's
# profile, the admin user table (search and sort) and sign-in itself (bcrypt cost 12); the
# profile again during a storm of 50 concurrent sign-ins; start-up time and peak memory.
#
#   bash scripts/bench.sh              # BENCH_USERS=1000000, BENCH_SECONDS=10 by default
#
# The seeded database (user_service_bench) is kept for the next run; sessions live in a
# private Redis that is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

users=${BENCH_USERS:-1000000}
seconds=${BENCH_SECONDS:-10}
connections=50

bash scripts/setup.sh
if ! command -v wrk >/dev/null; then
  step "installing wrk (the load generator)"
  SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi
bash scripts/build-site.sh release
step "building the server (release)"
cargo build --release --features ssr --bin user-service
bin=./target/release/user-service

work=$(mktemp -d)
redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --daemonize yes \
  --logfile "$work/redis.log"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

pg=postgres://user_service:user_service@127.0.0.1:5432
export DATABASE_URL="$pg/user_service_bench"
export REDIS_URL="redis://127.0.0.1:$redis_port"
export COOKIE_SECURE=false BCRYPT_COST=12 RUST_LOG=warn
export SIGN_IN_LIMIT_PER_MINUTE=1000000 SIGN_UP_LIMIT_PER_HOUR=1000000
port=$(free_port)
export LEPTOS_SITE_ADDR="127.0.0.1:$port"
base="http://127.0.0.1:$port"

step "database with $users owners"
if ! psql "$pg/postgres" -Atqc "select 1 from pg_database where datname = 'user_service_bench'" | grep -q 1; then
  psql "$pg/postgres" -qc 'CREATE DATABASE user_service_bench'
fi
$bin migrate
have=$(psql "$DATABASE_URL" -Atqc "select count(*) from users where role = 'OWNER'")
if [ "$have" -lt "$users" ]; then
  note "seeding (about a minute per million)"
  psql "$DATABASE_URL" -qc 'TRUNCATE users CASCADE; TRUNCATE admin_audit_log'
  BCRYPT_COST=4 $bin seed --users "$users"
  psql "$DATABASE_URL" -qc 'VACUUM ANALYZE users, stores'
else
  note "$have owners already there"
fi

step "starting the server"
started=$(date +%s%N)
$bin serve >"$work/server.log" 2>&1 &
server_pid=$!
until curl -fsS -o /dev/null "$base/readyz" 2>/dev/null; do
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; die "the server stopped"; }
  sleep 0.01
done
startup_ms=$(( ($(date +%s%N) - started) / 1000000 ))
note "ready in ${startup_ms} ms"
idle_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$server_pid/status")

# A bench owner (signed up through the app) and a bench admin, each with a session cookie.
suffix=$(date +%s%N)
owner_email="bench-$suffix@example.com"
password="bench-password-$suffix"
curl -fsS -o /dev/null "$base/api/signup" --data-urlencode "name=벤치사장" \
  --data-urlencode "phone_number=010$(printf '%08d' $((suffix % 100000000)))" \
  --data-urlencode "email=$owner_email" --data-urlencode "password=$password" \
  --data-urlencode "password_confirm=$password" --data-urlencode "store_name=벤치 카페" \
  --data-urlencode "industry=카페" --data-urlencode "address=서울특별시 중구 1" \
  --data-urlencode "business_hours=매일 09:00-21:00"
admin_email="bench-admin-$suffix@example.com"
USER_SERVICE_ADMIN_PASSWORD="$password" $bin create-admin --email "$admin_email" \
  --name "벤치관리자" --phone "011$(printf '%08d' $((suffix % 100000000)))" >/dev/null
cookie_for() { # cookie_for EMAIL: signs in and prints the session cookie
  curl -fsS -o /dev/null -c - "$base/api/login" --data-urlencode "email=$1" \
    --data-urlencode "password=$password" | awk '$6 == "user_service_session" { print $6 "=" $7 }'
}
owner_cookie=$(cookie_for "$owner_email")
admin_cookie=$(cookie_for "$admin_email")
[ -n "$owner_cookie" ] && [ -n "$admin_cookie" ] || die "could not sign in the bench accounts"

cat >"$work/sign-in.lua" <<LUA
wrk.method = "POST"
wrk.body = "email=$owner_email&password=$password"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA

rows=()
measure() { # measure LABEL CONNECTIONS [wrk args...]: one wrk run, one table row
  local label=$1 conns=$2; shift 2
  local out
  out=$(wrk -t2 -c"$conns" -d"${seconds}s" --timeout 30s --latency "$@")
  rows+=("$(summarize "$label" "$conns" "$out")")
}
summarize() { # summarize LABEL CONNECTIONS WRK_OUTPUT: a markdown table row
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' <<<"$3")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$3")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$3")
  errors=$(awk '/Non-2xx or 3xx/ { print $NF } /Socket errors/ { print }' <<<"$3" | paste -sd' ')
  printf '| %s | %s | %s | %s | %s | %s |' "$1" "$2" "$rps" "$p50" "$p99" "${errors:-none}"
}

step "measuring (${seconds} s per row)"
measure "GET /login (anonymous)" $connections "$base/login"
measure "GET /profile (signed-in owner)" $connections -H "Cookie: $owner_cookie" "$base/profile"
admin_view() { # admin_view LABEL PATH: one row for a view of the user table
  measure "$1" $connections -H "Cookie: $admin_cookie" "$base$2"
}
admin_view "GET /admin/users (page 1, newest first)" "/admin/users"
admin_view "GET /admin/users?page=500" "/admin/users?sort=created_at&dir=desc&page=500"
admin_view "GET /admin/users?status=LOCKED&page=50 (rare status)" "/admin/users?status=LOCKED&page=50"
admin_view "GET /admin/users?q=김민준 (1% match)" "/admin/users?q=%EA%B9%80%EB%AF%BC%EC%A4%80"
admin_view "GET /admin/users?q=kim&sort=name (25% match)" "/admin/users?q=kim&sort=name"
measure "POST /api/login (sign-in, bcrypt 12)" 8 -s "$work/sign-in.lua" "$base/api/login"

# The storm: 50 concurrent sign-ins for longer than the profile is measured.
wrk -t1 -c50 -d"$((seconds + 4))s" --timeout 60s --latency -s "$work/sign-in.lua" "$base/api/login" \
  >"$work/storm.txt" &
storm=$!
sleep 2
measure "GET /profile during 50 concurrent sign-ins" $connections -H "Cookie: $owner_cookie" "$base/profile"
wait "$storm"
rows+=("$(summarize "POST /api/login (the storm itself)" 50 "$(cat "$work/storm.txt")")")

peak_kb=$(awk '/VmHWM/ { print $2 }' "/proc/$server_pid/status")
rss_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$server_pid/status")

step "results ($(nproc) cores, $users owners, release build)"
echo "| request | connections | requests/s | p50 | p99 | errors |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "start-up to ready: ${startup_ms} ms"
echo "server memory: idle after start-up $((idle_kb / 1024)) MB, peak $((peak_kb / 1024)) MB, at the end $((rss_kb / 1024)) MB"

#!/usr/bin/env bash
# Counts the instructions the release server spends on one request of a page, under
# valgrind's callgrind, and lists the functions that cost the most. Instructions, not seconds:
# the count is the same from run to run whatever else the machine is doing, so a change to
# the rendering can be judged on one run (scripts/bench.sh gives the requests per second).
#
#   bash scripts/profile-request.sh                 # GET /profile as a signed-in owner
#   bash scripts/profile-request.sh /login          # anonymous
#   PROFILE_AS=admin bash scripts/profile-request.sh /admin/users
#   PROFILE_REQUESTS=200 bash scripts/profile-request.sh /profile
#
# The database (user_service_profile, a few owners) is made anew each run; Redis and the mail
# server are private and stopped at the end. The measured requests' callgrind output stays in
# target/callgrind.out.1 for callgrind_annotate or KCachegrind.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

path=${1:-/profile}
requests=${PROFILE_REQUESTS:-100}
as=${PROFILE_AS:-owner}
command -v valgrind >/dev/null || die "valgrind is missing (apt-get install valgrind)"

bash scripts/setup.sh >/dev/null
bash scripts/build-site.sh release >/dev/null
step "building the server (release)"
# The same command as bench.sh, so the two share one build.
cargo build --release --features ssr --bin user-service --example reference_server
bin=${CARGO_TARGET_DIR:-target}/release/user-service

work=$(mktemp -d)
start_private_services "$work"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  stop_private_services
  rm -rf "$work"
}
trap cleanup EXIT

pg=postgres://user_service:user_service@127.0.0.1:5432
psql "$pg/postgres" -qc 'DROP DATABASE IF EXISTS user_service_profile' -qc 'CREATE DATABASE user_service_profile'
export DATABASE_URL="$pg/user_service_profile"
export REDIS_URL="redis://127.0.0.1:$redis_port" SMTP_URL="smtp://127.0.0.1:$smtp_port"
export COOKIE_SECURE=false BCRYPT_COST=4 RUST_LOG=warn
port=$(free_port)
export LEPTOS_SITE_ADDR="127.0.0.1:$port"
base="http://127.0.0.1:$port"
$bin migrate >/dev/null
$bin seed --users 1000 >/dev/null 2>&1

step "starting the server under callgrind"
# Collection starts off: start-up and the first requests (connection pools, lazy statics)
# are not what a request costs.
rm -f target/callgrind.out*
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=target/callgrind.out \
  "$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!
wait_for_http "$base/readyz" 120 || { cat "$work/server.log"; die "the server did not start"; }

password="profile-password-2026"
email="profile-owner@example.com"
curl -fsS -o /dev/null "$base/api/signup" --data-urlencode "name=프로필사장" \
  --data-urlencode "phone_number=01055550000" --data-urlencode "email=$email" \
  --data-urlencode "password=$password" --data-urlencode "password_confirm=$password" \
  --data-urlencode "store_name=프로필 카페" --data-urlencode "industry=카페" \
  --data-urlencode "address=서울특별시 중구 1" --data-urlencode "business_hours=매일 09:00-21:00"
if [ "$as" = admin ]; then
  email="profile-admin@example.com"
  USER_SERVICE_ADMIN_PASSWORD="$password" $bin create-admin --email "$email" --name "프로필관리자" \
    --phone 01155550000 >/dev/null
fi
cookie=$(curl -fsS -o /dev/null -c - "$base/api/login" --data-urlencode "email=$email" \
  --data-urlencode "password=$password" | awk '$6 == "user_service_session" { print $6 "=" $7 }')
[ -n "$cookie" ] || die "could not sign in"
[ "$path" = /login ] && cookie="anonymous=1"

fetch() { curl -sS -o /dev/null -w '%{http_code} %{size_download}\n' -H "Cookie: $cookie" "$base$path"; }
for _ in $(seq 1 20); do fetch >/dev/null; done # warm-up
read -r code size <<<"$(fetch)"
callgrind_control -i on "$server_pid" >/dev/null
for _ in $(seq 1 "$requests"); do fetch >/dev/null; done
callgrind_control -i off "$server_pid" >/dev/null
callgrind_control -d "$server_pid" >/dev/null
sleep 1

out=target/callgrind.out.1 # the dump above
total=$(awk '/^totals:/ { print $2; exit }' "$out")
step "GET $path: $code, $size bytes"
callgrind_annotate --inclusive=yes "$out" 2>/dev/null | sed -n '/file:function/,$p' | sed -n 3,62p | cut -c1-200 || true
echo
echo "instructions per request: $((total / requests)) (GET $path, $requests requests, $as)"

#!/usr/bin/env bash
# Benchmarks the release build against a database of a million owners and prints a table:
# requests per second and p50/p99 latency (wrk) of the sign-in page, a signed-in owner's
# profile, the admin user table (search and sort) and sign-in itself (bcrypt cost 12); the
# profile again during a storm of 50 concurrent sign-ins; start-up time, peak memory and the
# browser bundle's size.
#
# The profile and the user table are also measured on a hand-written reference server
# (examples/reference_server.rs: axum + sqlx + fred, the same tables and queries, HTML written
# into a String), started next to the app against the same database and Redis, each row right
# after the app's: the table shows both and the ratio app/reference.
#
#   bash scripts/bench.sh              # BENCH_USERS=1000000, BENCH_SECONDS=10 by default
#   BENCH_SEED=1 bash scripts/bench.sh # also time the seed against its SQL reference
#                                      # (scripts/seed-bench.sh; about two more minutes)
#   BENCH_CPU=1 bash scripts/bench.sh  # also where each request's CPU time goes (see ticks)
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
step "building the server and the reference server (release)"
# One cargo command for both: the example's dev-dependencies unify features, so two commands
# would build the library twice.
cargo build --release --features ssr --bin user-service --example reference_server
bin=./target/release/user-service
reference_bin=./target/release/examples/reference_server

work=$(mktemp -d)
start_private_services "$work"
server_pid=""
reference_pid=""
cleanup() {
  # `|| true`: a server stopped by its signal "fails" its wait, which would end the cleanup
  # here (set -e) with that status and leave the private Redis and mail server running.
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -n "$reference_pid" ] && kill "$reference_pid" 2>/dev/null && wait "$reference_pid" 2>/dev/null || true
  stop_private_services
  rm -rf "$work"
}
trap cleanup EXIT

pg=postgres://user_service:user_service@127.0.0.1:5432
export DATABASE_URL="$pg/user_service_bench"
export REDIS_URL="redis://127.0.0.1:$redis_port"
export SMTP_URL="smtp://127.0.0.1:$smtp_port"
export COOKIE_SECURE=false BCRYPT_COST=12 RUST_LOG=warn
export SIGN_IN_LIMIT_PER_MINUTE=1000000 SIGN_UP_LIMIT_PER_HOUR=1000000 RECOVERY_LIMIT_PER_HOUR=1000000
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

step "starting the reference server"
reference_port=$(free_port)
reference="http://127.0.0.1:$reference_port"
REFERENCE_ADDR="127.0.0.1:$reference_port" $reference_bin >"$work/reference.log" 2>&1 &
reference_pid=$!
until curl -fsS -o /dev/null "$reference/readyz" 2>/dev/null; do
  kill -0 "$reference_pid" 2>/dev/null || { cat "$work/reference.log"; die "the reference server stopped"; }
  sleep 0.01
done
# Its sessions, for the same two accounts, written straight into the same Redis.
reference_cookie_for() { # reference_cookie_for EMAIL ROLE: a reference session cookie
  local id token
  id=$(psql "$DATABASE_URL" -Atqc "SELECT id FROM users WHERE email = '$1'")
  token="$(date +%s%N)$RANDOM"
  redis-cli -p "$redis_port" SET "reference_session:$token" "$id $2" >/dev/null
  echo "reference_session=$token"
}
owner_reference_cookie=$(reference_cookie_for "$owner_email" OWNER)
admin_reference_cookie=$(reference_cookie_for "$admin_email" ADMIN)
for page in "/profile -H Cookie:$owner_reference_cookie" "/admin/users -H Cookie:$admin_reference_cookie"; do
  # shellcheck disable=SC2086 # the path and its header as separate arguments
  set -- $page
  curl -fsS -o /dev/null "$reference$1" "$2" "$3" || die "the reference server does not serve $1"
done
for page in "/profile -H Cookie:$owner_cookie" "/admin/users -H Cookie:$admin_cookie"; do
  # shellcheck disable=SC2086
  set -- $page
  code=$(curl -sS -o /dev/null -w '%{http_code}' "$base$1" "$2" "$3")
  [ "$code" = 200 ] || die "the app answers $1 with $code"
done

cat >"$work/sign-in.lua" <<LUA
wrk.method = "POST"
wrk.body = "email=$owner_email&password=$password"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA

rows=()
# BENCH_CPU=1: the CPU time each run took, from the kernel's own accounting of the processes
# (user and system time in /proc/PID/stat, in clock ticks), per request: the server's own code
# (its user time), the kernel on its behalf (its system time), PostgreSQL (every process of
# the cluster, and those that ended meanwhile), Redis, and wrk itself.
ticks() { # ticks PID [with-children]: "user system" clock ticks of PID (and its children)
  local stat fields user system child child_ticks
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  read -r -a fields <<<"${stat##*) }" # after the command name: state, ppid, ..., utime, stime
  user=${fields[11]} system=${fields[12]}
  if [ "${2:-}" = with-children ]; then
    # Children that ended were added to cutime and cstime; live ones are read one by one.
    user=$((user + fields[13])) system=$((system + fields[14]))
    for child in $(pgrep -P "$1"); do
      child_ticks=$(ticks "$child") || continue # it ended just now
      user=$((user + ${child_ticks% *})) system=$((system + ${child_ticks#* }))
    done
  fi
  echo "$user $system"
}
if [ "${BENCH_CPU:-0}" = 1 ]; then
  # The oldest postgres process, which forked the others.
  postmaster_pid=$(pgrep -o -x postgres) || die "BENCH_CPU=1: no postgres process to account"
  redis_pid=$(redis-cli -p "$redis_port" info server | tr -d '\r' | awk -F: '$1 == "process_id" { print $2 }')
fi
# Its rows go to a file: wrk_run runs in the subshell of a command substitution.
cpu_table="$work/cpu.txt"
cpu_row() { # cpu_row LABEL WRK_OUTPUT_FILE BEFORE AFTER WRK_CPU: a row of $cpu_table
  local requests
  requests=$(awk '/ requests in / { print $1 }' "$2")
  awk -v label="$1" -v hz="$(getconf CLK_TCK)" -v n="${requests:-0}" \
    -v before="$3" -v after="$4" -v wrk_cpu="$5" 'BEGIN {
      split(before, b); split(after, a); split(wrk_cpu, w)
      if (n == 0) { printf "| %s | no requests | | | | |\n", label; exit }
      us = 1e6 / hz / n
      printf "| %s | %.0f | %.0f | %.0f | %.0f | %.0f |\n", label, (a[1] - b[1]) * us,
        (a[2] - b[2]) * us, (a[3] + a[4] - b[3] - b[4]) * us, (a[5] + a[6] - b[5] - b[6]) * us,
        (w[1] + w[2]) * 1e6 / n
    }' >>"$cpu_table"
}
wrk_once() { # wrk_once CONNECTIONS [wrk args...]: one run of wrk, its output
  local conns=$1; shift
  wrk -t2 -c"$conns" -d"${seconds}s" --timeout 30s --latency "$@"
}
wrk_run() { # wrk_run SERVER_PID CPU_LABEL CONNECTIONS [wrk args...]: wrk's output; with
  # BENCH_CPU=1 and a CPU_LABEL, also a row of where the run's CPU time went
  local pid=$1 label=$2; shift 2
  if [ "${BENCH_CPU:-0}" != 1 ] || [ -z "$label" ]; then
    wrk_once "$@"
    return
  fi
  local before after wrk_cpu TIMEFORMAT='%3U %3S'
  before="$(ticks "$pid") $(ticks "$postmaster_pid" with-children) $(ticks "$redis_pid")"
  wrk_cpu=$({ time wrk_once "$@" >"$work/wrk.txt"; } 2>&1)
  after="$(ticks "$pid") $(ticks "$postmaster_pid" with-children) $(ticks "$redis_pid")"
  cpu_row "$label" "$work/wrk.txt" "$before" "$after" "$wrk_cpu"
  cat "$work/wrk.txt"
}
figures() { # figures WRK_OUTPUT: "requests/s p50 p99 errors"
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' <<<"$1")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$1")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$1")
  errors=$(awk '/Non-2xx or 3xx/ { print $NF " non-2xx" } /Socket errors/ { sub(/^ */, ""); print }' <<<"$1" | paste -sd' ')
  echo "$rps $p50 $p99 ${errors:-none}"
}
measure() { # measure LABEL CONNECTIONS [wrk args...]: one wrk run, one table row
  local label=$1 conns=$2 rps p50 p99 errors; shift 2
  read -r rps p50 p99 errors <<<"$(figures "$(wrk_run "$server_pid" "${cpu_label-$label}" "$conns" "$@")")"
  rows+=("| $label | $conns | $rps | $p50 | $p99 | | | | $errors |")
}
compare() { # compare LABEL PATH APP_COOKIE REFERENCE_COOKIE: the app, then the reference
  local label=$1 path=$2 rps p50 p99 errors ref_rps ref_p50 ref_p99 ref_errors ratio
  read -r rps p50 p99 errors \
    <<<"$(figures "$(wrk_run "$server_pid" "$label" $connections -H "Cookie: $3" "$base$path")")"
  read -r ref_rps ref_p50 ref_p99 ref_errors <<<"$(figures "$(wrk_run "$reference_pid" \
    "$label (reference)" $connections -H "Cookie: $4" "$reference$path")")"
  ratio=$(awk -v a="$rps" -v r="$ref_rps" 'BEGIN { if (r > 0) printf "%.2fx", a / r; else print "-" }')
  [ "$ref_errors" = none ] || errors="$errors (reference: $ref_errors)"
  rows+=("| $label | $connections | $rps | $p50 | $p99 | $ref_rps | $ref_p99 | $ratio | $errors |")
}

step "measuring (${seconds} s per row and server)"
measure "GET /login (anonymous)" $connections "$base/login"
compare "GET /profile (signed-in owner)" "/profile" "$owner_cookie" "$owner_reference_cookie"
admin_view() { # admin_view LABEL PATH: a view of the user table, app and reference
  compare "$1" "$2" "$admin_cookie" "$admin_reference_cookie"
}
admin_view "GET /admin/users (page 1, newest first)" "/admin/users"
admin_view "GET /admin/users?page=500" "/admin/users?sort=created_at&dir=desc&page=500"
measure "GET /admin/users?status=LOCKED&page=50 (rare status)" $connections \
  -H "Cookie: $admin_cookie" "$base/admin/users?status=LOCKED&page=50"
admin_view "GET /admin/users?q=김민준 (1% match)" "/admin/users?q=%EA%B9%80%EB%AF%BC%EC%A4%80"
admin_view "GET /admin/users?q=kim&sort=name (25% match)" "/admin/users?q=kim&sort=name"
measure "POST /api/login (sign-in, bcrypt 12)" 8 -s "$work/sign-in.lua" "$base/api/login"

# The storm: 50 concurrent sign-ins for longer than the profile is measured.
wrk -t1 -c50 -d"$((seconds + 4))s" --timeout 60s --latency -s "$work/sign-in.lua" "$base/api/login" \
  >"$work/storm.txt" &
storm=$!
sleep 2
# No CPU row: the server's time is mostly the storm's hashing.
cpu_label="" measure "GET /profile during 50 concurrent sign-ins" $connections \
  -H "Cookie: $owner_cookie" "$base/profile"
wait "$storm"
read -r rps p50 p99 errors <<<"$(figures "$(cat "$work/storm.txt")")"
rows+=("| POST /api/login (the storm itself) | 50 | $rps | $p50 | $p99 | | | | $errors |")

peak_kb=$(awk '/VmHWM/ { print $2 }' "/proc/$server_pid/status")
rss_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$server_pid/status")

page_kb() { # page_kb URL COOKIE: the size of a page as sent uncompressed, in KB
  curl -fsS -H "Cookie: $2" "$1" | wc -c | awk '{ printf "%.1f", $1 / 1024 }'
}
sizes="/profile $(page_kb "$base/profile" "$owner_cookie") KB (reference $(page_kb "$reference/profile" "$owner_reference_cookie") KB), /admin/users $(page_kb "$base/admin/users" "$admin_cookie") KB (reference $(page_kb "$reference/admin/users" "$admin_reference_cookie") KB)"

if [ "${BENCH_SEED:-0}" = 1 ]; then
  seed_line=$(SEED_USERS="$users" bash scripts/seed-bench.sh | tail -n1)
else
  seed_line="seed: not timed in this run (BENCH_SEED=1 bash scripts/bench.sh, or bash scripts/seed-bench.sh)"
fi

step "results ($(nproc) cores, $users owners, release build)"
echo "| request | connections | requests/s | p50 | p99 | reference requests/s | reference p99 | app/reference | errors |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "start-up to ready: ${startup_ms} ms"
echo "server memory: idle after start-up $((idle_kb / 1024)) MB, peak $((peak_kb / 1024)) MB, at the end $((rss_kb / 1024)) MB"
echo "pages as sent (uncompressed): $sizes"
bash scripts/bundle-size.sh
echo "$seed_line"
if [ -s "$cpu_table" ]; then
  echo
  echo "CPU time per request, in µs (BENCH_CPU=1; from /proc, 10 ms ticks):"
  echo "| request | server code | server kernel | PostgreSQL | Redis | wrk |"
  echo "|---|---|---|---|---|---|"
  cat "$cpu_table"
fi

#!/usr/bin/env bash
# Sets up everything and runs every test: formatting, lints (server and browser code), unit
# and integration tests against real PostgreSQL and Redis, and the browser tests in Chromium.
# Tests use databases of their own and a private Redis, and leave nothing behind.
# Ends with one line: "summary: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

step "first run? Compiling tools and both halves of the app takes 20-30 minutes on 2 cores; later runs a few"
# Ends the run before any test could run, still with the summary line CI reads.
fail_early() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; printf '\nsummary: 0 passed, 1 failed\n'; exit 1; }

bash scripts/setup.sh --for-tests || fail_early "set-up failed"

passed=0
failed=0
problems=()
log_dir=$(mktemp -d)

# A private Redis for this run, on a free port, stopped at the end.
redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --daemonize yes \
  --logfile "$log_dir/redis.log" || fail_early "cannot start a private Redis"
finish() { # stops the private Redis and mail server; keeps their logs when something failed
  [ "${failed:-0}" -gt 0 ] && cp "$log_dir/redis.log" target/test-redis.log 2>/dev/null
  [ "${failed:-0}" -gt 0 ] && cp "$log_dir/smtp.log" target/test-smtp.log 2>/dev/null
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1
  [ -n "${smtp_port:-}" ] && stop_smtp "$smtp_port"
  rm -rf "$log_dir"
}
trap finish EXIT
for _ in $(seq 1 40); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.25; done
redis-cli -p "$redis_port" ping >/dev/null 2>&1 ||
  fail_early "the private Redis on port $redis_port did not start: $(tail -n 3 "$log_dir/redis.log")"
export TEST_REDIS_URL="redis://127.0.0.1:$redis_port"

# A private mail server too, whose Maildir the tests read.
smtp_port=$(free_port)
export TEST_MAILDIR="$log_dir/mail"
start_smtp "$smtp_port" "$TEST_MAILDIR" "$log_dir/smtp.log" ||
  fail_early "the private mail server on port $smtp_port did not start: $(tail -n 3 "$log_dir/smtp.log")"
export TEST_SMTP_URL="smtp://127.0.0.1:$smtp_port"
export TEST_PG_URL="${TEST_PG_URL:-postgres://user_service:user_service@127.0.0.1:5432}"

check() { # check NAME COMMAND...: a step that must succeed, counted as one test
  local name=$1; shift
  step "$name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); problems+=("$name"); fi
}

check "formatting (cargo fmt --check)" cargo fmt --all -- --check
check "lints, server and platform-auth (cargo clippy)" \
  cargo clippy --quiet --workspace --features ssr --all-targets -- -D warnings
check "lints, browser bundle (cargo clippy)" \
  cargo clippy --quiet --lib --no-default-features --features hydrate --target-dir target/clippy-hydrate -- -D warnings

step "browser bundle"
if ! bash scripts/build-site.sh debug; then
  echo; echo "summary: $passed passed, $((failed + 1)) failed"; exit 1
fi

step "unit and integration tests (cargo test)"
run_cargo_tests() {
  cargo test --workspace --features ssr 2>&1 | tee "$log_dir/cargo-test.log"
  return "${PIPESTATUS[0]}"
}
run_cargo_tests
cargo_status=$?
if [ "$cargo_status" -ne 0 ] && grep -q "^test result: FAILED" "$log_dir/cargo-test.log"; then
  # A rare hang has been seen once in ~20 runs (see the issue notes); a real failure fails
  # twice. The second attempt's figures are the ones counted, and this line says so.
  step "some Rust tests failed; running them once more to tell a flaky failure from a real one"
  cp "$log_dir/cargo-test.log" "$log_dir/cargo-test-first-attempt.log"
  run_cargo_tests
  cargo_status=$?
  problems+=("the Rust tests needed a second attempt (first: $(grep -c '^test .* FAILED$' "$log_dir/cargo-test-first-attempt.log") failed)")
fi
while read -r p f; do
  passed=$((passed + p)); failed=$((failed + f))
done < <(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' "$log_dir/cargo-test.log")
if [ "$cargo_status" -ne 0 ] && ! grep -q "^test result: FAILED" "$log_dir/cargo-test.log"; then
  failed=$((failed + 1)); problems+=("cargo test did not run (build error)")
fi

bash scripts/e2e.sh 2>&1 | tee "$log_dir/e2e.log"
e2e_status=${PIPESTATUS[0]}
e2e_passed=$(sed -n 's/^ *\([0-9]*\) passed.*/\1/p' "$log_dir/e2e.log" | tail -n1)
e2e_failed=$(sed -n 's/^ *\([0-9]*\) failed.*/\1/p' "$log_dir/e2e.log" | tail -n1)
e2e_flaky=$(sed -n 's/^ *\([0-9]*\) flaky.*/\1/p' "$log_dir/e2e.log" | tail -n1)
passed=$((passed + ${e2e_passed:-0}))
failed=$((failed + ${e2e_failed:-0} + ${e2e_flaky:-0}))
if [ "$e2e_status" -ne 0 ] && [ -z "$e2e_failed" ]; then
  failed=$((failed + 1)); problems+=("the browser tests did not run")
fi

echo
[ ${#problems[@]} -gt 0 ] && printf 'notes: %s\n' "${problems[*]}"
echo "summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

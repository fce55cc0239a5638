# Helpers shared by the scripts. Sourced, not run.

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# cargo for the wasm32 build. With rustup's wasm32 target (a normal machine) it is plain
# cargo; where rustup cannot download (these build machines) it is Debian's rustc-web 1.96,
# which builds std for wasm32 itself (-Zbuild-std needs RUSTC_BOOTSTRAP on a stable rustc).
wasm_cargo() {
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    cargo "$@"
  else
    PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1 /usr/bin/cargo "$@" -Zbuild-std=std,panic_abort
  fi
}

# wasm-opt from the npm package binaryen (Debian's binaryen 108 breaks the bundle).
wasm_opt() {
  local bin=end2end/node_modules/.bin/wasm-opt
  [ -x "$bin" ] || die "wasm-opt is missing: run scripts/setup.sh first"
  "$bin" "$@"
}

# A TCP port nobody listens on, from a random start below Linux's ephemeral range (32768 and
# up), so that no outgoing connection can be holding it either.
free_port() {
  local port=$((20000 + RANDOM % 12000))
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}

# Waits until `url` answers 200, up to `seconds`.
wait_for_http() {
  local url=$1 seconds=${2:-30}
  for _ in $(seq 1 $((seconds * 4))); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.25
  done
  return 1
}

# The development mail server (Debian's python3-aiosmtpd): every message it receives becomes a
# file in a Maildir (`new/`), which people and tests read. Used by setup.sh (a shared one on
# 127.0.0.1:2525) and test.sh (a private one per run).
DEV_SMTP_PORT=2525
DEV_MAILDIR=/var/tmp/user-service-mail

# start_smtp PORT MAILDIR LOGFILE: starts one in the background unless the port answers.
start_smtp() {
  local port=$1 maildir=$2 log=$3
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
  mkdir -p "$maildir/tmp" "$maildir/new" "$maildir/cur"
  # Debian's python (the package's), not another python3 earlier on PATH.
  setsid /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$port" \
    -c aiosmtpd.handlers.Mailbox "$maildir" >"$log" 2>&1 < /dev/null &
  for _ in $(seq 1 40); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.25
  done
  return 1
}

# stop_smtp PORT: stops the mail server listening on PORT (one this script family started).
stop_smtp() {
  pkill -f "aiosmtpd -n -l 127.0.0.1:$1 " 2>/dev/null || true
}

# start_private_services WORKDIR: a Redis (keeping nothing on disk) and a mail server of this
# run's own, on free ports, logging into WORKDIR; sets redis_port and smtp_port. The app mails
# notices as it runs (a new browser signed in, say), so a server under test needs both.
start_private_services() {
  local work=$1
  redis_port=$(free_port)
  redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --daemonize yes \
    --logfile "$work/redis.log"
  smtp_port=$(free_port)
  start_smtp "$smtp_port" "$work/mail" "$work/smtp.log" || die "the mail server did not start"
}

# stop_private_services: stops what start_private_services started (safe to call twice).
stop_private_services() {
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  stop_smtp "$smtp_port"
}

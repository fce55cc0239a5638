#!/usr/bin/env bash
# Installs and starts what the app needs on a Debian or Ubuntu machine, and only what is
# missing: PostgreSQL, Redis, a development mail server, the wasm32 toolchain, wasm-bindgen,
# and the npm packages (with Chromium for the browser tests when called with --for-tests).
# Safe to run again.
# Needs root or sudo for apt-get. Non-interactive (CI=true, no stdin is fine).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

for_tests=false
[ "${1:-}" = "--for-tests" ] && for_tests=true

export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "run as root or install sudo: apt-get is needed"
  SUDO="sudo"
fi

apt_updated=false
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$apt_updated" = false ]; then
    note "apt-get update"
    $SUDO apt-get update -qq
    apt_updated=true
  fi
  note "apt-get install ${missing[*]}"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- PostgreSQL -------------------------------------------------------------------------
step "PostgreSQL"
if ! command -v pg_ctlcluster >/dev/null && ! command -v psql >/dev/null; then
  apt_install postgresql
fi
pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! pg_ready; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
  [ -n "$version" ] || die "PostgreSQL is installed but has no cluster in /etc/postgresql"
  note "starting PostgreSQL $version"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_ready && break; sleep 0.5; done
  pg_ready || die "PostgreSQL did not start on 127.0.0.1:5432"
fi
# The app's role: may create databases (each test run makes its own). The password is for
# local development only.
if ! PGPASSWORD=user_service psql -h 127.0.0.1 -U user_service -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
  note "creating the PostgreSQL role user_service"
  $SUDO runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -d postgres -c \
    "DO \$\$ BEGIN
       IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'user_service') THEN
         CREATE ROLE user_service LOGIN CREATEDB PASSWORD 'user_service';
       ELSE
         ALTER ROLE user_service LOGIN CREATEDB PASSWORD 'user_service';
       END IF;
     END \$\$;"
fi
note "PostgreSQL is ready on 127.0.0.1:5432"

# --- Redis ------------------------------------------------------------------------------
step "Redis"
command -v redis-server >/dev/null || apt_install redis-server
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  note "starting Redis on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --logfile /tmp/user-service-redis.log
  for _ in $(seq 1 20); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.25; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || die "Redis did not start on 127.0.0.1:6379"
note "Redis is ready on 127.0.0.1:6379"

# --- A mail server for development -------------------------------------------------------
step "mail server (development)"
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || apt_install python3-aiosmtpd
start_smtp "$DEV_SMTP_PORT" "$DEV_MAILDIR" /tmp/user-service-smtp.log ||
  die "the mail server did not start on 127.0.0.1:$DEV_SMTP_PORT: $(tail -n 3 /tmp/user-service-smtp.log)"
note "mail to anyone is kept in $DEV_MAILDIR/new (smtp://127.0.0.1:$DEV_SMTP_PORT)"

# --- The wasm32 toolchain ---------------------------------------------------------------
step "wasm32 toolchain"
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  note "rustup has wasm32-unknown-unknown"
elif rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
  note "added wasm32-unknown-unknown with rustup"
else
  # rustup cannot download here: Debian's rustc-web builds std for wasm32 from source.
  note "rustup cannot add wasm32; using Debian's rustc-web (about 900 MB, once)"
  apt_install rustc-web cargo-web rust-web-src rust-web-llvm lld-22
fi

# --- wasm-bindgen, the same version as in Cargo.lock ------------------------------------
wanted=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$wanted" ]; then
  step "compiling wasm-bindgen-cli $wanted (once per machine, about 3 minutes)"
  cargo install wasm-bindgen-cli --version "$wanted" --quiet
fi
note "wasm-bindgen $wanted"

# --- brotli, for the precompressed bundle (scripts/build-site.sh) -----------------------
step "brotli"
command -v brotli >/dev/null || apt_install brotli
note "$(command -v brotli)"

# --- npm packages (Playwright, wasm-opt) ------------------------------------------------
step "npm packages in end2end/"
(cd end2end && npm ci --no-audit --no-fund --loglevel=error)

if [ "$for_tests" = true ]; then
  step "Chromium for the browser tests"
  if [ -x /usr/bin/chromium ]; then
    note "/usr/bin/chromium"
  elif (. /etc/os-release && [ "${ID:-}" = debian ]); then
    # Debian packages a real chromium (Ubuntu's is a snap). apt_install updates the package
    # lists first: on a fresh machine they are empty and apt-cache knows no candidate yet.
    apt_install chromium
  else
    # Ubuntu's chromium is a snap, which does not run everywhere: use Playwright's own build.
    (cd end2end && npx playwright install --with-deps chromium)
  fi
fi
step "set-up complete"

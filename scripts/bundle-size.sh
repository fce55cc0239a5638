#!/usr/bin/env bash
# Prints the browser bundle's size as built in target/site (scripts/build-site.sh release):
# the .wasm and .js as they are, and as sent (the .gz and .br written beside them), then
# twiggy's view of what takes the space: the generic functions instantiated most (their copies'
# bytes) and the largest functions, on the copy kept before wasm-opt, which still has function
# names (`cargo install twiggy` if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

pkg="${LEPTOS_SITE_ROOT:-target/site}/pkg"
kb() { [ -f "$1" ] && awk -v b="$(wc -c <"$1")" 'BEGIN { printf "%.0f KB", b / 1024 }' || echo "-"; }
wasm="$pkg/user-service_bg.wasm"
[ -f "$wasm" ] || die "no bundle in $pkg: run scripts/build-site.sh release first"
echo "browser bundle: wasm $(kb "$wasm") (gzip $(kb "$wasm.gz"), brotli $(kb "$wasm.br")); js $(kb "$pkg/user-service.js") (gzip $(kb "$pkg/user-service.js.gz"), brotli $(kb "$pkg/user-service.js.br"))"

named=target/front/user-service_bg.named.wasm
if [ -f "$named" ]; then
  command -v twiggy >/dev/null || cargo install twiggy --quiet
  echo "twiggy: generic functions with the most copies (before wasm-opt, names kept):"
  twiggy monos -m 8 -n 0 "$named" | grep -v '\.\.\. and' | cut -c1-160 | sed 's/^/    /'
  echo "twiggy: largest single functions:"
  twiggy top -n 10 "$named" | grep -v 'function names\|data segment\|more\.\|Total Rows' |
    cut -c1-160 | sed 's/^/    /'
fi

#!/usr/bin/env bash
# Builds the browser half of the app into target/site (what the server serves):
#   target/site/pkg/user-service.js, user-service_bg.wasm  the hydrate bundle (wasm-bindgen)
#   target/site/pkg/user-service.css                       style/main.css
#   target/site/*                                          public/
# Usage: scripts/build-site.sh [debug|release]
#
# Why not cargo-leptos: it compiles for ~14 minutes on a fresh machine; these three steps are
# all it would do for this app. The wasm build uses its own target dir (target/front) because
# it may be driven by another rustc than the server build (see scripts/lib.sh, wasm_cargo).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

profile="${1:-debug}"
site="${LEPTOS_SITE_ROOT:-target/site}"
case "$profile" in
  debug) cargo_profile=(); out_dir=debug ;;
  release) cargo_profile=(--profile wasm-release); out_dir=wasm-release ;;
  *) die "unknown profile '$profile' (use debug or release)" ;;
esac

step "building the browser bundle ($profile, wasm32)"
wasm_cargo build --lib --target wasm32-unknown-unknown --no-default-features --features hydrate \
  --target-dir target/front "${cargo_profile[@]}"

mkdir -p "$site/pkg"
wasm-bindgen --target web --no-typescript --out-dir "$site/pkg" --out-name user-service \
  "target/front/wasm32-unknown-unknown/$out_dir/user_service.wasm"

if [ "$profile" = release ]; then
  # A copy that keeps its function names, for scripts/bundle-size.sh (twiggy).
  cp "$site/pkg/user-service_bg.wasm" target/front/user-service_bg.named.wasm
  step "shrinking the bundle with wasm-opt"
  wasm_opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$site/pkg/user-service_bg.wasm" -o "$site/pkg/user-service_bg.wasm"
fi

cp style/main.css "$site/pkg/user-service.css"
# Compressed once here, not by the server on every request: it sends the .br to browsers that
# accept brotli (all current ones), else the .gz. Quick for the debug bundle, smallest for the
# release one.
if [ "$profile" = release ]; then gzip_level=9 brotli_quality=11; else gzip_level=1 brotli_quality=4; fi
for file in "$site"/pkg/*.wasm "$site"/pkg/*.js "$site"/pkg/*.css; do
  gzip "-$gzip_level" --keep --force "$file"
  brotli --quality="$brotli_quality" --keep --force --output="$file.br" "$file"
done
cp -R public/. "$site/"
step "site ready in $site ($(du -h "$site/pkg/user-service_bg.wasm" | cut -f1) wasm)"

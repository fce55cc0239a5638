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

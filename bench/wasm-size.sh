#!/usr/bin/env bash
# The mesh wasm's size for size work, in ~35 s: builds the wasm crate as
# scripts/build does (same toolchain, flags, wasm-bindgen, closure-shim
# pruning, wasm-opt, short imports, function reorder) into target/wasm-size/
# without the SFU build, the facade or the server, and prints gzip -9 (GNU
# gzip and node's zlib, which bench/bundle.mjs uses) of the result. Also
# leaves target/wasm-size/named.wasm (the same module optimized with its
# names) for `node bench/wasm-functions.mjs [--group]`.
#   bench/wasm-size.sh                    the mesh build
#   FEATURES=js,sfu bench/wasm-size.sh    the SFU build
#   PASSES=0 bench/wasm-size.sh           the reorder's greedy order only (faster)
# The reorder moves a small change's result by ±50–200 B: compare changes
# of a few hundred bytes or more, or look at the named module's raw sizes.
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
sysroot="$(rustup run "$WEB_NIGHTLY" rustc --print sysroot 2>/dev/null || true)"
[ -d "$sysroot/lib/rustlib/src/rust/library" ] || { echo "$WEB_NIGHTLY with rust-src is missing: run scripts/bootstrap" >&2; exit 1; }
RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none" \
  cargo "+$WEB_NIGHTLY" build -q --profile web --target wasm32-unknown-unknown --lib -p rtcroom \
  --no-default-features --features "${FEATURES:-js}" \
  -Z build-std=std,panic_abort -Z build-std-features=optimize_for_size
d=target/wasm-size
rm -rf "$d" && mkdir -p "$d"
wasm-bindgen --target web --out-dir "$d" --out-name rtcroom target/wasm32-unknown-unknown/web/rtcroom.wasm
node scripts/prune-closure-shims.mjs "$d/rtcroom_bg.wasm" >/dev/null
# The flags of scripts/build's opt_wasm.
opt=(--flatten --rereloop -Oz -Oz --one-caller-inline-max-function-size=20 --always-inline-max-function-size=4
  --zero-filled-memory --low-memory-unused --strip-producers --strip-target-features
  --enable-bulk-memory --enable-reference-types --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-multivalue)
wasm-opt -g "${opt[@]}" "$d/rtcroom_bg.wasm" -o "$d/named.wasm"
wasm-opt "${opt[@]}" "$d/rtcroom_bg.wasm" -o "$d/rtcroom_bg.wasm"
node scripts/shorten-imports.mjs "$d/rtcroom_bg.wasm" "$d/rtcroom.js" >/dev/null
RTCROOM_REORDER_PASSES="${PASSES:-1}" node scripts/reorder-functions.mjs "$d/rtcroom_bg.wasm" >/dev/null
zlib=$(node -e "console.log(require('zlib').gzipSync(require('fs').readFileSync('$d/rtcroom_bg.wasm'),{level:9}).length)")
echo "wasm ($d/rtcroom_bg.wasm): gzip -9 $(gzip -9c "$d/rtcroom_bg.wasm" | wc -c) B, zlib 9 $zlib B, raw $(wc -c < "$d/rtcroom_bg.wasm") B"

# Shared by the scripts: repo root, logging, the pinned versions.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' "$ROOT/Cargo.toml")"
GECKODRIVER_VERSION=0.37.1
# The npm wasm is built with this pinned nightly and its own std
# (`-Z build-std`, panics abort without messages): 13 KB gzip smaller than
# stable. scripts/build falls back to stable when it is missing.
WEB_NIGHTLY=nightly-2026-05-20
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
is_root() { [ "$(id -u)" = 0 ]; }

# Runs "$@" in a fresh network namespace (root only) with loopback plus a
# veth pair whose two ends both live in the namespace and carry its default
# route (10.99.0.1 -> 10.99.0.2): nothing can leave the machine, but Chromium
# pages without camera permission, which gather only on the default route's
# interface (hidden behind an mDNS .local name), get a candidate to use.
in_private_netns() {
  if is_root && command -v unshare >/dev/null; then
    unshare -n sh -c 'ip link set lo up \
      && ip link add rv0 type veth peer name rv1 \
      && ip addr add 10.99.0.1/24 dev rv0 && ip link set rv0 up && ip link set rv1 up \
      && ip route add default via 10.99.0.2 \
      && exec "$@"' sh "$@"
  else
    log "not root: running without a private network namespace"
    "$@"
  fi
}

# Runs "$@" in a fresh network namespace with only loopback (root only), so
# browser tests can reach nothing outside the machine.
in_loopback_netns() {
  if is_root && command -v unshare >/dev/null; then
    unshare -n sh -c 'ip link set lo up && exec "$@"' sh "$@"
  else
    log "not root: running without a private network namespace"
    "$@"
  fi
}

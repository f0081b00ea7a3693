#!/usr/bin/env bash
# Unpacks Debian 12's own Node.js 18 (the `nodejs` and `libnode108` packages, from Debian's apt
# repositories) into DEST, beside a newer system node, so that the tests can run the openai SDK
# on both (tests/CMakeLists.txt: integration.openai_node18). Nothing is installed over the
# system node: the two packages are only unpacked; what Debian's node loads from the system (its
# shared libraries and the externalized builtins in /usr/share/nodejs: node-acorn,
# node-cjs-module-lexer, node-undici) is installed as ordinary packages. DEST/node runs it.
# Idempotent; does nothing when the system node already is Node 18.
#   scripts/debian-node18.sh [DEST]      (default /var/cache/polyvox/node18)
set -euo pipefail

dest=${1:-/var/cache/polyvox/node18}
if command -v node >/dev/null 2>&1 && node --version | grep -q '^v18\.'; then exit 0; fi
if [ -x "$dest/node" ] && "$dest/node" --version 2>/dev/null | grep -q '^v18\.'; then exit 0; fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
libraries=(libuv1 libc-ares2 libicu72 libnghttp2-14 libbrotli1 libssl3 zlib1g
           node-acorn node-cjs-module-lexer node-undici)
missing=()
for p in "${libraries[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
version() { apt-cache madison nodejs | awk -F'|' '$2 ~ /^ *18\./ {gsub(/ /, "", $2); print $2; exit}'; }
if [ ${#missing[@]} -gt 0 ] || [ -z "$(version)" ]; then
  $SUDO apt-get update -q
fi
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
v=$(version)
if [ -z "$v" ]; then
  echo "debian-node18: no Node 18 in the apt repositories (is this Debian 12?)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q -o APT::Sandbox::User=root "nodejs=$v" "libnode108=$v" >/dev/null)
$SUDO rm -rf "$dest.new"
$SUDO mkdir -p "$dest.new"
for deb in "$work"/*.deb; do $SUDO dpkg-deb -x "$deb" "$dest.new"; done
$SUDO tee "$dest.new/node" >/dev/null <<'WRAPPER'
#!/bin/sh
# Debian's Node 18, unpacked here by scripts/debian-node18.sh.
here=$(dirname "$(readlink -f "$0")")
LD_LIBRARY_PATH="$here/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  exec "$here/usr/bin/node" "$@"
WRAPPER
$SUDO chmod 755 "$dest.new/node"
"$dest.new/node" --version | grep -q '^v18\.'
$SUDO rm -rf "$dest"
$SUDO mv "$dest.new" "$dest"

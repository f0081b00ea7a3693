#!/bin/sh
# Installs the openai SDK pinned by package-lock.json (exact version, integrity hash checked by
# npm ci) into DEST, from the npm registry; nothing to do when DEST already holds that lock.
# usage: install.sh DEST
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dest=$1
mkdir -p "$dest"
if cmp -s "$here/package-lock.json" "$dest/package-lock.json" &&
   [ -f "$dest/node_modules/openai/package.json" ]; then
  exit 0
fi
cp "$here/package.json" "$here/package-lock.json" "$dest/"
cd "$dest"
npm ci --silent --no-audit --no-fund

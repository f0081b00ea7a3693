#!/usr/bin/env bash
# Fetches the Swagger UI files that `polyvox serve` embeds for /docs, from the npm registry, at
# build time (nothing is downloaded at run time). Pinned version, checked against its checksum.
# usage: scripts/fetch-web-assets.sh DEST_DIR
set -euo pipefail
dest="$1"
version="5.35.0"
sha256="1b8e891893404ea4c3558b6a87e2a3e494e7eedba41168c2ece5800a391a6ea6"
files=(swagger-ui.css swagger-ui-bundle.js oauth2-redirect.html favicon-32x32.png LICENSE NOTICE)

if [ -f "$dest/.version" ] && [ "$(cat "$dest/.version")" = "$version" ]; then exit 0; fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "swagger-ui-dist@$version" >/dev/null)
tarball="$work/swagger-ui-dist-$version.tgz"
actual="$(sha256sum "$tarball" | cut -d' ' -f1)"
if [ "$actual" != "$sha256" ]; then
  echo "fetch-web-assets: checksum mismatch for swagger-ui-dist $version: $actual" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work"
mkdir -p "$dest"
for f in "${files[@]}"; do cp "$work/package/$f" "$dest/$f"; done
echo "$version" > "$dest/.version"

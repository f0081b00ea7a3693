#!/usr/bin/env bash
# Fetches the third-party web files that `polyvox serve` embeds, from the npm registry, at build
# time (nothing is downloaded at run time). Each package has a pinned version and is checked
# against its tarball's SHA-256 before anything is taken from it:
#   swagger-ui-dist  /docs (Swagger UI)
#   wavesurfer.js    the studio's waveform player and its regions plugin (web/, served at /)
#   axe-core         the accessibility checks of the studio's browser tests (never served)
# usage: scripts/fetch-web-assets.sh DEST_DIR
set -euo pipefail
dest="$1"
mkdir -p "$dest"

# fetch NAME VERSION SHA256 FILE... : copies each FILE of the package to DEST_DIR, under its base
# name ("path/in/package") or the name given ("path/in/package:name").
fetch() {
  local name="$1" version="$2" sha256="$3"
  shift 3
  local stamp="$dest/.version-$name"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ]; then return 0; fi
  local work
  work="$(mktemp -d)"
  (cd "$work" && npm pack --silent "$name@$version" >/dev/null)
  local tarball="$work/$name-$version.tgz"
  local actual
  actual="$(sha256sum "$tarball" | cut -d' ' -f1)"
  if [ "$actual" != "$sha256" ]; then
    echo "fetch-web-assets: checksum mismatch for $name $version: $actual" >&2
    rm -rf "$work"
    exit 1
  fi
  tar -xzf "$tarball" -C "$work"
  local f
  for f in "$@"; do
    if [[ "$f" == *:* ]]; then
      cp "$work/package/${f%%:*}" "$dest/${f##*:}"
    else
      cp "$work/package/$f" "$dest/$(basename "$f")"
    fi
  done
  rm -rf "$work"
  echo "$version" > "$stamp"
}

fetch swagger-ui-dist 5.35.0 1b8e891893404ea4c3558b6a87e2a3e494e7eedba41168c2ece5800a391a6ea6 \
  swagger-ui.css swagger-ui-bundle.js oauth2-redirect.html favicon-32x32.png LICENSE NOTICE
fetch wavesurfer.js 8.0.1 f1a63903c1a53591ba24be4aad13d7ae69c6373f359701857135b756b307bf3b \
  dist/wavesurfer.esm.js dist/plugins/regions.esm.js:wavesurfer-regions.esm.js \
  LICENSE:wavesurfer-LICENSE
fetch axe-core 4.14.1 e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745 \
  axe.min.js LICENSE:axe-LICENSE

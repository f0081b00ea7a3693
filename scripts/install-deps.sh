#!/usr/bin/env bash
# Installs the Debian 12 packages one use of Polyvox needs, by profile; each profile includes
# the ones above it. Idempotent: packages already present are skipped; apt-get runs only when
# something is missing.
#   scripts/install-deps.sh --build    building the binary (make run; container build stage)
#   scripts/install-deps.sh --test     + GoogleTest, the tools the tests drive (FFmpeg, Redis,
#                                      Chromium, ...) and the diacritizer training's smoke test
#                                      (make test)
#   scripts/install-deps.sh            + the benchmark tools (make bench, diacritizer training)
#   scripts/install-deps.sh --runtime  only what the polyvox binary needs to run (container image)
#   scripts/install-deps.sh --fuzz     building plus GoogleTest and Debian's clang-14 with its
#                                      libFuzzer/sanitizer runtimes (make fuzz)
set -euo pipefail

runtime_packages=(
  ca-certificates libcurl4 libhiredis0.14 libsqlite3-0 libavcodec59 libavformat59 libavutil57 libavfilter8
  libswresample4 libsoxr0 libmp3lame0 libebur128-1 libespeak-ng1 espeak-ng-data libflite1
  libsodium23 libjwt0 libspdlog1.10 libfmt9 libtomlplusplus3 libicu72 curl
)

build_packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git ca-certificates python3
  # libraries (what each area uses them for: docs/architecture.md)
  libboost1.81-dev libcurl4-openssl-dev libssl-dev libhiredis-dev libsqlite3-dev
  libavcodec-dev libavformat-dev libavutil-dev libswresample-dev libavfilter-dev libsoxr-dev
  libmp3lame-dev
  libebur128-dev
  libespeak-ng-dev espeak-ng-data flite1-dev
  # Unicode letters, digits and scripts of block texts (core/letters.h)
  libicu-dev
  libsodium-dev libjwt-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libtomlplusplus-dev libcli11-dev
  libeigen3-dev
)

test_packages=(
  "${build_packages[@]}"
  libgtest-dev libgmock-dev
  # diacritizer training (tools/train_diacritizer) and its smoke test; OpenBLAS makes CPU
  # training ~10x faster than the reference BLAS. Always run with /usr/bin/python3.
  python3-torch python3-numpy libopenblas0-openmp
  # tools the tests drive (curl: the OpenAI endpoint's requests as Open WebUI sends them)
  clang-format ffmpeg espeak-ng lame openssl sqlite3 redis-server supervisor chromium nginx-light
  curl
  # docker-compose.yml read by the deployment test (tests/integration/deploy_test.py)
  python3-yaml
  # the studio's browser tests (tests/browser): Debian's Chromium driven by its chromedriver
  chromium-driver python3-selenium
)

# The libFuzzer build (make fuzz): Debian's clang 14 and compiler-rt (libFuzzer, ASan, UBSan).
fuzz_packages=(libgtest-dev libgmock-dev clang-14 libclang-rt-14-dev)

# Everything: the tests' packages plus the benchmarks' tools.
packages=("${test_packages[@]}" wrk hyperfine time)

case "${1:-}" in
  --runtime) packages=("${runtime_packages[@]}") ;;
  --build) packages=("${build_packages[@]}") ;;
  --test) packages=("${test_packages[@]}") ;;
  --fuzz) packages=("${build_packages[@]}" "${fuzz_packages[@]}") ;;
  "") ;;
  *) echo "usage: $0 [--build|--test|--runtime|--fuzz]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js (npm packages: swagger-ui-dist, s3rver, OpenAPI validator, the openai SDK of the /v1
# tests) — any installed node will do; the tests also run the SDK on Debian's Node 18 when the
# system node is another (scripts/debian-node18.sh, at the end).
if [ "${1:-}" != "--runtime" ] && { ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; }; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  if [ "${1:-}" = "--runtime" ]; then $SUDO rm -rf /var/lib/apt/lists/*; fi
fi

# The /v1 tests run the openai SDK on the system node and on Debian 12's Node 18: unpack the
# latter beside a newer system node (nothing when the system node is Node 18).
case "${1:-}" in
  --test|"") "$(dirname "$0")/debian-node18.sh" ;;
esac

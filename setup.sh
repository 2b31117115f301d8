#!/usr/bin/env bash
# Strata set-up: installs the missing Debian 12 packages, builds, then runs the main job or
# the whole test suite.
#
#   ./setup.sh run    install what is missing, build, run strata-cli (inspect, tokenize,
#                     trace) on the bundled sample model
#   ./setup.sh test   install what is missing, build, run every test through CTest
#
# Works as root or as a user with sudo. Environment: STRATA_PRESET (default dev),
# STRATA_JOBS (default: number of cores). With CI set, warnings are errors.
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-}
case "$mode" in
  run|test|deps|build) ;;
  *) echo "usage: ./setup.sh run|test   (or: deps, build)" >&2; exit 2 ;;
esac

packages=(
  cmake ninja-build g++ ccache pkg-config clang-format git
  qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev qt6-svg-dev
  libqcustomplot-dev libqcustomplot2.1-qt6
  libtorch-dev libopenblas0-pthread
  nlohmann-json3-dev libpcre2-dev libicu-dev libpng-dev libjpeg62-turbo-dev
  xvfb xauth libgl1-mesa-dri
  dataset-fashion-mnist
)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  echo "setup.sh: installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

preset=${STRATA_PRESET:-dev}
jobs=${STRATA_JOBS:-$(nproc)}

build() {
  local extra=()
  [ -n "${CI:-}" ] && extra+=(-DSTRATA_WERROR=ON)
  cmake --preset "$preset" "${extra[@]}"
  cmake --build --preset "$preset" -j "$jobs"
}

install_missing
[ "$mode" = deps ] && exit 0
build
bin=build/$preset
case "$mode" in
  run)
    sample=resources/samples/tiny-gpt2
    "$bin/app/cli/strata-cli" inspect --model "$sample"
    "$bin/app/cli/strata-cli" tokenize --model "$sample" \
      --text "The quick brown fox jumps over the lazy dog."
    "$bin/app/cli/strata-cli" trace --model "$sample" \
      --text "The quick brown fox jumps over the lazy dog." --out "$bin/sample-trace.safetensors"
    ;;
  test)
    # GUI tests need a display for OpenGL: run the suite under a virtual X server.
    xvfb-run -a -s "-screen 0 1920x1080x24" \
      ctest --preset "$preset" --parallel "$jobs" --output-on-failure
    ;;
esac

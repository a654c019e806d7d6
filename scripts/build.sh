#!/usr/bin/env bash
# Installs missing Debian packages, then configures and builds benchd.
# Usage: scripts/build.sh [BUILD_DIR]   (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${BENCHD_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"$(nproc)"

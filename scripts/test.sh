#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs every test
# through CTest (unit, integration against a real PostgreSQL that the suite
# starts itself, and end-to-end with real benchd, bench-agent and benchctl
# processes). Extra arguments go to ctest, e.g. `scripts/test.sh -L unit`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BENCHD_BUILD_DIR:-$root/build}

"$root/scripts/build.sh" "$build"
cd "$build"
ctest --output-on-failure --timeout 600 -j"$(nproc)" "$@"

#!/usr/bin/env bash
# Set up, build and launch txpulse; arguments go to the program (see: scripts/run.sh --help).
#
#   scripts/run.sh                                   # standalone: feed -> charts + REST API
#   eval "$(scripts/services.sh start)"              # optional: local Redis and Kafka, then e.g.
#   scripts/run.sh --kafka "$TXPULSE_TEST_KAFKA" --redis "$TXPULSE_TEST_REDIS"
#
# Without a display (no DISPLAY / WAYLAND_DISPLAY) it adds --headless.
# Environment: TXPULSE_BUILD_DIR (default build), TXPULSE_CMAKE_ARGS (extra configure arguments).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${TXPULSE_BUILD_DIR:-build}
[[ $BUILD == /* ]] || BUILD=$REPO/$BUILD

log() { printf 'run: %s\n' "$*" >&2; }

"$REPO/scripts/setup.sh"

if [[ -f $BUILD/CMakeCache.txt ]]; then
    gen=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$BUILD/CMakeCache.txt")
    if [[ -n $gen && $gen != Ninja ]]; then
        log "error: $BUILD was configured with '$gen', not Ninja; remove it or set TXPULSE_BUILD_DIR"
        exit 1
    fi
fi
# Same configuration as scripts/test.sh, so switching between them does not reconfigure.
cmake_args=(-S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTXPULSE_BUILD_TESTS=ON)
if command -v ccache >/dev/null 2>&1; then
    cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
read -ra extra_cmake <<<"${TXPULSE_CMAKE_ARGS:-}"
log "configuring and building $BUILD (target txpulse)"
cmake "${cmake_args[@]}" "${extra_cmake[@]}" >&2
cmake --build "$BUILD" --parallel "$(nproc)" --target txpulse >&2

args=("$@")
if [[ -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} ]]; then
    headless=0
    for a in "${args[@]}"; do [[ $a == --headless ]] && headless=1; done
    if (( ! headless )); then
        log "no DISPLAY or WAYLAND_DISPLAY: running --headless (no window; for the GUI use a desktop session,"
        log "'ssh -X', or: xvfb-run -a scripts/run.sh)"
        args+=(--headless)
    fi
fi

log "starting $BUILD/app/txpulse ${args[*]}"
exec "$BUILD/app/txpulse" "${args[@]}"

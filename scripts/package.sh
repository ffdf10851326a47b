#!/usr/bin/env bash
# Builds the txpulse packages with CPack: a .deb always, an .rpm too where rpmbuild is installed.
# Prints the path of each package on stdout, one per line; progress goes to stderr.
#
#   scripts/package.sh                    # Release build in build-package/, packages in build-package/packages/
#
# Environment:
#   TXPULSE_PACKAGE_BUILD_DIR   build tree (default: build-package, relative to the repository)
#   TXPULSE_JOBS                build parallelism (default: nproc)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${TXPULSE_PACKAGE_BUILD_DIR:-build-package}
[[ $BUILD == /* ]] || BUILD=$REPO/$BUILD
OUT=$BUILD/packages

log() { printf 'package: %s\n' "$*" >&2; }
die() { printf 'package: error: %s\n' "$*" >&2; exit 1; }

command -v dpkg-shlibdeps >/dev/null 2>&1 ||
    die "dpkg-shlibdeps not found (it computes the .deb's Depends): run scripts/setup.sh or apt-get install dpkg-dev"
command -v cpack >/dev/null 2>&1 || die "cpack not found: run scripts/setup.sh"

# Debian's hardening flags (fortify, stack protector, relro, bindnow, PIE), as a Debian build would use.
cxxflags=
ldflags=
if command -v dpkg-buildflags >/dev/null 2>&1; then
    export DEB_BUILD_MAINT_OPTIONS=hardening=+all
    cxxflags="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CXXFLAGS)"
    ldflags=$(dpkg-buildflags --get LDFLAGS)
fi

cmake_args=(-S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release
    -DTXPULSE_BUILD_TESTS=OFF -DTXPULSE_BUILD_BENCH=OFF -DTXPULSE_BUILD_FUZZ=OFF -DTXPULSE_SANITIZE=
    "-DCMAKE_CXX_FLAGS=$cxxflags" "-DCMAKE_EXE_LINKER_FLAGS=$ldflags")
command -v ccache >/dev/null 2>&1 && cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

log "configuring $BUILD (Release)"
cmake "${cmake_args[@]}" >&2
log "building"
cmake --build "$BUILD" --parallel "${TXPULSE_JOBS:-$(nproc)}" >&2

rm -rf "$OUT"
log "running cpack"
(cd "$BUILD" && cpack -B "$OUT") >&2 || die "cpack failed (details above; _CPack_Packages/ in $BUILD has the logs)"

shopt -s nullglob
packages=("$OUT"/*.deb "$OUT"/*.rpm)
(( ${#packages[@]} > 0 )) || die "cpack produced no package in $OUT"
command -v rpmbuild >/dev/null 2>&1 || log "rpmbuild not found: no .rpm (apt-get install rpm to build one)"
for p in "${packages[@]}"; do
    if [[ $p == *.deb ]]; then
        log "$(basename "$p"): $(dpkg-deb -f "$p" Depends)"
    fi
    printf '%s\n' "$p"
done
